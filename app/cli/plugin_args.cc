#include "app/cli/plugin_args.h"

#include <cstdio>

#include "app/cli/property_args.h"
#include "debugger/formats/envoy_setup.h"
#include "debugger/formats/plugin_config_file.h"
#include "debugger/formats/request_file.h"
#include "host/trace.h"

namespace pwplay::app {

void PluginFlags::declare(CLI::App* cmd, MaxMemoryPagesOption max_memory_pages,
                          EngineOption engine) {
  if (engine == EngineOption::Offer)
    engine_ = cmd->add_option(
        "--engine", given_.engine,
        "Engine: v8 (default), wabt (steps instructions; slow) or native (a .so built "
        "from the same sources; a crash takes pwplay down)");
  config_ = cmd->add_option("--config", given_.configuration, "Plugin configuration (a string)");
  cmd->add_option("--config-file", config_file_, "Plugin configuration read from a file")
      ->excludes(config_);
  root_id_ = cmd->add_option("--root-id", given_.root_id, "Root id (Envoy root_id)");
  vm_id_ = cmd->add_option("--vm-id", given_.vm_id, "VM id (Envoy vm_config.vm_id)");
  cmd->add_option(
      "--plugin-config", plugin_config_,
      "Envoy Wasm filter config (JSON or YAML): envoy.extensions.filters.http.wasm.v3.Wasm, its "
      "PluginConfig, typed_config, a TypedStruct, an http_filters entry, or Istio WasmPlugin(s)");
  cmd->add_flag("--fail-open", given_.fail_open, "Let requests through when a filter fails");
  // Parsed as it is given, so that a bad value is a usage error naming the flag.
  cmd->add_option_function<std::vector<std::string>>(
         "--property",
         [this](const std::vector<std::string>& texts) {
           for (const std::string& text : texts) {
             auto parsed = parse_property_flag(text);
             if (!parsed) throw CLI::ValidationError("--property", parsed.error().message);
             given_.properties[parsed->first] = std::move(parsed->second);
           }
         },
         "A property every filter reads with proxy_get_property, over Envoy's attribute of that "
         "path and the request's \"properties\" (repeatable). PATH is dotted (\\. for a dot "
         "in a segment); VALUE is text, or int:N (8 bytes little-endian), bool:true|false (1 "
         "byte), bytes:HEX, text:T")
      ->type_name("PATH=VALUE")
      ->allow_extra_args(false);
  cmd->add_option_function<uint32_t>(
      "--budget-ms",
      [this](const uint32_t& ms) { given_.runaway_budget_ms = ms; },  // 0 is refused later
      "Runaway budget per callback, at least 1 ms (default 1000 ms)");
  if (max_memory_pages == MaxMemoryPagesOption::Offer)
    cmd->add_option_function<uint32_t>(
        "--max-memory-pages", [this](const uint32_t& pages) { given_.max_memory_pages = pages; },
        "Linear memory limit in 64 KiB pages, 1 to 65536 (default 16384 = 1 GiB); memory.grow "
        "past it returns -1 in the filter");
}

void PluginFlags::offer_warmup(CLI::App* cmd) {
  cmd->add_option_function<uint32_t>(
      "--warmup-ms", [this](const uint32_t& ms) { given_.warmup_ms = ms; },
      "Simulated time the filter's start-up work (callouts, first ticks) may take before the "
      "request is sent (default 5000; 0 sends the request at once)");
}

namespace {

// Tells the user what a config held that pwplay ignores, and where relative modules were found.
void print_notes(const debugger::ConfigNotes& notes, const char* command, bool modules) {
  for (const auto& warning : notes.warnings)
    std::fprintf(stderr, "%s: warning: %s\n", command, host::printable_text(warning).c_str());
  if (modules)
    for (const auto& note : notes.modules)
      std::fprintf(stderr, "%s: %s\n", command, host::printable_text(note).c_str());
}

bool given(const CLI::Option* option) {
  return option && option->count() > 0;
}

}  // namespace

Result<void> PluginFlags::apply_flags(debugger::PluginSpec& spec, bool every_filter_only) const {
  if (given(engine_)) spec.engine = given_.engine;
  if (given_.fail_open) spec.fail_open = true;
  if (given_.runaway_budget_ms) spec.runaway_budget_ms = given_.runaway_budget_ms;
  if (given_.max_memory_pages) spec.max_memory_pages = given_.max_memory_pages;
  if (given_.warmup_ms) spec.warmup_ms = given_.warmup_ms;
  for (const auto& [path, value] : given_.properties) spec.properties[path] = value;
  if (every_filter_only) {
    if (given(config_) || !config_file_.empty() || given(root_id_) || given(vm_id_))
      return make_error(
          "--config, --config-file, --root-id and --vm-id set one filter, and the config "
          "holds several: set them in the config");
    return {};
  }
  if (given(config_)) spec.configuration = given_.configuration;
  if (!config_file_.empty()) {
    auto text = debugger::read_file(config_file_, "plugin configuration");
    if (!text) return unexpected(text.error());
    spec.configuration = std::move(*text);
  }
  if (given(root_id_)) spec.root_id = given_.root_id;
  if (given(vm_id_)) spec.vm_id = given_.vm_id;
  return {};
}

Result<debugger::PluginSpec> PluginFlags::spec(const std::string& wasm_path) const {
  debugger::PluginSpec spec;
  if (!plugin_config_.empty()) {
    debugger::ConfigNotes notes;
    auto file = debugger::load_plugin_config_file(plugin_config_, &notes);
    if (!file) return unexpected(file.error());
    print_notes(notes, "pwplay", wasm_path.empty());
    spec = std::move(*file);
  }
  // The module on the command line wins over the one the config file names.
  if (!wasm_path.empty()) {
    spec.wasm_path = wasm_path;
    spec.inline_code.clear();
  }
  if (auto applied = apply_flags(spec, false); !applied) return unexpected(applied.error());
  return spec;
}

Result<PluginChain> PluginFlags::chain(const std::string& wasm_path, const char* command) const {
  if (!plugin_config_.empty() && !envoy_config_.empty())
    return make_error("give --plugin-config or --envoy-config, not both");
  const std::string& file = envoy_config_.empty() ? plugin_config_ : envoy_config_;
  PluginChain chain;
  if (file.empty()) {
    auto one = spec(wasm_path);
    if (!one) return unexpected(one.error());
    chain.plugins.push_back(std::move(*one));
    return chain;
  }
  auto setup = debugger::load_envoy_setup(
      file, envoy_config_.empty() ? "plugin configuration" : "Envoy configuration");
  if (!setup) return unexpected(setup.error());
  print_notes(setup->notes, command, wasm_path.empty());
  chain.plugins = std::move(setup->plugins);
  chain.route_name = std::move(setup->route_name);
  chain.cluster_name = std::move(setup->cluster_name);
  chain.clusters = std::move(setup->clusters);
  chain.listen = setup->listen;
  const bool several = chain.plugins.size() > 1;
  if (!wasm_path.empty()) {
    if (several)
      return make_error(file + " holds " + std::to_string(chain.plugins.size()) +
                        " filters: FILTER replaces the module of a one-filter config only; leave "
                        "it out to run the config's chain");
    chain.plugins.front().wasm_path = wasm_path;
    chain.plugins.front().inline_code.clear();
  }
  for (auto& plugin : chain.plugins)
    if (auto applied = apply_flags(plugin, several); !applied) return unexpected(applied.error());
  return chain;
}

bool PluginFlags::any_given() const {
  return given(engine_) || given(config_) || given(root_id_) || given(vm_id_) ||
         !plugin_config_.empty() || !envoy_config_.empty() || !config_file_.empty() ||
         given_.fail_open || given_.runaway_budget_ms || given_.max_memory_pages ||
         given_.warmup_ms;
}

void add_plugin_options(CLI::App* cmd, PluginFlags& flags, MaxMemoryPagesOption max_memory_pages,
                        EngineOption engine) {
  flags.declare(cmd, max_memory_pages, engine);
}

}  // namespace pwplay::app

namespace pwplay::app {

void add_envoy_config_option(CLI::App* cmd, PluginFlags& flags) {
  cmd->add_option("--envoy-config", flags.envoy_config_,
                  "An Envoy bootstrap (envoy.yaml): its listener's Wasm filters become the chain, "
                  "its route and clusters the request's; also Istio WasmPlugin resources or one "
                  "Wasm filter config. FILTER may then be left out");
}

}  // namespace pwplay::app
