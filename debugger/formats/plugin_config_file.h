// Plugin configuration files as Envoy users write them: the JSON (or YAML) of
// envoy.extensions.filters.http.wasm.v3.Wasm ({"config": {...}}), its PluginConfig alone, a
// typed_config wrapper with @type, a TypedStruct (udpa.type.v1 / xds.type.v3), or a whole
// http_filters entry. Values map onto a debugger::PluginSpec.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "debugger/formats/json_read.h"
#include "debugger/plugin_spec.h"

namespace pwplay::debugger {

// What reading a config found worth telling the user without refusing it.
struct ConfigNotes {
  // Fields pwplay does not know (named with their path, e.g. "config.vm_config.foo") or does not
  // honour (host_env_keys, other runtimes): ignored, with the reason.
  std::vector<std::string> warnings;
  // Relative module filenames and the file each was resolved to (relative to the config file).
  std::vector<std::string> modules;
};

// Parses a config already loaded as JSON; `where` names the source in errors. The spec's module
// is the file's vm_config.code.local.filename (as written) or its inline bytes (inline_bytes,
// inline_string), when the file names one. Unknown fields are warnings in `notes` (when given),
// never errors; fields of the wrong type, an unknown runtime or failure_policy and a remote
// module are errors.
Result<PluginSpec> parse_plugin_config(const nlohmann::json& json, const std::string& where,
                                       ConfigNotes* notes = nullptr);
// Loads a .json, .yaml or .yml file (YAML is converted to JSON first) holding one plugin. A
// relative module filename is resolved against the file's directory and reported in `notes`.
Result<PluginSpec> load_plugin_config_file(const std::string& path, ConfigNotes* notes = nullptr);

// Resolves a relative spec.wasm_path against the directory of `config_path` and notes it.
void resolve_module_path(PluginSpec& spec, const std::string& config_path, ConfigNotes* notes);

// The documents of a .json file (one) or a .yaml / .yml file (one per `---`), within the limits
// of the JSON reader and of YAML expansion; `what` names the file's role in errors.
Result<std::vector<nlohmann::json>> load_config_documents(const std::string& path,
                                                          const char* what);

// Converts YAML text to JSON (mappings, sequences, scalars with YAML 1.2 core types). Aliases are
// expanded to at most kMaxYamlNodes values holding at most kMaxJsonBytes bytes of keys and
// scalars, and nesting to kMaxJsonDepth levels; past any of them, or past kMaxJsonBytes of text,
// the document is refused with an error naming `where`.
inline constexpr size_t kMaxYamlNodes = 1'000'000;
Result<nlohmann::json> yaml_to_json(const std::string& text, const std::string& where);
// The same for every document of a multi-document YAML text (empty documents are skipped).
Result<std::vector<nlohmann::json>> yaml_documents_to_json(const std::string& text,
                                                           const std::string& where);

}  // namespace pwplay::debugger
