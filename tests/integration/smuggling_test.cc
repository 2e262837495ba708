// End to end through real modules on every built engine: a filter that tries to smuggle a
// request (CR LF in :path) and inject a response header (CR LF in a value), local responses the
// host must refuse, and a filter that adds 100,000 headers. Through `pwplay run`, the in-process
// proxy and `pwplay serve`, with assertions on what the upstream and the client received.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/cli.h"
#include "support/engines.h"
#include "support/http_test_client.h"
#include "support/proxy_harness.h"
#include "support/serve_process.h"
#include "support/test_upstream.h"
#include "support/wat.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

// What every test filter exports besides its callbacks (a bump allocator, ABI 0.2.1).
constexpr const char* kPrologue = R"(
  (memory (export "memory") 1)
  (global $heap (mut i32) (i32.const 8192))
  (func (export "malloc") (param $size i32) (result i32) (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.and (i32.add (i32.add (local.get $p) (local.get $size))
      (i32.const 7)) (i32.const -8)))
    (if (i32.gt_u (global.get $heap) (i32.shl (memory.size) (i32.const 16)))
      (then (drop (memory.grow (i32.const 16)))))
    (local.get $p))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
)";

std::string module(const std::string& imports, const std::string& body) {
  return "(module\n" + imports + kPrologue + body + ")\n";
}

constexpr const char* kHeaderImports = R"(
  (import "env" "proxy_replace_header_map_value"
    (func $replace (param i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_add_header_map_value"
    (func $add (param i32 i32 i32 i32 i32) (result i32)))
)";

// Request: replaces :path with one that carries a second request, and reports the status it got
// in x-path-status (a digit). Response: adds `x: a CR LF set-cookie: evil`, reports the status in
// x-resp-status.
const std::string kSmugglingFilter = module(kHeaderImports, R"(
  (data (i32.const 1024) ":path")
  (data (i32.const 1040) "/ok\0d\0aGET /smuggled HTTP/1.1\0d\0ahost: evil\0d\0a\0d\0a")
  (data (i32.const 1120) "x-path-status")
  (data (i32.const 1140) "x")
  (data (i32.const 1150) "a\0d\0aset-cookie: evil")
  (data (i32.const 1180) "x-resp-status")
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (i32.store8 (i32.const 2000) (i32.add (i32.const 48)
      (call $replace (i32.const 0) (i32.const 1024) (i32.const 5) (i32.const 1040) (i32.const 43))))
    (drop (call $add (i32.const 0) (i32.const 1120) (i32.const 13) (i32.const 2000) (i32.const 1)))
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (i32.store8 (i32.const 2001) (i32.add (i32.const 48)
      (call $add (i32.const 2) (i32.const 1140) (i32.const 1) (i32.const 1150) (i32.const 19))))
    (drop (call $add (i32.const 2) (i32.const 1180) (i32.const 13) (i32.const 2001) (i32.const 1)))
    (i32.const 0))
)");

// Asks for a local response with `status` and `body` from proxy_on_request_headers, then goes
// on (Continue) with the status it got in x-local-status.
std::string local_reply_filter(uint32_t status, const std::string& body) {
  return module(R"(
  (import "env" "proxy_send_local_response"
    (func $local (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "env" "proxy_add_header_map_value"
    (func $add (param i32 i32 i32 i32 i32) (result i32)))
)",
                "  (data (i32.const 1024) \"" + body + "\")\n" + R"(
  (data (i32.const 1100) "x-local-status")
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (i32.store8 (i32.const 2000) (i32.add (i32.const 48)
      (call $local (i32.const )" +
                    std::to_string(status) +
                    R"() (i32.const 0) (i32.const 0) (i32.const 1024) (i32.const )" +
                    std::to_string(body.size()) + R"()
                   (i32.const 0) (i32.const 0) (i32.const -1))))
    (drop (call $add (i32.const 0) (i32.const 1100) (i32.const 14) (i32.const 2000) (i32.const 1)))
    (i32.const 0))
)");
}

// Adds `x-flood: v` 100,000 times to the request headers, ignoring the results.
const std::string kFloodFilter = module(kHeaderImports, R"(
  (data (i32.const 1024) "x-flood")
  (data (i32.const 1040) "v")
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (local $i i32)
    (loop $more
      (drop (call $add (i32.const 0) (i32.const 1024) (i32.const 7) (i32.const 1040) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $more (i32.lt_u (local.get $i) (i32.const 100000))))
    (i32.const 0))
)");

