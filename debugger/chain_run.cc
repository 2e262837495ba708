#include "debugger/chain_run.h"

namespace pwplay::debugger {

void add_site_properties(const ChainSite& site,
                         std::map<std::string, std::string, std::less<>>& properties) {
  if (!site.route_name.empty()) {
    properties["route_name"] = site.route_name;
    properties["xds.route_name"] = site.route_name;
  }
  if (!site.cluster_name.empty()) {
    properties["cluster_name"] = site.cluster_name;
    properties["xds.cluster_name"] = site.cluster_name;
  }
}

void add_site_defaults(const ChainSite& site, PluginSpec& spec) {
  std::map<std::string, std::string, std::less<>> defaults;
  add_site_properties(site, defaults);
  for (auto& [path, value] : defaults) spec.properties.try_emplace(path, std::move(value));
}

Result<RunResult> run_chain(const std::vector<PluginSpec>& specs, const RequestFile& request,
                            const ChainSite& site, bool trace, const LimitSettings& limits) {
  if (specs.empty()) return make_error("no filter given: the chain is empty");
  std::vector<host::proxy::LoadedPlugin> loaded;
  for (const auto& spec : specs) {
    auto resolved = resolve_plugin(spec);
    if (!resolved) return unexpected(resolved.error());
    loaded.push_back(std::move(*resolved));
  }

  host::SimulatedDispatcher dispatcher;
  host::MockCalloutClient callouts(dispatcher);
  set_callout_mocks(callouts, request);
  host::HostEnvOptions env_options;
  limits.apply_to(env_options);
  add_site_properties(site, env_options.properties);  // the request's own properties win
  for (const auto& [path, value] : request.properties) env_options.properties[path] = value;
  host::HostEnv env(dispatcher, callouts, env_options);
  host::VectorTraceSink sink;
  if (trace) env.set_trace_sink(&sink);

  RunResult result;
  env.set_log_handler([&result](const host::LogRecord& record) { result.logs.push_back(record); });
  {
    host::FilterChain chain(env);
    for (auto& plugin_loaded : loaded) {
      const std::string name = plugin_loaded.config.name;
      auto plugin = host::Plugin::create(env, plugin_loaded.config, std::move(plugin_loaded.wasm));
      if (!plugin) return make_error(name + ": " + plugin.error().message);
      if (result.abi_version.empty()) {
        result.abi_version = abi::name((*plugin)->abi_version());
        result.engine = (*plugin)->engine_name();
        result.engine_version = (*plugin)->engine_version();
      }
      result.plugin_name += (result.plugin_name.empty() ? "" : ", ") + (*plugin)->config().name;
      chain.add(std::move(*plugin));
    }
    // The first plugin's warm-up limit (one chain, one start-up).
    result.warmup = host::warm_up(chain, dispatcher, specs.front().warmup());
    result.report = host::run_request(chain, dispatcher, request.request, request.upstream);
    for (size_t i = 0; i < loaded.size(); ++i) {
      host::Plugin& plugin = chain.plugin(i);
      if (!result.failure && plugin.failure()) result.failure = plugin.failure();
      if (!plugin.failed()) result.stats.memory_bytes += plugin.vm().memory().size();
      result.stats.vm_restarts += plugin.restarts();
    }
  }  // the chain ends here, as in run_once, before the metrics are read
  finish_run(result, env, callouts, sink);
  return result;
}

}  // namespace pwplay::debugger
