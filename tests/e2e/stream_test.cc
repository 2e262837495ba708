// End to end: an HTTP stream's callbacks and what a filter does to it — bodies through the
// buffer calls, the end-of-stream callbacks and their order, proxy_done, closing the stream, a
// local response, pausing and resuming (ABI 0.2.x and 0.1.0) — on every wasm engine.
#include <gtest/gtest.h>

#include "support/e2e.h"
#include "support/engines.h"
#include "support/http_test_client.h"
#include "support/proxy_harness.h"
#include "support/test_upstream.h"

namespace pwplay::test {
namespace {

using Pairs = abi::HeaderPairs;

// The stream and end-of-stream callbacks entered, each with "stream" (the context of the request
// headers) or "root" (the plugin's root context, created with parent 0).
std::vector<std::string> callback_order(const std::vector<host::TraceEvent>& trace) {
  uint32_t stream = 0;
  uint32_t root = 0;
  std::vector<std::string> order;
  for (const host::TraceEvent& event : trace) {
    if (event.kind != host::EventKind::Callback || event.phase != "enter") continue;
    if (event.name == "proxy_on_context_create") {
      for (const host::TraceField& field : event.args)
        if (field.name == "parent_context_id" && field.value == "0") root = event.context_id;
      continue;
    }
    if (!event.name.starts_with("proxy_on_request") &&
        !event.name.starts_with("proxy_on_response") && event.name != "proxy_on_log" &&
        event.name != "proxy_on_done" && event.name != "proxy_on_delete")
      continue;
    if (event.name == "proxy_on_request_headers" && stream == 0) stream = event.context_id;
    const std::string where = event.context_id == stream ? "stream"
                              : event.context_id == root
                                  ? "root"
                                  : "context " + std::to_string(event.context_id);
    order.push_back(event.name + " " + where);
  }
  return order;
}

class E2eStream : public ::testing::TestWithParam<std::string> {
 protected:
  Result<debugger::RunResult> run(const std::string& wat, const std::string& request) {
    return run_wat(wat_spec(GetParam(), wat), request);
  }
};

// Every stream callback; the bodies: "pre-" prepended to the request body (after it was read
// whole), the response body replaced by "REPLACED". proxy_on_log reads the response's :status and
// logs "log saw status 200"; the stream's proxy_on_done calls proxy_done (no root waits for it:
// NOT_FOUND) and returns 1 (delete now).
const char* const kStreamBody = R"(
  (data (i32.const 100) "pre-")
  (data (i32.const 110) "REPLACED")
  (data (i32.const 120) ":status")
  (data (i32.const 130) "log saw status ")
  (func $check (param $status i32)
    (if (i32.ne (local.get $status) (i32.const 0)) (then unreachable)))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_request_body") (param $ctx i32) (param $size i32) (param $eos i32)
                                         (result i32)
    (if (i32.eqz (local.get $eos)) (then (return (i32.const 1))))  ;; StopIterationAndBuffer
    (call $check (call $proxy_get_buffer_status (i32.const 0) (i32.const 200) (i32.const 204)))
    (if (i32.ne (i32.load (i32.const 200)) (local.get $size)) (then unreachable))
    (call $check (call $proxy_get_buffer_bytes (i32.const 0) (i32.const 0) (local.get $size)
                                               (i32.const 208) (i32.const 212)))
    (if (i32.ne (i32.load (i32.const 212)) (local.get $size)) (then unreachable))
    (call $check (call $proxy_set_buffer_bytes (i32.const 0) (i32.const 0) (i32.const 0)
                                               (i32.const 100) (i32.const 4)))
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))
  (func (export "proxy_on_response_body") (param $ctx i32) (param $size i32) (param $eos i32)
                                          (result i32)
    (if (i32.eqz (local.get $eos)) (then (return (i32.const 1))))
    (call $check (call $proxy_set_buffer_bytes (i32.const 1) (i32.const 0) (local.get $size)
                                               (i32.const 110) (i32.const 8)))
    (i32.const 0))
  (func (export "proxy_on_log") (param $ctx i32)
    (call $check (call $proxy_get_header_map_value (i32.const 2) (i32.const 120) (i32.const 7)
                                                   (i32.const 216) (i32.const 220)))
    (memory.copy (i32.const 145) (i32.load (i32.const 216)) (i32.load (i32.const 220)))
    (call $check (call $proxy_log (i32.const 2) (i32.const 130)
                                  (i32.add (i32.const 15) (i32.load (i32.const 220))))))
  (func (export "proxy_on_done") (param $ctx i32) (result i32)
    (i32.store (i32.const 224) (call $proxy_done))
    (i32.const 1))
  (func (export "proxy_on_delete") (param $ctx i32))
)";

