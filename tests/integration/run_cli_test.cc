// End-to-end tests of `pwplay run` and `pwplay inspect`: the built executable on the built
// samples, with assertions on what reached the upstream and the client.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

size_t count_events(const json& trace, const std::string& kind, const std::string& name) {
  size_t count = 0;
  for (const auto& event : trace)
    if (event["kind"] == kind && event["name"] == name) ++count;
  return count;
}

TEST(RunCli, AddHeaderSampleAddsRequestAndResponseHeaders) {
  json out = run_json({sample("add_header"), "--request", request_file("get.json")});
  EXPECT_EQ(out["abi_version"], "0.2.1");
  EXPECT_EQ(out["engine"], "v8");
  EXPECT_EQ(out["engine_version"], "10.2.154");
  ASSERT_TRUE(out["upstream_request"].is_object());
  EXPECT_EQ(out["upstream_request"]["method"], "GET");
  EXPECT_EQ(out["upstream_request"]["path"], "/hello");
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-wasm-filter"), "add-header");
  EXPECT_EQ(header(out["upstream_request"]["headers"], "host"), "example.com");
  EXPECT_EQ(out["response"]["status"], 200);
  EXPECT_EQ(header(out["response"]["headers"], "x-wasm-response"), "add-header");
  EXPECT_FALSE(out["local_response"].get<bool>());
  // The echo upstream's body shows the request it received, added header included.
  json echoed = json::parse(out["response"]["body"].get<std::string>());
  EXPECT_EQ(header(echoed["headers"], "x-wasm-filter"), "add-header");
  // Logs and trace.
  ASSERT_FALSE(out["logs"].empty());
  EXPECT_EQ(out["logs"][0]["level"], "info");
  EXPECT_EQ(out["logs"][0]["message"], "add-header: GET /hello");
  EXPECT_EQ(count_events(out["trace"], "hostcall", "proxy_add_header_map_value"), 2u);
  EXPECT_GE(count_events(out["trace"], "callback", "proxy_on_request_headers"), 2u);  // enter+exit
  bool saw_copy = false;
  for (const auto& event : out["trace"]) {
    if (event["kind"] == "hostcall" && event["name"] == "proxy_add_header_map_value" &&
        event["args"]["map_type"] == "HTTP_REQUEST_HEADERS") {
      EXPECT_EQ(event["args"]["key"], "x-wasm-filter");
      EXPECT_EQ(event["args"]["value"], "add-header");
      EXPECT_EQ(event["result"], "OK");
      EXPECT_TRUE(event.contains("ns"));
    }
    if (event["kind"] == "copy" && event["label"] == "key x-wasm-filter") {
      saw_copy = true;
      EXPECT_EQ(event["direction"], "vm_to_host");
      EXPECT_EQ(event["length"], 13);
    }
  }
  EXPECT_TRUE(saw_copy);
  EXPECT_GT(out["stats"]["host_calls"].get<int>(), 0);
}

TEST(RunCli, PluginConfigurationReachesTheFilter) {
  json out = run_json(
      {sample("add_header"), "--request", request_file("get.json"), "--config", "from-config"});
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-wasm-filter"), "from-config");
}

TEST(RunCli, EnvoyPluginConfigFileIsAcceptedAsIs) {
  std::string config = write_temp_file("envoy.json", R"({
    "config": {
      "name": "my_plugin",
      "root_id": "add_header",
      "configuration": {"@type": "type.googleapis.com/google.protobuf.StringValue", "value": "from-envoy"},
      "vm_config": {
        "vm_id": "vm1",
        "runtime": "envoy.wasm.runtime.v8",
        "code": {"local": {"filename": "ignored-when-given-on-the-command-line.wasm"}}
      },
      "fail_open": false
    }
  })");
  json out = run_json(
      {sample("add_header"), "--request", request_file("get.json"), "--plugin-config", config});
  EXPECT_EQ(out["plugin"], "my_plugin");
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-wasm-filter"), "from-envoy");
}