std::string module_file(const std::string& name, const std::string& wat) {
  std::vector<uint8_t> wasm = test::wat_to_wasm(wat);
  return write_temp_file(name, std::string(wasm.begin(), wasm.end()));
}

size_t json_count(const json& headers, const std::string& name) {
  size_t count = 0;
  for (const auto& pair : headers)
    if (pair[0] == name) ++count;
  return count;
}

bool any_log_mentions(const json& logs, const std::string& text) {
  for (const auto& log : logs)
    if (log["message"].get<std::string>().find(text) != std::string::npos) return true;
  return false;
}

// "2": BAD_ARGUMENT as the filter saw it (a digit the filter wrote).
const std::string kBadArgumentDigit = "2";

// The smuggling filter for an engine: WAT for the wasm engines, tests/native/smuggle.cc built as
// a shared object for the native one.
std::string smuggle_module_path(const std::string& engine) {
  if (engine == "native") return std::string(PWPLAY_TEST_NATIVE_DIR) + "/smuggle.so";
  return module_file("smuggle.wasm", kSmugglingFilter);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string engine_name(const ::testing::TestParamInfo<std::string>& param) {
  return param.param;
}

class SmugglingTest : public ::testing::TestWithParam<std::string> {};
// The tests that need a filter written in WAT.
class HostileHeadersTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SmugglingTest, RunRefusesTheInjectionAndNothingReachesTheWire) {
  std::string wasm = smuggle_module_path(GetParam());
  json out = run_json({wasm, "--engine", GetParam(), "--request", request_file("get.json")});
  ASSERT_TRUE(out.contains("upstream_request")) << out.dump();
  const json& upstream = out["upstream_request"];
  ASSERT_TRUE(upstream.is_object()) << out.dump();
  EXPECT_EQ(upstream["path"], out["client_request"]["path"]);
  EXPECT_EQ(header(upstream["headers"], "x-path-status"), kBadArgumentDigit);
  const json& response = out["response"];
  EXPECT_EQ(header(response["headers"], "x-resp-status"), kBadArgumentDigit);
  EXPECT_EQ(header(response["headers"], "x"), "<absent>");
  EXPECT_EQ(header(response["headers"], "set-cookie"), "<absent>");
  EXPECT_NE(out.dump().find("proxy_replace_header_map_value refused: HTTP_REQUEST_HEADERS: "
                            "header ':path': value '/ok\\\\x0d\\\\x0aGET /smuggled"),
            std::string::npos)
      << out["logs"].dump();
  EXPECT_TRUE(any_log_mentions(out["logs"],
                               "proxy_add_header_map_value refused: "
                               "HTTP_RESPONSE_HEADERS: header 'x': value "))
      << out["logs"].dump();
  EXPECT_EQ(out["local_response"], false);
}

TEST_P(SmugglingTest, ProxyRefusesTheInjectionAndTheUpstreamGetsOneCleanRequest) {
  TestUpstream upstream;
  host::proxy::ProxyOptions options;
  host::proxy::LoadedPlugin plugin;
  plugin.config.name = "smuggle";
  plugin.wasm = read_bytes(smuggle_module_path(GetParam()));
  ASSERT_FALSE(plugin.wasm.empty());
  plugin.config.engine = GetParam();
  options.plugins.push_back(std::move(plugin));
  options.trace = true;
  options.upstream = host::proxy::UpstreamConfig::remote_at({"127.0.0.1", upstream.port()});
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();

  HttpResponse response = http_request(proxy.port(), "GET", "/original");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("x-resp-status"), kBadArgumentDigit);
  EXPECT_EQ(response.count("set-cookie"), 0u);
  EXPECT_EQ(response.count("x"), 0u);
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  // Give a smuggled second request time to show up if it had been sent.
  upstream.wait_until([&] { return upstream.request_count() > 1; }, std::chrono::milliseconds(300));
  auto received = upstream.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].path, "/original");
  EXPECT_EQ(received[0].header("x-path-status"), kBadArgumentDigit);
  size_t refused = 0;
  for (const auto& event : records[0].trace) {
    if (event.kind != host::EventKind::HostCall || event.result != "BAD_ARGUMENT") continue;
    ++refused;
  }
  EXPECT_EQ(refused, 2u);
  bool logged = false;
  for (const auto& log : records[0].logs)
    logged = logged || log.message.find("proxy_replace_header_map_value refused") == 0;
  EXPECT_TRUE(logged);
}

