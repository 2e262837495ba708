// The configuration forms people already have (tests/fixtures/envoy/): every shape of Envoy's
// Wasm filter config, an Envoy bootstrap and Istio WasmPlugin resources, each read into the
// PluginSpecs the host starts; and the export that writes them back.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "debugger/formats/envoy_export.h"
#include "debugger/formats/envoy_setup.h"
#include "debugger/formats/plugin_config_file.h"
#include "debugger/plugin_spec.h"
#include "host/sha256.h"
#include "support/cli.h"
#include "support/session_support.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;
using testing::sample;
using testing::UniqueTempDir;

std::string fixture_text(const std::string& name) {
  std::ifstream in(std::string(PWPLAY_SOURCE_DIR) + "/tests/fixtures/envoy/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The fixture copied next to the built sample it names (add_header.wasm, relative to itself).
std::string stage(const UniqueTempDir& dir, const std::string& name) {
  std::filesystem::copy_file(sample("add_header"), dir.file("add_header.wasm"),
                             std::filesystem::copy_options::overwrite_existing);
  return dir.write(name, fixture_text(name));
}

bool has(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& line : lines)
    if (line.find(part) != std::string::npos) return true;
  return false;
}

TEST(EnvoyConfigForms, EveryWrapperOfTheWasmMessageReadsTheSamePlugin) {
  struct Case {
    const char* file;
    const char* configuration;
  };
  for (const Case& form : {Case{"wasm_message.json", "from-wasm-message"},
                           Case{"http_filter_entry.yaml", "from-http-filter-entry"},
                           Case{"typed_config.json", "from-typed-config"},
                           Case{"typed_struct_udpa.yaml", "from-udpa-typed-struct"},
                           Case{"typed_struct_xds.json", "from-xds-typed-struct"},
                           Case{"bytes_value.yaml", "from-bytes-value"}}) {
    SCOPED_TRACE(form.file);
    UniqueTempDir dir;
    const std::string path = stage(dir, form.file);
    ConfigNotes notes;
    auto spec = load_plugin_config_file(path, &notes);
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    EXPECT_EQ(spec->name, "my_plugin");
    EXPECT_EQ(spec->configuration, form.configuration);
    EXPECT_EQ(spec->engine, "v8");
    // The relative filename resolves against the config's folder, and the user is told.
    EXPECT_EQ(spec->wasm_path, dir.file("add_header.wasm"));
    ASSERT_EQ(notes.modules.size(), 1u);
    EXPECT_NE(notes.modules[0].find("is read from " + dir.file("add_header.wasm")),
              std::string::npos)
        << notes.modules[0];
    EXPECT_TRUE(notes.warnings.empty()) << notes.warnings.front();
    auto loaded = resolve_plugin(*spec);
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  }
}

TEST(EnvoyConfigForms, WasmMessageKeepsRootIdAndVmId) {
  UniqueTempDir dir;
  auto spec = load_plugin_config_file(stage(dir, "wasm_message.json"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->root_id, "my_root_id");
  EXPECT_EQ(spec->vm_id, "my_vm_id");
}

TEST(EnvoyConfigForms, AStructConfigurationReachesTheFilterAsJsonText) {
  UniqueTempDir dir;
  auto spec = load_plugin_config_file(stage(dir, "struct.yaml"));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->configuration, R"({"mode":"strict"})");
}

TEST(EnvoyConfigForms, EnvironmentAndFailurePolicy) {
  UniqueTempDir dir;
  ConfigNotes notes;
  auto spec = load_plugin_config_file(stage(dir, "environment.yaml"), &notes);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->environment, (abi::HeaderPairs{{"REGION", "eu-west-1"}, {"TIER", "gold"}}));
  // failure_policy wins over fail_open, as in Envoy.
  EXPECT_TRUE(spec->fail_open);
  // host_env_keys is read but never passes pwplay's own environment on.
  EXPECT_TRUE(has(notes.warnings, "config.vm_config.environment_variables.host_env_keys"))
      << ::testing::PrintToString(notes.warnings);
  for (const auto& [key, value] : spec->environment) EXPECT_NE(key, "HOME");

  for (const auto& [policy, open] :
       {std::pair{"FAIL_CLOSED", false}, {"FAIL_RELOAD", false}, {"FAIL_OPEN", true}}) {
    json config = {{"config", {{"fail_open", !open}, {"failure_policy", policy}}}};
    auto parsed = parse_plugin_config(config, "policy.json");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->fail_open, open) << policy;
  }
  json unspecified = {{"config", {{"fail_open", true}, {"failure_policy", "UNSPECIFIED"}}}};
  EXPECT_TRUE(parse_plugin_config(unspecified, "policy.json")->fail_open);
  json bad = {{"config", {{"failure_policy", "FAIL_SOMETIMES"}}}};
  auto refused = parse_plugin_config(bad, "policy.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message,
            "policy.json: field 'config.failure_policy' must be one of UNSPECIFIED, FAIL_CLOSED, "
            "FAIL_OPEN, FAIL_RELOAD (got \"FAIL_SOMETIMES\")");
}

