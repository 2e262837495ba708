// `pwplay run FILTER.wasm --request REQ.json [...] [--json]`: one request through the filter and
// the embedded upstream, in process; prints what reached the upstream and the client.
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "abi/enums.h"
#include "app/cli/commands.h"
#include "app/cli/plugin_args.h"
#include "debugger/formats/report_json.h"
#include "debugger/formats/request_file.h"
#include "debugger/runner.h"

namespace pwplay::app {
namespace {

struct RunArgs {
  std::string wasm;
  std::string request;
  PluginArgs plugin;
  bool json = false;
  bool no_trace = false;
  std::vector<std::string> engine_flags;
};

void print_headers(const abi::HeaderPairs& headers) {
  for (const auto& [name, value] : headers)
    std::printf("    %s: %s\n", name.c_str(), value.c_str());
}

void print_body(const std::string& body) {
  if (body.empty()) return;
  if (debugger::is_valid_utf8(body)) {
    std::printf("    \n");
    std::string line;
    for (char c : body) {
      if (c == '\n') {
        std::printf("    %s\n", line.c_str());
        line.clear();
      } else {
        line.push_back(c);
      }
    }
    if (!line.empty()) std::printf("    %s\n", line.c_str());
  } else {
    std::printf("    (%zu bytes of binary body)\n", body.size());
  }
}

void print_summary(const debugger::RunResult& result) {
  std::printf("%s: ABI %s on %s %s\n", result.plugin_name.c_str(), result.abi_version.c_str(),
              result.engine.c_str(), result.engine_version.c_str());
  const auto& report = result.report;
  if (report.upstream_request) {
    std::printf("\n-> upstream received: %s %s\n", report.upstream_request->method.c_str(),
                report.upstream_request->path.c_str());
    print_headers(report.upstream_request->headers);
    print_body(report.upstream_request->body);
  } else {
    std::printf("\n-> upstream received nothing (the filter answered locally)\n");
  }
  if (report.response) {
    std::printf("\n<- client received: %u%s\n", report.response->status,
                report.local_response ? " (local response)" : "");
    print_headers(report.response->headers);
    print_body(report.response->body);
  } else if (report.reset) {
    std::printf("\n<- stream reset: %s\n", report.reset_reason.c_str());
  }
  if (!result.logs.empty()) {
    std::printf("\nlogs:\n");
    for (const auto& log : result.logs)
      std::printf("  [%s] %s\n", std::string(abi::log_level_label(log.level)).c_str(),
                  log.message.c_str());
  }
  if (result.failure) std::printf("\nfilter failure:\n  %s\n", result.failure->message.c_str());
  if (report.stalled) std::printf("\nincomplete: %s\n", report.stall_reason.c_str());
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

int run(const RunArgs& args) {
  debugger::PluginOptions options = to_plugin_options(args.plugin, args.wasm);
  options.engine_flags = args.engine_flags;

  auto request = debugger::load_request_file(args.request);
  if (!request) {
    std::fprintf(stderr, "pwplay run: %s\n", request.error().message.c_str());
    return kExitError;
  }
  auto result = debugger::run_once(options, *request, !args.no_trace);
  if (!result) {
    std::fprintf(stderr, "pwplay run: %s\n", result.error().message.c_str());
    return kExitError;
  }
  if (args.json)
    std::cout << debugger::run_result_to_json(*result).dump(
                     2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  else
    print_summary(*result);
  return result->report.stalled ? kExitIncomplete : kExitOk;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<RunArgs>();
  CLI::App* cmd = app.add_subcommand("run", "Run one HTTP request through a filter, in process");
  cmd->add_option("filter", args->wasm, "The filter module (.wasm)")->required();
  cmd->add_option("--request", args->request, "The request (REQ.json)")->required();
  add_plugin_options(cmd, args->plugin);
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->add_flag("--no-trace", args->no_trace, "Do not record the trace");
  cmd->add_option("--engine-flag", args->engine_flags,
                  "An engine flag (repeatable), e.g. --engine-flag=--liftoff-only or "
                  "--engine-flag=--no-liftoff for V8")
      ->allow_extra_args(false);
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace pwplay::app