TEST(RunCli, FlagsWinOverThePluginConfigFileWhichMayNameTheModule) {
  std::string config = write_temp_file("envoy-module.yaml",
                                       "name: from_yaml\n"
                                       "configuration: from-envoy\n"
                                       "vm_config:\n"
                                       "  code:\n"
                                       "    local:\n"
                                       "      filename: " +
                                           sample("add_header") + "\n");
  // No FILTER argument: the config file names the module.
  json base = run_json({"--request", request_file("get.json"), "--plugin-config", config});
  EXPECT_EQ(base["plugin"], "from_yaml");
  EXPECT_EQ(header(base["upstream_request"]["headers"], "x-wasm-filter"), "from-envoy");
  json flagged = run_json(
      {"--request", request_file("get.json"), "--plugin-config", config, "--config", "from-flag"});
  EXPECT_EQ(flagged["plugin"], "from_yaml");
  EXPECT_EQ(header(flagged["upstream_request"]["headers"], "x-wasm-filter"), "from-flag");
  std::string file = write_temp_file("config.txt", "from-file");
  json from_file = run_json(
      {"--request", request_file("get.json"), "--plugin-config", config, "--config-file", file});
  EXPECT_EQ(header(from_file["upstream_request"]["headers"], "x-wasm-filter"), "from-file");
  CommandResult missing = run_pwplay(
      {"run", "--request", request_file("get.json"), "--plugin-config", "/no/such/envoy.yaml"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/no/such/envoy.yaml"), std::string::npos) << missing.err;
}

TEST(RunCli, AssemblyScriptSampleBehavesTheSame) {
  json out = run_json({sample("add_header_as"), "--request", request_file("get.json")});
  EXPECT_EQ(out["abi_version"], "0.2.0");
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-wasm-filter"), "add-header");
  EXPECT_EQ(header(out["response"]["headers"], "x-wasm-response"), "add-header");
  EXPECT_EQ(out["response"]["status"], 200);
  json with_config = run_json(
      {sample("add_header_as"), "--request", request_file("get.json"), "--config", "as-config"});
  EXPECT_EQ(header(with_config["upstream_request"]["headers"], "x-wasm-filter"), "as-config");
}

TEST(RunCli, WatAddHeaderSample) {
  json out = run_json({sample("add_header_wat"), "--request", request_file("get.json")});
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-wasm-filter"), "add-header");
  EXPECT_EQ(header(out["response"]["headers"], "x-wasm-response"), "add-header");
}

TEST(RunCli, TrappingFilterFailsClosedWithBacktrace) {
  json out = run_json({sample("trap"), "--request", request_file("get.json")});
  EXPECT_TRUE(out["upstream_request"].is_null());
  EXPECT_EQ(out["response"]["status"], 503);
  EXPECT_TRUE(out["local_response"].get<bool>());
  ASSERT_TRUE(out["failure"].is_object());
  EXPECT_EQ(out["failure"]["callback"], "proxy_on_request_headers");
  EXPECT_EQ(out["failure"]["fault"], "trap");
  std::string message = out["failure"]["message"];
  EXPECT_NE(message.find("unreachable"), std::string::npos) << message;
  ASSERT_GE(out["failure"]["backtrace"].size(), 3u);
  EXPECT_EQ(out["failure"]["backtrace"][0]["name"], "inner_fault");
  EXPECT_EQ(out["failure"]["backtrace"][1]["name"], "crash_here");
  EXPECT_EQ(out["failure"]["backtrace"][2]["name"], "proxy_on_request_headers");
  EXPECT_EQ(count_events(out["trace"], "trap", "trap"), 1u);
}

TEST(RunCli, TrappingFilterFailsOpenWhenAsked) {
  json out = run_json({sample("trap"), "--request", request_file("get.json"), "--fail-open"});
  ASSERT_TRUE(out["upstream_request"].is_object());
  EXPECT_EQ(out["upstream_request"]["path"], "/hello");
  EXPECT_EQ(out["response"]["status"], 200);
  EXPECT_FALSE(out["local_response"].get<bool>());
  EXPECT_TRUE(out["failure"].is_object());
}

TEST(RunCli, RunawayLoopIsTerminated) {
  json out =
      run_json({sample("loop"), "--request", request_file("get.json"), "--budget-ms", "200"});
  EXPECT_EQ(out["response"]["status"], 503);
  ASSERT_TRUE(out["failure"].is_object());
  EXPECT_EQ(out["failure"]["fault"], "terminated");
  EXPECT_EQ(count_events(out["trace"], "trap", "terminated"), 1u);
  // The budget given, not the default: the loop was cut after 200 ms.
  EXPECT_NE(out["failure"].dump().find("after 200 ms"), std::string::npos) << out["failure"].dump();
}

TEST(RunCli, MemoryGrowthPastTheLimitFailsTheStream) {
  json out = run_json(
      {sample("grow_memory"), "--request", request_file("get.json"), "--max-memory-pages", "2048"});
  EXPECT_EQ(out["response"]["status"], 503);
  ASSERT_TRUE(out["failure"].is_object());
}

TEST(RunCli, OutOfBoundsPointerIsRejectedNotFatal) {
  json out = run_json({sample("bad_pointer"), "--request", request_file("get.json")});
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-bad-pointer"), "rejected");
  EXPECT_TRUE(out["failure"].is_null());
  bool saw = false;
  for (const auto& event : out["trace"])
    if (event["kind"] == "hostcall" && event["name"] == "proxy_log" &&
        event["result"] == "INVALID_MEMORY_ACCESS")
      saw = true;
  EXPECT_TRUE(saw);
}

TEST(RunCli, AbiVersionsAreDetected) {
  json v010 = run_json({sample("abi_0_1_0"), "--request", request_file("get.json")});
  EXPECT_EQ(v010["abi_version"], "0.1.0");
  EXPECT_EQ(header(v010["upstream_request"]["headers"], "x-abi"), "0.1.0");
  json v020 = run_json({sample("abi_0_2_0"), "--request", request_file("get.json")});
  EXPECT_EQ(v020["abi_version"], "0.2.0");
  EXPECT_EQ(header(v020["upstream_request"]["headers"], "x-abi"), "0.2.0");
}

TEST(RunCli, ModuleWithoutAbiMarkerIsRefused) {
  CommandResult result =
      run_pwplay({"run", sample("no_abi"), "--request", request_file("get.json")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("missing proxy-wasm ABI version"), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << "one-line error";
}

TEST(RunCli, UnknownAbiMarkerIsNamed) {
  CommandResult result =
      run_pwplay({"run", sample("mosn_abi"), "--request", request_file("get.json")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("proxy_abi_mosn_version_0_2_0"), std::string::npos) << result.err;
}

TEST(RunCli, MissingAndNonWasmFilesGetClearErrors) {
  CommandResult missing =
      run_pwplay({"run", "/nonexistent/filter.wasm", "--request", request_file("get.json")});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("/nonexistent/filter.wasm: no such file"), std::string::npos)
      << missing.err;
  std::string text = write_temp_file("not.wasm", "hello, I am not wasm");
  CommandResult not_wasm = run_pwplay({"run", text, "--request", request_file("get.json")});
  EXPECT_EQ(not_wasm.exit_code, 1);
  EXPECT_NE(not_wasm.err.find("not a wasm module"), std::string::npos) << not_wasm.err;
  std::string truncated = write_temp_file("truncated.wasm", std::string("\0asm\1\0\0\0\1\5", 10));
  CommandResult invalid = run_pwplay({"run", truncated, "--request", request_file("get.json")});
  EXPECT_EQ(invalid.exit_code, 1);
  EXPECT_NE(invalid.err.find("truncated.wasm"), std::string::npos) << invalid.err;
}

TEST(RunCli, BadRequestFilesNameTheField) {
  std::string bad = write_temp_file("bad-req.json", R"({"method":"GET","headers":[["host"]]})");
  CommandResult result = run_pwplay({"run", sample("noop"), "--request", bad});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("headers[0]"), std::string::npos) << result.err;
  std::string unknown = write_temp_file("unknown-req.json", R"({"method":"GET","hedaers":[]})");
  result = run_pwplay({"run", sample("noop"), "--request", unknown});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("unknown field 'hedaers'"), std::string::npos) << result.err;
  std::string syntax = write_temp_file("syntax-req.json", "{\"method\": \n  GET}");
  result = run_pwplay({"run", sample("noop"), "--request", syntax});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("syntax-req.json:2:"), std::string::npos) << result.err;
}

TEST(RunCli, StartUpOrder) {
  json order = run_json({sample("init_order"), "--request", request_file("get.json")});
  EXPECT_EQ(header(order["upstream_request"]["headers"], "x-init-order"), "im");
  json start = run_json({sample("start_section"), "--request", request_file("get.json")});
  EXPECT_EQ(header(start["upstream_request"]["headers"], "x-start"), "started");
}

TEST(RunCli, LogLevels) {
  json out = run_json({sample("log_levels"), "--request", request_file("get.json")});
  ASSERT_EQ(out["logs"].size(), 6u);
  const char* levels[] = {"trace", "debug", "info", "warn", "error", "critical"};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(out["logs"][i]["level"], levels[i]);
  EXPECT_EQ(out["logs"][2]["message"], "info msg");
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-log-6"), "bad-argument");
}

TEST(RunCli, HttpCalloutPausesThenResumes) {
  json out = run_json({sample("http_callout"), "--request", request_file("callout.json")});
  ASSERT_TRUE(out["upstream_request"].is_object()) << out.dump(2);
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-auth"), "ok");
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-auth-body"), "alice");
  ASSERT_EQ(out["callouts"].size(), 1u);
  EXPECT_EQ(out["callouts"][0]["cluster"], "auth");
  EXPECT_EQ(header(out["callouts"][0]["headers"], ":path"), "/check");
  EXPECT_EQ(header(out["callouts"][0]["headers"], "x-original-path"), "/api");
  EXPECT_EQ(count_events(out["trace"], "callback", "proxy_on_http_call_response"), 2u);
}

TEST(RunCli, HttpCalloutDeniedGivesLocalResponse) {
  std::string req = write_temp_file("deny.json", R"({"method":"GET","path":"/api",
    "headers":[["host","example.com"]],
    "callouts":{"auth":{"status":403,"body":"no"}}})");
  json out = run_json({sample("http_callout"), "--request", req});
  EXPECT_TRUE(out["upstream_request"].is_null());
  EXPECT_TRUE(out["local_response"].get<bool>());
  EXPECT_EQ(out["response"]["status"], 403);
  EXPECT_EQ(out["response"]["body"], "denied by auth\n");
}

