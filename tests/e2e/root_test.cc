// End to end: what a filter reaches beyond its stream — properties, foreign functions, shared
// data, shared queues, metrics, the clock and log level, the Emscripten helpers — and the
// module's start-up exports and allocator, on every wasm engine.
#include <gtest/gtest.h>

#include "support/e2e.h"
#include "support/engines.h"

namespace pwplay::test {
namespace {

class E2eRoot : public ::testing::TestWithParam<std::string> {
 protected:
  Result<debugger::RunResult> run(const std::string& wat, const std::string& request = kGet) {
    return run_wat(wat_spec(GetParam(), wat), request);
  }
  static constexpr const char* kGet =
      R"({"method": "GET", "path": "/q", "headers": [["host", "test.local"]]})";
};

// The value of request header `name` as the upstream saw it, or "<absent>".
std::string upstream_header(const debugger::RunResult& run, const std::string& name) {
  if (!run.report.upstream_request) return "<no upstream request>";
  for (const auto& [key, value] : run.report.upstream_request->headers)
    if (key == name) return value;
  return "<absent>";
}

// WAT shared by the tests: $check traps on a status other than OK; $add_header adds a request
// header whose value lies at the address and size stored at 200 and 204.
const char* const kHelpers = R"(
  (func $check (param $status i32)
    (if (i32.ne (local.get $status) (i32.const 0)) (then unreachable)))
  (func $add_header (param $name i32) (param $name_size i32)
    (call $check (call $proxy_add_header_map_value (i32.const 0) (local.get $name)
                                                   (local.get $name_size)
                                                   (i32.load (i32.const 200))
                                                   (i32.load (i32.const 204)))))
  (func (export "proxy_on_context_create") (param i32 i32))
)";

// A property set by the filter reads back (the stream's filter state); a property of the request
// file (source.address) and one of the plugin (plugin_name) read as given.
TEST_P(E2eRoot, PropertiesRoundTrip) {
  const std::string wat = filter_wat(
      "0_2_1", {"proxy_get_property", "proxy_set_property", "proxy_add_header_map_value"},
      std::string(kHelpers) + R"(
    (data (i32.const 100) "e2e\00mark")        ;; 8
    (data (i32.const 110) "set-by-filter")     ;; 13
    (data (i32.const 130) "source\00address")  ;; 14
    (data (i32.const 150) "plugin_name")       ;; 11
    (data (i32.const 170) "no\00such")         ;; 7
    (data (i32.const 300) "x-prop")
    (data (i32.const 310) "x-source")
    (data (i32.const 320) "x-plugin")
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $check (call $proxy_set_property (i32.const 100) (i32.const 8) (i32.const 110)
                                             (i32.const 13)))
      (call $check (call $proxy_get_property (i32.const 100) (i32.const 8) (i32.const 200)
                                             (i32.const 204)))
      (call $add_header (i32.const 300) (i32.const 6))
      (call $check (call $proxy_get_property (i32.const 130) (i32.const 14) (i32.const 200)
                                             (i32.const 204)))
      (call $add_header (i32.const 310) (i32.const 8))
      (call $check (call $proxy_get_property (i32.const 150) (i32.const 11) (i32.const 200)
                                             (i32.const 204)))
      (call $add_header (i32.const 320) (i32.const 8))
      ;; An unknown property: NOT_FOUND (1).
      (if (i32.ne (call $proxy_get_property (i32.const 170) (i32.const 7) (i32.const 200)
                                            (i32.const 204))
                  (i32.const 1))
        (then unreachable))
      (i32.const 0))
  )");
  Result<debugger::RunResult> result = run(wat, R"({
    "method": "GET", "path": "/p", "headers": [["host", "test.local"]],
    "properties": {"source.address": "10.1.2.3:4567"}})");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  EXPECT_EQ(upstream_header(*result, "x-prop"), "set-by-filter");
  EXPECT_EQ(upstream_header(*result, "x-source"), "10.1.2.3:4567");
  EXPECT_EQ(upstream_header(*result, "x-plugin"), "e2e");
  PWPLAY_COVERS(result->trace, "proxy_get_property", "proxy_set_property");
}

