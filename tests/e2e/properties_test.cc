// End to end: Envoy's attributes read by a real module (WAT) on every wasm engine, each in the
// callbacks where Envoy has it and NOT_FOUND before; and `pwplay serve` reporting the cluster and
// route names of its proxy config.
#include <gtest/gtest.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli.h"
#include "support/e2e.h"
#include "support/engines.h"
#include "support/http_test_client.h"
#include "support/serve_process.h"
#include "support/wat.h"

namespace pwplay::test {
namespace {

// Reads attributes into headers and traps when one answers other than Envoy would:
// - proxy_on_configure (root context): plugin_name answers, cluster_name (a stream's) is
//   NOT_FOUND;
// - proxy_on_request_headers: cluster_name, route_name, node.id and xds.route_name become the
//   request headers x-cluster, x-route, x-node and x-xds-route; source.port is 8 nonzero bytes;
//   response.code, upstream.address and request.duration are NOT_FOUND (not yet known);
// - proxy_on_response_headers: response.code is 200 and upstream.address, when there is one,
//   becomes the response header x-upstream;
// - proxy_on_log: request.duration is 8 bytes.
const char* const kAttributesBody = R"(
  (data (i32.const 100) "cluster_name")          ;; 12
  (data (i32.const 120) "route_name")            ;; 10
  (data (i32.const 140) "node\00id")             ;; 7
  (data (i32.const 150) "source\00port")         ;; 11
  (data (i32.const 170) "response\00code")       ;; 13
  (data (i32.const 190) "upstream\00address")    ;; 16
  (data (i32.const 220) "request\00duration")    ;; 16
  (data (i32.const 240) "xds\00route_name")      ;; 14
  (data (i32.const 260) "plugin_name")           ;; 11
  (data (i32.const 400) "x-cluster")             ;; 9
  (data (i32.const 410) "x-route")               ;; 7
  (data (i32.const 420) "x-node")                ;; 6
  (data (i32.const 430) "x-xds-route")           ;; 11
  (data (i32.const 450) "x-upstream")            ;; 10
  (func $check (param $status i32)
    (if (i32.ne (local.get $status) (i32.const 0)) (then unreachable)))
  ;; proxy_get_property into the slots at 1000 (pointer) and 1004 (size).
  (func $get (param $path i32) (param $size i32) (result i32)
    (call $proxy_get_property (local.get $path) (local.get $size) (i32.const 1000)
                              (i32.const 1004)))
  (func $not_found (param $path i32) (param $size i32)
    (if (i32.ne (call $get (local.get $path) (local.get $size)) (i32.const 1))
      (then unreachable)))
  ;; Adds header `name` to map `map` with the value last read.
  (func $header (param $map i32) (param $name i32) (param $name_size i32)
    (call $check (call $proxy_add_header_map_value (local.get $map) (local.get $name)
                                                   (local.get $name_size)
                                                   (i32.load (i32.const 1000))
                                                   (i32.load (i32.const 1004)))))
  ;; The 8-byte value last read, which must be 8 bytes long.
  (func $i64 (result i64)
    (if (i32.ne (i32.load (i32.const 1004)) (i32.const 8)) (then unreachable))
    (i64.load (i32.load (i32.const 1000))))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (call $check (call $get (i32.const 260) (i32.const 11)))
    (call $not_found (i32.const 100) (i32.const 12))
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (call $check (call $get (i32.const 100) (i32.const 12)))
    (call $header (i32.const 0) (i32.const 400) (i32.const 9))
    (call $check (call $get (i32.const 120) (i32.const 10)))
    (call $header (i32.const 0) (i32.const 410) (i32.const 7))
    (call $check (call $get (i32.const 140) (i32.const 7)))
    (call $header (i32.const 0) (i32.const 420) (i32.const 6))
    (call $check (call $get (i32.const 240) (i32.const 14)))
    (call $header (i32.const 0) (i32.const 430) (i32.const 11))
    (call $check (call $get (i32.const 150) (i32.const 11)))
    (if (i64.eqz (call $i64)) (then unreachable))
    (call $not_found (i32.const 170) (i32.const 13))
    (call $not_found (i32.const 190) (i32.const 16))
    (call $not_found (i32.const 220) (i32.const 16))
    (i32.const 0))
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (call $check (call $get (i32.const 170) (i32.const 13)))
    (if (i64.ne (call $i64) (i64.const 200)) (then unreachable))
    (if (i32.eqz (call $get (i32.const 190) (i32.const 16)))
      (then (call $header (i32.const 2) (i32.const 450) (i32.const 10))))
    (i32.const 0))
  (func (export "proxy_on_log") (param i32)
    (call $check (call $get (i32.const 220) (i32.const 16)))
    (drop (call $i64)))
)";

