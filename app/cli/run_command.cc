// `pwplay run FILTER.wasm (--request REQ.json | --curl 'curl ...' | --har FILE [--entry N])
// [run options] [--json] [--export-curl] [--export-har FILE]`: requests through the filter and
// the embedded upstream, in process; prints what reached the upstream and the client.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "abi/enums.h"
#include "app/cli/commands.h"
#include "app/cli/limit_args.h"
#include "app/cli/plugin_args.h"
#include "debugger/chain_run.h"
#include "debugger/formats/atomic_file.h"
#include "debugger/formats/chrome_trace.h"
#include "debugger/formats/curl.h"
#include "debugger/formats/har.h"
#include "debugger/formats/outcome.h"
#include "debugger/formats/report_json.h"
#include "debugger/formats/request_file.h"
#include "debugger/runner.h"
#include "host/trace.h"

namespace pwplay::app {
namespace {

struct RunArgs {
  std::string wasm;
  std::string request;
  std::string curl;
  std::string har;
  int64_t entry = 0;
  CLI::Option* entry_option = nullptr;
  PluginFlags plugin;
  LimitFlags limits;
  bool json = false;
  bool no_trace = false;
  std::vector<std::string> engine_flags;
  bool export_curl = false;
  std::string export_har;
  std::string trace_out;  // Chrome trace event format (Perfetto)
};

// One request to run: from --request or --curl (entry 0), or one entry of a HAR.
struct Job {
  debugger::RequestFile request;
  size_t entry = 0;  // 1-based HAR entry number; 0 when the request is not from a HAR
  std::string name;
};

void print_headers(const abi::HeaderPairs& headers) {
  for (const auto& [name, value] : headers)
    std::printf("    %s: %s\n", text(name).c_str(), text(value).c_str());
}

void print_body(const std::string& body) {
  if (body.empty()) return;
  if (debugger::is_valid_utf8(body)) {
    std::printf("    \n");
    std::string line;
    for (char c : body) {
      if (c == '\n') {
        std::printf("    %s\n", text(line).c_str());
        line.clear();
      } else {
        line.push_back(c);
      }
    }
    if (!line.empty()) std::printf("    %s\n", text(line).c_str());
  } else {
    std::printf("    (%zu bytes of binary body)\n", body.size());
  }
}

// Host calls whose arguments look wrong (a null or misplaced out-pointer), with why.
void print_suspicious_arguments(const std::vector<host::TraceEvent>& trace) {
  bool first = true;
  host::EventLineOptions options;
  options.value_limit = 80;
  for (const auto& event : trace) {
    if (event.warnings.empty()) continue;
    if (first) std::printf("\nsuspicious arguments:\n");
    first = false;
    std::printf("  %s\n", host::event_line(event, options).c_str());
    for (const auto& warning : event.warnings) std::printf("    ! %s\n", text(warning).c_str());
  }
}

void print_summary(const debugger::RunResult& result) {
  std::printf("%s: ABI %s on %s %s\n", text(result.plugin_name).c_str(), result.abi_version.c_str(),
              result.engine.c_str(), result.engine_version.c_str());
  if (result.warmup.limit_reached)
    std::printf(
        "\n!! start-up work unfinished after the warm-up (%.0f ms, --warmup-ms): %zu "
        "callout(s) unanswered; the request ran without their answers\n",
        static_cast<double>(result.warmup.virtual_ns) / 1e6, result.warmup.pending_callouts);
  else if (result.warmup.virtual_ns > 0)
    std::printf(
        "start-up work (callouts, first ticks) took %.0f ms of simulated time before the "
        "request\n",
        static_cast<double>(result.warmup.virtual_ns) / 1e6);
  const auto& report = result.report;
  if (report.upstream_request) {
    std::printf("\n-> upstream received: %s %s\n", text(report.upstream_request->method).c_str(),
                text(report.upstream_request->path).c_str());
    print_headers(report.upstream_request->headers);
    print_body(report.upstream_request->body);
  } else if (report.local_response) {
    std::printf("\n-> upstream received nothing (the filter answered locally)\n");
  } else {
    std::printf("\n-> upstream received nothing\n");
  }
  for (const auto& refused : report.refused_local_replies)
    std::printf("\n!! the filter's local response failed (not sent): %s\n",
                host::printable(refused, 512).c_str());
  if (report.response) {
    std::printf("\n<- client received: %u%s\n", report.response->status,
                report.local_response ? " (local response)" : "");
    print_headers(report.response->headers);
    print_body(report.response->body);
  } else if (report.reset) {
    std::printf("\n<- stream reset: %s\n", text(report.reset_reason).c_str());
  }
  if (!result.logs.empty()) {
    std::printf("\nlogs:\n");
    for (const auto& log : result.logs)
      std::printf("  [%s] %s\n", std::string(abi::log_level_label(log.level)).c_str(),
                  text(log.message).c_str());
  }
  if (result.failure)
    std::printf("\nfilter failure:\n  %s\n", text(result.failure->message).c_str());
  if (report.stalled) std::printf("\nincomplete: %s\n", text(report.stall_reason).c_str());
  print_suspicious_arguments(result.trace);
  std::printf(
      "\n%llu callbacks, %llu host calls, %llu copies (%llu bytes to the VM, %llu to the "
      "host), %.3f ms in the filter\n",
      static_cast<unsigned long long>(result.stats.callbacks),
      static_cast<unsigned long long>(result.stats.host_calls),
      static_cast<unsigned long long>(result.stats.copies),
      static_cast<unsigned long long>(result.stats.bytes_to_vm),
      static_cast<unsigned long long>(result.stats.bytes_to_host),
      static_cast<double>(result.stats.filter_ns) / 1e6);
}

// How many of the last host calls a failed start-up shows.
constexpr size_t kLastHostCalls = 10;

// A failed start-up on standard error: the host's message, then what the plugin said and the
// host calls it made last, which usually tell why.
int report_startup_failure(const debugger::RunResult& result, bool traced) {
  const debugger::StartupResult& startup = result.startup;
  report_failure("run", kExitError, startup.error);
  // A module refused before any of it ran (no ABI marker, invalid wasm): its one line says it all.
  if (startup.trace.empty() && startup.logs.empty() &&
      (startup.phase.empty() || startup.phase == "load"))
    return kExitError;
  if (!startup.phase.empty())
    std::fprintf(stderr, "start-up failed in %s\n", text(startup.phase).c_str());
  if (!startup.logs.empty()) {
    std::fprintf(stderr, "\nthe plugin's logs:\n");
    for (const auto& log : startup.logs)
      std::fprintf(stderr, "  [%s] %s\n", std::string(abi::log_level_label(log.level)).c_str(),
                   text(log.message).c_str());
  }
  std::vector<const host::TraceEvent*> calls;
  for (const auto& event : startup.trace)
    if (event.kind == host::EventKind::HostCall) calls.push_back(&event);
  if (!calls.empty()) {
    const size_t first = calls.size() > kLastHostCalls ? calls.size() - kLastHostCalls : 0;
    std::fprintf(stderr, "\nthe last host calls before the failure:\n");
    host::EventLineOptions options;
    options.value_limit = 120;
    for (size_t i = first; i < calls.size(); ++i)
      std::fprintf(stderr, "  %s\n", host::event_line(*calls[i], options).c_str());
  }
  if (!traced)
    std::fprintf(stderr,
                 "\n(no trace was recorded: run without --no-trace to see the host calls)\n");
  return kExitError;
}

// The requests the command line names. Errors name the file (or --curl) and what was expected.
Result<std::vector<Job>> load_jobs(const RunArgs& args) {
  std::vector<Job> jobs;
  if (!args.request.empty()) {
    auto request = debugger::load_request_file(args.request);
    if (!request) return unexpected(request.error());
    jobs.push_back({std::move(*request), 0, ""});
  } else if (!args.curl.empty()) {
    auto request = debugger::parse_curl(args.curl);
    if (!request) return make_error("--curl: " + request.error().message);
    jobs.push_back({std::move(*request), 0, ""});
  } else {
    auto har = debugger::load_har_file(args.har);
    if (!har) return unexpected(har.error());
    std::optional<int64_t> number;
    if (args.entry_option->count() > 0) number = args.entry;
    auto selected = debugger::select_har_entries(*har, number, args.har);
    if (!selected) return unexpected(selected.error());
    // Entries left out of a whole-file run are named, so nothing is dropped silently.
    if (!number)
      for (const auto& reason : har->skipped) print_failure("run", args.har + ": " + reason);
    for (auto& named : *selected)
      jobs.push_back({std::move(named.request), named.entry, std::move(named.name)});
  }
  return jobs;
}

void print_curl(const std::vector<Job>& jobs) {
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& job = jobs[i];
    // A shell comment names the HAR entry, so the output stays a runnable script.
    if (job.entry)
      std::printf("%s# entry %zu: %s\n", i ? "\n" : "", job.entry, text(job.name).c_str());
    std::printf("%s\n", debugger::to_curl(job.request.request).c_str());
  }
}

struct Ran {
  const Job* job = nullptr;
  debugger::RunResult result;
  std::string started;  // ISO 8601, for --export-har
};

// The runs' traces as one Chrome trace (--trace-out): each run's clock starts at 0, so a later
// run is shifted to start after the one before it.
Result<void> write_trace_out(const std::string& path, const std::vector<Ran>& runs) {
  std::vector<host::TraceEvent> all;
  uint64_t offset = 0;
  for (const auto& ran : runs) {
    uint64_t end = 0;
    for (host::TraceEvent event : ran.result.trace) {
      end = std::max(end, event.start_ns + event.duration_ns);
      event.start_ns += offset;
      all.push_back(std::move(event));
    }
    offset += end + 1000;
  }
  return debugger::write_chrome_trace(path, all);
}

void print_json(const std::vector<Ran>& runs, bool from_har) {
  auto dump = [](const nlohmann::json& value) {
    std::cout << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  };
  if (!from_har) {
    dump(debugger::run_result_to_json(runs.front().result));
    return;
  }
  // A HAR gives an array, one object per entry run (also for --entry), with its number and name.
  nlohmann::json list = nlohmann::json::array();
  for (const auto& ran : runs) {
    nlohmann::json object = debugger::run_result_to_json(ran.result);
    object["entry"] = ran.job->entry;
    object["name"] = ran.job->name;
    list.push_back(std::move(object));
  }
  dump(list);
}

Result<void> write_har(const std::string& path, const std::vector<Ran>& runs) {
  std::vector<debugger::HarExportEntry> entries;
  for (const auto& ran : runs)
    entries.push_back({ran.job->request, debugger::outcome_from_run(ran.result), ran.started});
  std::string text =
      debugger::export_har(entries).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
      "\n";
  return debugger::write_file_atomically(path, text);
}

// One plugin with no route runs as it always has; a config's chain, or its route and cluster,
// runs through the chain runner.
Result<debugger::RunResult> run_plugins(const PluginChain& chain,
                                        const debugger::RequestFile& request, bool trace,
                                        const debugger::LimitSettings& limits) {
  if (chain.plugins.size() == 1 && chain.route_name.empty() && chain.cluster_name.empty())
    return debugger::run_once_reporting_startup(chain.plugins.front(), request, trace, limits);
  return debugger::run_chain(chain.plugins, request, {chain.route_name, chain.cluster_name}, trace,
                             limits);
}

int run(const RunArgs& args) {
  const int sources = !args.request.empty() + !args.curl.empty() + !args.har.empty();
  if (sources == 0)
    return report_failure(
        "run", kExitUsage,
        "no request: give one of --request REQ.json, --curl 'curl ...' or --har FILE");
  if (args.wasm.empty() && !args.export_curl && !args.plugin.names_config_file())
    return report_failure(
        "run", kExitUsage,
        "no filter: name the filter module (FILTER.wasm) to run, or give a config that "
        "names it (--plugin-config, --envoy-config)");

  auto limits = args.limits.settings();
  if (!limits) return report_failure("run", kExitUsage, limits.error().message);
  if (!args.trace_out.empty() && args.no_trace)
    return report_failure("run", kExitUsage,
                          "--trace-out writes the trace, which --no-trace turns off: give one");

  auto jobs = load_jobs(args);
  if (!jobs) return report_failure("run", kExitError, jobs.error().message);
  if (args.export_curl) {
    print_curl(*jobs);
    return kExitOk;
  }

  auto chain = args.plugin.chain(args.wasm, "pwplay run");
  if (!chain) return report_failure("run", kExitError, chain.error().message);
  for (auto& spec : chain->plugins)
    for (const auto& flag : args.engine_flags) spec.engine_flags.push_back(flag);

  std::vector<Ran> runs;
  for (const Job& job : *jobs) {
    std::string started = debugger::iso8601(std::chrono::system_clock::now());
    auto result = run_plugins(*chain, job.request, !args.no_trace, *limits);
    if (!result) return report_failure("run", kExitError, result.error().message);
    // A failed start-up is the answer for every request: it is reported once, as a result.
    if (!result->startup.ok) {
      if (!args.trace_out.empty()) {
        // The start-up's trace is the part worth seeing.
        if (auto written = debugger::write_chrome_trace(args.trace_out, result->trace); !written)
          return report_failure("run", kExitError,
                                "cannot write the trace: " + written.error().message);
      }
      if (args.json)
        std::cout << debugger::run_result_to_json(*result).dump(
                         2, ' ', false, nlohmann::json::error_handler_t::replace)
                  << "\n";
      return report_startup_failure(*result, !args.no_trace);
    }
    runs.push_back({&job, std::move(*result), std::move(started)});
  }

  const bool from_har = !args.har.empty();
  if (args.json) {
    print_json(runs, from_har);
  } else {
    for (size_t i = 0; i < runs.size(); ++i) {
      if (from_har)
        std::printf("%s=== entry %zu: %s ===\n\n", i ? "\n" : "", runs[i].job->entry,
                    text(runs[i].job->name).c_str());
      print_summary(runs[i].result);
    }
  }
  if (!args.trace_out.empty()) {
    if (auto written = write_trace_out(args.trace_out, runs); !written)
      return report_failure("run", kExitError,
                            "cannot write the trace: " + written.error().message);
  }
  if (!args.export_har.empty()) {
    auto written = write_har(args.export_har, runs);
    if (!written)
      return report_failure("run", kExitError,
                            "cannot write the HAR file: " + written.error().message);
  }
  for (const auto& ran : runs)
    if (ran.result.report.stalled) return kExitIncomplete;
  return kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run HTTP requests through a filter, in process");
  cmd->add_option("filter", args->wasm,
                  "The filter module (.wasm); optional with --export-curl, or when --plugin-config "
                  "or --envoy-config names the modules");
  auto* request = cmd->add_option("--request", args->request, "The request (REQ.json)");
  auto* curl = cmd->add_option("--curl", args->curl,
                               "The request as a curl command line (one argument, quoted)")
                   ->excludes(request);
  auto* har = cmd->add_option("--har", args->har,
                              "Run every entry of a HAR file (browsers' devtools export), each "
                              "with its recorded response as the upstream's answer")
                  ->excludes(request)
                  ->excludes(curl);
  args->entry_option =
      cmd->add_option("--entry", args->entry,
                      "Only this entry of the --har file, numbered from 1 as in browsers' lists")
          ->needs(har);
  add_plugin_options(cmd, args->plugin);
  args->plugin.offer_warmup(cmd);
  add_limit_options(cmd, args->limits);
  add_envoy_config_option(cmd, args->plugin);
  cmd->add_flag("--json", args->json,
                "Print one JSON object (with --har, an array: one object per entry)");
  cmd->add_flag("--no-trace", args->no_trace, "Do not record the trace");
  cmd->add_option("--trace-out", args->trace_out,
                  "Also write the trace to this file in Chrome's trace event format (open it in "
                  "ui.perfetto.dev or chrome://tracing)");
  cmd->add_option("--engine-flag", args->engine_flags,
                  "An engine flag (repeatable), e.g. --engine-flag=--liftoff-only or "
                  "--engine-flag=--no-liftoff for V8")
      ->allow_extra_args(false);
  auto* export_curl = cmd->add_flag(
      "--export-curl", args->export_curl,
      "Print the request(s) as curl command lines to http://127.0.0.1:8080 instead of running "
      "them");
  cmd->add_option("--export-har", args->export_har,
                  "Also write the run(s) as a HAR file: each request, the response the client "
                  "received and the time in the filter")
      ->excludes(export_curl);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace pwplay::app
