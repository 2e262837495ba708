#include "debugger/runner.h"

#include <filesystem>

#include "debugger/formats/plugin_config_file.h"

namespace pwplay::debugger {

Result<std::vector<uint8_t>> read_wasm_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return make_error(path + ": no such file");
  if (std::filesystem::is_directory(path, ec))
    return make_error(path + ": is a directory, expected a .wasm file");
  auto text = read_file(path);
  if (!text) return unexpected(text.error());
  if (text->empty()) return make_error(path + ": file is empty, expected a wasm module");
  // A native filter (a shared object for --engine native) is accepted as well.
  if (text->compare(0, 4,
                    "\x7f"
                    "ELF") == 0)
    return std::vector<uint8_t>(text->begin(), text->end());
  if (text->size() < 8 || text->compare(0, 4, std::string("\0asm", 4)) != 0) {
    std::string hint;
    if (text->compare(0, 7, "(module") == 0 || text->find("(module") != std::string::npos)
      hint = " (this looks like WAT text: compile it with wat2wasm first)";
    return make_error(path + ": not a wasm module (it does not start with \\0asm)" + hint);
  }
  return std::vector<uint8_t>(text->begin(), text->end());
}

Result<ResolvedPlugin> resolve_plugin(const PluginOptions& options) {
  ResolvedPlugin resolved;
  host::PluginConfig& config = resolved.config;
  std::string code_path = options.wasm_path;
  if (options.plugin_config_path) {
    auto file = load_plugin_config_file(*options.plugin_config_path);
    if (!file) return unexpected(file.error());
    config = file->config;
    if (code_path.empty() && !file->code_path.empty()) code_path = file->code_path;
    if (code_path.empty() && !file->inline_code.empty()) resolved.wasm = file->inline_code;
  }
  if (options.engine) config.engine = *options.engine;
  if (options.configuration && options.configuration_file)
    return make_error("--config and --config-file both given: use one");
  if (options.configuration) config.configuration = *options.configuration;
  if (options.configuration_file) {
    auto text = read_file(*options.configuration_file);
    if (!text) return unexpected(text.error());
    config.configuration = *text;
  }
  if (options.root_id) config.root_id = *options.root_id;
  if (options.vm_id) config.vm_id = *options.vm_id;
  if (options.fail_open) config.fail_open = true;
  if (options.runaway_budget_ms) config.vm_options.runaway_budget_ms = *options.runaway_budget_ms;
  if (options.max_memory_pages) config.vm_options.max_memory_pages = *options.max_memory_pages;
  for (const auto& flag : options.engine_flags) config.vm_options.engine_flags.push_back(flag);
  if (resolved.wasm.empty()) {
    if (code_path.empty()) return make_error("no filter given: name a .wasm file");
    auto bytes = read_wasm_file(code_path);
    if (!bytes) return unexpected(bytes.error());
    if (bytes->size() >= 4 && (*bytes)[0] == 0x7f && config.engine != "native")
      return make_error(code_path + ": a native shared object: run it with --engine native");
    resolved.wasm = std::move(*bytes);
  }
  config.wasm_path = code_path;
  if (config.name.empty())
    config.name = code_path.empty() ? "plugin" : std::filesystem::path(code_path).stem().string();
  return resolved;
}

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

Result<RunResult> run_once(const PluginOptions& options, const RequestFile& request, bool trace) {
  auto resolved = resolve_plugin(options);
  if (!resolved) return unexpected(resolved.error());

  host::SimulatedDispatcher dispatcher;
  host::MockCalloutClient callouts(dispatcher);
  for (const auto& [cluster, reply] : request.callouts) {
    callouts.set_http_reply(cluster, reply.response);
    if (reply.delay_ms) callouts.set_http_delay(cluster, std::chrono::milliseconds(reply.delay_ms));
  }
  for (const auto& [cluster, reply] : request.grpc) callouts.set_grpc_reply(cluster, reply);
  host::HostEnvOptions env_options;
  for (const auto& [path, value] : request.properties) env_options.properties[path] = value;
  host::HostEnv env(dispatcher, callouts, env_options);
  host::VectorTraceSink sink;
  if (trace) env.set_trace_sink(&sink);

  RunResult result;
  env.set_log_handler([&result](const host::LogRecord& record) { result.logs.push_back(record); });
  auto plugin = host::Plugin::create(env, resolved->config, std::move(resolved->wasm));
  if (!plugin) return unexpected(plugin.error());
  host::Plugin& plugin_ref = **plugin;
  result.abi_version = abi::name(plugin_ref.abi_version());
  result.engine = plugin_ref.engine_name();
  result.engine_version = plugin_ref.engine_version();
  result.plugin_name = plugin_ref.config().name;
  {
    host::FilterChain chain(env);
    chain.add(std::move(*plugin));
    result.report = host::run_request(chain, dispatcher, request.request, request.upstream);
    if (chain.plugin(0).failure()) result.failure = chain.plugin(0).failure();
    result.stats.memory_bytes = chain.plugin(0).failed() ? 0 : chain.plugin(0).vm().memory().size();
    result.stats.vm_restarts = chain.plugin(0).restarts();
  }
  result.metrics = env.metrics().snapshot();
  result.callouts_sent = callouts.sent();
  result.trace = sink.events();
  RunStats stats = compute_stats(result.trace);
  stats.memory_bytes = result.stats.memory_bytes;
  stats.vm_restarts = result.stats.vm_restarts;
  result.stats = stats;
  return result;
}

}  // namespace pwplay::debugger
