// The hostile-filter suite through the proxy (what `pwplay serve` runs): a callout response that
// traps or loops must not leave the client hanging, and a runaway tick must fail the plugin once
// and be logged, not slow down every following request.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>

#include "hostile/hostile_support.h"
#include "support/engines.h"
#include "support/http_test_client.h"
#include "support/proxy_harness.h"
#include "support/test_upstream.h"
#include "support/wat.h"

namespace pwplay::hostile {
namespace {

using namespace std::chrono_literals;

class HostileProxy : public ::testing::TestWithParam<std::string> {
 protected:
  host::proxy::LoadedPlugin plugin(const FilterWat& wat, bool fail_open = false) const {
    host::proxy::LoadedPlugin loaded;
    loaded.config.name = "hostile";
    loaded.config.engine = GetParam();
    loaded.config.fail_open = fail_open;
    loaded.config.vm_options.runaway_budget_ms = kBudgetMs;
    loaded.wasm = test::wat_to_wasm(wat.text());
    return loaded;
  }
};

TEST_P(HostileProxy, TrapOrLoopInCalloutResponseAnswersTheClient) {
  testing::TestUpstream upstream;
  for (const char* hostile : {"(unreachable)", "(loop $forever (br $forever))"}) {
    for (bool fail_open : {false, true}) {
      SCOPED_TRACE(std::string(hostile) + (fail_open ? " fail open" : " fail closed"));
      FilterWat wat;
      wat.body = R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $http_call (i32.const 96) (i32.const 3) (i32.const 112) (i32.const )" +
                 std::to_string(callout_headers_size()) + R"()
                           (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                           (i32.const 5000) (i32.const 524)))
    (i32.const 1))
  (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32) )" +
                 std::string(hostile) + ")";
      host::proxy::ProxyOptions options;
      options.plugins = {plugin(wat, fail_open)};
      options.upstream = host::proxy::UpstreamConfig::remote_at({"127.0.0.1", upstream.port()});
      options.clusters["svc"] = {"127.0.0.1", upstream.port()};
      testing::TestProxy proxy(std::move(options));
      ASSERT_TRUE(proxy.started()) << proxy.error();
      const auto start = std::chrono::steady_clock::now();
      testing::HttpResponse response = testing::http_request(proxy.port(), "GET", "/callout");
      EXPECT_LT(std::chrono::steady_clock::now() - start, kCaseBound);
      ASSERT_TRUE(response.ok) << response.error;
      EXPECT_EQ(response.status, fail_open ? 200 : 503);
      std::vector<host::proxy::StreamRecord> records = proxy.wait_records(1);
      ASSERT_FALSE(records.empty());
      ASSERT_EQ(records[0].failed_plugins.size(), 1u);
      EXPECT_EQ(records[0].failed_plugins[0], "hostile");
    }
  }
}

TEST_P(HostileProxy, RunawayTickFailsThePluginOnceAndIsLogged) {
  FilterWat wat;
  wat.body = R"(
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $tick_every (i32.const 10)))
    (i32.const 1))
  (func (export "proxy_on_tick") (param i32) (loop $forever (br $forever))))";
  std::mutex mutex;
  std::vector<std::string> logs;
  host::proxy::ProxyOptions options;
  options.plugins = {plugin(wat)};
  options.log_handler = [&](const host::LogRecord& record) {
    std::lock_guard lock(mutex);
    logs.push_back(record.plugin + ": " + record.message);
  };
  testing::TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  // The first tick runs 10 ms after start and is cut at the budget.
  std::this_thread::sleep_for(std::chrono::milliseconds(kBudgetMs) + 300ms);
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    testing::HttpResponse response = testing::http_request(proxy.port(), "GET", "/after-tick");
    ASSERT_TRUE(response.ok) << response.error;
    EXPECT_EQ(response.status, 503);  // fail closed: the VM stays failed
  }
  // Five requests, none waiting behind a re-run tick (each would cost the 200 ms budget).
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(kBudgetMs * 4));
  std::lock_guard lock(mutex);
  bool logged = false;
  for (const std::string& line : logs)
    if (line.find("hostile") != std::string::npos &&
        line.find("proxy_on_tick") != std::string::npos &&
        line.find("runaway budget") != std::string::npos)
      logged = true;
  EXPECT_TRUE(logged) << "no log line names the plugin, proxy_on_tick and the budget";
}

INSTANTIATE_TEST_SUITE_P(Engines, HostileProxy, ::testing::ValuesIn(test::built_wasm_engines()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace pwplay::hostile
