// One-shot runs of a whole chain (several plugins, as an Envoy bootstrap or Istio WasmPlugins
// configure them), with the route and cluster the configuration names. Backs `pwplay run
// --envoy-config`; a single plugin without a route runs through run_once instead.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "abi/result.h"
#include "debugger/formats/request_file.h"
#include "debugger/plugin_spec.h"
#include "debugger/runner.h"

namespace pwplay::debugger {

// Where the configuration puts the request: Envoy's route_name and cluster_name.
struct ChainSite {
  std::string route_name;
  std::string cluster_name;
};

// The site as the properties filters read (route_name, cluster_name and their xds.* names), for
// a host environment's defaults; empty names are left out.
void add_site_properties(const ChainSite& site,
                         std::map<std::string, std::string, std::less<>>& properties);
// The same into one plugin's properties, where the plugin's own (--property) do not set them:
// for the one-filter sessions of `pwplay debug` and the desktop app.
void add_site_defaults(const ChainSite& site, PluginSpec& spec);

// Loads every plugin (in request order) and runs `request` through the chain. The result's
// plugin_name lists the plugins' names joined with ", "; abi_version, engine and
// engine_version are the first plugin's; failure is the first failed plugin's. An error means a
// plugin could not start, and names it.
Result<RunResult> run_chain(const std::vector<PluginSpec>& specs, const RequestFile& request,
                            const ChainSite& site, bool trace = true,
                            const LimitSettings& limits = {});

}  // namespace pwplay::debugger