TEST(EnvoyConfigForms, RuntimesMapToEnginesAndAnUnknownOneIsAnError) {
  for (const auto& [runtime, engine] : {std::pair{"envoy.wasm.runtime.v8", "v8"},
                                        {"envoy.wasm.runtime.null", "native"},
                                        {"envoy.wasm.runtime.wasmtime", "v8"},
                                        {"envoy.wasm.runtime.wamr", "v8"}}) {
    ConfigNotes notes;
    auto spec = parse_plugin_config({{"vm_config", {{"runtime", runtime}}}}, "r.json", &notes);
    ASSERT_TRUE(spec.ok()) << spec.error().message;
    EXPECT_EQ(spec->engine, engine) << runtime;
    EXPECT_EQ(notes.warnings.empty(), std::string(runtime) != "envoy.wasm.runtime.wasmtime" &&
                                          std::string(runtime) != "envoy.wasm.runtime.wamr");
  }
  UniqueTempDir dir;
  const std::string path = stage(dir, "unknown_runtime.yaml");
  auto refused = load_plugin_config_file(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message.rfind(path + ": field 'config.vm_config.runtime': unknown "
                                                 "runtime 'envoy.wasm.runtime.quickjs'",
                                          0),
            0u)
      << refused.error().message;
}

TEST(EnvoyConfigForms, ARemoteModuleIsRefusedWithTheWayOut) {
  UniqueTempDir dir;
  const std::string path = stage(dir, "remote.yaml");
  auto refused = load_plugin_config_file(path);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message,
            path +
                ": field 'config.vm_config.code.remote': pwplay does not fetch modules over "
                "the network; download the module and name it with code.local.filename (or "
                "give it as FILTER)");
}

TEST(EnvoyConfigForms, UnknownFieldsAreWarningsWithTheirPath) {
  UniqueTempDir dir;
  const std::string path = stage(dir, "unknown_fields.yaml");
  ConfigNotes notes;
  auto spec = load_plugin_config_file(path, &notes);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->configuration, "from-unknown-fields");
  EXPECT_EQ(notes.warnings,
            (std::vector<std::string>{path + ": unknown field 'config.future_option' (ignored)",
                                      path + ": unknown field 'config.vm_config.foo' (ignored)"}));
  // Known fields of the wrong type stay errors.
  auto wrong = parse_plugin_config({{"config", {{"root_id", 7}}}}, "w.json");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message, "w.json: field 'config.root_id' must be a string");
}

TEST(EnvoyConfigForms, InlineCodeAndATypedStructForAnotherTypeAreRead) {
  auto wasm = read_wasm_file(sample("add_header"));
  ASSERT_TRUE(wasm.ok()) << wasm.error().message;
  json inline_string = {
      {"vm_config",
       {{"code", {{"local", {{"inline_string", std::string(wasm->begin(), wasm->end())}}}}}}}};
  auto spec = parse_plugin_config(inline_string, "inline.json");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->inline_code, *wasm);

  json router = {{"@type", "type.googleapis.com/xds.type.v3.TypedStruct"},
                 {"type_url", "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"},
                 {"value", json::object()}};
  auto refused = parse_plugin_config(router, "router.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("must name envoy.extensions.filters.http.wasm.v3.Wasm"),
            std::string::npos)
      << refused.error().message;
}

