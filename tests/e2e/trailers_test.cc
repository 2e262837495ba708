// End to end: request and response trailers read and changed by a filter through the header-map
// host calls, on every wasm engine, in `pwplay run`'s runner and through the proxy to a real
// upstream and client.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli.h"
#include "support/e2e.h"
#include "support/engines.h"
#include "support/http_test_client.h"
#include "support/proxy_harness.h"
#include "support/test_upstream.h"
#include "support/wat.h"

namespace pwplay::test {
namespace {

using Pairs = abi::HeaderPairs;

// Request trailers: x-copied gets the value of x-in (get + add), x-replace becomes "new", x-drop
// goes, and x-size gets the map's byte size after those changes (one decimal digit per byte
// count, written as two digits). Response trailers: replaced whole by {x-set: 1, x-resp-drop:
// gone}, then x-resp-drop removed and x-resp-added: yes added.
const char* const kTrailersBody = R"(
  (data (i32.const 100) "x-in")
  (data (i32.const 110) "x-copied")
  (data (i32.const 120) "x-replace")
  (data (i32.const 130) "new")
  (data (i32.const 140) "x-drop")
  (data (i32.const 150) "x-resp-drop")
  (data (i32.const 170) "x-resp-added")
  (data (i32.const 190) "yes")
  (data (i32.const 230) "x-size")
  ;; Encoded pairs: count, (name length, value length) per pair, then "name\0value\0" each.
  (data (i32.const 400) "\02\00\00\00\05\00\00\00\01\00\00\00\0b\00\00\00\04\00\00\00x-set\001\00x-resp-drop\00gone\00")
  (func $check (param $status i32)
    (if (i32.ne (local.get $status) (i32.const 0)) (then unreachable)))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_trailers") (param $ctx i32) (param $n i32) (result i32)
    (local $size i32)
    (call $check (call $proxy_get_header_map_value (i32.const 1) (i32.const 100) (i32.const 4)
                                                   (i32.const 200) (i32.const 204)))
    (call $check (call $proxy_add_header_map_value (i32.const 1) (i32.const 110) (i32.const 8)
                                                   (i32.load (i32.const 200))
                                                   (i32.load (i32.const 204))))
    (call $check (call $proxy_replace_header_map_value (i32.const 1) (i32.const 120) (i32.const 9)
                                                       (i32.const 130) (i32.const 3)))
    (call $check (call $proxy_remove_header_map_value (i32.const 1) (i32.const 140) (i32.const 6)))
    (call $check (call $proxy_get_header_map_size (i32.const 1) (i32.const 208)))
    (local.set $size (i32.load (i32.const 208)))
    (i32.store8 (i32.const 240) (i32.add (i32.const 48) (i32.div_u (local.get $size) (i32.const 10))))
    (i32.store8 (i32.const 241) (i32.add (i32.const 48) (i32.rem_u (local.get $size) (i32.const 10))))
    (call $check (call $proxy_add_header_map_value (i32.const 1) (i32.const 230) (i32.const 6)
                                                   (i32.const 240) (i32.const 2)))
    (call $check (call $proxy_get_header_map_pairs (i32.const 1) (i32.const 200) (i32.const 204)))
    (i32.const 0))
  (func (export "proxy_on_response_trailers") (param $ctx i32) (param $n i32) (result i32)
    (call $check (call $proxy_set_header_map_pairs (i32.const 3) (i32.const 400) (i32.const 45)))
    (call $check (call $proxy_remove_header_map_value (i32.const 3) (i32.const 150) (i32.const 11)))
    (call $check (call $proxy_add_header_map_value (i32.const 3) (i32.const 170) (i32.const 12)
                                                   (i32.const 190) (i32.const 3)))
    (i32.const 0))
)";

std::string trailers_filter() {
  return filter_wat(
      "0_2_1",
      {"proxy_get_header_map_value", "proxy_add_header_map_value", "proxy_replace_header_map_value",
       "proxy_remove_header_map_value", "proxy_get_header_map_size", "proxy_get_header_map_pairs",
       "proxy_set_header_map_pairs"},
      kTrailersBody);
}

