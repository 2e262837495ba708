// Behaviour notes (docs/compatibility.md, "Behaviour notes: where pwplay follows Envoy"): the
// points where filters meet Envoy's order of events, checked through `pwplay run --json` with
// WAT modules on V8 and WABT: proxy_on_log before proxy_on_done in every ABI version, a callout
// answer that arrives after its stream ended, a failed callout reported through proxy_get_status,
// a local response followed by Continue, a pause in the response headers resumed from a tick,
// header values that are not UTF-8, a Stop status in the body callbacks.
#include <gtest/gtest.h>

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/session_support.h"
#include "support/wat.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

std::string wasm_file(const UniqueTempDir& dir, const std::string& name, const std::string& wat) {
  const std::vector<uint8_t> wasm = test::wat_to_wasm(wat);
  return dir.write(name, std::string(wasm.begin(), wasm.end()));
}

// The trace as "name" entries: callbacks as they are entered ("proxy_on_log@2": context 2),
// lifecycle events and host calls (with their result: "proxy_get_status=OK").
std::vector<std::string> events(const json& run) {
  std::vector<std::string> out;
  for (const auto& event : run.value("trace", json::array())) {
    const std::string kind = event.value("kind", "");
    const std::string name = event.value("name", "");
    if (kind == "callback" && event.value("phase", "") == "enter")
      out.push_back(name + "@" + std::to_string(event.value("context_id", 0)));
    else if (kind == "lifecycle")
      out.push_back(name);
    else if (kind == "hostcall")
      out.push_back(name + "=" + event.value("result", ""));
  }
  return out;
}

size_t index_of(const std::vector<std::string>& list, const std::string& item) {
  for (size_t i = 0; i < list.size(); ++i)
    if (list[i] == item) return i;
  return list.size();
}

TEST(EnvoyBehaviour, LogComesBeforeDoneForAStreamInEveryAbiVersion) {
  UniqueTempDir dir;
  const std::string request = dir.write("req.json", R"({"method": "GET", "path": "/"})");
  for (const char* version : {"0_1_0", "0_2_1"}) {
    const std::string filter = wasm_file(dir, std::string(version) + ".wasm", R"((module
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_)" + std::string(version) + R"("))
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_log") (param i32))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_delete") (param i32))))");
    for (const char* engine : {"v8", "wabt"}) {
      SCOPED_TRACE(std::string(version) + " " + engine);
      const std::vector<std::string> trace =
          events(run_json({filter, "--engine", engine, "--request", request}));
      // Context 1 is the root, 2 the stream.
      const size_t log = index_of(trace, "proxy_on_log@2");
      const size_t done = index_of(trace, "proxy_on_done@2");
      const size_t del = index_of(trace, "proxy_on_delete@2");
      ASSERT_LT(log, trace.size()) << ::testing::PrintToString(trace);
      EXPECT_LT(log, done) << ::testing::PrintToString(trace);
      EXPECT_LT(done, del) << ::testing::PrintToString(trace);
      // The root context gets proxy_on_done at shutdown, never proxy_on_log.
      EXPECT_EQ(index_of(trace, "proxy_on_log@1"), trace.size());
      EXPECT_LT(index_of(trace, "proxy_on_done@1"), trace.size());
    }
  }
}

// The pairs encoding of :method GET, :path /, :authority svc, as WAT data.
std::string callout_headers_wat(size_t* size) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {":method", "GET"}, {":path", "/"}, {":authority", "svc"}};
  std::string bytes;
  auto put_u32 = [&bytes](uint32_t v) {
    for (int i = 0; i < 4; ++i) bytes += static_cast<char>((v >> (8 * i)) & 0xff);
  };
  put_u32(static_cast<uint32_t>(pairs.size()));
  for (const auto& [k, v] : pairs) {
    put_u32(static_cast<uint32_t>(k.size()));
    put_u32(static_cast<uint32_t>(v.size()));
  }
  for (const auto& [k, v] : pairs) bytes += k + '\0' + v + '\0';
  *size = bytes.size();
  std::string wat;
  for (unsigned char c : bytes) {
    const char* hex = "0123456789abcdef";
    wat += '\\';
    wat += hex[c >> 4];
    wat += hex[c & 15];
  }
  return wat;
}

