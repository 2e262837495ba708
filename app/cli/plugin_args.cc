#include "app/cli/plugin_args.h"

#include "debugger/formats/plugin_config_file.h"
#include "debugger/formats/request_file.h"

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
      "Envoy Wasm filter config (JSON or YAML of envoy.extensions.filters.http.wasm.v3.Wasm)");
  cmd->add_flag("--fail-open", given_.fail_open, "Let requests through when a filter fails");
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

Result<debugger::PluginSpec> PluginFlags::spec(const std::string& wasm_path) const {
  debugger::PluginSpec spec;
  if (!plugin_config_.empty()) {
    auto file = debugger::load_plugin_config_file(plugin_config_);
    if (!file) return unexpected(file.error());
    spec = std::move(*file);
  }
  // The module on the command line wins over the one the config file names.
  if (!wasm_path.empty()) {
    spec.wasm_path = wasm_path;
    spec.inline_code.clear();
  }
  auto given = [](const CLI::Option* option) { return option && option->count() > 0; };
  if (given(engine_)) spec.engine = given_.engine;
  if (given(config_)) spec.configuration = given_.configuration;
  if (!config_file_.empty()) {
    auto text = debugger::read_file(config_file_, "plugin configuration");
    if (!text) return unexpected(text.error());
    spec.configuration = std::move(*text);
  }
  if (given(root_id_)) spec.root_id = given_.root_id;
  if (given(vm_id_)) spec.vm_id = given_.vm_id;
  if (given_.fail_open) spec.fail_open = true;
  if (given_.runaway_budget_ms) spec.runaway_budget_ms = given_.runaway_budget_ms;
  if (given_.max_memory_pages) spec.max_memory_pages = given_.max_memory_pages;
  if (given_.warmup_ms) spec.warmup_ms = given_.warmup_ms;
  return spec;
}

bool PluginFlags::any_given() const {
  auto given = [](const CLI::Option* option) { return option && option->count() > 0; };
  return given(engine_) || given(config_) || given(root_id_) || given(vm_id_) ||
         !plugin_config_.empty() || !config_file_.empty() || given_.fail_open ||
         given_.runaway_budget_ms || given_.max_memory_pages || given_.warmup_ms;
}

void add_plugin_options(CLI::App* cmd, PluginFlags& flags, MaxMemoryPagesOption max_memory_pages,
                        EngineOption engine) {
  flags.declare(cmd, max_memory_pages, engine);
}

}  // namespace pwplay::app