class E2eTrailers : public ::testing::TestWithParam<std::string> {};

TEST_P(E2eTrailers, FilterChangesReachTheUpstreamAndTheClientInRun) {
  Result<debugger::RunResult> run = run_wat(wat_spec(GetParam(), trailers_filter()), R"({
    "method": "POST", "path": "/t", "headers": [["host", "test.local"]], "body": "hi",
    "trailers": [["x-in", "abc"], ["x-replace", "old"], ["x-drop", "1"]],
    "upstream_response": {"status": 200, "body": "ok",
                          "trailers": [["x-up", "1"], ["x-resp-drop", "1"]]}})");
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_FALSE(run->failure) << run->failure->message;
  ASSERT_TRUE(run->report.upstream_request);
  // x-in(4)+abc(3) + x-replace(9)+new(3) + x-copied(8)+abc(3) = 30 bytes.
  EXPECT_EQ(run->report.upstream_request->trailers,
            (Pairs{{"x-in", "abc"}, {"x-replace", "new"}, {"x-copied", "abc"}, {"x-size", "30"}}));
  ASSERT_TRUE(run->report.upstream_response);
  EXPECT_EQ(run->report.upstream_response->trailers, (Pairs{{"x-up", "1"}, {"x-resp-drop", "1"}}));
  ASSERT_TRUE(run->report.response);
  EXPECT_EQ(run->report.response->trailers, (Pairs{{"x-set", "1"}, {"x-resp-added", "yes"}}));
  EXPECT_EQ(run->report.response->body, "ok");
  EXPECT_EQ(host_call_result(run->trace, "proxy_get_header_map_pairs"), "OK");
  PWPLAY_COVERS(run->trace, "proxy_on_request_trailers", "proxy_on_response_trailers",
                "proxy_get_header_map_value", "proxy_add_header_map_value",
                "proxy_replace_header_map_value", "proxy_remove_header_map_value",
                "proxy_get_header_map_size", "proxy_get_header_map_pairs",
                "proxy_set_header_map_pairs");
}

TEST_P(E2eTrailers, FilterChangesReachTheUpstreamAndTheClientThroughTheProxy) {
  testing::TestUpstream upstream([](const testing::ReceivedRequest&) {
    return testing::UpstreamReply{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                                  testing::chunk("ok") + "0\r\nX-Up: 1\r\nX-Resp-Drop: 1\r\n\r\n"};
  });
  host::proxy::LoadedPlugin plugin = testing::wat_plugin("trailers", trailers_filter());
  plugin.config.engine = GetParam();
  host::proxy::ProxyOptions options;
  options.plugins.push_back(std::move(plugin));
  options.trace = true;
  options.upstream = host::proxy::UpstreamConfig::remote_at({"127.0.0.1", upstream.port()});
  testing::TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();

  auto connection = testing::HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(
      "POST /t HTTP/1.1\r\nHost: test.local\r\nTransfer-Encoding: chunked\r\n\r\n" +
      testing::chunk("hi") + "0\r\nX-In: abc\r\nX-Replace: old\r\nX-Drop: 1\r\n\r\n"));
  testing::HttpResponse response = connection->read_response();
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "ok");
  EXPECT_EQ(response.trailers, (testing::Headers{{"x-set", "1"}, {"x-resp-added", "yes"}}));

  std::vector<testing::ReceivedRequest> received = upstream.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].body, "hi");
  EXPECT_EQ(received[0].trailers,
            (testing::Headers{
                {"x-in", "abc"}, {"x-replace", "new"}, {"x-copied", "abc"}, {"x-size", "30"}}));
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  PWPLAY_COVERS(records[0].trace, "proxy_on_request_trailers", "proxy_on_response_trailers",
                "proxy_get_header_map_value", "proxy_add_header_map_value",
                "proxy_replace_header_map_value", "proxy_remove_header_map_value",
                "proxy_set_header_map_pairs");
}

