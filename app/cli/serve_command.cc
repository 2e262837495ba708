// `pwplay serve [FILTER.wasm...] [run options] [--listen 127.0.0.1:PORT]
// [--upstream echo|HOST:PORT] [--cluster NAME=HOST:PORT]... [--proxy-config FILE]`: runs the
// embedded proxy headless until SIGINT or SIGTERM, prints one line per request (method, path,
// status, time in the filters) and a summary at the end.
#include <signal.h>

#include <cstdio>
#include <ctime>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "abi/enums.h"
#include "app/cli/commands.h"
#include "app/cli/limit_args.h"
#include "app/cli/plugin_args.h"
#include "app/cli/serve_stats.h"
#include "debugger/chain_run.h"
#include "debugger/formats/proxy_config_file.h"
#include "debugger/plugin_spec.h"
#include "host/proxy/proxy.h"
#include "host/trace.h"

namespace pwplay::app {
namespace {

namespace proxy = host::proxy;

struct ServeArgs {
  std::vector<std::string> filters;
  PluginFlags plugin;
  LimitFlags host_limits;  // the filters' limits: flags over the file's
  std::string listen;
  bool allow_remote = false;
  std::string upstream;
  std::vector<std::string> clusters;
  std::string proxy_config;
  // Limits: the flag, else the --proxy-config file's "limits", else the proxy's default.
  std::optional<uint64_t> max_header_kb;
  std::optional<uint64_t> max_headers;
  std::optional<uint64_t> max_body_kb;
  std::optional<uint64_t> idle_timeout_ms;
  std::optional<uint64_t> headers_timeout_ms;
  uint32_t upstream_timeout_ms = 15000;
  bool trace = false;
  bool quiet = false;
  double stats_every = 0;  // seconds; 0: no periodic stats
  std::string stats_json;
  std::string log_level = "info";
};

std::string format_ms(uint64_t ns) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f ms", static_cast<double>(ns) / 1e6);
  return text;
}

// "2026-12-06T13:00:00Z".
std::string utc_now() {
  char text[32];
  std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

int serve(const ServeArgs& args) {
  auto fail = [](const std::string& message) {
    print_failure("serve", message);
    return kExitError;
  };
  // --stats-json alone reports every 10 s.
  const double stats_every = args.stats_every > 0      ? args.stats_every
                             : args.stats_json.empty() ? 0.0
                                                       : 10.0;
  if (args.stats_every < 0 || (args.stats_every > 0 && args.stats_every < 0.1)) {
    std::fprintf(stderr, "pwplay serve: --stats-every %g: expected at least 0.1 seconds\n",
                 args.stats_every);
    return kExitUsage;
  }
  std::optional<StatsJsonFile> stats_file;
  if (!args.stats_json.empty()) {
    auto opened = StatsJsonFile::open(args.stats_json);
    if (!opened) return fail(opened.error().message);
    stats_file = std::move(*opened);
  }
  proxy::ProxyOptions options;
  options.trace = args.trace;
  auto level = abi::parse_log_level(args.log_level);
  if (!level) {
    std::fprintf(stderr,
                 "pwplay serve: --log-level '%s': expected trace, debug, info, warn, "
                 "error or critical\n",
                 args.log_level.c_str());
    return kExitUsage;
  }
  options.env.log_level = *level;

  debugger::ProxyConfigFile file;
  if (!args.proxy_config.empty()) {
    auto loaded = debugger::load_proxy_config_file(args.proxy_config);
    if (!loaded) return fail(loaded.error().message);
    file = std::move(*loaded);
    for (const auto& warning : file.warnings)
      std::fprintf(stderr, "pwplay serve: warning: %s\n", host::printable_text(warning).c_str());
  }

  const debugger::ProxyLimits& limits = file.limits;
  auto pick = [](const std::optional<uint64_t>& flag, const std::optional<uint64_t>& field) {
    return flag ? flag : field;
  };
  if (auto kb = pick(args.max_header_kb, limits.max_header_kb))
    options.max_header_bytes = static_cast<size_t>(*kb) * 1024;
  if (auto count = pick(args.max_headers, limits.max_headers))
    options.max_headers = static_cast<size_t>(*count);
  if (auto kb = pick(args.max_body_kb, limits.max_body_kb))
    options.max_buffered_body_bytes = static_cast<size_t>(*kb) * 1024;
  if (auto ms = pick(args.idle_timeout_ms, limits.idle_timeout_ms))
    options.idle_timeout = std::chrono::milliseconds(*ms);
  if (auto ms = pick(args.headers_timeout_ms, limits.headers_timeout_ms))
    options.request_headers_timeout = std::chrono::milliseconds(*ms);
  auto host_limits = args.host_limits.settings();
  if (!host_limits) {
    print_failure("serve", host_limits.error().message);
    return kExitUsage;
  }
  // --max-body-kb (serve's older spelling, in KiB) sets the filters' buffer limit too, unless
  // --max-buffered-body-bytes says otherwise.
  debugger::LimitSettings file_limits = limits.host;
  if (auto kb = pick(args.max_body_kb, limits.max_body_kb))
    file_limits.max_buffered_body_bytes = *kb * 1024;
  host_limits->over(file_limits).apply_to(options.env);
  if (options.max_header_bytes == 0) {
    std::fprintf(stderr, "pwplay serve: --max-header-kb must be at least 1\n");
    return kExitUsage;
  }

  // An Envoy bootstrap (--envoy-config, or --plugin-config with WasmPlugins) names the chain,
  // and may name the listener's port, the route's cluster (the upstream) and the clusters.
  std::optional<PluginChain> config_chain;
  if (args.plugin.names_envoy_config() && args.filters.size() > 1)
    return fail(
        "--envoy-config names the chain: give at most one FILTER (it replaces the module "
        "of a one-filter config)");
  if (args.plugin.names_config_file() && args.filters.size() <= 1) {
    auto chain =
        args.plugin.chain(args.filters.empty() ? "" : args.filters.front(), "pwplay serve");
    if (!chain) return fail(chain.error().message);
    config_chain = std::move(*chain);
  }
  std::string default_listen = "127.0.0.1:8080";
  if (config_chain && config_chain->listen)  // the listener's port, on loopback
    default_listen = "127.0.0.1:" + std::to_string(config_chain->listen->port);

  // Listen address: the flag, else the file, else loopback on 8080.
  std::string listen_text =
      !args.listen.empty() ? args.listen : file.listen.value_or(default_listen);
  auto listen = proxy::parse_listen_address(listen_text, "--listen");
  if (!listen) {
    print_failure("serve", listen.error().message);
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
      print_failure("serve", upstream.error().message);
      return kExitUsage;
    }
    options.upstream = *upstream;
  } else if (file.upstream) {
    options.upstream = *file.upstream;
  } else if (config_chain && !config_chain->cluster_name.empty()) {
    auto cluster = config_chain->clusters.find(config_chain->cluster_name);
    if (cluster != config_chain->clusters.end()) {
      options.upstream.kind = proxy::UpstreamConfig::Kind::Remote;
      options.upstream.remote = cluster->second;
    } else {
      std::fprintf(stderr,
                   "pwplay serve: the route's cluster '%s' has no loopback address: requests go "
                   "to the echo upstream\n",
                   host::printable_text(config_chain->cluster_name).c_str());
    }
  }
  if (config_chain)
    debugger::add_site_properties({config_chain->route_name, config_chain->cluster_name},
                                  options.env.properties);
  options.upstream.timeout = std::chrono::milliseconds(args.upstream_timeout_ms);

  if (config_chain) options.clusters = config_chain->clusters;
  for (const auto& [name, address] : file.clusters) options.clusters[name] = address;
  if (file.cluster_name) options.env.proxy_setup.cluster_name = *file.cluster_name;
  if (file.route_name) options.env.proxy_setup.route_name = *file.route_name;
  for (const auto& text : args.clusters) {
    auto cluster = proxy::parse_cluster(text);
    if (!cluster) {
      print_failure("serve", cluster.error().message);
      return kExitUsage;
    }
    options.clusters[cluster->first] = cluster->second;
  }

  // The chain: the filters named on the command line (each with the run options), then those
  // of the config file; --plugin-config alone names one filter too.
  std::vector<debugger::PluginSpec> specs;
  std::vector<std::string> filters = args.filters;
  if (config_chain) {
    specs = std::move(config_chain->plugins);
    filters.clear();
  }
  for (const auto& path : filters) {
    auto spec = args.plugin.spec(path);
    if (!spec) return fail(spec.error().message);
    specs.push_back(std::move(*spec));
  }
  for (auto& spec : file.plugins) specs.push_back(std::move(spec));
  for (const auto& spec : specs) {
    auto loaded = debugger::resolve_plugin(spec);
    if (!loaded) return fail(loaded.error().message);
    options.plugins.push_back(std::move(*loaded));
  }
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
  // The first interval starts before anyone can connect (the address is printed below).
  std::optional<ServeReading> before;
  if (stats_every > 0) before = take_serve_reading(server);
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
  if (stats_every > 0) {
    if (!before) before = take_serve_reading(server);
    // Wake every interval to report; a stop signal ends the wait at once.
    const auto interval_ns = static_cast<long long>(stats_every * 1e9);
    const timespec timeout{static_cast<time_t>(interval_ns / 1'000'000'000),
                           static_cast<long>(interval_ns % 1'000'000'000)};
    while (signal_number == 0) {
      int got = sigtimedwait(&stop_signals, nullptr, &timeout);
      if (got > 0) {
        signal_number = got;
        break;
      }
      std::optional<ServeReading> now = take_serve_reading(server);
      if (!now || !before) break;
      if (args.stats_every > 0) {
        std::lock_guard<std::mutex> lock(print_mutex);
        std::fprintf(stdout, "%s\n", serve_stats_line(*now, *before).c_str());
        std::fflush(stdout);
      }
      if (stats_file) {
        if (auto written = stats_file->append(serve_stats_json(*now, *before, utc_now()));
            !written) {
          print_failure("serve", written.error().message);
          stats_file.reset();
        }
      }
      before = std::move(now);
    }
  }
  if (signal_number == 0) sigwait(&stop_signals, &signal_number);
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
  add_plugin_options(cmd, args->plugin);
  add_limit_options(cmd, args->host_limits);
  add_envoy_config_option(cmd, args->plugin);
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
  cmd->add_option("--max-headers", args->max_headers,
                  "Most header fields in a request head (default 100; more gets 431; 0: no limit)");
  cmd->add_option("--max-body-kb", args->max_body_kb,
                  "Body bytes a filter may hold, in KiB (default 1024, as Envoy; past it a request "
                  "gets 413, a response 500); also what the echo upstream keeps");
  cmd->add_option("--idle-timeout-ms", args->idle_timeout_ms,
                  "Close a connection idle between requests after this long (default 300000; 0: "
                  "never)");
  cmd->add_option("--headers-timeout-ms", args->headers_timeout_ms,
                  "Time a request head has to arrive whole after its first byte (default 30000; "
                  "408 and close after; 0: no limit)");
  cmd->add_option("--upstream-timeout-ms", args->upstream_timeout_ms,
                  "Time the upstream has to answer after the request (default 15000; 504 after)");
  cmd->add_flag("--trace", args->trace, "Record trace events for every stream (slower)");
  cmd->add_flag("--quiet", args->quiet, "Do not print a line per request");
  cmd->add_option("--stats-every", args->stats_every,
                  "Print a performance line every SECONDS: requests/s, each filter's p50/p99, "
                  "host calls, bytes copied per request, memory");
  cmd->add_option("--stats-json", args->stats_json,
                  "Append one JSON object of performance figures per interval to FILE (every "
                  "--stats-every seconds, else every 10 s)");
  cmd->add_option("--log-level", args->log_level,
                  "Lowest filter log level printed and reported to filters (default info)");
  cmd->callback([args, &exit_code] { exit_code = serve(*args); });
}

}  // namespace pwplay::app