TEST_P(E2eStream, BodiesAndEndOfStreamCallbacksInOrder) {
  const std::string wat =
      filter_wat("0_2_1",
                 {"proxy_get_buffer_status", "proxy_get_buffer_bytes", "proxy_set_buffer_bytes",
                  "proxy_get_header_map_value", "proxy_log", "proxy_done"},
                 kStreamBody);
  Result<debugger::RunResult> result = run(wat, R"({
    "method": "POST", "path": "/b", "headers": [["host", "test.local"]],
    "body_chunks": ["ab", "cd"],
    "upstream_response": {"status": 200, "body": "original"}})");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  ASSERT_TRUE(result->report.upstream_request);
  EXPECT_EQ(result->report.upstream_request->body, "pre-abcd");
  ASSERT_TRUE(result->report.response);
  EXPECT_EQ(result->report.response->status, 200u);
  EXPECT_EQ(result->report.response->body, "REPLACED");
  EXPECT_EQ(log_messages(*result), (std::vector<std::string>{"log saw status 200"}));
  EXPECT_EQ(host_call_result(result->trace, "proxy_done"), "NOT_FOUND");
  // The stream's callbacks in Envoy's order, on_log first of the end-of-stream ones; then, as the
  // plugin shuts down, its root context's on_done and (on_done answered true) on_delete.
  EXPECT_EQ(callback_order(result->trace),
            (std::vector<std::string>{
                "proxy_on_request_headers stream", "proxy_on_request_body stream",
                "proxy_on_request_body stream", "proxy_on_response_headers stream",
                "proxy_on_response_body stream", "proxy_on_log stream", "proxy_on_done stream",
                "proxy_on_delete stream", "proxy_on_done root", "proxy_on_delete root"}));
  PWPLAY_COVERS(result->trace, "proxy_on_context_create", "proxy_on_request_headers",
                "proxy_on_request_body", "proxy_on_response_headers", "proxy_on_response_body",
                "proxy_on_log", "proxy_on_done", "proxy_on_delete", "proxy_get_buffer_status",
                "proxy_get_buffer_bytes", "proxy_set_buffer_bytes", "proxy_log", "proxy_done");
}

// proxy_close_stream(HttpRequest) from the request headers resets the stream: nothing reaches the
// upstream or the client, and the stream still ends with on_log, on_done, on_delete.
TEST_P(E2eStream, CloseStreamResetsTheStream) {
  const std::string wat = filter_wat("0_2_1", {"proxy_close_stream"}, R"(
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (if (i32.ne (call $proxy_close_stream (i32.const 0)) (i32.const 0)) (then unreachable))
      (i32.const 1))
    (func (export "proxy_on_log") (param i32))
    (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
    (func (export "proxy_on_delete") (param i32))
  )");
  Result<debugger::RunResult> result =
      run(wat, R"({"method": "GET", "path": "/c", "headers": [["host", "test.local"]]})");
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_TRUE(result->report.reset);
  EXPECT_NE(result->report.reset_reason.find("closed by filter e2e"), std::string::npos)
      << result->report.reset_reason;
  EXPECT_FALSE(result->report.upstream_request);
  EXPECT_FALSE(result->report.response);
  EXPECT_EQ(host_call_result(result->trace, "proxy_close_stream"), "OK");
  EXPECT_EQ(callback_order(result->trace),
            (std::vector<std::string>{"proxy_on_request_headers stream", "proxy_on_log stream",
                                      "proxy_on_done stream", "proxy_on_delete stream",
                                      "proxy_on_done root", "proxy_on_delete root"}));
  PWPLAY_COVERS(result->trace, "proxy_close_stream");
}