TEST(RunCli, CalloutToUnknownClusterIsBadArgument) {
  json out = run_json({sample("http_callout"), "--request", request_file("get.json")});
  bool saw = false;
  for (const auto& event : out["trace"])
    if (event["kind"] == "hostcall" && event["name"] == "proxy_http_call") {
      EXPECT_EQ(event["result"], "BAD_ARGUMENT");
      saw = true;
    }
  EXPECT_TRUE(saw);
  EXPECT_EQ(out["response"]["status"], 403);
}

TEST(RunCli, LocalResponseSkipsTheUpstream) {
  json denied = run_json({sample("local_response"), "--request", request_file("get.json")});
  EXPECT_TRUE(denied["upstream_request"].is_null());
  EXPECT_TRUE(denied["local_response"].get<bool>());
  EXPECT_EQ(denied["response"]["status"], 401);
  EXPECT_EQ(denied["response"]["body"], "missing authorization\n");
  EXPECT_EQ(header(denied["response"]["headers"], "www-authenticate"), "Basic realm=\"pwplay\"");
  json allowed = run_json({sample("local_response"), "--request", request_file("authorized.json")});
  EXPECT_EQ(allowed["response"]["status"], 200);
  EXPECT_EQ(allowed["upstream_request"]["path"], "/private");
}