// The host's foreign functions are compress and uncompress (zlib): a round trip gives the bytes
// back, and the compressed form differs from them; an unknown name is NOT_FOUND.
TEST_P(E2eRoot, ForeignFunctionsCompressRoundTrip) {
  const std::string wat =
      filter_wat("0_2_1", {"proxy_call_foreign_function", "proxy_add_header_map_value"},
                 std::string(kHelpers) + R"(
    (data (i32.const 100) "compress")            ;; 8
    (data (i32.const 110) "uncompress")          ;; 10
    (data (i32.const 130) "round trip round trip round trip")  ;; 32
    (data (i32.const 170) "no_such_function")    ;; 16
    (data (i32.const 300) "x-round-trip")
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $check (call $proxy_call_foreign_function (i32.const 100) (i32.const 8)
                                                      (i32.const 130) (i32.const 32)
                                                      (i32.const 208) (i32.const 212)))
      ;; zlib output starts with 0x78.
      (if (i32.ne (i32.load8_u (i32.load (i32.const 208))) (i32.const 0x78)) (then unreachable))
      (call $check (call $proxy_call_foreign_function (i32.const 110) (i32.const 10)
                                                      (i32.load (i32.const 208))
                                                      (i32.load (i32.const 212))
                                                      (i32.const 200) (i32.const 204)))
      (call $add_header (i32.const 300) (i32.const 12))
      (if (i32.ne (call $proxy_call_foreign_function (i32.const 170) (i32.const 16)
                                                     (i32.const 130) (i32.const 1)
                                                     (i32.const 200) (i32.const 204))
                  (i32.const 1))
        (then unreachable))
      (i32.const 0))
  )");
  Result<debugger::RunResult> result = run(wat);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  EXPECT_EQ(upstream_header(*result, "x-round-trip"), "round trip round trip round trip");
  PWPLAY_COVERS(result->trace, "proxy_call_foreign_function");
}

// Shared data set and read back (its value becomes a header), a counter incremented by 5 and a
// gauge recorded at 42, read back with proxy_get_metric and present in the run's metrics.
TEST_P(E2eRoot, SharedDataAndMetrics) {
  const std::string wat =
      filter_wat("0_2_1",
                 {"proxy_set_shared_data", "proxy_get_shared_data", "proxy_define_metric",
                  "proxy_increment_metric", "proxy_record_metric", "proxy_get_metric",
                  "proxy_add_header_map_value"},
                 std::string(kHelpers) + R"(
    (data (i32.const 100) "e2e-key")        ;; 7
    (data (i32.const 110) "shared value")   ;; 12
    (data (i32.const 130) "e2e_requests")   ;; 12
    (data (i32.const 150) "e2e_gauge")      ;; 9
    (data (i32.const 300) "x-shared")
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $check (call $proxy_set_shared_data (i32.const 100) (i32.const 7) (i32.const 110)
                                                (i32.const 12) (i32.const 0)))
      (call $check (call $proxy_get_shared_data (i32.const 100) (i32.const 7) (i32.const 200)
                                                (i32.const 204) (i32.const 208)))
      (call $add_header (i32.const 300) (i32.const 8))
      (call $check (call $proxy_define_metric (i32.const 0) (i32.const 130) (i32.const 12)
                                              (i32.const 212)))
      (call $check (call $proxy_define_metric (i32.const 1) (i32.const 150) (i32.const 9)
                                              (i32.const 216)))
      (call $check (call $proxy_increment_metric (i32.load (i32.const 212)) (i64.const 5)))
      (call $check (call $proxy_record_metric (i32.load (i32.const 216)) (i64.const 42)))
      (call $check (call $proxy_get_metric (i32.load (i32.const 212)) (i32.const 224)))
      (if (i64.ne (i64.load (i32.const 224)) (i64.const 5)) (then unreachable))
      (i32.const 0))
  )");
  Result<debugger::RunResult> result = run(wat);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  EXPECT_EQ(upstream_header(*result, "x-shared"), "shared value");
  std::map<std::string, uint64_t> metrics;
  for (const auto& metric : result->metrics) metrics[metric.name] = metric.value;
  EXPECT_EQ(metrics["e2e_requests"], 5u);
  EXPECT_EQ(metrics["e2e_gauge"], 42u);
  PWPLAY_COVERS(result->trace, "proxy_set_shared_data", "proxy_get_shared_data",
                "proxy_define_metric", "proxy_increment_metric", "proxy_record_metric",
                "proxy_get_metric");
}

