// End to end: an HTTP callout and gRPC calls and streams with mocked answers (the request file's
// "callouts" and "grpc"), every reply callback reading what it received, on every wasm engine.
#include <gtest/gtest.h>

#include <algorithm>

#include "support/e2e.h"
#include "support/engines.h"

namespace pwplay::test {
namespace {

// The request pauses in its headers while the filter starts an HTTP callout to cluster-http, a
// gRPC call to cluster-grpc, a gRPC stream to cluster-stream (one message, then end of stream),
// and two more streams it cancels and closes at once. Each reply callback logs what it read:
// the callout's body and :status, the metadata values x-md and x-tr, each message, and
// proxy_get_status's message on close. When the callout and both live gRPC exchanges are over,
// the request goes on.
const char* const kCalloutsBody = R"(
  (data (i32.const 100) "cluster-http")      ;; 12
  (data (i32.const 120) "cluster-grpc")      ;; 12
  (data (i32.const 140) "cluster-stream")    ;; 14
  (data (i32.const 160) "svc.S")             ;; 5
  (data (i32.const 170) "Call")              ;; 4
  (data (i32.const 180) "req")               ;; 3
  (data (i32.const 190) "ping")              ;; 4
  (data (i32.const 200) "q")                 ;; 1
  (data (i32.const 210) "x-md")              ;; 4
  (data (i32.const 220) "x-tr")              ;; 4
  (data (i32.const 230) ":status")           ;; 7
  ;; :method GET, :path /cb, :authority cb
  (data (i32.const 1000) "\03\00\00\00\07\00\00\00\03\00\00\00\05\00\00\00\03\00\00\00\0a\00\00\00\02\00\00\00:method\00GET\00:path\00/cb\00:authority\00cb\00")
  (global $stream (mut i32) (i32.const 0))
  (global $pending (mut i32) (i32.const 0))
  (func $check (param $status i32)
    (if (i32.ne (local.get $status) (i32.const 0)) (then unreachable)))
  (func $log_returned (param $ptr_slot i32)
    (call $check (call $proxy_log (i32.const 2) (i32.load (local.get $ptr_slot))
                                  (i32.load (i32.add (local.get $ptr_slot) (i32.const 4))))))
  (func $finish
    (global.set $pending (i32.sub (global.get $pending) (i32.const 1)))
    (if (i32.eqz (global.get $pending))
      (then
        (call $check (call $proxy_set_effective_context (global.get $stream)))
        (call $check (call $proxy_continue_stream (i32.const 0))))))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param $ctx i32) (param i32 i32) (result i32)
    (global.set $stream (local.get $ctx))
    (global.set $pending (i32.const 3))
    (call $check (call $proxy_http_call (i32.const 100) (i32.const 12) (i32.const 1000)
                                        (i32.const 64) (i32.const 200) (i32.const 1)
                                        (i32.const 0) (i32.const 0) (i32.const 1000)
                                        (i32.const 300)))
    (call $check (call $proxy_grpc_call (i32.const 120) (i32.const 12) (i32.const 160)
                                        (i32.const 5) (i32.const 170) (i32.const 4)
                                        (i32.const 0) (i32.const 0) (i32.const 180) (i32.const 3)
                                        (i32.const 1000) (i32.const 304)))
    (call $check (call $proxy_grpc_stream (i32.const 140) (i32.const 14) (i32.const 160)
                                          (i32.const 5) (i32.const 170) (i32.const 4)
                                          (i32.const 0) (i32.const 0) (i32.const 308)))
    (call $check (call $proxy_grpc_send (i32.load (i32.const 308)) (i32.const 190) (i32.const 4)
                                        (i32.const 1)))
    (call $check (call $proxy_grpc_stream (i32.const 140) (i32.const 14) (i32.const 160)
                                          (i32.const 5) (i32.const 170) (i32.const 4)
                                          (i32.const 0) (i32.const 0) (i32.const 312)))
    (call $check (call $proxy_grpc_cancel (i32.load (i32.const 312))))
    (call $check (call $proxy_grpc_stream (i32.const 140) (i32.const 14) (i32.const 160)
                                          (i32.const 5) (i32.const 170) (i32.const 4)
                                          (i32.const 0) (i32.const 0) (i32.const 316)))
    (call $check (call $proxy_grpc_close (i32.load (i32.const 316))))
    (i32.const 1))
  (func (export "proxy_on_http_call_response") (param $root i32) (param $token i32)
                                               (param $headers i32) (param $size i32)
                                               (param $trailers i32)
    (call $check (call $proxy_get_buffer_bytes (i32.const 4) (i32.const 0) (local.get $size)
                                               (i32.const 320) (i32.const 324)))
    (call $log_returned (i32.const 320))
    (call $check (call $proxy_get_header_map_value (i32.const 6) (i32.const 230) (i32.const 7)
                                                   (i32.const 320) (i32.const 324)))
    (call $log_returned (i32.const 320))
    (call $finish))
  (func (export "proxy_on_grpc_receive_initial_metadata") (param i32 i32 i32)
    (call $check (call $proxy_get_header_map_value (i32.const 4) (i32.const 210) (i32.const 4)
                                                   (i32.const 320) (i32.const 324)))
    (call $log_returned (i32.const 320)))
  (func (export "proxy_on_grpc_receive") (param $root i32) (param $token i32) (param $size i32)
    (call $check (call $proxy_get_buffer_bytes (i32.const 5) (i32.const 0) (local.get $size)
                                               (i32.const 320) (i32.const 324)))
    (call $log_returned (i32.const 320)))
  (func (export "proxy_on_grpc_receive_trailing_metadata") (param i32 i32 i32)
    (call $check (call $proxy_get_header_map_value (i32.const 5) (i32.const 220) (i32.const 4)
                                                   (i32.const 320) (i32.const 324)))
    (call $log_returned (i32.const 320)))
  (func (export "proxy_on_grpc_close") (param $root i32) (param $token i32) (param $status i32)
    (call $check (call $proxy_get_status (i32.const 328) (i32.const 320) (i32.const 324)))
    (if (i32.ne (i32.load (i32.const 328)) (local.get $status)) (then unreachable))
    (call $log_returned (i32.const 320))
    (call $finish))
)";