TEST(RunCli, BodyRewriteReachesUpstreamAndClient) {
  json out = run_json({sample("body_rewrite"), "--request", request_file("post.json")});
  ASSERT_TRUE(out["upstream_request"].is_object());
  EXPECT_EQ(out["upstream_request"]["body"], "hello pwplay\n-- inspected by pwplay");
  std::string body = out["response"]["body"];
  // The echo upstream's JSON, upper-cased by the filter's response body callback.
  EXPECT_NE(body.find("\"METHOD\":\"POST\""), std::string::npos) << body;
  EXPECT_NE(body.find("HELLO PWPLAY"), std::string::npos) << body;
}

TEST(RunCli, ChunkedBodyArrivesInSeveralCallbacks) {
  std::string req = write_temp_file("chunks.json", R"({"method":"POST","path":"/up",
    "headers":[["host","example.com"]], "body_chunks":["one,", "two,", "three"]})");
  json out = run_json({sample("body_rewrite"), "--request", req});
  EXPECT_EQ(out["upstream_request"]["body"], "one,two,three\n-- inspected by pwplay");
  size_t body_calls = 0;
  for (const auto& event : out["trace"])
    if (event["kind"] == "callback" && event["name"] == "proxy_on_request_body" &&
        event["phase"] == "enter")
      ++body_calls;
  EXPECT_EQ(body_calls, 3u);
}

