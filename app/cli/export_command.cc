// `pwplay export [FILTER] [plugin options | --plugin-config F | --envoy-config F | --project F]
// (--envoy OUT.yaml | --istio OUT.yaml)`: writes the chain as an Envoy bootstrap or as Istio
// WasmPlugin resources, which `pwplay run --envoy-config` reads back.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/plugin_args.h"
#include "debugger/formats/atomic_file.h"
#include "debugger/formats/envoy_export.h"
#include "debugger/formats/project.h"
#include "host/trace.h"

namespace pwplay::app {
namespace {

struct ExportArgs {
  std::string wasm;
  PluginFlags plugin;
  std::string project;
  std::string envoy_out;
  std::string istio_out;
  std::string listen;
  std::string upstream;
  std::vector<std::string> clusters;
};

int export_chain(const ExportArgs& args) {
  if (args.envoy_out.empty() == args.istio_out.empty())
    return report_failure("export", kExitUsage, "give one of --envoy OUT.yaml or --istio OUT.yaml");
  debugger::ExportChain out;
  if (!args.project.empty()) {
    if (!args.wasm.empty() || args.plugin.any_given())
      return report_failure("export", kExitUsage,
                            "--project names the filters: give no FILTER or plugin options");
    auto project = debugger::load_project(args.project);
    if (!project) return report_failure("export", kExitError, project.error().message);
    // A filter switched off in the app's chain does not run, so it is not exported either.
    for (size_t i = 0; i < project->plugins.size(); ++i)
      if (project->plugin_enabled(i)) out.plugins.push_back(std::move(project->plugins[i]));
  } else {
    if (args.wasm.empty() && !args.plugin.names_config_file())
      return report_failure(
          "export", kExitUsage,
          "no filter: name the filter module (FILTER.wasm), or give --plugin-config, "
          "--envoy-config or --project");
    auto chain = args.plugin.chain(args.wasm, "pwplay export");
    if (!chain) return report_failure("export", kExitError, chain.error().message);
    out.plugins = std::move(chain->plugins);
    if (!chain->route_name.empty()) out.route_name = chain->route_name;
    if (!chain->cluster_name.empty()) {
      out.cluster_name = chain->cluster_name;
      auto upstream = chain->clusters.find(chain->cluster_name);
      if (upstream != chain->clusters.end()) out.upstream = upstream->second;
    }
    out.clusters = chain->clusters;
    if (chain->listen) out.listen = *chain->listen;
  }
  if (out.plugins.empty())
    return report_failure("export", kExitError, "the project holds no filter");
  for (const auto& plugin : out.plugins)
    if (!plugin.has_module())
      return report_failure("export", kExitError,
                            "a filter names no module: name it with FILTER.wasm");
  if (!args.listen.empty()) {
    auto listen = host::proxy::parse_listen_address(args.listen, "--listen");
    if (!listen) return report_failure("export", kExitUsage, listen.error().message);
    out.listen = *listen;
  }
  if (!args.upstream.empty()) {
    auto upstream = host::proxy::parse_host_port(args.upstream, "--upstream");
    if (!upstream) return report_failure("export", kExitUsage, upstream.error().message);
    out.upstream = *upstream;
  }
  for (const auto& text : args.clusters) {
    auto cluster = host::proxy::parse_cluster(text);
    if (!cluster) return report_failure("export", kExitUsage, cluster.error().message);
    out.clusters[cluster->first] = cluster->second;
  }
  std::vector<std::string> warnings;
  const bool envoy = !args.envoy_out.empty();
  const std::string text = envoy ? debugger::export_envoy_bootstrap(out, warnings)
                                 : debugger::export_istio_wasm_plugins(out, warnings);
  for (const auto& warning : warnings)
    std::fprintf(stderr, "pwplay export: warning: %s\n", host::printable_text(warning).c_str());
  const std::string& path = envoy ? args.envoy_out : args.istio_out;
  auto written = debugger::write_file_atomically(path, text);
  if (!written)
    return report_failure("export", kExitError,
                          "cannot write " + path + ": " + written.error().message);
  std::printf("wrote %s: %zu filter%s as %s\n", path.c_str(), out.plugins.size(),
              out.plugins.size() == 1 ? "" : "s",
              envoy ? "an Envoy bootstrap" : "Istio WasmPlugin resources");
  return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ExportArgs>();
  CLI::App* cmd = app.add_subcommand(
      "export", "Write a filter chain as an Envoy bootstrap or Istio WasmPlugin resources");
  cmd->add_option("filter", args->wasm,
                  "The filter module (.wasm); optional with --plugin-config, --envoy-config or "
                  "--project");
  add_plugin_options(cmd, args->plugin);
  add_envoy_config_option(cmd, args->plugin);
  cmd->add_option("--project", args->project, "Export the filters of a project (.pwplay.json)");
  auto* envoy = cmd->add_option("--envoy", args->envoy_out,
                                "Write an Envoy bootstrap (listener, Wasm filters, route, "
                                "clusters) to this YAML file");
  cmd->add_option("--istio", args->istio_out,
                  "Write one Istio WasmPlugin resource per filter to this YAML file")
      ->excludes(envoy);
  cmd->add_option("--listen", args->listen,
                  "The listener's address in the bootstrap (default 127.0.0.1:10000)");
  cmd->add_option("--upstream", args->upstream,
                  "The address of the route's cluster (default 127.0.0.1:8000)");
  cmd->add_option("--cluster", args->clusters,
                  "A callout cluster NAME=HOST:PORT for the bootstrap (repeatable)");
  cmd->callback([args, &exit_code] { exit_code = export_chain(*args); });
}

}  // namespace pwplay::app