const char* const kCalloutsRequest = R"({
  "method": "GET", "path": "/r", "headers": [["host", "test.local"]],
  "callouts": {"cluster-http": {"status": 201, "body": "callout-body"}},
  "grpc": {
    "cluster-grpc": {"status": 0, "status_message": "call ok",
                     "initial_metadata": [["x-md", "call-md"]], "messages": ["call-reply"],
                     "trailing_metadata": [["x-tr", "call-tr"]]},
    "cluster-stream": {"status": 5, "status_message": "stream closed",
                       "initial_metadata": [["x-md", "stream-md"]], "messages": ["pong"],
                       "trailing_metadata": [["x-tr", "stream-tr"]]}}})";

class E2eCallouts : public ::testing::TestWithParam<std::string> {};

// Where `message` is in `logs`; logs.size() when absent.
size_t position(const std::vector<std::string>& logs, const std::string& message) {
  return static_cast<size_t>(std::find(logs.begin(), logs.end(), message) - logs.begin());
}

TEST_P(E2eCallouts, MockedRepliesReachEveryReplyCallback) {
  const std::string wat =
      filter_wat("0_2_1",
                 {"proxy_http_call", "proxy_grpc_call", "proxy_grpc_stream", "proxy_grpc_send",
                  "proxy_grpc_cancel", "proxy_grpc_close", "proxy_get_status",
                  "proxy_get_buffer_bytes", "proxy_get_header_map_value", "proxy_log",
                  "proxy_set_effective_context", "proxy_continue_stream"},
                 kCalloutsBody);
  Result<debugger::RunResult> run = run_wat(wat_spec(GetParam(), wat), kCalloutsRequest);
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_FALSE(run->failure) << run->failure->message;
  EXPECT_FALSE(run->report.stalled) << run->report.stall_reason;
  ASSERT_TRUE(run->report.upstream_request);
  ASSERT_TRUE(run->report.response);
  EXPECT_EQ(run->report.response->status, 200u);

  ASSERT_EQ(run->callouts_sent.size(), 1u);
  EXPECT_EQ(run->callouts_sent[0].cluster, "cluster-http");
  EXPECT_EQ(run->callouts_sent[0].body, "q");

  // Every reply, once each; the cancelled and closed streams deliver nothing.
  std::vector<std::string> logs = log_messages(*run);
  std::vector<std::string> sorted = logs;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, (std::vector<std::string>{"201", "call ok", "call-md", "call-reply", "call-tr",
                                              "callout-body", "pong", "stream closed", "stream-md",
                                              "stream-tr"}));
  // A call's replies come in Envoy's order: metadata, message, trailers, close.
  EXPECT_LT(position(logs, "call-md"), position(logs, "call-reply"));
  EXPECT_LT(position(logs, "call-reply"), position(logs, "call-tr"));
  EXPECT_LT(position(logs, "call-tr"), position(logs, "call ok"));
  EXPECT_LT(position(logs, "stream-md"), position(logs, "pong"));
  EXPECT_LT(position(logs, "pong"), position(logs, "stream-tr"));
  EXPECT_LT(position(logs, "stream-tr"), position(logs, "stream closed"));
  EXPECT_LT(position(logs, "callout-body"), position(logs, "201"));
  // The close callback carries the mocked status: 0 for the call, 5 for the stream.
  std::vector<std::string> statuses;
  for (const host::TraceEvent& event : run->trace) {
    if (event.kind != host::EventKind::Callback || event.phase != "enter" ||
        event.name != "proxy_on_grpc_close")
      continue;
    for (const host::TraceField& field : event.args)
      if (field.name == "status_code") statuses.push_back(field.value);
  }
  std::sort(statuses.begin(), statuses.end());
  EXPECT_EQ(statuses, (std::vector<std::string>{"0", "5"}));
  PWPLAY_COVERS(run->trace, "proxy_http_call", "proxy_on_http_call_response", "proxy_grpc_call",
                "proxy_grpc_stream", "proxy_grpc_send", "proxy_grpc_cancel", "proxy_grpc_close",
                "proxy_get_status", "proxy_on_grpc_receive_initial_metadata",
                "proxy_on_grpc_receive", "proxy_on_grpc_receive_trailing_metadata",
                "proxy_on_grpc_close");
}

