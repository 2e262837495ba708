// `pwplay run / serve / debug / export` with the configurations people already have: each form
// of tests/fixtures/envoy/ through --plugin-config, a whole bootstrap and Istio WasmPlugins
// through --envoy-config (no FILTER argument), and export then import giving the same result.
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/cli.h"
#include "support/http_test_client.h"
#include "support/serve_process.h"
#include "support/session_support.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

std::string fixture_text(const std::string& name) {
  std::ifstream in(std::string(PWPLAY_SOURCE_DIR) + "/tests/fixtures/envoy/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string stage(const UniqueTempDir& dir, const std::string& name) {
  std::filesystem::copy_file(sample("add_header"), dir.file("add_header.wasm"),
                             std::filesystem::copy_options::overwrite_existing);
  return dir.write(name, fixture_text(name));
}

// Every value of a header the upstream received, in order.
std::vector<std::string> upstream_values(const json& out, const std::string& name) {
  std::vector<std::string> values;
  if (!out.contains("upstream_request") || !out["upstream_request"].is_object()) return values;
  for (const auto& pair : out["upstream_request"]["headers"])
    if (pair[0] == name) values.push_back(pair[1].get<std::string>());
  return values;
}

TEST(EnvoyConfigCli, EachPluginConfigFormRunsFromItsFixture) {
  struct Case {
    const char* file;
    const char* value;
  };
  for (const Case& form : {Case{"wasm_message.json", "from-wasm-message"},
                           Case{"http_filter_entry.yaml", "from-http-filter-entry"},
                           Case{"typed_config.json", "from-typed-config"},
                           Case{"typed_struct_udpa.yaml", "from-udpa-typed-struct"},
                           Case{"typed_struct_xds.json", "from-xds-typed-struct"},
                           Case{"bytes_value.yaml", "from-bytes-value"},
                           Case{"struct.yaml", R"({"mode":"strict"})"}}) {
    SCOPED_TRACE(form.file);
    UniqueTempDir dir;
    CommandResult raw;
    json out = run_json(
        {"--request", request_file("get.json"), "--plugin-config", stage(dir, form.file)}, 0, &raw);
    EXPECT_EQ(out["plugin"], "my_plugin");
    EXPECT_EQ(upstream_values(out, "x-wasm-filter"), std::vector<std::string>{form.value});
    // Where the relative module was found is reported.
    EXPECT_NE(raw.err.find("module 'add_header.wasm' is read from " + dir.file("add_header.wasm")),
              std::string::npos)
        << raw.err;
  }
}

TEST(EnvoyConfigCli, UnknownFieldsWarnAndRemoteModulesAndUnknownRuntimesFail) {
  UniqueTempDir dir;
  CommandResult raw;
  json out = run_json(
      {"--request", request_file("get.json"), "--plugin-config", stage(dir, "unknown_fields.yaml")},
      0, &raw);
  EXPECT_EQ(upstream_values(out, "x-wasm-filter"), std::vector<std::string>{"from-unknown-fields"});
  EXPECT_NE(raw.err.find("pwplay run: warning: " + dir.file("unknown_fields.yaml") +
                         ": unknown field 'config.vm_config.foo' (ignored)"),
            std::string::npos)
      << raw.err;

  CommandResult remote = run_pwplay(
      {"run", "--request", request_file("get.json"), "--plugin-config", stage(dir, "remote.yaml")});
  EXPECT_EQ(remote.exit_code, 1);
  EXPECT_NE(remote.err.find("'config.vm_config.code.remote': pwplay does not fetch modules over "
                            "the network"),
            std::string::npos)
      << remote.err;
  CommandResult runtime = run_pwplay({"run", "--request", request_file("get.json"),
                                      "--envoy-config", stage(dir, "unknown_runtime.yaml")});
  EXPECT_EQ(runtime.exit_code, 1);
  EXPECT_NE(runtime.err.find("unknown runtime 'envoy.wasm.runtime.quickjs'"), std::string::npos)
      << runtime.err;
}

TEST(EnvoyConfigCli, ABootstrapRunsItsWasmFiltersInOrderWithoutAFilterArgument) {
  UniqueTempDir dir;
  CommandResult raw;
  json out = run_json(
      {"--envoy-config", stage(dir, "envoy.yaml"), "--request", request_file("get.json")}, 0, &raw);
  EXPECT_EQ(out["plugin"], "first, second");
  EXPECT_EQ(upstream_values(out, "x-wasm-filter"), (std::vector<std::string>{"first", "second"}));
  EXPECT_NE(raw.err.find("cluster 'auth_service' (auth.example.com:9000) is not a loopback "
                         "address"),
            std::string::npos)
      << raw.err;
  // Flags that set one filter cannot pick one of several.
  CommandResult several = run_pwplay({"run", "--envoy-config", dir.file("envoy.yaml"), "--request",
                                      request_file("get.json"), "--config", "x"});
  EXPECT_EQ(several.exit_code, 1);
  EXPECT_NE(several.err.find("the config holds several"), std::string::npos) << several.err;
  CommandResult with_filter =
      run_pwplay({"run", sample("add_header"), "--envoy-config", dir.file("envoy.yaml"),
                  "--request", request_file("get.json")});
  EXPECT_EQ(with_filter.exit_code, 1);
  EXPECT_NE(with_filter.err.find("holds 2 filters"), std::string::npos) << with_filter.err;
}

TEST(EnvoyConfigCli, IstioWasmPluginsRunInPhaseAndPriorityOrder) {
  UniqueTempDir dir;
  for (const char* option : {"--envoy-config", "--plugin-config"}) {
    SCOPED_TRACE(option);
    json out =
        run_json({option, stage(dir, "wasmplugins.yaml"), "--request", request_file("get.json")});
    EXPECT_EQ(out["plugin"], "openid-connect, late-authn, stats-plugin");
    EXPECT_EQ(upstream_values(out, "x-wasm-filter"),
              (std::vector<std::string>{R"({"openid_server":"authn"})", R"({"stage":"late"})",
                                        R"({"stage":"stats"})"}));
  }
}

// Export, then run the export: the same chain and the same result as the original command.
TEST(EnvoyConfigCli, ExportThenImportGivesTheSameChainAndResult) {
  UniqueTempDir dir;
  const std::vector<std::string> plugin = {sample("add_header"), "--config", "round-trip",
                                           "--root-id", "add_header"};
  std::vector<std::string> original_args = plugin;
  original_args.insert(original_args.end(), {"--request", request_file("get.json")});
  json original = run_json(original_args);
  ASSERT_EQ(upstream_values(original, "x-wasm-filter"), std::vector<std::string>{"round-trip"});

  for (const char* form : {"--envoy", "--istio"}) {
    SCOPED_TRACE(form);
    const std::string out = dir.file(std::string(form + 2) + ".yaml");
    std::vector<std::string> export_args = {"export"};
    export_args.insert(export_args.end(), plugin.begin(), plugin.end());
    export_args.insert(export_args.end(), {form, out});
    CommandResult exported = run_pwplay(export_args);
    ASSERT_EQ(exported.exit_code, 0) << exported.err;
    EXPECT_NE(exported.out.find("wrote " + out + ": 1 filter"), std::string::npos) << exported.out;
    json again = run_json({"--envoy-config", out, "--request", request_file("get.json")});
    EXPECT_EQ(again["plugin"], original["plugin"]);
    EXPECT_EQ(again["upstream_request"], original["upstream_request"]);
    EXPECT_EQ(again["response"], original["response"]);
  }

  // A bootstrap's whole chain, exported and run again.
  const std::string bootstrap = stage(dir, "envoy.yaml");
  json chain = run_json({"--envoy-config", bootstrap, "--request", request_file("get.json")});
  const std::string out = dir.file("chain-export.yaml");
  CommandResult exported = run_pwplay({"export", "--envoy-config", bootstrap, "--envoy", out});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  json again = run_json({"--envoy-config", out, "--request", request_file("get.json")});
  EXPECT_EQ(again["plugin"], chain["plugin"]);
  EXPECT_EQ(again["upstream_request"], chain["upstream_request"]);
  EXPECT_EQ(again["response"], chain["response"]);

  CommandResult neither = run_pwplay({"export", sample("add_header")});
  EXPECT_EQ(neither.exit_code, 2);
  EXPECT_NE(neither.err.find("give one of --envoy OUT.yaml or --istio OUT.yaml"), std::string::npos)
      << neither.err;
}

TEST(EnvoyConfigCli, DebugTakesItsFilterFromAConfig) {
  UniqueTempDir dir;
  const std::string batch = dir.write("send.batch", "send\nquit\n");
  CommandResult one = run_pwplay({"debug", "--envoy-config", stage(dir, "typed_struct_udpa.yaml"),
                                  "--request", request_file("get.json"), "--batch", batch});
  EXPECT_NE(one.out.find("Loaded " + dir.file("add_header.wasm")), std::string::npos)
      << one.out << one.err;
  EXPECT_NE(one.out.find("Request 1 finished: 200, upstream reached"), std::string::npos)
      << one.out;
  EXPECT_EQ(one.exit_code, 0) << one.err;
  CommandResult two =
      run_pwplay({"debug", "--envoy-config", stage(dir, "envoy.yaml"), "--batch", batch});
  EXPECT_EQ(two.exit_code, 1);
  EXPECT_NE(two.err.find("the debugger runs one filter, and the config holds 2"), std::string::npos)
      << two.err;
  CommandResult none = run_pwplay({"debug", "--batch", batch});
  EXPECT_EQ(none.exit_code, 2);
}

TEST(EnvoyConfigCli, ServeTakesTheChainAndTheRoutesClusterFromABootstrap) {
  ServeProcess upstream;  // an echo upstream: serve with no filter
  ASSERT_TRUE(upstream.start({"--listen", "127.0.0.1:0"})) << upstream.out() << upstream.err();
  UniqueTempDir dir;
  const std::string bootstrap = dir.file("served.yaml");
  CommandResult exported =
      run_pwplay({"export", sample("add_header"), "--config", "served", "--upstream",
                  "127.0.0.1:" + std::to_string(upstream.port()), "--envoy", bootstrap});
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  ServeProcess serve;
  ASSERT_TRUE(serve.start({"--envoy-config", bootstrap, "--listen", "127.0.0.1:0"}))
      << serve.out() << serve.err();
  HttpResponse response = http_request(serve.port(), "GET", "/through-the-route");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  json echoed = json::parse(response.body, nullptr, false);
  ASSERT_TRUE(echoed.is_object()) << response.body;
  std::vector<std::string> values;
  for (const auto& pair : echoed["headers"])
    if (pair[0] == "x-wasm-filter") values.push_back(pair[1].get<std::string>());
  // The echo came from the upstream process (its log has the request), through the filter.
  EXPECT_EQ(values, std::vector<std::string>{"served"});
  EXPECT_TRUE(upstream.wait_for_output("GET /through-the-route 200")) << upstream.out();
  EXPECT_EQ(serve.stop(SIGINT), 0) << serve.err();
  EXPECT_EQ(upstream.stop(SIGINT), 0) << upstream.err();
}

}  // namespace
}  // namespace pwplay::testing