// The same through the proxy: the client's connection closes with no response, the upstream sees
// no request, and the stream's record ends with on_log, on_done, on_delete.
TEST_P(E2eStream, CloseStreamResetsTheClientThroughTheProxy) {
  const std::string wat = filter_wat("0_2_1", {"proxy_close_stream"}, R"(
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (if (i32.ne (call $proxy_close_stream (i32.const 0)) (i32.const 0)) (then unreachable))
      (i32.const 1))
    (func (export "proxy_on_log") (param i32))
    (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
    (func (export "proxy_on_delete") (param i32))
  )");
  testing::TestUpstream upstream;
  host::proxy::LoadedPlugin plugin = testing::wat_plugin("closer", wat);
  plugin.config.engine = GetParam();
  host::proxy::ProxyOptions options;
  options.plugins.push_back(std::move(plugin));
  options.trace = true;
  options.upstream = host::proxy::UpstreamConfig::remote_at({"127.0.0.1", upstream.port()});
  testing::TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();

  auto connection = testing::HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(testing::request_bytes("GET", "/c")));
  testing::HttpResponse response = connection->read_response(false, std::chrono::seconds(10));
  EXPECT_FALSE(response.ok) << "a response reached the client: " << response.status;
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(upstream.request_count(), 0u);
  EXPECT_EQ(callbacks_entered(records[0].trace, {"proxy_on_request_headers", "proxy_on_log",
                                                 "proxy_on_done", "proxy_on_delete"}),
            (std::vector<std::string>{"proxy_on_request_headers", "proxy_on_log", "proxy_on_done",
                                      "proxy_on_delete"}));
  PWPLAY_COVERS(records[0].trace, "proxy_close_stream", "proxy_on_log", "proxy_on_done",
                "proxy_on_delete");
}

// A local response with headers and a body, sent from the request headers.
TEST_P(E2eStream, LocalResponseReachesTheClient) {
  const std::string wat = filter_wat("0_2_1", {"proxy_send_local_response"}, R"(
    (data (i32.const 100) "denied by e2e")
    (data (i32.const 120) "no entry")
    ;; One pair: x-why: filter.
    (data (i32.const 200) "\01\00\00\00\05\00\00\00\06\00\00\00x-why\00filter\00")
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
      (if (i32.ne (call $proxy_send_local_response (i32.const 403) (i32.const 100) (i32.const 13)
                        (i32.const 120) (i32.const 8) (i32.const 200) (i32.const 25)
                        (i32.const -1))
                  (i32.const 0))
        (then unreachable))
      (i32.const 1))
  )");
  Result<debugger::RunResult> result =
      run(wat, R"({"method": "GET", "path": "/l", "headers": [["host", "test.local"]]})");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  EXPECT_TRUE(result->report.local_response);
  EXPECT_FALSE(result->report.upstream_request);
  ASSERT_TRUE(result->report.response);
  EXPECT_EQ(result->report.response->status, 403u);
  EXPECT_EQ(result->report.response->body, "no entry");
  bool found = false;
  for (const auto& [name, value] : result->report.response->headers)
    found = found || (name == "x-why" && value == "filter");
  EXPECT_TRUE(found) << "x-why: filter missing from the local response";
  PWPLAY_COVERS(result->trace, "proxy_send_local_response");
}

// The request pauses in its headers and resumes from the first tick (proxy_continue_stream), with
// the tick armed in proxy_on_vm_start and proxy_on_configure answering true.
TEST_P(E2eStream, TickResumesAPausedRequest) {
  const std::string wat =
      filter_wat("0_2_1",
                 {"proxy_set_tick_period_milliseconds", "proxy_set_effective_context",
                  "proxy_continue_stream", "proxy_add_header_map_value"},
                 R"(
    (data (i32.const 100) "x-resumed-by")
    (data (i32.const 120) "tick")
    (global $paused (mut i32) (i32.const 0))
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
    (func (export "proxy_on_configure") (param i32 i32) (result i32)
      (if (i32.ne (call $proxy_set_tick_period_milliseconds (i32.const 50)) (i32.const 0))
        (then unreachable))
      (i32.const 1))
    (func (export "proxy_on_request_headers") (param $ctx i32) (param i32 i32) (result i32)
      (global.set $paused (local.get $ctx))
      (i32.const 1))
    (func (export "proxy_on_tick") (param $root i32)
      (if (i32.eqz (global.get $paused)) (then (return)))
      (if (i32.ne (call $proxy_set_effective_context (global.get $paused)) (i32.const 0))
        (then unreachable))
      (drop (call $proxy_add_header_map_value (i32.const 0) (i32.const 100) (i32.const 12)
                                              (i32.const 120) (i32.const 4)))
      (if (i32.ne (call $proxy_continue_stream (i32.const 0)) (i32.const 0)) (then unreachable))
      (global.set $paused (i32.const 0)))
  )");
  Result<debugger::RunResult> result =
      run(wat, R"({"method": "GET", "path": "/p", "headers": [["host", "test.local"]]})");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  EXPECT_FALSE(result->report.stalled) << result->report.stall_reason;
  ASSERT_TRUE(result->report.upstream_request);
  bool resumed = false;
  for (const auto& [name, value] : result->report.upstream_request->headers)
    resumed = resumed || (name == "x-resumed-by" && value == "tick");
  EXPECT_TRUE(resumed) << "x-resumed-by: tick missing upstream";
  ASSERT_TRUE(result->report.response);
  EXPECT_EQ(result->report.response->status, 200u);
  // The virtual clock ran to the first tick.
  EXPECT_GE(result->report.virtual_time_ns, 50'000'000u);
  PWPLAY_COVERS(result->trace, "proxy_on_vm_start", "proxy_on_configure", "proxy_on_tick",
                "proxy_set_tick_period_milliseconds", "proxy_set_effective_context",
                "proxy_continue_stream");
}

