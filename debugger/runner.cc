#include "debugger/runner.h"

#include <filesystem>

namespace pwplay::debugger {

RunStats compute_stats(const std::vector<host::TraceEvent>& trace) {
  RunStats stats;
  for (const auto& event : trace) {
    switch (event.kind) {
      case host::EventKind::Callback:
        if (event.phase == "exit") {
          ++stats.callbacks;
          if (event.depth == 0) stats.filter_ns += event.duration_ns;
        }
        break;
      case host::EventKind::HostCall:
        ++stats.host_calls;
        break;
      case host::EventKind::Copy:
        ++stats.copies;
        if (event.direction == host::CopyDirection::HostToVm)
          stats.bytes_to_vm += event.length;
        else
          stats.bytes_to_host += event.length;
        break;
      default:
        break;
    }
  }
  return stats;
}

void set_callout_mocks(host::MockCalloutClient& callouts, const RequestFile& request) {
  for (const auto& [cluster, reply] : request.callouts) {
    callouts.set_http_reply(cluster, reply.response);
    if (reply.delay_ms) callouts.set_http_delay(cluster, std::chrono::milliseconds(reply.delay_ms));
  }
  for (const auto& [cluster, reply] : request.grpc) callouts.set_grpc_reply(cluster, reply);
}

void finish_run(RunResult& result, host::HostEnv& env, const host::MockCalloutClient& callouts,
                const host::VectorTraceSink& sink) {
  result.metrics = env.metrics().snapshot();
  result.callouts_sent = callouts.sent();
  result.trace = sink.events();
  RunStats stats = compute_stats(result.trace);
  stats.memory_bytes = result.stats.memory_bytes;
  stats.vm_restarts = result.stats.vm_restarts;
  result.stats = stats;
}

namespace {

Result<RunResult> run(const PluginSpec& spec, const RequestFile& request, bool trace,
                      bool report_startup, const LimitSettings& limits) {
  auto resolved = resolve_plugin(spec);
  if (!resolved) return unexpected(resolved.error());

  host::SimulatedDispatcher dispatcher;
  host::MockCalloutClient callouts(dispatcher);
  set_callout_mocks(callouts, request);
  host::HostEnvOptions env_options;
  limits.apply_to(env_options);
  for (const auto& [path, value] : request.properties) env_options.properties[path] = value;
  host::HostEnv env(dispatcher, callouts, env_options);
  host::VectorTraceSink sink;
  if (trace) env.set_trace_sink(&sink);

  RunResult result;
  env.set_log_handler([&result](const host::LogRecord& record) { result.logs.push_back(record); });
  std::optional<host::PluginFailure> failure;
  auto plugin = host::Plugin::create(env, resolved->config, std::move(resolved->wasm), failure);
  result.startup.logs = result.logs;
  result.startup.trace = sink.events();
  if (!plugin) {
    if (!report_startup) return unexpected(plugin.error());
    result.plugin_name = resolved->config.name.empty() && !resolved->config.wasm_path.empty()
                             ? std::filesystem::path(resolved->config.wasm_path).stem().string()
                             : resolved->config.name;
    result.engine = resolved->config.engine;
    result.startup.ok = false;
    result.startup.error = plugin.error().message;
    if (failure) {
      result.startup.phase = failure->callback;
      result.startup.fault = failure->fault;
      result.startup.backtrace = failure->backtrace;
    }
    result.trace = result.startup.trace;
    result.stats = compute_stats(result.trace);
    return result;
  }
  host::Plugin& plugin_ref = **plugin;
  result.abi_version = abi::name(plugin_ref.abi_version());
  result.engine = plugin_ref.engine_name();
  result.engine_version = plugin_ref.engine_version();
  result.plugin_name = plugin_ref.config().name;
  {
    host::FilterChain chain(env);
    chain.add(std::move(*plugin));
    result.warmup = host::warm_up(chain, dispatcher, spec.warmup());
    result.report = host::run_request(chain, dispatcher, request.request, request.upstream);
    if (chain.plugin(0).failure()) result.failure = chain.plugin(0).failure();
    result.stats.memory_bytes = chain.plugin(0).failed() ? 0 : chain.plugin(0).vm().memory().size();
    result.stats.vm_restarts = chain.plugin(0).restarts();
  }
  finish_run(result, env, callouts, sink);
  return result;
}

}  // namespace

Result<RunResult> run_once(const PluginSpec& spec, const RequestFile& request, bool trace,
                           const LimitSettings& limits) {
  return run(spec, request, trace, false, limits);
}

Result<RunResult> run_once_reporting_startup(const PluginSpec& spec, const RequestFile& request,
                                             bool trace, const LimitSettings& limits) {
  return run(spec, request, trace, true, limits);
}

}  // namespace pwplay::debugger