TEST(RunCli, SharedDataAndMetrics) {
  json out = run_json({sample("shared_counter"), "--request", request_file("get.json")});
  EXPECT_EQ(header(out["upstream_request"]["headers"], "x-request-count"), "1");
  bool found = false;
  for (const auto& metric : out["stats"]["metrics"])
    if (metric["name"] == "pwplay_requests_total") {
      EXPECT_EQ(metric["value"], 1);
      EXPECT_EQ(metric["type"], "COUNTER");
      found = true;
    }
  EXPECT_TRUE(found);
}

TEST(RunCli, UpstreamMockResponse) {
  std::string req = write_temp_file("mock.json", R"({"method":"GET","path":"/m",
    "headers":{"host":"h"},
    "upstream_response":{"status":404,"headers":[["x-up","1"]],"body":"nope"}})");
  json out = run_json({sample("add_header"), "--request", req});
  EXPECT_EQ(out["response"]["status"], 404);
  EXPECT_EQ(out["response"]["body"], "nope");
  EXPECT_EQ(header(out["response"]["headers"], "x-up"), "1");
  EXPECT_EQ(header(out["response"]["headers"], "x-wasm-response"), "add-header");
}

TEST(RunCli, HumanReadableSummary) {
  CommandResult result =
      run_pwplay({"run", sample("add_header"), "--request", request_file("get.json")});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("x-wasm-filter: add-header"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("client received: 200"), std::string::npos) << result.out;
}

TEST(InspectCli, ListsAbiAndMarksForeignImports) {
  CommandResult result = run_pwplay({"inspect", sample("add_header"), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json out = json::parse(result.out);
  EXPECT_EQ(out["abi_version"], "0.2.1");
  bool saw_import = false;
  for (const auto& import : out["imports"])
    if (import["name"] == "proxy_add_header_map_value") {
      saw_import = true;
      EXPECT_TRUE(import["abi"].get<bool>());
      EXPECT_EQ(import["type"], "(i32, i32, i32, i32, i32) -> i32");
    }
  EXPECT_TRUE(saw_import);
  ASSERT_FALSE(out["memories"].empty());
  EXPECT_GT(out["size"].get<int>(), 0);
  CommandResult no_abi = run_pwplay({"inspect", sample("no_abi")});
  EXPECT_EQ(no_abi.exit_code, 1);
  EXPECT_NE(no_abi.out.find("missing proxy-wasm ABI version"), std::string::npos);
}

}  // namespace
}  // namespace pwplay::testing
