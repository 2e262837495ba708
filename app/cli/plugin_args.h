// The plugin options shared by `pwplay run`, `serve`, `debug` and `test --har` (--engine,
// --config, --config-file, --root-id, --vm-id, --plugin-config, --fail-open, --property,
// --budget-ms, --max-memory-pages), parsed straight into a debugger::PluginSpec. One declaration
// keeps the names, help and defaults of every command the same.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "abi/result.h"
#include "debugger/plugin_spec.h"
#include "host/proxy/proxy.h"

namespace pwplay::app {

// Whether a command offers --max-memory-pages (`pwplay debug` does not) and --engine (`pwplay
// test` has its own, which also covers scenario files).
enum class MaxMemoryPagesOption : bool { Omit, Offer };
enum class EngineOption : bool { Omit, Offer };

// The chain a command runs and where a config puts it: the plugins in request order, and from an
// Envoy bootstrap the route and cluster of the request and the loopback clusters.
struct PluginChain {
  std::vector<debugger::PluginSpec> plugins;
  std::string route_name;
  std::string cluster_name;
  std::map<std::string, host::proxy::HostPort> clusters;
  std::optional<host::proxy::HostPort> listen;
};

// The options of one subcommand. The flags land in a PluginSpec as they are parsed; the two
// files (--plugin-config, --config-file) are read by spec(), after parsing.
class PluginFlags {
 public:
  PluginFlags() = default;
  PluginFlags(const PluginFlags&) = delete;  // the parser holds pointers into it
  PluginFlags& operator=(const PluginFlags&) = delete;

  // The plugin for the module at `wasm_path` (may be empty when --plugin-config names one): a
  // --plugin-config file is the base and the flags given win over it; --config-file is read into
  // `configuration`. Errors name the file at fault.
  Result<debugger::PluginSpec> spec(const std::string& wasm_path) const;

  // Whether any of the options was given.
  bool any_given() const;
  // Declares --warmup-ms (the simulated runs of `run` and `debug`; serve's proxy runs in real
  // time and needs none).
  void offer_warmup(CLI::App* cmd);

  // Whether --plugin-config or --envoy-config was given (it may name the module).
  bool names_config_file() const { return !plugin_config_.empty() || !envoy_config_.empty(); }
  bool names_envoy_config() const { return !envoy_config_.empty(); }
  // The --property values (path -> raw bytes), for commands that also apply them elsewhere
  // (`pwplay test` to its scenario files' filters).
  const std::map<std::string, std::string, std::less<>>& properties() const {
    return given_.properties;
  }

  // The whole chain: from --envoy-config or --plugin-config (which may hold several Istio
  // WasmPlugins) or the one module at `wasm_path`. A `wasm_path` replaces the module of a
  // one-filter config; the engine, fail-open and limit flags apply to every filter, the others
  // need a one-filter chain. Warnings about the config (unknown fields, relative module paths
  // and where they resolved) are printed to stderr after `command` ("pwplay run").
  Result<PluginChain> chain(const std::string& wasm_path, const char* command) const;

 private:
  friend void add_plugin_options(CLI::App*, PluginFlags&, MaxMemoryPagesOption, EngineOption);
  friend void add_envoy_config_option(CLI::App*, PluginFlags&);
  Result<void> apply_flags(debugger::PluginSpec& spec, bool every_filter_only) const;
  void declare(CLI::App* cmd, MaxMemoryPagesOption max_memory_pages, EngineOption engine);

  debugger::PluginSpec given_;  // the values of the flags, as typed
  std::string plugin_config_;   // --plugin-config ENVOY.json|yaml
  std::string config_file_;     // --config-file F
  std::string envoy_config_;    // --envoy-config envoy.yaml (offered by add_envoy_config_option)
  CLI::Option* engine_ = nullptr;
  CLI::Option* config_ = nullptr;
  CLI::Option* root_id_ = nullptr;
  CLI::Option* vm_id_ = nullptr;
};

// Declares the plugin options on `cmd`, parsed into `flags` (which must outlive the parse).
void add_plugin_options(CLI::App* cmd, PluginFlags& flags,
                        MaxMemoryPagesOption max_memory_pages = MaxMemoryPagesOption::Offer,
                        EngineOption engine = EngineOption::Offer);

// Declares --envoy-config (an Envoy bootstrap, Istio WasmPlugins or one Wasm filter config) on
// `cmd`, for the commands that run a whole chain from it (run, serve, debug).
void add_envoy_config_option(CLI::App* cmd, PluginFlags& flags);

}  // namespace pwplay::app
