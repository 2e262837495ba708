// The plugin options shared by `pwplay run`, `pwplay serve` and `pwplay debug` (--engine,
// --config, --config-file, --root-id, --vm-id, --plugin-config, --fail-open, --budget-ms,
// --max-memory-pages): PluginArgs holds their values as parsed, add_plugin_options declares them
// on a subcommand, and to_plugin_options turns them into the debugger's PluginOptions. One
// declaration keeps the names, help and defaults of the three commands the same.
#pragma once

#include <cstdint>
#include <string>

#include <CLI/CLI.hpp>

#include "debugger/runner.h"

namespace pwplay::app {

// The values as given on the command line; empty or 0 means the option was not given.
struct PluginArgs {
  std::string engine;
  std::string config;
  std::string config_file;
  std::string root_id;
  std::string vm_id;
  std::string plugin_config;
  bool fail_open = false;
  uint32_t budget_ms = 0;
  uint32_t max_memory_pages = 0;
};

// Whether a command offers --max-memory-pages (`pwplay debug` does not).
enum class MaxMemoryPagesOption : bool { Omit, Offer };

// Declares the options on `cmd`, storing into `args` (which must outlive the parse).
void add_plugin_options(CLI::App* cmd, PluginArgs& args,
                        MaxMemoryPagesOption max_memory_pages = MaxMemoryPagesOption::Offer);

// The PluginOptions for the module at `wasm_path`: options not given stay unset, so the
// defaults and the values of a --plugin-config file apply.
debugger::PluginOptions to_plugin_options(const PluginArgs& args, const std::string& wasm_path);

}  // namespace pwplay::app