// ABI 0.1.0: the two-argument headers callbacks, the plugin configuration through
// proxy_get_configuration (its value becomes a header), and the 0.1.0 stream calls: the request
// pauses and resumes from the tick with proxy_continue_request, proxy_continue_response and
// proxy_clear_route_cache answer OK.
TEST_P(E2eStream, Abi010CallsDriveTheStream) {
  const std::string wat = filter_wat(
      "0_1_0",
      {"proxy_get_configuration", "proxy_set_tick_period_milliseconds",
       "proxy_set_effective_context", "proxy_continue_request", "proxy_continue_response",
       "proxy_clear_route_cache", "proxy_add_header_map_value"},
      R"(
    (data (i32.const 100) "x-config")
    (global $paused (mut i32) (i32.const 0))
    (func $check (param $status i32)
      (if (i32.ne (local.get $status) (i32.const 0)) (then unreachable)))
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_configure") (param i32 i32) (result i32)
      (call $check (call $proxy_get_configuration (i32.const 200) (i32.const 204)))
      (call $check (call $proxy_set_tick_period_milliseconds (i32.const 10)))
      (i32.const 1))
    (func (export "proxy_on_request_headers") (param $ctx i32) (param i32) (result i32)
      (call $check (call $proxy_add_header_map_value (i32.const 0) (i32.const 100) (i32.const 8)
                                                     (i32.load (i32.const 200))
                                                     (i32.load (i32.const 204))))
      (call $check (call $proxy_clear_route_cache))
      (global.set $paused (local.get $ctx))
      (i32.const 1))
    (func (export "proxy_on_response_headers") (param i32 i32) (result i32)
      (call $check (call $proxy_continue_response))
      (i32.const 0))
    (func (export "proxy_on_tick") (param i32)
      (if (i32.eqz (global.get $paused)) (then (return)))
      (call $check (call $proxy_set_effective_context (global.get $paused)))
      (call $check (call $proxy_continue_request))
      (global.set $paused (i32.const 0)))
  )");
  debugger::PluginSpec spec = wat_spec(GetParam(), wat);
  spec.configuration = "from-config";
  Result<debugger::RunResult> result =
      run_wat(spec, R"({"method": "GET", "path": "/o", "headers": [["host", "test.local"]]})");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  EXPECT_EQ(result->abi_version, "0.1.0");
  ASSERT_TRUE(result->report.upstream_request);
  bool configured = false;
  for (const auto& [name, value] : result->report.upstream_request->headers)
    configured = configured || (name == "x-config" && value == "from-config");
  EXPECT_TRUE(configured) << "x-config: from-config missing upstream";
  ASSERT_TRUE(result->report.response);
  EXPECT_EQ(result->report.response->status, 200u);
  PWPLAY_COVERS(result->trace, "proxy_get_configuration", "proxy_continue_request",
                "proxy_continue_response", "proxy_clear_route_cache", "proxy_on_request_headers",
                "proxy_on_response_headers", "proxy_on_configure", "proxy_on_tick");
}

INSTANTIATE_TEST_SUITE_P(Engines, E2eStream, ::testing::ValuesIn(built_wasm_engines()),
                         engine_param_name);

}  // namespace
}  // namespace pwplay::test
