// Plugin configuration files as Envoy users write them: the JSON (or YAML) of
// envoy.extensions.filters.http.wasm.v3.Wasm ({"config": {...}}), its PluginConfig alone, a
// typed_config wrapper, or a whole http_filters entry. Values map onto a debugger::PluginSpec.
#pragma once

#include <string>

#include <nlohmann/json_fwd.hpp>

#include "abi/result.h"
#include "debugger/formats/json_read.h"
#include "debugger/plugin_spec.h"

namespace pwplay::debugger {

// Parses a config already loaded as JSON; `where` names the source in errors. The spec's module
// is the file's vm_config.code.local.filename (as written) or its inline bytes (inline_bytes,
// inline_string), when the file names one.
Result<PluginSpec> parse_plugin_config(const nlohmann::json& json, const std::string& where);
// Loads a .json, .yaml or .yml file (YAML is converted to JSON first).
Result<PluginSpec> load_plugin_config_file(const std::string& path);

// Converts YAML text to JSON (mappings, sequences, scalars with YAML 1.2 core types). Aliases are
// expanded to at most kMaxYamlNodes values holding at most kMaxJsonBytes bytes of keys and
// scalars, and nesting to kMaxJsonDepth levels; past any of them, or past kMaxJsonBytes of text,
// the document is refused with an error naming `where`.
inline constexpr size_t kMaxYamlNodes = 1'000'000;
Result<nlohmann::json> yaml_to_json(const std::string& text, const std::string& where);

}  // namespace pwplay::debugger
