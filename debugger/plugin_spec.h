// PluginSpec: a plugin to load as a user describes it — a module and its Envoy-style settings —
// whether it came from command-line flags, an Envoy Wasm config, a project or a scenario file.
// resolve_plugin turns one into what the host starts: a host::PluginConfig and the module bytes.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abi/pairs.h"
#include "abi/result.h"
#include "host/proxy/proxy.h"

namespace pwplay::debugger {

struct PluginSpec {
  std::string wasm_path;             // the module file (.wasm; a .so for the native engine)
  std::vector<uint8_t> inline_code;  // module bytes given inline (Envoy code.local.inline_*);
                                     // used only when wasm_path is empty
  std::string engine = "v8";         // "v8", "wabt" or "native"; empty means v8
  std::string name;                  // Envoy "name"; empty = the module file's stem
  std::string root_id;               // Envoy "root_id"
  std::string vm_id;                 // Envoy "vm_config.vm_id"
  std::string configuration;         // Envoy "configuration": the plugin configuration
  std::string vm_configuration;      // Envoy "vm_config.configuration"
  abi::HeaderPairs environment;      // Envoy "vm_config.environment_variables.key_values"
  std::map<std::string, std::string, std::less<>> properties;  // property path -> value
  bool fail_open = false;                     // let requests through when the plugin fails
  std::optional<uint32_t> runaway_budget_ms;  // per callback, >= 1 ms; unset = host default
  std::optional<uint32_t> max_memory_pages;   // 64 KiB pages, 1..65536; unset = host default
  std::vector<std::string> engine_flags;      // e.g. V8's "--no-liftoff"
  // Simulated runs (run, test, debug, the app): how much simulated time the start-up work
  // (callouts, first ticks) may take before the first request; 0 = none. Unset = 5000 ms.
  std::optional<uint32_t> warmup_ms;
  // The module's expected SHA-256, 64 hex digits (Istio's WasmPlugin spec.sha256); checked when
  // the module is read, empty: not checked.
  std::string sha256;

  static constexpr uint32_t kDefaultWarmupMs = 5000;
  static constexpr uint32_t kMaxWarmupMs = 3600000;  // an hour of simulated time
  std::chrono::milliseconds warmup() const {
    return std::chrono::milliseconds(warmup_ms.value_or(kDefaultWarmupMs));
  }

  // Whether the spec names a module at all (a file or inline bytes).
  bool has_module() const { return !wasm_path.empty() || !inline_code.empty(); }
  bool operator==(const PluginSpec&) const = default;
};

// The host's configuration and the module bytes a spec describes: the module file is read (and
// checked to be wasm, or a shared object for the native engine), an empty name becomes the
// file's stem. Errors name the file at fault, or the limit out of range (check_limits).
Result<host::proxy::LoadedPlugin> resolve_plugin(const PluginSpec& spec);

// The limits a user set, in range: a budget of at least 1 ms, a memory limit of 1 to 65,536
// pages, a warm-up of at most an hour. Errors name the setting and the flag.
Result<void> check_limits(const PluginSpec& spec);

// Reads a module file and checks it is wasm at all, with messages a user can act on.
Result<std::vector<uint8_t>> read_wasm_file(const std::string& path);

}  // namespace pwplay::debugger
