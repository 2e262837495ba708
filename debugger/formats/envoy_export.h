// The way back from the playground to a mesh: a chain written as an Envoy bootstrap (listener,
// Wasm filters with their configs, route, clusters) or as Istio WasmPlugin resources, in YAML
// that `pwplay run --envoy-config` reads back into the same chain.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "debugger/plugin_spec.h"
#include "host/proxy/proxy.h"

namespace pwplay::debugger {

struct ExportChain {
  std::vector<PluginSpec> plugins;  // in request order; module paths are written absolute
  std::string route_name = "pwplay_route";
  std::string cluster_name = "upstream";  // the route's cluster
  host::proxy::HostPort listen{"127.0.0.1", 10000};
  host::proxy::HostPort upstream{"127.0.0.1", 8000};      // the route's cluster's address
  std::map<std::string, host::proxy::HostPort> clusters;  // callout clusters
};

// An Envoy bootstrap (YAML). `warnings` gets what Envoy cannot express (pwplay's own fields
// such as engine flags, limits and properties, the WABT engine), which are left out.
std::string export_envoy_bootstrap(const ExportChain& chain, std::vector<std::string>& warnings);
// One WasmPlugin per filter (YAML documents), ordered with priorities in the UNSPECIFIED phase.
std::string export_istio_wasm_plugins(const ExportChain& chain, std::vector<std::string>& warnings);

}  // namespace pwplay::debugger
