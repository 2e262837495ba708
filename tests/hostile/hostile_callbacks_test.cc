// The hostile-filter suite, callbacks: a runaway loop and a trap in each kind of callback, deep
// recursion, memory.grow to the limit, a busy 1 ms tick, a queue filled to its limit and a
// 100 MiB shared data value, on every built wasm engine. Each case checks the error names the
// callback, the stream ends per the fail policy, and a second request still works.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "hostile/hostile_support.h"
#include "support/engines.h"

namespace pwplay::hostile {
namespace {

using namespace std::chrono_literals;

constexpr const char* kLoop = "(loop $forever (br $forever))";
constexpr const char* kTrap = "(unreachable)";

class HostileCallbacks : public ::testing::TestWithParam<std::string> {
 protected:
  const std::string& engine() const { return GetParam(); }
};

// A filter whose request-headers callback runs `hostile` on the first request only.
FilterWat on_first_request_headers(const std::string& hostile) {
  FilterWat wat;
  wat.body = R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (if (call $first) (then )" +
             hostile + R"())
    (i32.const 0)))";
  return wat;
}

// Fail closed answers 503 (`closed_status`; 0 for a reset: a failure after the response started
// cannot answer any more); fail open lets the stream through.
void expect_fails_then_recovers(Harness& harness, const std::string& callback, bool fail_open,
                                const host::RequestSpec& request = {},
                                uint32_t closed_status = 503) {
  host::RunReport first = harness.request(request);
  EXPECT_TRUE(harness.trapped_in(callback)) << "no trap event names " << callback;
  ASSERT_EQ(first.failed_plugins.size(), 1u);
  EXPECT_EQ(first.failed_plugins[0], "hostile");
  if (fail_open) {
    EXPECT_EQ(status_of(first), 200u);
    EXPECT_TRUE(first.upstream_request.has_value());
  } else if (closed_status == 0) {
    EXPECT_TRUE(first.reset) << "status " << status_of(first);
  } else {
    EXPECT_EQ(status_of(first), closed_status);
    ASSERT_TRUE(first.local_reply.has_value());
    EXPECT_EQ(first.local_reply->details, "wasm_fail_stream");
  }
  host::RunReport second = harness.request(request);
  EXPECT_EQ(status_of(second), 200u) << "a normal request after the failure";
  EXPECT_TRUE(second.failed_plugins.empty());
}

TEST_P(HostileCallbacks, RunawayOrTrapInRequestHeaders) {
  for (const char* hostile : {kLoop, kTrap}) {
    for (bool fail_open : {false, true}) {
      SCOPED_TRACE(std::string(hostile) + (fail_open ? " fail open" : " fail closed"));
      Harness harness;
      ASSERT_TRUE(
          harness.load(on_first_request_headers(hostile), harness.config(engine(), fail_open)));
      expect_fails_then_recovers(harness, "proxy_on_request_headers", fail_open);
    }
  }
  Harness harness;
  ASSERT_TRUE(harness.load(on_first_request_headers(kLoop), harness.config(engine())));
  harness.request();
  ASSERT_TRUE(harness.trace().events().size() > 0);
  bool budget_named = false;
  for (const auto& event : harness.trace().events())
    for (const auto& field : event.args)
      if (field.name == "message" &&
          field.value.find(std::to_string(kBudgetMs) + " ms") != std::string::npos)
        budget_named = true;
  EXPECT_TRUE(budget_named) << "the trap should say the runaway budget ended it";
}

TEST_P(HostileCallbacks, RunawayOrTrapInBodyAndResponseCallbacks) {
  struct Case {
    const char* callback;
    uint32_t closed_status;
  };
  const Case cases[] = {
      {"proxy_on_request_body", 503},
      {"proxy_on_response_headers", 503},
      {"proxy_on_response_body", 0},  // the response headers already reached the client
  };
  host::RequestSpec with_body;
  with_body.method = "POST";
  with_body.body = "hello";
  for (const Case& c : cases) {
    for (const char* hostile : {kLoop, kTrap}) {
      SCOPED_TRACE(std::string(c.callback) + " " + hostile);
      FilterWat wat;
      wat.body = std::string("\n  (func (export \"") + c.callback +
                 "\") (param i32 i32 i32) (result i32)" + "\n    (if (call $first) (then " +
                 hostile + "))\n    (i32.const 0))";
      Harness harness;
      ASSERT_TRUE(harness.load(wat, harness.config(engine())));
      expect_fails_then_recovers(harness, c.callback, false, with_body, c.closed_status);
    }
  }
}

TEST_P(HostileCallbacks, RunawayOrTrapAtStartUpOrConfigureFailsTheLoad) {
  struct Case {
    const char* function;
    const char* export_text;
  };
  const Case cases[] = {
      {"_initialize", "(func (export \"_initialize\") HOSTILE)"},
      {"proxy_on_vm_start",
       "(func (export \"proxy_on_vm_start\") (param i32 i32) (result i32) HOSTILE (i32.const 1))"},
      {"proxy_on_configure",
       "(func (export \"proxy_on_configure\") (param i32 i32) (result i32) HOSTILE (i32.const 1))"},
  };
  for (const Case& c : cases) {
    for (const char* hostile : {kLoop, kTrap}) {
      SCOPED_TRACE(std::string(c.function) + " " + hostile);
      std::string body = c.export_text;
      body.replace(body.find("HOSTILE"), 7, hostile);
      FilterWat wat;
      wat.body = "\n  " + body;
      Harness harness;
      const auto start = std::chrono::steady_clock::now();
      Result<void> loaded = harness.load(wat, harness.config(engine()));
      EXPECT_LT(std::chrono::steady_clock::now() - start, kCaseBound);
      ASSERT_FALSE(loaded);
      EXPECT_NE(loaded.error().message.find(c.function), std::string::npos)
          << loaded.error().message;
      if (hostile == kLoop) {
        EXPECT_NE(loaded.error().message.find("runaway budget"), std::string::npos)
            << loaded.error().message;
      }
    }
  }
}

TEST_P(HostileCallbacks, DeepRecursionTrapsTheCallbackOnly) {
  FilterWat wat = on_first_request_headers("(drop (call $down (i32.const 0)))");
  wat.body += R"(
  (func $down (param i32) (result i32)
    (i32.add (call $down (i32.add (local.get 0) (i32.const 1))) (i32.const 1))))";
  Harness harness;
  ASSERT_TRUE(harness.load(wat, harness.config(engine())));
  expect_fails_then_recovers(harness, "proxy_on_request_headers", false);
}

