// debugger::PluginSpec, the one description of a plugin to load: what resolve_plugin makes of it,
// and how the formats fill it (an Envoy config with inline code, a scenario file whose Envoy
// config is the base its explicit fields override).
#include "debugger/plugin_spec.h"

#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "debugger/formats/plugin_config_file.h"
#include "debugger/formats/scenario.h"
#include "support/cli.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;
using testing::sample;
using testing::write_temp_file;

TEST(PluginSpec, ResolvesEveryFieldIntoTheHostsConfig) {
  PluginSpec spec;
  spec.wasm_path = sample("add_header");
  spec.engine = "wabt";
  spec.name = "tagger";
  spec.root_id = "root";
  spec.vm_id = "vm";
  spec.configuration = "config";
  spec.vm_configuration = "vm-config";
  spec.environment = {{"MODE", "test"}};
  spec.properties["node.id"] = "n1";
  spec.fail_open = true;
  spec.runaway_budget_ms = 250;
  spec.max_memory_pages = 64;
  spec.engine_flags = {"--no-liftoff"};
  auto loaded = resolve_plugin(spec);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const host::PluginConfig& config = loaded->config;
  EXPECT_EQ(config.wasm_path, sample("add_header"));
  EXPECT_EQ(config.engine, "wabt");
  EXPECT_EQ(config.name, "tagger");
  EXPECT_EQ(config.root_id, "root");
  EXPECT_EQ(config.vm_id, "vm");
  EXPECT_EQ(config.configuration, "config");
  EXPECT_EQ(config.vm_configuration, "vm-config");
  EXPECT_EQ(config.environment, (abi::HeaderPairs{{"MODE", "test"}}));
  EXPECT_EQ(config.properties.at("node.id"), "n1");
  EXPECT_TRUE(config.fail_open);
  EXPECT_EQ(config.vm_options.runaway_budget_ms, 250u);
  EXPECT_EQ(config.vm_options.max_memory_pages, 64u);
  EXPECT_EQ(config.vm_options.engine_flags, std::vector<std::string>{"--no-liftoff"});
  ASSERT_GE(loaded->wasm.size(), 4u);
  EXPECT_EQ(std::string(loaded->wasm.begin(), loaded->wasm.begin() + 4), std::string("\0asm", 4));
}

TEST(PluginSpec, DefaultsComeFromTheHost) {
  PluginSpec spec;
  spec.wasm_path = sample("add_header");
  spec.engine.clear();
  auto loaded = resolve_plugin(spec);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->config.engine, "v8");
  EXPECT_EQ(loaded->config.name, "add_header");  // the module's stem
  EXPECT_EQ(loaded->config.vm_options.runaway_budget_ms, host::VmOptions{}.runaway_budget_ms);
  EXPECT_EQ(loaded->config.vm_options.max_memory_pages, host::VmOptions{}.max_memory_pages);
}

TEST(PluginSpec, ErrorsNameWhatIsMissing) {
  auto nothing = resolve_plugin(PluginSpec{});
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().message, "no filter given: name a .wasm file");
  PluginSpec missing;
  missing.wasm_path = "/no/such/filter.wasm";
  auto absent = resolve_plugin(missing);
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().message, "/no/such/filter.wasm: no such file");
}

TEST(PluginSpec, AnEnvoyConfigWithInlineCodeResolvesWithoutAFile) {
  auto wasm = read_wasm_file(sample("add_header"));
  ASSERT_TRUE(wasm.ok()) << wasm.error().message;
  json config = {
      {"config",
       {{"root_id", "inline_root"},
        {"configuration", "inline-config"},
        {"vm_config",
         {{"runtime", "envoy.wasm.runtime.v8"},
          {"code",
           {{"local",
             {{"inline_bytes", base64_encode(std::string(wasm->begin(), wasm->end()))}}}}}}}}}};
  auto spec = parse_plugin_config(config, "inline.json");
  ASSERT_TRUE(spec.ok()) << spec.error().message;
  EXPECT_TRUE(spec->wasm_path.empty());
  EXPECT_EQ(spec->inline_code, *wasm);
  EXPECT_TRUE(spec->has_module());
  EXPECT_EQ(spec->root_id, "inline_root");
  auto loaded = resolve_plugin(*spec);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->wasm, *wasm);
  EXPECT_EQ(loaded->config.configuration, "inline-config");
  EXPECT_EQ(loaded->config.name, "plugin");
}

TEST(PluginSpec, AScenarioFilesEnvoyConfigIsTheBaseItsFieldsOverride) {
  const std::string envoy = write_temp_file(
      "scenario_envoy.json",
      R"({"config": {"name": "from_envoy", "root_id": "envoy_root", "configuration": "envoy",
                     "fail_open": true}})");
  json file = {{"filter", sample("add_header")},
               {"plugin_config", envoy},
               {"config", "file-level"},
               {"scenarios",
                {{{"name", "file's"}, {"request", {{"path", "/"}}}},
                 {{"name", "own"}, {"request", {{"path", "/"}}}, {"config", "scenario-level"}}}}};
  auto suite = parse_scenarios(file, write_temp_file("merge.json", file.dump()));
  ASSERT_TRUE(suite.ok()) << suite.error().message;
  ASSERT_EQ(suite->scenarios.size(), 2u);
  const PluginSpec& first = suite->scenarios[0].plugin;
  EXPECT_EQ(first.wasm_path, sample("add_header"));
  EXPECT_EQ(first.name, "from_envoy");
  EXPECT_EQ(first.root_id, "envoy_root");
  EXPECT_TRUE(first.fail_open);
  EXPECT_EQ(first.configuration, "file-level");
  EXPECT_EQ(suite->scenarios[1].plugin.configuration, "scenario-level");
  EXPECT_EQ(suite->scenarios[1].plugin.root_id, "envoy_root");

  json broken = file;
  broken["plugin_config"] = "/no/such/envoy.json";
  auto refused = parse_scenarios(broken, "broken.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message.rfind("broken.json: plugin_config: /no/such/envoy.json", 0), 0u)
      << refused.error().message;
}

TEST(PluginSpec, LimitsOutOfRangeAreRefusedNotReplaced) {
  struct Case {
    std::optional<uint32_t> budget_ms;
    std::optional<uint32_t> pages;
    std::string message;  // "" = accepted
  };
  const Case cases[] = {
      {0u, std::nullopt, "runaway budget (--budget-ms) must be at least 1 ms (got 0)"},
      {std::nullopt, 0u, "memory limit (--max-memory-pages) must be at least 1 page (got 0)"},
      {std::nullopt, 65537u, "must be at most 65536 pages (4 GiB) (got 65537)"},
      {1u, 1u, ""},
      {std::nullopt, 65536u, ""},
  };
  for (const Case& c : cases) {
    PluginSpec spec;
    spec.wasm_path = sample("add_header");
    spec.runaway_budget_ms = c.budget_ms;
    spec.max_memory_pages = c.pages;
    auto loaded = resolve_plugin(spec);
    if (c.message.empty()) {
      ASSERT_TRUE(loaded) << loaded.error().message;
      EXPECT_EQ(loaded->config.vm_options.max_memory_pages,
                c.pages.value_or(host::VmOptions{}.max_memory_pages));
    } else {
      ASSERT_FALSE(loaded);
      EXPECT_NE(loaded.error().message.find(c.message), std::string::npos)
          << loaded.error().message;
    }
  }
}

}  // namespace
}  // namespace pwplay::debugger