TEST(EnvoyConfigForms, ABootstrapGivesTheChainTheRouteAndTheLoopbackClusters) {
  UniqueTempDir dir;
  const std::string path = stage(dir, "envoy.yaml");
  auto setup = load_envoy_setup(path);
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  ASSERT_EQ(setup->plugins.size(), 2u);
  EXPECT_EQ(setup->plugins[0].name, "first");
  EXPECT_EQ(setup->plugins[0].configuration, "first");
  EXPECT_EQ(setup->plugins[0].vm_id, "first_vm");
  EXPECT_EQ(setup->plugins[1].name, "second");
  EXPECT_EQ(setup->plugins[1].wasm_path, dir.file("add_header.wasm"));
  EXPECT_EQ(setup->route_name, "to_service");
  EXPECT_EQ(setup->cluster_name, "web_service");
  ASSERT_EQ(setup->clusters.size(), 1u);
  EXPECT_EQ(setup->clusters.at("web_service").host, "127.0.0.1");
  EXPECT_EQ(setup->clusters.at("web_service").port, 8000);
  ASSERT_TRUE(setup->listen.has_value());
  EXPECT_EQ(setup->listen->port, 10000);
  // The remote cluster stays a mock, and the user is told which.
  EXPECT_TRUE(has(setup->notes.warnings,
                  "cluster 'auth_service' (auth.example.com:9000) is not "
                  "a loopback address"))
      << ::testing::PrintToString(setup->notes.warnings);
}

TEST(EnvoyConfigForms, ABootstrapWithoutAWasmFilterIsAnError) {
  UniqueTempDir dir;
  const std::string path = dir.write("router_only.yaml", R"(static_resources:
  listeners:
  - filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          http_filters:
          - name: envoy.filters.http.router
)");
  auto setup = load_envoy_setup(path);
  ASSERT_FALSE(setup.ok());
  EXPECT_EQ(setup.error().message,
            path + ": no Wasm filter (envoy.filters.http.wasm) in the configuration");
}

TEST(EnvoyConfigForms, IstioWasmPluginsAreOrderedByPhaseAndPriority) {
  UniqueTempDir dir;
  const std::string path = stage(dir, "wasmplugins.yaml");
  auto setup = load_envoy_setup(path);
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  ASSERT_EQ(setup->plugins.size(), 3u);
  EXPECT_EQ(setup->plugins[0].name, "openid-connect");
  EXPECT_EQ(setup->plugins[1].name, "late-authn");
  EXPECT_EQ(setup->plugins[2].name, "stats-plugin");
  const PluginSpec& first = setup->plugins[0];
  EXPECT_EQ(first.root_id, "add_header");
  EXPECT_EQ(first.configuration, R"({"openid_server":"authn"})");
  EXPECT_EQ(first.environment, (abi::HeaderPairs{{"TRUST_DOMAIN", "cluster.local"}}));
  EXPECT_EQ(first.wasm_path, dir.file("add_header.wasm"));              // a plain path
  EXPECT_EQ(setup->plugins[2].wasm_path, dir.file("add_header.wasm"));  // file://
  EXPECT_TRUE(has(setup->notes.warnings, "POD_NAME"));

  // One WasmPlugin is a plugin config wherever one is accepted.
  const std::string one =
      dir.write("one.yaml",
                "apiVersion: extensions.istio.io/v1alpha1\nkind: WasmPlugin\n"
                "metadata: {name: single}\nspec:\n  url: file://" +
                    dir.file("add_header.wasm") + "\n  failStrategy: FAIL_OPEN\n");
  auto spec = load_plugin_config_file(one);
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->name, "single");
  EXPECT_TRUE(spec->fail_open);
  auto several = load_plugin_config_file(path);
  ASSERT_FALSE(several.ok());
  EXPECT_NE(several.error().message.find("holds 3 WasmPlugin resources"), std::string::npos);

  const std::string oci =
      dir.write("oci.yaml", "kind: WasmPlugin\nspec:\n  url: oci://registry/filter:1\n");
  auto refused = load_envoy_setup(oci);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message.find("does not fetch modules over the network"),
            std::string::npos)
      << refused.error().message;
}