// The same through the executable: `pwplay run MODULE --request REQ --engine E --json` exits 0
// and prints the changed trailers of the upstream request and of the response.
TEST_P(E2eTrailers, PwplayRunPrintsTheChangedTrailers) {
  const std::vector<uint8_t> wasm = wat_to_wasm(trailers_filter());
  const std::string module = testing::write_temp_file("e2e_trailers_" + GetParam() + ".wasm",
                                                      std::string(wasm.begin(), wasm.end()));
  const std::string request = testing::write_temp_file("e2e_trailers.json", R"({
    "method": "POST", "path": "/t", "headers": [["host", "test.local"]], "body": "hi",
    "trailers": [["x-in", "abc"], ["x-replace", "old"], ["x-drop", "1"]],
    "upstream_response": {"status": 200, "body": "ok", "trailers": [["x-up", "1"]]}})");
  testing::CommandResult result =
      testing::run_pwplay({"run", module, "--request", request, "--engine", GetParam(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  nlohmann::json out = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_FALSE(out.is_discarded()) << result.out;
  EXPECT_EQ(out["engine"], GetParam());
  EXPECT_EQ(
      out["upstream_request"]["trailers"],
      nlohmann::json::parse(
          R"([["x-in", "abc"], ["x-replace", "new"], ["x-copied", "abc"], ["x-size", "30"]])"));
  EXPECT_EQ(out["response"]["trailers"],
            nlohmann::json::parse(R"([["x-set", "1"], ["x-resp-added", "yes"]])"));
}

// The same filter as a native one (tests/native/e2e_trailers.cc) on the native engine, with
// proxy_on_log reading the response and the end-of-stream callbacks in order.
TEST(E2eTrailersNative, FilterChangesReachTheUpstreamAndTheClient) {
  PWPLAY_REQUIRE_ENGINE("native");
  debugger::PluginSpec spec;
  spec.engine = "native";
  spec.wasm_path = std::string(PWPLAY_TEST_NATIVE_DIR) + "/e2e_trailers.so";
  spec.name = "e2e";
  Result<debugger::RunResult> run = run_wat(spec, R"({
    "method": "POST", "path": "/t", "headers": [["host", "test.local"]], "body": "hi",
    "trailers": [["x-in", "abc"], ["x-replace", "old"], ["x-drop", "1"]],
    "upstream_response": {"status": 200, "body": "ok",
                          "trailers": [["x-up", "1"], ["x-resp-drop", "1"]]}})");
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_FALSE(run->failure) << run->failure->message;
  ASSERT_TRUE(run->report.upstream_request);
  EXPECT_EQ(run->report.upstream_request->trailers,
            (Pairs{{"x-in", "abc"}, {"x-replace", "new"}, {"x-copied", "abc"}, {"x-size", "30"}}));
  ASSERT_TRUE(run->report.response);
  EXPECT_EQ(run->report.response->trailers, (Pairs{{"x-set", "1"}, {"x-resp-added", "yes"}}));
  EXPECT_EQ(log_messages(*run), (std::vector<std::string>{"log saw status 200"}));
  EXPECT_EQ(
      callbacks_entered(run->trace, {"proxy_on_request_trailers", "proxy_on_response_trailers",
                                     "proxy_on_log", "proxy_on_done", "proxy_on_delete"}),
      (std::vector<std::string>{"proxy_on_request_trailers", "proxy_on_response_trailers",
                                "proxy_on_log", "proxy_on_done", "proxy_on_delete", "proxy_on_done",
                                "proxy_on_delete"}));
  PWPLAY_COVERS(run->trace, "proxy_on_request_trailers", "proxy_on_response_trailers",
                "proxy_on_log", "proxy_get_header_map_value", "proxy_add_header_map_value",
                "proxy_replace_header_map_value", "proxy_remove_header_map_value",
                "proxy_get_header_map_size", "proxy_set_header_map_pairs");
}

INSTANTIATE_TEST_SUITE_P(Engines, E2eTrailers, ::testing::ValuesIn(built_wasm_engines()),
                         engine_param_name);

}  // namespace
}  // namespace pwplay::test