std::string attributes_wat() {
  return filter_wat("0_2_1", {"proxy_get_property", "proxy_add_header_map_value"}, kAttributesBody);
}

std::string header_of(const abi::HeaderPairs& headers, const std::string& name) {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return "<absent>";
}

class PropertiesE2E : public ::testing::TestWithParam<std::string> {};

TEST_P(PropertiesE2E, AttributesInTheCallbacksWhereEnvoyHasThem) {
  Result<debugger::RunResult> result =
      run_wat(wat_spec(GetParam(), attributes_wat()),
              R"({"method": "GET", "path": "/q", "headers": [["host", "test.local"]]})");
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_FALSE(result->failure) << result->failure->message;
  ASSERT_TRUE(result->report.upstream_request);
  const abi::HeaderPairs& sent = result->report.upstream_request->headers;
  EXPECT_EQ(header_of(sent, "x-cluster"), "upstream");
  EXPECT_EQ(header_of(sent, "x-route"), "default");
  EXPECT_EQ(header_of(sent, "x-xds-route"), "default");
  EXPECT_EQ(header_of(sent, "x-node"), "pwplay");
  ASSERT_TRUE(result->report.response);
  EXPECT_EQ(header_of(result->report.response->headers, "x-upstream"), "127.0.0.1:10000");
  // proxy_on_log ran and read request.duration (it traps otherwise).
  EXPECT_TRUE(trace_has(result->trace, "proxy_on_log"));
}

INSTANTIATE_TEST_SUITE_P(Engines, PropertiesE2E, ::testing::ValuesIn(built_wasm_engines()),
                         engine_param_name);

}  // namespace
}  // namespace pwplay::test

namespace pwplay::testing {
namespace {

// The value of `name` in the echo upstream's JSON list of header pairs.
std::string echoed_header(const nlohmann::json& headers, const std::string& name) {
  for (const auto& pair : headers)
    if (pair[0] == name) return pair[1].get<std::string>();
  return "<absent>";
}

TEST(ServeCli, ClusterNameFromTheProxyConfig) {
  std::vector<uint8_t> wasm = test::wat_to_wasm(test::attributes_wat());
  std::string module = write_temp_file("attributes.wasm", std::string(wasm.begin(), wasm.end()));
  nlohmann::json config = {
      {"listen", "127.0.0.1:0"},
      {"cluster_name", "backend"},
      {"route_name", "api"},
      {"filters",
       {{{"name", "attributes"}, {"vm_config", {{"code", {{"local", {{"filename", module}}}}}}}}}}};
  std::string path = write_temp_file("proxy.json", config.dump());
  ServeProcess serve;
  ASSERT_TRUE(serve.start({"--proxy-config", path})) << serve.out() << serve.err();
  HttpResponse response = http_request(serve.port(), "GET", "/x");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200) << response.body;
  nlohmann::json echoed = nlohmann::json::parse(response.body);
  EXPECT_EQ(echoed_header(echoed["headers"], "x-cluster"), "backend");
  EXPECT_EQ(echoed_header(echoed["headers"], "x-route"), "api");
  EXPECT_EQ(serve.stop(SIGINT), 0);
  // A name that is not a string is refused, naming the key.
  nlohmann::json bad = {{"cluster_name", 7}};
  CommandResult refused =
      run_pwplay({"serve", "--proxy-config", write_temp_file("bad.json", bad.dump())});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("cluster_name must be a non-empty string"), std::string::npos)
      << refused.err;
}

}  // namespace
}  // namespace pwplay::testing
