// Plugin configuration files as Envoy users write them: the JSON (or YAML) of
// envoy.extensions.filters.http.wasm.v3.Wasm ({"config": {...}}), its PluginConfig alone, a
// typed_config wrapper, or a whole http_filters entry. Values map onto host::PluginConfig.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "abi/result.h"
#include "host/plugin.h"

namespace pwplay::debugger {

// What a config file yields: the plugin settings and, when the file names one, the module path
// (vm_config.code.local.filename) or inline bytes.
struct PluginConfigFile {
  host::PluginConfig config;
  std::string code_path;             // empty when the file does not name the module
  std::vector<uint8_t> inline_code;  // vm_config.code.local.inline_bytes / inline_string
};

// Parses a config already loaded as JSON; `where` names the source in errors.
Result<PluginConfigFile> parse_plugin_config(const nlohmann::json& json, const std::string& where);
// Loads a .json, .yaml or .yml file (YAML is converted to JSON first).
Result<PluginConfigFile> load_plugin_config_file(const std::string& path);

// Converts YAML text to JSON (mappings, sequences, scalars with YAML 1.2 core types).
Result<nlohmann::json> yaml_to_json(const std::string& text, const std::string& where);

}  // namespace pwplay::debugger
