// `pwplay serve [FILTER.wasm...] [run options] [--listen 127.0.0.1:PORT] [--upstream
// echo|HOST:PORT]
// [--cluster NAME=HOST:PORT]... [--proxy-config FILE]`: runs the embedded proxy headless until
// SIGINT or SIGTERM, prints one line per request (method, path, status, time in the filters) and
// a summary at the end.
#include <signal.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/enums.h"
#include "app/cli/commands.h"
#include "debugger/plugin_config_file.h"
#include "debugger/request_file.h"
#include "debugger/runner.h"
#include "host/proxy/proxy.h"

namespace pwplay::app {
namespace {

namespace proxy = host::proxy;

struct ServeArgs {
  std::vector<std::string> filters;
  std::string engine;
  std::string config;
  std::string config_file;
  std::string root_id;
  std::string vm_id;
  std::string plugin_config;
  bool fail_open = false;
  uint32_t budget_ms = 0;
  uint32_t max_memory_pages = 0;
  std::string listen;
  bool allow_remote = false;
  std::string upstream;
  std::vector<std::string> clusters;
  std::string proxy_config;
  uint32_t max_header_kb = 60;
  uint32_t upstream_timeout_ms = 15000;
  bool trace = false;
  bool quiet = false;
  std::string log_level = "info";
};

// The settings a --proxy-config file may hold.
struct ProxyFile {
  std::optional<std::string> listen;
  std::optional<proxy::UpstreamConfig> upstream;
  std::map<std::string, proxy::HostPort> clusters;
  std::vector<proxy::PluginSpec> plugins;
};

Result<ProxyFile> load_proxy_file(const std::string& path) {
  auto text = debugger::read_file(path);
  if (!text) return unexpected(text.error());
  Result<nlohmann::json> json = path.ends_with(".yaml") || path.ends_with(".yml")
                                    ? debugger::yaml_to_json(*text, path)
                                    : debugger::parse_json_text(*text, path);
  if (!json) return unexpected(json.error());
  if (!json->is_object()) return make_error(path + ": expected a JSON object");
  ProxyFile out;
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  for (const auto& [key, value] : json->items()) {
    const std::string where = path + ": " + key;
    if (key == "listen") {
      if (!value.is_string()) return make_error(where + " must be a string (HOST:PORT)");
      out.listen = value.get<std::string>();
    } else if (key == "upstream") {
      if (value.is_string()) {
        auto upstream = proxy::parse_upstream(value.get<std::string>());
        if (!upstream) return make_error(where + ": " + upstream.error().message);
        out.upstream = *upstream;
      } else if (value.is_object()) {
        host::ResponseSpec mock;
        for (const auto& [field, item] : value.items()) {
          if (field == "status" && item.is_number_unsigned()) {
            mock.status = item.get<uint32_t>();
          } else if (field == "headers") {
            auto headers = debugger::parse_header_list(item, where + ".headers");
            if (!headers) return unexpected(headers.error());
            mock.headers = *headers;
          } else if (field == "body" && item.is_string()) {
            mock.body = item.get<std::string>();
          } else {
            return make_error(where + ": unknown or invalid field '" + field +
                              "' (a mock response has status, headers, body)");
          }
        }
        out.upstream = proxy::UpstreamConfig::mock_response(std::move(mock));
      } else {
        return make_error(where + " must be \"echo\", \"HOST:PORT\" or a mock response object");
      }
    } else if (key == "clusters") {
      if (!value.is_object())
        return make_error(where + " must be an object {\"NAME\": \"HOST:PORT\"}");
      for (const auto& [name, address] : value.items()) {
        if (!address.is_string())
          return make_error(where + "." + name + " must be a string HOST:PORT");
        auto parsed = proxy::parse_cluster(name + "=" + address.get<std::string>());
        if (!parsed) return make_error(path + ": " + parsed.error().message);
        out.clusters[parsed->first] = parsed->second;
      }
    } else if (key == "filters") {
      if (!value.is_array())
        return make_error(where + " must be a list of Envoy Wasm filter configurations");
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string item_where = where + "[" + std::to_string(i) + "]";
        auto parsed = debugger::parse_plugin_config(value[i], item_where);
        if (!parsed) return unexpected(parsed.error());
        proxy::PluginSpec spec;
        spec.config = parsed->config;
        if (!parsed->inline_code.empty()) {
          spec.wasm = parsed->inline_code;
        } else {
          if (parsed->code_path.empty())
            return make_error(item_where + ": no module (vm_config.code.local.filename)");
          std::filesystem::path code = parsed->code_path;
          if (code.is_relative() && !std::filesystem::exists(code) && !base.empty())
            code = base / code;
          auto bytes = debugger::read_wasm_file(code.string());
          if (!bytes) return unexpected(bytes.error());
          spec.wasm = std::move(*bytes);
          spec.config.wasm_path = code.string();
        }
        if (spec.config.name.empty())
          spec.config.name = spec.config.wasm_path.empty()
                                 ? "filter" + std::to_string(i)
                                 : std::filesystem::path(spec.config.wasm_path).stem().string();
        out.plugins.push_back(std::move(spec));
      }
    } else {
      return make_error(path + ": unknown field '" + key +
                        "' (expected listen, upstream, clusters, filters)");
    }
  }
  return out;
}

std::string format_ms(uint64_t ns) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f ms", static_cast<double>(ns) / 1e6);
  return text;
}