// Calls cluster "svc" from proxy_on_request_headers (timeout 1000 ms) and returns `result`
// (0 Continue, 1 Pause). proxy_on_http_call_response logs "reply h=H s=SS e=E": the number of
// headers, proxy_get_status's code (two digits) and what proxy_set_effective_context(stream)
// returned; when that was OK it resumes the request.
std::string callout_filter(const UniqueTempDir& dir, const std::string& name, int result) {
  size_t size = 0;
  const std::string headers = callout_headers_wat(&size);
  return wasm_file(dir, name,
                   R"((module
  (import "env" "proxy_http_call"
    (func $call (param i32 i32 i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_get_status" (func $status (param i32 i32 i32) (result i32)))
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (import "env" "proxy_set_effective_context" (func $effective (param i32) (result i32)))
  (import "env" "proxy_continue_stream" (func $continue (param i32) (result i32)))
  (memory (export "memory") 2)
  (data (i32.const 16) "svc")
  (data (i32.const 32) ")" +
                       headers + R"(")
  (data (i32.const 200) "reply h=? s=?? e=?")
  (global $heap (mut i32) (i32.const 4096))
  (global $stream (mut i32) (i32.const 0))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param $n i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (i32.add (local.get $n) (i32.const 8))))
    (local.get $p))
  (func (export "proxy_on_context_create") (param $id i32) (param $parent i32)
    (if (local.get $parent) (then (global.set $stream (local.get $id)))))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $call (i32.const 16) (i32.const 3) (i32.const 32) (i32.const )" +
                       std::to_string(size) + R"()
                      (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1000)
                      (i32.const 100)))
    (i32.const )" + std::to_string(result) +
                       R"())
  (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32)
    (local $e i32) (local $code i32)
    (drop (call $status (i32.const 120) (i32.const 124) (i32.const 128)))
    (local.set $code (i32.load (i32.const 120)))
    (local.set $e (call $effective (global.get $stream)))
    (i32.store8 (i32.const 208) (i32.add (local.get 2) (i32.const 48)))
    (i32.store8 (i32.const 212) (i32.add (i32.div_u (local.get $code) (i32.const 10)) (i32.const 48)))
    (i32.store8 (i32.const 213) (i32.add (i32.rem_u (local.get $code) (i32.const 10)) (i32.const 48)))
    (i32.store8 (i32.const 217) (i32.add (local.get $e) (i32.const 48)))
    (drop (call $log (i32.const 2) (i32.const 200) (i32.const 18)))
    (if (i32.eqz (local.get $e)) (then (drop (call $continue (i32.const 0)))))))
)");
}

std::vector<std::string> log_messages(const json& run) {
  std::vector<std::string> out;
  for (const auto& log : run.value("logs", json::array())) out.push_back(log.value("message", ""));
  return out;
}

TEST(EnvoyBehaviour, ACalloutAnswerAfterItsStreamEndedStillReachesTheRoot) {
  UniqueTempDir dir;
  const std::string filter = callout_filter(dir, "continue.wasm", 0);
  const std::string request =
      dir.write("late.json", R"({"method": "GET", "path": "/", "headers": [["host", "x"]],
      "callouts": {"svc": {"status": 200, "body": "ok", "delay_ms": 100}}})");
  for (const char* engine : {"v8", "wabt"}) {
    SCOPED_TRACE(engine);
    const json run = run_json({filter, "--engine", engine, "--request", request});
    EXPECT_EQ(run["response"]["status"], 200);
    const std::vector<std::string> trace = events(run);
    const size_t end = index_of(trace, "stream_end");
    const size_t reply = index_of(trace, "proxy_on_http_call_response@1");
    ASSERT_LT(reply, trace.size()) << ::testing::PrintToString(trace);
    EXPECT_LT(end, reply) << ::testing::PrintToString(trace);
    // The stream's context is gone: proxy_set_effective_context answers BAD_ARGUMENT (2).
    EXPECT_LT(index_of(trace, "proxy_set_effective_context=BAD_ARGUMENT"), trace.size())
        << ::testing::PrintToString(trace);
    const std::vector<std::string> logs = log_messages(run);
    ASSERT_EQ(logs.size(), 1u) << ::testing::PrintToString(logs);
    EXPECT_TRUE(logs[0].ends_with(" s=00 e=2")) << logs[0];
  }
}