// A callout whose response handler loops or traps: the paused stream must not hang.
FilterWat callout_filter(const std::string& hostile) {
  FilterWat wat;
  wat.body = R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (if (call $first)
      (then
        (drop (call $http_call (i32.const 96) (i32.const 3) (i32.const 112) (i32.const )" +
             std::to_string(callout_headers_size()) + R"()
                               (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                               (i32.const 1000) (i32.const 524)))
        (return (i32.const 1))))
    (i32.const 0))
  (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32) )" +
             hostile + ")";
  return wat;
}

TEST_P(HostileCallbacks, RunawayOrTrapInCalloutResponseFailsThePausedStream) {
  for (const char* hostile : {kLoop, kTrap}) {
    for (bool fail_open : {false, true}) {
      SCOPED_TRACE(std::string(hostile) + (fail_open ? " fail open" : " fail closed"));
      Harness harness;
      host::CalloutResponse reply;
      reply.headers = {{":status", "200"}};
      harness.callouts().set_http_reply("svc", reply);
      ASSERT_TRUE(harness.load(callout_filter(hostile), harness.config(engine(), fail_open)));
      EXPECT_EQ(harness.host_call_result("proxy_http_call"), "");
      expect_fails_then_recovers(harness, "proxy_on_http_call_response", fail_open);
      EXPECT_EQ(harness.host_call_result("proxy_http_call"), "OK");
      EXPECT_TRUE(harness.logged({"proxy_on_http_call_response", "hostile"}));
    }
  }
}

FilterWat tick_filter(const std::string& on_tick, uint32_t period_ms) {
  FilterWat wat;
  wat.body = R"(
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $tick_every (i32.const )" +
             std::to_string(period_ms) + R"()))
    (i32.const 1))
  (func (export "proxy_on_tick") (param i32) )" +
             on_tick + ")";
  return wat;
}