int serve(const ServeArgs& args) {
  auto fail = [](const std::string& message) {
    std::fprintf(stderr, "pwplay serve: %s\n", message.c_str());
    return kExitError;
  };
  proxy::ProxyOptions options;
  options.trace = args.trace;
  options.max_header_bytes = static_cast<size_t>(args.max_header_kb) * 1024;
  auto level = abi::parse_log_level(args.log_level);
  if (!level) {
    std::fprintf(stderr,
                 "pwplay serve: --log-level '%s': expected trace, debug, info, warn, "
                 "error or critical\n",
                 args.log_level.c_str());
    return kExitUsage;
  }
  options.env.log_level = *level;

  ProxyFile file;
  if (!args.proxy_config.empty()) {
    auto loaded = load_proxy_file(args.proxy_config);
    if (!loaded) return fail(loaded.error().message);
    file = std::move(*loaded);
  }

  // Listen address: the flag, else the file, else loopback on 8080.
  std::string listen_text =
      !args.listen.empty() ? args.listen : file.listen.value_or("127.0.0.1:8080");
  auto listen = proxy::parse_listen_address(listen_text, "--listen");
  if (!listen) {
    std::fprintf(stderr, "pwplay serve: %s\n", listen.error().message.c_str());
    return kExitUsage;
  }
  options.listen = *listen;
  if (!proxy::is_loopback_host(options.listen.host)) {
    if (!args.allow_remote) {
      std::fprintf(stderr,
                   "pwplay serve: refusing to listen on %s: it is not a loopback address. Pass "
                   "--allow-remote to expose the playground proxy to other machines.\n",
                   options.listen.host.c_str());
      return kExitUsage;
    }
    options.allow_non_loopback = true;
    std::fprintf(stderr,
                 "pwplay serve: WARNING: listening on %s, reachable from other machines; the "
                 "playground proxy has no authentication and runs untrusted filters.\n",
                 options.listen.host.c_str());
  }

  if (!args.upstream.empty()) {
    auto upstream = proxy::parse_upstream(args.upstream);
    if (!upstream) {
      std::fprintf(stderr, "pwplay serve: %s\n", upstream.error().message.c_str());
      return kExitUsage;
    }
    options.upstream = *upstream;
  } else if (file.upstream) {
    options.upstream = *file.upstream;
  }
  options.upstream.timeout = std::chrono::milliseconds(args.upstream_timeout_ms);

  options.clusters = file.clusters;
  for (const auto& text : args.clusters) {
    auto cluster = proxy::parse_cluster(text);
    if (!cluster) {
      std::fprintf(stderr, "pwplay serve: %s\n", cluster.error().message.c_str());
      return kExitUsage;
    }
    options.clusters[cluster->first] = cluster->second;
  }

  // The chain: the filters named on the command line (each with the run options), then those
  // of the config file; --plugin-config alone names one filter too.
  std::vector<std::string> filters = args.filters;
  if (filters.empty() && !args.plugin_config.empty()) filters.push_back("");
  for (const auto& path : filters) {
    debugger::PluginOptions plugin;
    plugin.wasm_path = path;
    if (!args.engine.empty()) plugin.engine = args.engine;
    if (!args.config.empty()) plugin.configuration = args.config;
    if (!args.config_file.empty()) plugin.configuration_file = args.config_file;
    if (!args.root_id.empty()) plugin.root_id = args.root_id;
    if (!args.vm_id.empty()) plugin.vm_id = args.vm_id;
    if (!args.plugin_config.empty()) plugin.plugin_config_path = args.plugin_config;
    plugin.fail_open = args.fail_open;
    if (args.budget_ms) plugin.runaway_budget_ms = args.budget_ms;
    if (args.max_memory_pages) plugin.max_memory_pages = args.max_memory_pages;
    auto resolved = debugger::resolve_plugin(plugin);
    if (!resolved) return fail(resolved.error().message);
    options.plugins.push_back({std::move(resolved->config), std::move(resolved->wasm)});
  }
  for (auto& spec : file.plugins) options.plugins.push_back(std::move(spec));
  std::vector<std::string> names;
  for (const auto& spec : options.plugins) names.push_back(spec.config.name);

  const abi::LogLevel shown = *level;
  std::mutex print_mutex;
  options.log_handler = [shown, &print_mutex](const host::LogRecord& record) {
    if (record.level < shown) return;
    std::lock_guard<std::mutex> lock(print_mutex);
    std::fprintf(stderr, "[%s] %s: %s\n", record.plugin.c_str(),
                 std::string(abi::log_level_label(record.level)).c_str(), record.message.c_str());
  };
  options.capture_messages = args.trace;

  // SIGINT and SIGTERM are taken by this thread with sigwait; the proxy thread inherits the mask.
  // A shell starts background jobs with SIGINT ignored; an ignored signal is discarded rather
  // than left pending for sigwait, so take the default disposition back first (the signals are
  // blocked right after, so they never act on it).
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  proxy::Proxy server;
  if (!args.quiet) {
    server.subscribe([&print_mutex](const proxy::StreamRecord& record) {
      std::string line;
      if (record.stream_id == 0) {
        line = "- - " + std::to_string(record.status) + " (" + record.error + ")";
      } else {
        line = record.method + " " + record.path + " " +
               (record.status ? std::to_string(record.status) : std::string("-")) + " filters " +
               format_ms(record.filter_ns) + " total " + format_ms(record.duration_ns);
        if (record.reset) line += " reset: " + record.reset_reason;
        if (!record.error.empty()) line += " (" + record.error + ")";
        for (const auto& plugin : record.failed_plugins) line += " [filter failed: " + plugin + "]";
      }
      std::lock_guard<std::mutex> lock(print_mutex);
      std::fprintf(stdout, "%s\n", line.c_str());
      std::fflush(stdout);
    });
  }
  auto started = server.start(std::move(options));
  if (!started) return fail(started.error().message);

  std::string chain = names.empty() ? std::string("no filter") : "";
  for (size_t i = 0; i < names.size(); ++i) chain += (i ? " -> " : "") + names[i];
  std::string upstream_text = args.upstream.empty() ? "echo" : args.upstream;
  if (args.upstream.empty() && file.upstream) {
    upstream_text =
        file.upstream->kind == proxy::UpstreamConfig::Kind::Remote
            ? file.upstream->remote.host + ":" + std::to_string(file.upstream->remote.port)
        : file.upstream->kind == proxy::UpstreamConfig::Kind::Mock ? "mock"
                                                                   : "echo";
  }
  {
    std::lock_guard<std::mutex> lock(print_mutex);
    std::string host =
        listen->host.find(':') != std::string::npos ? "[" + listen->host + "]" : listen->host;
    std::fprintf(stdout, "pwplay serve: listening on http://%s:%u (upstream: %s; filters: %s)\n",
                 host.c_str(), static_cast<unsigned>(server.port()), upstream_text.c_str(),
                 chain.c_str());
    std::fflush(stdout);
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  server.stop();
  proxy::ProxyStats stats = server.stats();
  std::lock_guard<std::mutex> lock(print_mutex);
  const uint64_t answered =
      stats.responses_2xx + stats.responses_3xx + stats.responses_4xx + stats.responses_5xx;
  std::fprintf(stdout,
               "pwplay serve: stopped (%s). %llu requests on %llu connections: %llu 2xx, %llu "
               "3xx, %llu 4xx, %llu 5xx; %llu local replies, %llu resets, %llu client aborts, "
               "%llu upstream failures, %llu bad requests; filters %s in total (%s per "
               "request), %llu VM restarts\n",
               signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
               static_cast<unsigned long long>(stats.requests_total),
               static_cast<unsigned long long>(stats.connections_total),
               static_cast<unsigned long long>(stats.responses_2xx),
               static_cast<unsigned long long>(stats.responses_3xx),
               static_cast<unsigned long long>(stats.responses_4xx),
               static_cast<unsigned long long>(stats.responses_5xx),
               static_cast<unsigned long long>(stats.local_replies),
               static_cast<unsigned long long>(stats.resets),
               static_cast<unsigned long long>(stats.client_aborts),
               static_cast<unsigned long long>(stats.upstream_failures),
               static_cast<unsigned long long>(stats.bad_requests),
               format_ms(stats.filter_ns).c_str(),
               format_ms(stats.requests_total ? stats.filter_ns / stats.requests_total : 0).c_str(),
               static_cast<unsigned long long>(stats.vm_restarts));
  (void)answered;
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand(
      "serve", "Run the embedded HTTP/1.1 proxy with a filter chain until interrupted");
  cmd->add_option("filters", args->filters, "Filter modules (.wasm), in request order");
  cmd->add_option("--engine", args->engine,
                  "Engine: v8 (default), wabt (steps instructions; slow) or native (a .so built "
                  "from the same sources; a crash takes pwplay down)");
  auto* config = cmd->add_option("--config", args->config, "Plugin configuration (a string)");
  cmd->add_option("--config-file", args->config_file, "Plugin configuration read from a file")
      ->excludes(config);
  cmd->add_option("--root-id", args->root_id, "Root id (Envoy root_id)");
  cmd->add_option("--vm-id", args->vm_id, "VM id (Envoy vm_config.vm_id)");
  cmd->add_option(
      "--plugin-config", args->plugin_config,
      "Envoy Wasm filter config (JSON or YAML of envoy.extensions.filters.http.wasm.v3.Wasm)");
  cmd->add_flag("--fail-open", args->fail_open, "Let requests through when a filter fails");
  cmd->add_option("--budget-ms", args->budget_ms, "Runaway budget per callback (default 1000 ms)");
  cmd->add_option("--max-memory-pages", args->max_memory_pages,
                  "Linear memory limit in 64 KiB pages (default 16384 = 1 GiB)");
  cmd->add_option("--listen", args->listen,
                  "Address to listen on, HOST:PORT (default 127.0.0.1:8080; port 0 picks one)");
  cmd->add_flag("--allow-remote", args->allow_remote,
                "Allow --listen on a non-loopback address (prints a warning)");
  cmd->add_option("--upstream", args->upstream,
                  "Where requests go: echo (the embedded echo upstream, default) or HOST:PORT");
  cmd->add_option("--cluster", args->clusters,
                  "A cluster for callouts, NAME=HOST:PORT (repeatable)");
  cmd->add_option(
      "--proxy-config", args->proxy_config,
      "JSON or YAML file with listen, upstream, clusters and filters (Envoy Wasm configs)");
  cmd->add_option("--max-header-kb", args->max_header_kb,
                  "Largest request head accepted, in KiB (default 60; larger gets 431)");
  cmd->add_option("--upstream-timeout-ms", args->upstream_timeout_ms,
                  "Time the upstream has to answer after the request (default 15000; 504 after)");
  cmd->add_flag("--trace", args->trace, "Record trace events for every stream (slower)");
  cmd->add_flag("--quiet", args->quiet, "Do not print a line per request");
  cmd->add_option("--log-level", args->log_level,
                  "Lowest filter log level printed and reported to filters (default info)");
  cmd->callback([args, &exit_code] { exit_code = serve(*args); });
}

}  // namespace pwplay::app