TEST(EnvoyBehaviour, AFailedCalloutIsReportedThroughGetStatusWithNoHeaders) {
  UniqueTempDir dir;
  const std::string filter = callout_filter(dir, "pause.wasm", 1);
  const std::string request =
      dir.write("fail.json", R"({"method": "GET", "path": "/", "headers": [["host", "x"]],
      "callouts": {"svc": {"fail": true}}})");
  for (const char* engine : {"v8", "wabt"}) {
    SCOPED_TRACE(engine);
    const json run = run_json({filter, "--engine", engine, "--request", request});
    // BROKEN_CONNECTION (11), zero headers and no :status; the filter resumes the request.
    EXPECT_EQ(log_messages(run), std::vector<std::string>{"reply h=0 s=11 e=0"});
    EXPECT_EQ(run["response"]["status"], 200);
    EXPECT_FALSE(run["upstream_request"].is_null());
    bool reported = false;
    for (const auto& event : run["trace"])
      if (event.value("name", "") == "proxy_get_status" && event.value("kind", "") == "hostcall")
        reported = event.dump().find("reset") != std::string::npos;
    EXPECT_TRUE(reported) << run["trace"].dump();
  }
}

TEST(EnvoyBehaviour, ALocalResponseThenContinueStopsTheRequest) {
  UniqueTempDir dir;
  // Answers 403 "no" from proxy_on_request_headers, then returns Continue.
  const std::string filter = wasm_file(dir, "local.wasm", R"((module
  (import "env" "proxy_send_local_response"
    (func $local (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "no")
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $local (i32.const 403) (i32.const 0) (i32.const 0) (i32.const 16) (i32.const 2)
                       (i32.const 0) (i32.const 0) (i32.const -1)))
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32) (i32.const 0))))");
  const std::string request =
      dir.write("req.json", R"({"method": "GET", "path": "/", "headers": [["host", "x"]]})");
  for (const char* engine : {"v8", "wabt"}) {
    SCOPED_TRACE(engine);
    const json run = run_json({filter, "--engine", engine, "--request", request});
    EXPECT_EQ(run["response"]["status"], 403);
    EXPECT_EQ(run["response"]["body"], "no");
    EXPECT_TRUE(run["upstream_request"].is_null()) << run["upstream_request"].dump();
    // The local reply passes the response callbacks, as Envoy's encoder filters see it.
    const std::vector<std::string> trace = events(run);
    EXPECT_LT(index_of(trace, "proxy_on_response_headers@2"), trace.size())
        << ::testing::PrintToString(trace);
  }
}

TEST(EnvoyBehaviour, APauseInResponseHeadersResumesFromATick) {
  UniqueTempDir dir;
  // Pauses in proxy_on_response_headers; the next tick (every 50 ms) adds x-resumed: tick to
  // the paused response's headers and resumes it with proxy_continue_stream(HttpResponse).
  const std::string filter = wasm_file(dir, "tick.wasm", R"WAT((module
  (import "env" "proxy_set_tick_period_milliseconds" (func $tick (param i32) (result i32)))
  (import "env" "proxy_set_effective_context" (func $effective (param i32) (result i32)))
  (import "env" "proxy_continue_stream" (func $continue (param i32) (result i32)))
  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "x-resumed")
  (data (i32.const 32) "tick")
  (global $stream (mut i32) (i32.const 0))
  (global $paused (mut i32) (i32.const 0))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "proxy_on_context_create") (param $id i32) (param $parent i32)
    (if (local.get $parent) (then (global.set $stream (local.get $id)))))
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $tick (i32.const 50))) (i32.const 1))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (global.set $paused (i32.const 1)) (i32.const 1))
  (func (export "proxy_on_tick") (param i32)
    (if (global.get $paused) (then
      (global.set $paused (i32.const 0))
      (drop (call $effective (global.get $stream)))
      (drop (call $add (i32.const 2) (i32.const 16) (i32.const 9) (i32.const 32) (i32.const 4)))
      (drop (call $continue (i32.const 1))))))))WAT");
  const std::string request =
      dir.write("req.json", R"({"method": "GET", "path": "/", "headers": [["host", "x"]]})");
  for (const char* engine : {"v8", "wabt"}) {
    SCOPED_TRACE(engine);
    const json run = run_json({filter, "--engine", engine, "--request", request});
    EXPECT_EQ(run["response"]["status"], 200);
    EXPECT_FALSE(run.value("stalled", true));
    bool resumed = false;
    for (const auto& pair : run["response"]["headers"])
      resumed = resumed || (pair[0] == "x-resumed" && pair[1] == "tick");
    EXPECT_TRUE(resumed) << run["response"].dump();
    const std::vector<std::string> trace = events(run);
    EXPECT_LT(index_of(trace, "proxy_on_response_headers@2"),
              index_of(trace, "proxy_continue_stream=OK"))
        << ::testing::PrintToString(trace);
    EXPECT_LT(index_of(trace, "proxy_continue_stream=OK"), index_of(trace, "stream_end"))
        << ::testing::PrintToString(trace);
  }
}