TEST_P(HostileCallbacks, RunawayOrTrapInTickFailsThePluginOnce) {
  for (const char* hostile : {kLoop, kTrap}) {
    for (bool fail_open : {false, true}) {
      SCOPED_TRACE(std::string(hostile) + (fail_open ? " fail open" : " fail closed"));
      Harness harness;
      ASSERT_TRUE(harness.load(tick_filter(hostile, 10), harness.config(engine(), fail_open)));
      const auto start = std::chrono::steady_clock::now();
      harness.run_for(50ms);
      EXPECT_TRUE(harness.plugin().failed());
      EXPECT_TRUE(harness.trapped_in("proxy_on_tick"));
      EXPECT_TRUE(harness.logged({"hostile", "proxy_on_tick"}))
          << "a failed tick must be logged with the plugin and the callback";
      // The VM stays failed: later ticks and requests cost nothing and follow the fail policy.
      for (int i = 0; i < 3; ++i) {
        host::RunReport report = harness.request();
        EXPECT_EQ(status_of(report), fail_open ? 200u : 503u);
        harness.run_for(100ms);
      }
      EXPECT_LT(std::chrono::steady_clock::now() - start, kCaseBound);
      size_t traps = 0;
      for (const auto& event : harness.trace().events())
        if (event.kind == host::EventKind::Trap) ++traps;
      EXPECT_EQ(traps, 1u) << "the tick must not run again in a fresh VM";
    }
  }
}

TEST_P(HostileCallbacks, SlowOneMillisecondTickLetsRequestsThrough) {
  // About a million loop iterations per tick: slow, but within the budget.
  Harness harness;
  ASSERT_TRUE(harness.load(tick_filter(R"((local $i i32)
    (loop $spin
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $spin (i32.lt_u (local.get $i) (i32.const 200000)))))",
                                       1),
                           harness.config(engine())));
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 3; ++i) {
    harness.run_for(5ms);
    EXPECT_EQ(status_of(harness.request()), 200u);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, kCaseBound);
  EXPECT_FALSE(harness.plugin().failed());
}

TEST_P(HostileCallbacks, RunawayOrTrapInQueueReadyFailsThePlugin) {
  for (const char* hostile : {kLoop, kTrap}) {
    SCOPED_TRACE(hostile);
    FilterWat wat;
    wat.body = R"(
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $register_queue (i32.const 256) (i32.const 1) (i32.const 528)))
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (if (call $first)
      (then (drop (call $enqueue (i32.load (i32.const 528)) (i32.const 272) (i32.const 1)))))
    (i32.const 0))
  (func (export "proxy_on_queue_ready") (param i32 i32) )" +
               std::string(hostile) + ")";
    Harness harness;
    ASSERT_TRUE(harness.load(wat, harness.config(engine())));
    harness.request();
    harness.run_for(10ms);
    EXPECT_TRUE(harness.trapped_in("proxy_on_queue_ready"));
    EXPECT_TRUE(harness.logged({"hostile", "proxy_on_queue_ready"}));
    // Failed in a root callback: the plugin stays failed and fails closed.
    EXPECT_EQ(status_of(harness.request()), 503u);
  }
}

TEST_P(HostileCallbacks, MemoryGrowFailsInsideTheVmAtTheLimit) {
  // Grows a page at a time (at most 64 times): reports the pages reached and the last result.
  const std::string grow = R"((local $r i32) (local $n i32)
    (block $done
      (loop $more
        (local.set $r (memory.grow (i32.const 1)))
        (br_if $done (i32.eq (local.get $r) (i32.const -1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const 64)))))
    (call $report (i32.const 32) (i32.const 8) (memory.size))
    (call $report (i32.const 48) (i32.const 8) (local.get $r)))";
  struct Case {
    const char* declared_max;
    uint32_t limit;
    const char* pages;
  };
  const Case cases[] = {
      {"", 4, "4"},       // the limit, on a module without a maximum
      {"65536", 4, "4"},  // the limit, below the module's maximum
      {"3", 4, "3"},      // the module's own maximum, below the limit
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string("declared max '") + c.declared_max + "', limit " +
                 std::to_string(c.limit));
    FilterWat wat = on_first_request_headers("(call $work)");
    wat.body += "\n  (func $work " + grow + ")";
    wat.max_pages = c.declared_max;
    Harness harness;
    host::PluginConfig config = harness.config(engine());
    config.vm_options.max_memory_pages = c.limit;
    ASSERT_TRUE(harness.load(wat, config));
    host::RunReport report = harness.request();
    EXPECT_EQ(status_of(report), 200u);
    EXPECT_EQ(upstream_header(report, "x-result"), c.pages);
    EXPECT_EQ(upstream_header(report, "x-status"), "-1");
    EXPECT_FALSE(harness.plugin().failed());
    EXPECT_EQ(status_of(harness.request()), 200u);
  }
}

