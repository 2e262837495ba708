#include "app/cli/plugin_args.h"

namespace pwplay::app {

void add_plugin_options(CLI::App* cmd, PluginArgs& args, MaxMemoryPagesOption max_memory_pages) {
  cmd->add_option("--engine", args.engine,
                  "Engine: v8 (default), wabt (steps instructions; slow) or native (a .so built "
                  "from the same sources; a crash takes pwplay down)");
  auto* config = cmd->add_option("--config", args.config, "Plugin configuration (a string)");
  cmd->add_option("--config-file", args.config_file, "Plugin configuration read from a file")
      ->excludes(config);
  cmd->add_option("--root-id", args.root_id, "Root id (Envoy root_id)");
  cmd->add_option("--vm-id", args.vm_id, "VM id (Envoy vm_config.vm_id)");
  cmd->add_option(
      "--plugin-config", args.plugin_config,
      "Envoy Wasm filter config (JSON or YAML of envoy.extensions.filters.http.wasm.v3.Wasm)");
  cmd->add_flag("--fail-open", args.fail_open, "Let requests through when a filter fails");
  cmd->add_option("--budget-ms", args.budget_ms, "Runaway budget per callback (default 1000 ms)");
  if (max_memory_pages == MaxMemoryPagesOption::Offer)
    cmd->add_option("--max-memory-pages", args.max_memory_pages,
                    "Linear memory limit in 64 KiB pages (default 16384 = 1 GiB)");
}

debugger::PluginOptions to_plugin_options(const PluginArgs& args, const std::string& wasm_path) {
  debugger::PluginOptions options;
  options.wasm_path = wasm_path;
  if (!args.engine.empty()) options.engine = args.engine;
  if (!args.config.empty()) options.configuration = args.config;
  if (!args.config_file.empty()) options.configuration_file = args.config_file;
  if (!args.root_id.empty()) options.root_id = args.root_id;
  if (!args.vm_id.empty()) options.vm_id = args.vm_id;
  if (!args.plugin_config.empty()) options.plugin_config_path = args.plugin_config;
  options.fail_open = args.fail_open;
  if (args.budget_ms) options.runaway_budget_ms = args.budget_ms;
  if (args.max_memory_pages) options.max_memory_pages = args.max_memory_pages;
  return options;
}

}  // namespace pwplay::app
