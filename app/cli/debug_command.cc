// `pwplay debug FILTER.wasm [run's options] [--request REQ.json] [--batch FILE] [--listen ADDR
// | --break-startup]`:
// the debugger in a terminal, with gdb's habits. This file is only the terminal: arguments, line
// reading (a TTY with line editing and history, or a batch file / standard input) and printing;
// every command is a verb of the debugger's table (debugger/commands.h). Output is stable text,
// good for golden tests. With --listen, the proxy runs too and requests from curl or a browser
// stop at the breakpoints.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <editline/readline.h>
#include <nlohmann/json.hpp>

#include "abi/enums.h"
#include "app/cli/commands.h"
#include "app/cli/limit_args.h"
#include "app/cli/plugin_args.h"
#include "debugger/chain_run.h"
#include "debugger/commands.h"
#include "debugger/formats/request_file.h"
#include "debugger/session.h"
#include "host/file_read.h"
#include "host/proxy/proxy.h"
#include "host/trace.h"

namespace pwplay::app {
namespace {

struct DebugArgs {
  std::string wasm;
  std::string request;
  PluginFlags plugin;
  LimitFlags limits;
  std::string batch;
  std::string listen;
  std::string upstream;
  std::vector<std::string> clusters;
  bool break_startup = false;
};

int run_terminal(const DebugArgs& args, debugger::Session& session, debugger::VerbContext& context);
int debug_startup(const DebugArgs& args, const debugger::PluginSpec& options,
                  debugger::Session& session, debugger::VerbContext& context);

// How long the end of a session waits for the streams it releases (docs/debugger.md).
constexpr std::chrono::seconds kEndOfSessionWait{30};

// At the end of a batch (or of the terminal), paused and queued requests run to their end
// without pausing again, so that a client of the proxy gets its real answer, not a cut
// connection.
void run_to_end(debugger::Session& session) {
  if (!session.run_to_end(kEndOfSessionWait))
    std::fprintf(stderr,
                 "pwplay debug: requests were still running %lld s after the end of the session; "
                 "they are cut\n",
                 static_cast<long long>(kEndOfSessionWait.count()));
}

// Runs one line through the debugger's verb table and prints what it answers; false on quit.
// `failed` counts the lines that did nothing (an error, a usage note, an unknown command).
bool execute(debugger::Session& session, debugger::VerbContext& context, const std::string& line,
             int& failed) {
  auto result = debugger::run_line(session, context, line);
  if (result) {
    std::fputs(result->c_str(), stdout);
  } else {
    std::printf("%s\n", debugger::failure_text(result.error()).c_str());
    ++failed;
  }
  return !context.quit;
}

int run_debugger(const DebugArgs& args) {
  if (args.wasm.empty() && !args.plugin.names_config_file()) {
    std::fprintf(stderr,
                 "pwplay debug: no filter: name the filter module (FILTER.wasm), or give a "
                 "config that names it (--plugin-config, --envoy-config)\n");
    return kExitUsage;
  }
  auto chain = args.plugin.chain(args.wasm, "pwplay debug");
  if (chain && chain->plugins.size() != 1)
    chain =
        make_error("the debugger runs one filter, and the config holds " +
                   std::to_string(chain->plugins.size()) + ": give a config with one Wasm filter");
  if (!chain) {
    print_failure("debug", chain.error().message);
    return kExitError;
  }
  debugger::PluginSpec& options = chain->plugins.front();
  // A bootstrap's route and cluster, as the filter reads them, unless --property set them.
  debugger::add_site_defaults({chain->route_name, chain->cluster_name}, options);

  auto limits = args.limits.settings();
  if (!limits) {
    print_failure("debug", limits.error().message);
    return kExitUsage;
  }
  debugger::SessionOptions session_options;
  session_options.trace_budget_bytes =
      limits->trace_budget_bytes(session_options.trace_budget_bytes);
  session_options.shared_limits = limits->shared_limits();
  session_options.header_limits = limits->header_limits();
  debugger::Session session(std::move(session_options));
  debugger::VerbContext context;
  if (args.break_startup) return debug_startup(args, options, session, context);
  auto loaded = session.load(options);
  if (!loaded) {
    print_failure("debug", loaded.error().message);
    // What the plugin said while starting is usually why it refused to.
    const auto failed = session.plugin_info();
    if (!failed.startup_logs.empty()) std::fprintf(stderr, "\nthe plugin's logs:\n");
    for (const auto& log : failed.startup_logs)
      std::fprintf(stderr, "  [%s] %s\n", std::string(abi::log_level_label(log.level)).c_str(),
                   host::printable_text(log.message).c_str());
    return kExitError;
  }
  auto info = session.plugin_info();
  std::printf("Loaded %s: ABI %s on %s %s\n", info.wasm_path.c_str(), info.abi_version.c_str(),
              info.engine.c_str(), info.engine_version.c_str());
  if (!args.listen.empty()) {
    host::proxy::ProxyOptions proxy_options;
    auto listen = host::proxy::parse_listen_address(args.listen, "--listen");
    if (!listen) {
      print_failure("debug", listen.error().message);
      return kExitUsage;
    }
    proxy_options.listen = *listen;
    if (!args.upstream.empty()) {
      auto upstream = host::proxy::parse_upstream(args.upstream);
      if (!upstream) {
        print_failure("debug", upstream.error().message);
        return kExitUsage;
      }
      proxy_options.upstream = *upstream;
    }
    proxy_options.clusters = chain->clusters;  // a bootstrap's loopback clusters
    for (const auto& text : args.clusters) {
      auto cluster = host::proxy::parse_cluster(text);
      if (!cluster) {
        print_failure("debug", cluster.error().message);
        return kExitUsage;
      }
      proxy_options.clusters[cluster->first] = cluster->second;
    }
    auto port = session.start_proxy(std::move(proxy_options));
    if (!port) {
      print_failure("debug", port.error().message);
      return kExitError;
    }
    std::printf("Proxy listening on %s:%u (upstream %s); 'wait' stops at its requests\n",
                listen->host.c_str(), *port,
                args.upstream.empty() ? "echo" : args.upstream.c_str());
  }
  std::fflush(stdout);
  return run_terminal(args, session, context);
}

// --break-startup: breakpoints in proxy_on_vm_start and proxy_on_configure, then the first load
// in the background so that they stop it; the terminal starts at the first pause.
int debug_startup(const DebugArgs& args, const debugger::PluginSpec& options,
                  debugger::Session& session, debugger::VerbContext& context) {
  int failed = 0;
  for (const char* callback : {"proxy_on_vm_start", "proxy_on_configure"})
    execute(session, context, std::string("break ") + callback, failed);
  if (failed > 0) return kExitError;
  // `continue` then reports how the load ended, as after a `reload`.
  context.reload_from_build = session.plugin_info().build;
  session.load_in_background(options);
  if (session.wait() == debugger::Session::State::Paused) {
    if (auto pause = session.pause()) std::fputs(debugger::describe_pause(*pause).c_str(), stdout);
  } else {
    context.reload_from_build.reset();
    const auto info = session.plugin_info();
    if (!info.loaded) {
      print_failure("debug", info.error);
      return kExitError;
    }
    std::printf(
        "Loaded %s: ABI %s on %s %s (start-up did not stop: the module exports neither "
        "proxy_on_vm_start nor proxy_on_configure)\n",
        info.wasm_path.c_str(), info.abi_version.c_str(), info.engine.c_str(),
        info.engine_version.c_str());
  }
  std::fflush(stdout);
  return run_terminal(args, session, context);
}

// The command loop: a terminal with line editing, or a batch file / standard input.
int run_terminal(const DebugArgs& args, debugger::Session& session,
                 debugger::VerbContext& context) {
  context.default_request = [path = args.request]() -> Result<debugger::NamedRequest> {
    if (path.empty())
      return make_error("send needs a request file (or start with --request REQ.json)");
    auto request = debugger::load_request_file(path);
    if (!request) return unexpected(request.error());
    return debugger::NamedRequest{.name = path, .request = std::move(*request)};
  };

  const bool interactive = args.batch.empty() && isatty(0);
  int failed = 0;
  if (interactive) {
    using_history();
    for (;;) {
      char* raw = readline("(pwplay) ");
      if (!raw) break;
      std::string line(raw);
      std::free(raw);  // allocated by readline
      if (!line.empty()) add_history(line.c_str());
      if (!execute(session, context, line, failed)) break;
      std::fflush(stdout);
    }
  } else {
    // A batch file is read whole, with the limits every input file has (a FIFO or /dev/zero
    // is refused, not read forever); standard input is read line by line as it comes.
    std::istringstream file;
    std::istream* in = &std::cin;
    if (!args.batch.empty()) {
      auto text = host::read_user_file(args.batch, "batch file", host::kMaxInputFileBytes);
      if (!text) {
        print_failure("debug", text.error().message);
        return kExitError;
      }
      file.str(std::move(*text));
      in = &file;
    }
    std::string line;
    while (std::getline(*in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::printf("(pwplay) %s\n", host::printable_text(line).c_str());
      bool go_on = execute(session, context, line, failed);
      std::fflush(stdout);
      if (!go_on) break;
    }
  }
  run_to_end(session);
  // A batch is a script: one command that did nothing fails it, as a failing step fails a
  // script (the transcript says which). At a terminal the user saw each answer.
  if (!interactive && failed > 0) {
    std::fprintf(stderr, "pwplay debug: %d command%s failed\n", failed, failed == 1 ? "" : "s");
    return kExitError;
  }
  return kExitOk;
}

}  // namespace

void add_debug_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DebugArgs>();
  CLI::App* cmd =
      app.add_subcommand("debug", "Debug a filter in the terminal (gdb-style commands)");
  cmd->add_option("filter", args->wasm,
                  "The filter module (.wasm); optional when --plugin-config or --envoy-config "
                  "names it");
  cmd->add_option("--request", args->request, "Default request for 'send' (REQ.json)");
  cmd->add_option("--batch", args->batch, "Read commands from this file instead of the terminal");
  add_plugin_options(cmd, args->plugin, MaxMemoryPagesOption::Omit);
  args->plugin.offer_warmup(cmd);
  add_limit_options(cmd, args->limits, SessionLimitOptions::Offer);
  add_envoy_config_option(cmd, args->plugin);
  auto* listen = cmd->add_option("--listen", args->listen,
                                 "Also run the proxy on this loopback address (PORT or HOST:PORT)");
  cmd->add_option("--upstream", args->upstream,
                  "The proxy's upstream: echo (default) or HOST:PORT");
  cmd->add_option("--cluster", args->clusters, "A callout cluster NAME=HOST:PORT (repeatable)");
  cmd->add_flag("--break-startup", args->break_startup,
                "Stop in proxy_on_vm_start and proxy_on_configure on the first load (breakpoints "
                "1 and 2), before any request")
      ->excludes(listen);
  cmd->callback([args, &exit_code] { exit_code = run_debugger(*args); });
}

}  // namespace pwplay::app