// The root registers queue "jobs" when configured; the request resolves it, enqueues its path and
// waits; proxy_on_queue_ready dequeues the item, logs it and resumes the request.
TEST_P(E2eRoot, SharedQueueWakesTheRoot) {
  const std::string wat =
      filter_wat("0_2_1",
                 {"proxy_register_shared_queue", "proxy_resolve_shared_queue",
                  "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue", "proxy_log",
                  "proxy_set_effective_context", "proxy_continue_stream"},
                 std::string(R"(
    (func $check (param $status i32)
      (if (i32.ne (local.get $status) (i32.const 0)) (then unreachable)))
    (func (export "proxy_on_context_create") (param i32 i32))
    (data (i32.const 100) "jobs")   ;; 4
    (data (i32.const 110) "/q")     ;; 2
    (global $stream (mut i32) (i32.const 0))
    (func (export "proxy_on_configure") (param i32 i32) (result i32)
      (call $check (call $proxy_register_shared_queue (i32.const 100) (i32.const 4)
                                                      (i32.const 200)))
      (i32.const 1))
    (func (export "proxy_on_request_headers") (param $ctx i32) (param i32 i32) (result i32)
      (global.set $stream (local.get $ctx))
      (call $check (call $proxy_resolve_shared_queue (i32.const 0) (i32.const 0) (i32.const 100)
                                                     (i32.const 4) (i32.const 204)))
      (if (i32.ne (i32.load (i32.const 204)) (i32.load (i32.const 200))) (then unreachable))
      (call $check (call $proxy_enqueue_shared_queue (i32.load (i32.const 204)) (i32.const 110)
                                                     (i32.const 2)))
      (i32.const 1))
    (func (export "proxy_on_queue_ready") (param $root i32) (param $queue i32)
      (call $check (call $proxy_dequeue_shared_queue (local.get $queue) (i32.const 208)
                                                     (i32.const 212)))
      (call $check (call $proxy_log (i32.const 2) (i32.load (i32.const 208))
                                    (i32.load (i32.const 212))))
      (call $check (call $proxy_set_effective_context (global.get $stream)))
      (call $check (call $proxy_continue_stream (i32.const 0))))
  )"));
  Result<debugger::RunResult> result = run(wat);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  EXPECT_FALSE(result->report.stalled) << result->report.stall_reason;
  EXPECT_EQ(log_messages(*result), (std::vector<std::string>{"/q"}));
  ASSERT_TRUE(result->report.response);
  EXPECT_EQ(result->report.response->status, 200u);
  PWPLAY_COVERS(result->trace, "proxy_register_shared_queue", "proxy_resolve_shared_queue",
                "proxy_enqueue_shared_queue", "proxy_dequeue_shared_queue", "proxy_on_queue_ready");
}

// The clock, the log level and the Emscripten helpers: the time is after 2020, the log level is
// the host's (trace, 0) and becomes a header, pthread_equal compares, and
// emscripten_notify_memory_growth (allowed during start-up) returns.
TEST_P(E2eRoot, ClockLogLevelAndEmscriptenHelpers) {
  const std::string wat =
      filter_wat("0_2_1",
                 {"proxy_get_current_time_nanoseconds", "proxy_get_log_level", "pthread_equal",
                  "emscripten_notify_memory_growth", "proxy_add_header_map_value"},
                 std::string(kHelpers) + R"(
    (data (i32.const 100) "x-log-level")
    (func (export "_initialize")
      (call $emscripten_notify_memory_growth (i32.const 0)))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $check (call $proxy_get_current_time_nanoseconds (i32.const 216)))
      ;; 2020-01-01 is 1577836800 s after the epoch.
      (if (i64.lt_u (i64.load (i32.const 216)) (i64.const 1577836800000000000)) (then unreachable))
      (if (i32.ne (call $pthread_equal (i32.const 3) (i32.const 3)) (i32.const 1)) (then unreachable))
      (if (i32.ne (call $pthread_equal (i32.const 3) (i32.const 4)) (i32.const 0)) (then unreachable))
      (call $check (call $proxy_get_log_level (i32.const 224)))
      (i32.store8 (i32.const 240) (i32.add (i32.const 48) (i32.load (i32.const 224))))
      (i32.store (i32.const 200) (i32.const 240))
      (i32.store (i32.const 204) (i32.const 1))
      (call $add_header (i32.const 100) (i32.const 11))
      (i32.const 0))
  )");
  Result<debugger::RunResult> result = run(wat);
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  EXPECT_EQ(upstream_header(*result, "x-log-level"), "0");
  PWPLAY_COVERS(result->trace, "proxy_get_current_time_nanoseconds", "proxy_get_log_level",
                "pthread_equal", "emscripten_notify_memory_growth", "_initialize");
}