// A module that exports trailing metadata under the AssemblyScript SDK's name
// (proxy_on_grpc_trailing_metadata) gets it there: the host calls the alias as the spec callback.
TEST_P(E2eCallouts, TrailingMetadataReachesTheAssemblyScriptAlias) {
  const std::string wat = filter_wat("0_2_1",
                                     {"proxy_grpc_call", "proxy_get_header_map_value", "proxy_log",
                                      "proxy_set_effective_context", "proxy_continue_stream"},
                                     R"(
    (data (i32.const 120) "cluster-grpc")
    (data (i32.const 160) "svc.S")
    (data (i32.const 170) "Call")
    (data (i32.const 220) "x-tr")
    (global $stream (mut i32) (i32.const 0))
    (func $check (param $status i32)
      (if (i32.ne (local.get $status) (i32.const 0)) (then unreachable)))
    (func (export "proxy_on_context_create") (param i32 i32))
    (func (export "proxy_on_request_headers") (param $ctx i32) (param i32 i32) (result i32)
      (global.set $stream (local.get $ctx))
      (call $check (call $proxy_grpc_call (i32.const 120) (i32.const 12) (i32.const 160)
                                          (i32.const 5) (i32.const 170) (i32.const 4)
                                          (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                                          (i32.const 1000) (i32.const 304)))
      (i32.const 1))
    (func (export "proxy_on_grpc_trailing_metadata") (param i32 i32 i32)
      (call $check (call $proxy_get_header_map_value (i32.const 5) (i32.const 220) (i32.const 4)
                                                     (i32.const 320) (i32.const 324)))
      (call $check (call $proxy_log (i32.const 2) (i32.load (i32.const 320))
                                    (i32.load (i32.const 324)))))
    (func (export "proxy_on_grpc_close") (param i32 i32 i32)
      (call $check (call $proxy_set_effective_context (global.get $stream)))
      (call $check (call $proxy_continue_stream (i32.const 0))))
  )");
  Result<debugger::RunResult> run = run_wat(wat_spec(GetParam(), wat), kCalloutsRequest);
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_FALSE(run->failure) << run->failure->message;
  EXPECT_EQ(log_messages(*run), (std::vector<std::string>{"call-tr"}));
  ASSERT_TRUE(run->report.response);
  EXPECT_EQ(run->report.response->status, 200u);
  // The trace names the callback by its spec name; the module has only the alias.
  PWPLAY_COVERS_AS(run->trace, "proxy_on_grpc_trailing_metadata",
                   "proxy_on_grpc_receive_trailing_metadata");
}

INSTANTIATE_TEST_SUITE_P(Engines, E2eCallouts, ::testing::ValuesIn(built_wasm_engines()),
                         engine_param_name);

}  // namespace
}  // namespace pwplay::test