TEST(EnvoyBehaviour, HeaderValuesThatAreNotUtf8KeepTheirBytes) {
  UniqueTempDir dir;
  // Adds x-bin: "a" 0xff 0xfe 0x80 "z" to the request headers.
  const std::string filter = wasm_file(dir, "bin.wasm", R"WAT((module
  (import "env" "proxy_add_header_map_value" (func $add (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "x-bin")
  (data (i32.const 32) "a\ff\fe\80z")
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $add (i32.const 0) (i32.const 16) (i32.const 5) (i32.const 32) (i32.const 5)))
    (i32.const 0))))WAT");
  const std::string request =
      dir.write("req.json", R"({"method": "GET", "path": "/", "headers": [["host", "x"]]})");
  for (const char* engine : {"v8", "wabt"}) {
    SCOPED_TRACE(engine);
    const json run = run_json({filter, "--engine", engine, "--request", request});
    // --json writes a value that is not UTF-8 as "base64:" + its bytes in base64.
    std::string value = "<absent>";
    for (const auto& pair : run["upstream_request"]["headers"])
      if (pair[0] == "x-bin") value = pair[1].get<std::string>();
    EXPECT_EQ(value, "base64:Yf/+gHo=");
  }
}

// The request body callbacks as (body_size, end_of_stream, result) triples.
std::vector<std::string> body_calls(const json& run) {
  std::vector<std::string> out;
  std::string args;
  for (const auto& event : run.value("trace", json::array())) {
    if (event.value("name", "") != "proxy_on_request_body") continue;
    if (event.value("phase", "") == "enter")
      args =
          event["args"].value("body_size", "?") + "," + event["args"].value("end_of_stream", "?");
    else
      out.push_back(args + "," + event.value("result", ""));
  }
  return out;
}

TEST(EnvoyBehaviour, StopInTheBodyCallbacksBuffersOrHoldsTheRequest) {
  UniqueTempDir dir;
  // Answers StopIterationAndBuffer (1) to every body chunk but the last, which it lets through.
  const std::string buffer = wasm_file(dir, "buffer.wasm", R"WAT((module
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
    (if (result i32) (local.get 2) (then (i32.const 0)) (else (i32.const 1))))))WAT");
  // Answers StopIterationAndBuffer to every chunk, the last one too, and never resumes.
  std::string stop_wat = R"WAT((module
  (memory (export "memory") 1)
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 1024))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
    (if (result i32) (local.get 2) (then (i32.const 0)) (else (i32.const 1))))))WAT";
  const std::string condition =
      "(if (result i32) (local.get 2) (then (i32.const 0)) (else (i32.const 1)))";
  stop_wat.replace(stop_wat.find(condition), condition.size(), "(i32.const 1)");
  const std::string stop = wasm_file(dir, "stop.wasm", stop_wat);
  const std::string request = dir.write(
      "post.json",
      R"({"method": "POST", "path": "/", "headers": [["host", "x"]], "body_chunks": ["abc", "defg"]})");
  for (const char* engine : {"v8", "wabt"}) {
    SCOPED_TRACE(engine);
    // Without end_of_stream, Stop buffers: the next call reports the whole body so far (7
    // bytes), and the upstream gets it in one piece once the filter continues.
    const json buffered = run_json({buffer, "--engine", engine, "--request", request});
    EXPECT_EQ(body_calls(buffered),
              (std::vector<std::string>{"3,0,StopIterationAndBuffer", "7,1,Continue"}));
    EXPECT_EQ(buffered["upstream_request"]["body"], "abcdefg");
    // With end_of_stream, Stop holds the body until proxy_continue_stream: the upstream has the
    // headers and no body, and run reports the stalled stream (exit 3).
    CommandResult held =
        run_pwplay({"run", stop, "--engine", engine, "--request", request, "--json"});
    EXPECT_EQ(held.exit_code, 3) << held.err;
    const json run = json::parse(held.out, nullptr, false);
    ASSERT_FALSE(run.is_discarded()) << held.out;
    EXPECT_TRUE(run.value("stalled", false));
    EXPECT_EQ(body_calls(run), (std::vector<std::string>{"3,0,StopIterationAndBuffer",
                                                         "7,1,StopIterationAndBuffer"}));
    EXPECT_EQ(run["upstream_request"]["body"], "");
  }
}

}  // namespace
}  // namespace pwplay::testing