TEST_P(HostileCallbacks, SharedQueueRefusesItemsPastItsLimit) {
  const std::string fill = R"((local $s i32) (local $n i32)
    (block $done
      (loop $more
        (local.set $s (call $enqueue (i32.load (i32.const 528)) (i32.const 272) (i32.const 1)))
        (br_if $done (local.get $s))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const 20000)))))
    (call $report (i32.const 32) (i32.const 8) (local.get $n))
    (call $report (i32.const 48) (i32.const 8) (local.get $s)))";
  for (size_t limit : {size_t{0}, size_t{5}}) {
    SCOPED_TRACE("limit " + std::to_string(limit));
    FilterWat wat = on_first_request_headers("(call $work)");
    wat.body += "\n  (func $work " + fill + ")";
    wat.body += R"(
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $register_queue (i32.const 256) (i32.const 1) (i32.const 528)))
    (i32.const 1)))";
    host::HostEnvOptions options;
    if (limit) options.limits.max_queue_items = limit;
    Harness harness(options);
    // 10,000 traced host calls in one callback: more than the suite's 200 ms on a loaded machine.
    host::PluginConfig config = harness.config(engine());
    config.vm_options.runaway_budget_ms = 3000;
    ASSERT_TRUE(harness.load(wat, config));
    host::RunReport report = harness.request();
    EXPECT_EQ(status_of(report), 200u);
    EXPECT_EQ(upstream_header(report, "x-result"),
              std::to_string(limit ? limit : host::SharedLimits{}.max_queue_items));
    EXPECT_EQ(upstream_header(report, "x-status"), "10");  // INTERNAL_FAILURE
    bool named = false;
    for (const auto& event : harness.trace().events())
      for (const auto& field : event.args)
        if (event.name == "proxy_enqueue_shared_queue" && field.name == "error" &&
            field.value.find("queue full") != std::string::npos)
          named = true;
    EXPECT_TRUE(named) << "the trace should say the queue is full";
    EXPECT_EQ(status_of(harness.request()), 200u);
  }
}

TEST_P(HostileCallbacks, SharedDataRefusesA100MiBValue) {
  // 1,601 pages hold a 100 MiB value at address 65536.
  FilterWat wat = on_first_request_headers(R"(
      (call $report (i32.const 48) (i32.const 8)
        (call $set_shared (i32.const 272) (i32.const 1) (i32.const 65536)
                          (i32.const 104857600) (i32.const 0))))");
  wat.pages = 1602;
  Harness harness;
  ASSERT_TRUE(harness.load(wat, harness.config(engine())));
  host::RunReport report = harness.request();
  EXPECT_EQ(status_of(report), 200u);
  EXPECT_EQ(upstream_header(report, "x-status"), "2");                 // BAD_ARGUMENT
  EXPECT_EQ(harness.host_call_result("proxy_set_shared_data"), "OK");  // $first's own marker
  bool named = false;
  for (const auto& event : harness.trace().events())
    for (const auto& field : event.args)
      if (event.name == "proxy_set_shared_data" && field.name == "error" &&
          field.value.find("over the limit") != std::string::npos)
        named = true;
  EXPECT_TRUE(named);
  EXPECT_EQ(status_of(harness.request()), 200u);
}

INSTANTIATE_TEST_SUITE_P(Engines, HostileCallbacks, ::testing::ValuesIn(test::built_wasm_engines()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace pwplay::hostile