// Istio checks a module against spec.sha256 before it runs it; so does pwplay, when it reads it.
TEST(EnvoyConfigForms, AWasmPluginsSha256MustMatchItsModule) {
  UniqueTempDir dir;
  stage(dir, "wasmplugins.yaml");
  std::ifstream in(dir.file("add_header.wasm"), std::ios::binary);
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
  auto plugin_with = [&](const std::string& digest) {
    return dir.write("sha.yaml",
                     "kind: WasmPlugin\nmetadata: {name: pinned}\nspec:\n  url: file://" +
                         dir.file("add_header.wasm") + "\n  sha256: " + digest + "\n");
  };
  const std::string good = host::sha256_hex(bytes);
  auto spec = load_plugin_config_file(plugin_with(good));
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_EQ(spec->sha256, good);
  EXPECT_TRUE(resolve_plugin(*spec).ok());

  std::string wrong = good;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  auto mismatched = load_plugin_config_file(plugin_with(wrong));
  ASSERT_TRUE(mismatched.ok()) << mismatched.error().message;
  auto refused = resolve_plugin(*mismatched);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(
      refused.error().message.find("SHA-256 is " + good + ", but its config expects " + wrong),
      std::string::npos)
      << refused.error().message;

  auto malformed = load_plugin_config_file(plugin_with("abc123"));
  ASSERT_FALSE(malformed.ok());
  EXPECT_NE(malformed.error().message.find("spec.sha256 must be the module's SHA-256 as 64 hex"),
            std::string::npos)
      << malformed.error().message;
}

TEST(Sha256, KnownDigests) {
  auto hex = [](const std::string& text) {
    return host::sha256_hex(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
  };
  EXPECT_EQ(hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // 56 bytes: the padding needs a second block.
  EXPECT_EQ(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(EnvoyConfigForms, AnExportedBootstrapAndWasmPluginsReadBackIntoTheSameChain) {
  UniqueTempDir dir;
  auto setup = load_envoy_setup(stage(dir, "envoy.yaml"));
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  setup->plugins[1].environment = {{"MODE", "a b"}};
  setup->plugins[1].fail_open = true;
  ExportChain chain;
  chain.plugins = setup->plugins;
  chain.route_name = "exported_route";
  chain.clusters["auth"] = {"127.0.0.1", 9001};
  std::vector<std::string> warnings;
  const std::string envoy = dir.write("out.yaml", export_envoy_bootstrap(chain, warnings));
  auto back = load_envoy_setup(envoy);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->plugins, setup->plugins);
  EXPECT_EQ(back->route_name, "exported_route");
  EXPECT_EQ(back->cluster_name, "upstream");
  EXPECT_EQ(back->clusters.at("auth").port, 9001);
  EXPECT_EQ(back->clusters.at("upstream").port, 8000);
  EXPECT_TRUE(warnings.empty()) << warnings.front();

  const std::string istio = dir.write("istio.yaml", export_istio_wasm_plugins(chain, warnings));
  auto plugins = load_envoy_setup(istio);
  ASSERT_TRUE(plugins.ok()) << plugins.error().message;
  ASSERT_EQ(plugins->plugins.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(plugins->plugins[i].name, setup->plugins[i].name);
    EXPECT_EQ(plugins->plugins[i].configuration, setup->plugins[i].configuration);
    EXPECT_EQ(plugins->plugins[i].root_id, setup->plugins[i].root_id);
    EXPECT_EQ(plugins->plugins[i].environment, setup->plugins[i].environment);
    EXPECT_EQ(plugins->plugins[i].fail_open, setup->plugins[i].fail_open);
  }
}

}  // namespace
}  // namespace pwplay::debugger
