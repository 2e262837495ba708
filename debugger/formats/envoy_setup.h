// The configurations that name a whole chain: an Envoy bootstrap (envoy.yaml) and Istio
// WasmPlugin resources. Both become an EnvoySetup: the plugins in request order, the route and
// cluster the request takes, and the loopback clusters callouts may reach. The one function the
// commands call when "the modules come from the config" is load_envoy_setup.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "debugger/formats/plugin_config_file.h"
#include "debugger/plugin_spec.h"
#include "host/proxy/proxy.h"

namespace pwplay::debugger {

struct EnvoySetup {
  std::vector<PluginSpec> plugins;  // the chain, in request order
  std::string route_name;           // the route the request takes (Envoy's route_name)
  std::string cluster_name;         // the cluster that route sends to (Envoy's cluster_name)
  // Clusters with a loopback address, by name: callout targets (and the upstream, in serve).
  std::map<std::string, host::proxy::HostPort> clusters;
  std::optional<host::proxy::HostPort> listen;  // the listener's address, when it has one
  ConfigNotes notes;
};

// Reads FILE as whatever it holds: an Envoy bootstrap (static_resources), one or more Istio
// WasmPlugin resources (kind: WasmPlugin, several `---` documents ordered by phase and
// priority), or one Envoy Wasm filter config. Module paths resolve relative to the file. Errors
// name the file and the field; a setup with no Wasm filter is an error. `what` names the file's
// role in read errors.
Result<EnvoySetup> load_envoy_setup(const std::string& path,
                                    const char* what = "Envoy configuration");

// The WasmPlugin resources among `documents`, in Istio's order (AUTHN, AUTHZ, STATS, then
// unspecified; higher priority first within a phase; file order on ties).
Result<std::vector<PluginSpec>> parse_wasm_plugins(const std::vector<nlohmann::json>& documents,
                                                   const std::string& where, ConfigNotes* notes);
// Whether a document is an Istio WasmPlugin resource.
bool is_wasm_plugin(const nlohmann::json& document);

// An Envoy bootstrap, parsed: its listener's Wasm filters, route and clusters.
Result<EnvoySetup> parse_envoy_bootstrap(const nlohmann::json& document, const std::string& where);

}  // namespace pwplay::debugger