TEST_P(SmugglingTest, ServeRefusesTheInjection) {
  TestUpstream upstream;
  std::string wasm = smuggle_module_path(GetParam());
  ServeProcess serve;
  ASSERT_TRUE(serve.start({wasm, "--engine", GetParam(), "--listen", "127.0.0.1:0", "--upstream",
                           "127.0.0.1:" + std::to_string(upstream.port())}))
      << serve.out() << serve.err();
  HttpResponse response = http_request(serve.port(), "GET", "/original");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.count("set-cookie"), 0u);
  EXPECT_EQ(response.header("x-resp-status"), kBadArgumentDigit);
  upstream.wait_until([&] { return upstream.request_count() > 1; }, std::chrono::milliseconds(300));
  auto received = upstream.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].path, "/original");
  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.err();
  // Filter log lines go to standard error.
  EXPECT_NE(serve.err().find("proxy_replace_header_map_value refused: HTTP_REQUEST_HEADERS"),
            std::string::npos)
      << serve.err();
  EXPECT_NE(serve.err().find("proxy_add_header_map_value refused: HTTP_RESPONSE_HEADERS"),
            std::string::npos)
      << serve.err();
}

TEST_P(HostileHeadersTest, RefusedLocalResponsesAreReportedAsFailedAndTheStreamGoesOn) {
  struct Case {
    uint32_t status;
    std::string body;
    std::string wanted;
  };
  for (const Case& c : {Case{700, "", "status 700 is outside 100-599"},
                        Case{204, "not allowed", "status 204 may not carry a body"}}) {
    SCOPED_TRACE(c.status);
    std::string wasm = module_file("local.wasm", local_reply_filter(c.status, c.body));
    json out = run_json({wasm, "--engine", GetParam(), "--request", request_file("get.json")});
    EXPECT_EQ(out["local_response"], false);
    ASSERT_TRUE(out["upstream_request"].is_object()) << out.dump();
    EXPECT_EQ(header(out["upstream_request"]["headers"], "x-local-status"), kBadArgumentDigit);
    ASSERT_EQ(out["refused_local_replies"].size(), 1u) << out.dump();
    EXPECT_NE(out["refused_local_replies"][0].get<std::string>().find(c.wanted), std::string::npos);
    EXPECT_EQ(out["response"]["status"], 200);

    // The text report says it failed, never that the filter answered locally.
    CommandResult text =
        run_pwplay({"run", wasm, "--engine", GetParam(), "--request", request_file("get.json")});
    EXPECT_EQ(text.exit_code, 0) << text.err;
    EXPECT_NE(text.out.find("the filter's local response failed (not sent): " + c.wanted),
              std::string::npos)
        << text.out;
    EXPECT_EQ(text.out.find("answered locally"), std::string::npos) << text.out;
    EXPECT_EQ(text.out.find("(local response)"), std::string::npos) << text.out;
  }
}

TEST_P(HostileHeadersTest, AHundredThousandHeadersStopAtTheLimit) {
  std::string wasm = module_file("flood.wasm", kFloodFilter);
  json out = run_json({wasm, "--engine", GetParam(), "--request", request_file("get.json"),
                       "--no-trace", "--budget-ms", "20000"});
  ASSERT_TRUE(out["upstream_request"].is_object()) << out.dump().substr(0, 2000);
  const json& headers = out["upstream_request"]["headers"];
  // The map holds at most 10,000 pairs: the client's headers and the first x-flood ones.
  EXPECT_LE(headers.size(), 10'000u);
  EXPECT_GT(json_count(headers, "x-flood"), 9'900u);
  EXPECT_TRUE(any_log_mentions(out["logs"], "over the limit of 10000")) << out["logs"].dump();
  // A few refusals are logged, not 90,000.
  EXPECT_LE(out["logs"].size(), 11u);
  EXPECT_EQ(out["response"]["status"], 200);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(SmugglingTest);
INSTANTIATE_TEST_SUITE_P(Engines, SmugglingTest, ::testing::ValuesIn(test::built_engines()),
                         engine_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(HostileHeadersTest);
INSTANTIATE_TEST_SUITE_P(Engines, HostileHeadersTest,
                         ::testing::ValuesIn(test::built_wasm_engines()), engine_name);

}  // namespace
}  // namespace pwplay::testing