// Start-up as Envoy: _initialize then main (never _start beside _initialize); _initialize then
// __main_void without main; _start alone for a command module. Each logs its name.
TEST_P(E2eRoot, StartUpExportsRunInEnvoyOrder) {
  const std::string logger = R"(
    (data (i32.const 100) "_initialize")  ;; 11
    (data (i32.const 120) "main")         ;; 4
    (data (i32.const 130) "__main_void")  ;; 11
    (data (i32.const 150) "_start")       ;; 6
    (func $say (param $ptr i32) (param $len i32)
      (drop (call $proxy_log (i32.const 2) (local.get $ptr) (local.get $len))))
    (func (export "proxy_on_context_create") (param i32 i32))
  )";
  struct Case {
    std::string exports;
    std::vector<std::string> logs;
  };
  const std::vector<Case> cases = {
      {R"((func (export "_initialize") (call $say (i32.const 100) (i32.const 11)))
          (func (export "main") (param i32 i32) (result i32)
            (call $say (i32.const 120) (i32.const 4)) (i32.const 0))
          (func (export "_start") (call $say (i32.const 150) (i32.const 6))))",
       {"_initialize", "main"}},
      {R"((func (export "_initialize") (call $say (i32.const 100) (i32.const 11)))
          (func (export "__main_void") (result i32)
            (call $say (i32.const 130) (i32.const 11)) (i32.const 0)))",
       {"_initialize", "__main_void"}},
      {R"((func (export "_start") (call $say (i32.const 150) (i32.const 6))))", {"_start"}},
  };
  std::vector<host::TraceEvent> trace;
  for (const Case& c : cases) {
    Result<debugger::RunResult> result =
        run(filter_wat("0_2_1", {"proxy_log"}, logger + c.exports));
    ASSERT_TRUE(result) << result.error().message;
    ASSERT_FALSE(result->failure) << result->failure->message;
    EXPECT_EQ(log_messages(*result), c.logs) << c.exports;
    ASSERT_TRUE(result->report.response);
    EXPECT_EQ(result->report.response->status, 200u);
    trace.insert(trace.end(), result->trace.begin(), result->trace.end());
  }
  PWPLAY_COVERS(trace, "_initialize", "main", "__main_void", "_start");
}

// The host hands data to the filter through its allocator: malloc where exported, else
// proxy_on_memory_allocate. A header value read through either arrives intact.
TEST_P(E2eRoot, AllocatorHandsDataToTheFilter) {
  const std::string body = std::string(kHelpers) + R"(
    (data (i32.const 100) "x-in")
    (data (i32.const 110) "x-copy")
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (call $check (call $proxy_get_header_map_value (i32.const 0) (i32.const 100) (i32.const 4)
                                                     (i32.const 200) (i32.const 204)))
      ;; The value was placed in the heap (from 32 KiB) by the allocator: the host has no other way
    ;; to put it there.
      (if (i32.lt_u (i32.load (i32.const 200)) (i32.const 32768)) (then unreachable))
      (call $add_header (i32.const 110) (i32.const 6))
      (i32.const 0))
  )";
  const std::string request =
      R"({"method": "GET", "path": "/a", "headers": [["host", "test.local"], ["x-in", "v"]]})";
  for (const char* allocator : {"malloc", "proxy_on_memory_allocate"}) {
    Result<debugger::RunResult> result =
        run(filter_wat("0_2_1", {"proxy_get_header_map_value", "proxy_add_header_map_value"}, body,
                       allocator),
            request);
    ASSERT_TRUE(result) << allocator << ": " << result.error().message;
    ASSERT_FALSE(result->failure) << result->failure->message;
    EXPECT_EQ(upstream_header(*result, "x-copy"), "v") << allocator;
    // The module exports only `allocator`, and the value lies in its heap.
    if (std::string(allocator) == "malloc")
      PWPLAY_COVERS_AS(result->trace, "malloc", "proxy_get_header_map_value");
    else
      PWPLAY_COVERS_AS(result->trace, "proxy_on_memory_allocate", "proxy_get_header_map_value");
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, E2eRoot, ::testing::ValuesIn(built_wasm_engines()),
                         engine_param_name);

}  // namespace
}  // namespace pwplay::test
