// `pwplay check FILTER.wasm [plugin options] [--engine E] [--json]`: loads and starts a filter as
// Envoy would and explains why it does not load, each problem in plain words with its likely
// fix, plus warnings that don't stop it. Exit 0 when it loads (warnings allowed), 1 when not.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/enums.h"
#include "app/cli/commands.h"
#include "app/cli/plugin_args.h"
#include "debugger/formats/report_json.h"
#include "debugger/plugin_spec.h"
#include "host/load_diagnosis.h"
#include "host/trace.h"

namespace pwplay::app {
namespace {

using nlohmann::json;

struct CheckArgs {
  std::string wasm;
  PluginFlags plugin;
  bool json = false;
};

// The filters to check: the one on the command line (or the one --plugin-config names). One
// function, so that configurations naming several modules can add theirs here.
Result<std::vector<debugger::PluginSpec>> check_targets(const CheckArgs& args) {
  auto spec = args.plugin.spec(args.wasm);
  if (!spec) return unexpected(spec.error());
  if (!spec->has_module())
    return make_error("no filter: name the filter module (FILTER.wasm) to check");
  return std::vector<debugger::PluginSpec>{std::move(*spec)};
}

json problem_to_json(const host::LoadProblem& problem) {
  json out;
  out["class"] = problem.problem_class;
  out["severity"] = std::string(host::severity_name(problem.severity));
  out["message"] = problem.message;
  out["fix"] = problem.fix;
  if (!problem.callback.empty()) out["callback"] = problem.callback;
  if (!problem.host_call.empty()) out["host_call"] = problem.host_call;
  if (problem.severity == host::ProblemSeverity::Error && !problem.callback.empty()) {
    json frames = json::array();
    for (const auto& frame : problem.backtrace)
      frames.push_back({{"function_index", frame.function_index},
                        {"name", frame.name},
                        {"code_offset", frame.code_offset}});
    out["backtrace"] = frames;
    json calls = json::array();
    for (const auto& event : problem.last_calls)
      calls.push_back(debugger::trace_event_to_json(event));
    out["last_host_calls"] = calls;
    json logs = json::array();
    for (const auto& record : problem.logs)
      logs.push_back({{"level", std::string(abi::log_level_label(record.level))},
                      {"message", record.message}});
    out["logs"] = logs;
  }
  return out;
}

json diagnosis_to_json(const std::string& filter, const host::LoadDiagnosis& diagnosis) {
  json out;
  out["ok"] = diagnosis.ok;
  out["filter"] = filter;
  out["engine"] = diagnosis.engine;
  out["abi_version"] = diagnosis.abi_version;
  json problems = json::array();
  for (const auto& problem : diagnosis.problems) problems.push_back(problem_to_json(problem));
  out["problems"] = problems;
  return out;
}

void print_problem(const host::LoadProblem& problem) {
  std::printf("\n%s [%s]: %s\n", std::string(host::severity_name(problem.severity)).c_str(),
              problem.problem_class.c_str(), text(problem.message).c_str());
  std::printf("  fix: %s\n", text(problem.fix).c_str());
  if (!problem.backtrace.empty()) {
    std::printf("  backtrace:\n");
    for (size_t i = 0; i < problem.backtrace.size(); ++i) {
      const host::WasmFrame& frame = problem.backtrace[i];
      std::printf("    %zu: %s\n", i,
                  frame.name.empty() ? ("function " + std::to_string(frame.function_index)).c_str()
                                     : text(frame.name).c_str());
    }
  }
  if (!problem.last_calls.empty()) {
    std::printf("  last host calls:\n");
    host::EventLineOptions options;
    options.value_limit = 120;
    for (const auto& event : problem.last_calls)
      std::printf("    %s\n", host::event_line(event, options).c_str());
  }
  if (!problem.logs.empty()) {
    std::printf("  the plugin's logs:\n");
    for (const auto& log : problem.logs)
      std::printf("    [%s] %s\n", std::string(abi::log_level_label(log.level)).c_str(),
                  text(log.message).c_str());
  }
}

void print_diagnosis(const std::string& filter, const host::LoadDiagnosis& diagnosis) {
  size_t errors = 0;
  for (const auto& problem : diagnosis.problems)
    if (problem.severity == host::ProblemSeverity::Error) ++errors;
  const size_t warnings = diagnosis.problems.size() - errors;
  std::string how = diagnosis.engine;
  if (!diagnosis.abi_version.empty()) how = "ABI " + diagnosis.abi_version + " on " + how;
  std::printf("%s: %s (%s)", text(filter).c_str(), diagnosis.ok ? "loads" : "does not load",
              how.c_str());
  std::printf(", %zu error%s, %zu warning%s\n", errors, errors == 1 ? "" : "s", warnings,
              warnings == 1 ? "" : "s");
  for (const auto& problem : diagnosis.problems) print_problem(problem);
}

int check(const CheckArgs& args) {
  auto targets = check_targets(args);
  if (!targets) {
    print_failure("check", targets.error().message);
    return kExitUsage;
  }
  bool all_ok = true;
  json reports = json::array();
  for (const auto& spec : *targets) {
    const std::string filter = spec.wasm_path.empty() ? std::string("(inline)") : spec.wasm_path;
    host::LoadDiagnosis diagnosis;
    auto resolved = debugger::resolve_plugin(spec);
    if (!resolved) {
      // A file that cannot be read or is not wasm: one problem, in the same form.
      diagnosis.engine = spec.engine.empty() ? "v8" : spec.engine;
      host::LoadProblem problem;
      problem.problem_class = "unreadable";
      problem.message = resolved.error().message;
      problem.fix = "check the path, and that the file is a wasm module (or a .so for native)";
      diagnosis.problems.push_back(std::move(problem));
    } else {
      diagnosis = host::diagnose_load(resolved->config, resolved->wasm);
    }
    all_ok = all_ok && diagnosis.ok;
    if (args.json)
      reports.push_back(diagnosis_to_json(filter, diagnosis));
    else
      print_diagnosis(filter, diagnosis);
  }
  if (args.json) {
    const json& out = reports.size() == 1 ? reports[0] : reports;
    std::cout << out.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
  }
  return all_ok ? kExitOk : kExitError;
}

}  // namespace

void add_check_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<CheckArgs>();
  CLI::App* cmd = app.add_subcommand(
      "check", "Explain why a filter does or does not load: each problem with its likely fix");
  cmd->add_option("filter", args->wasm,
                  "The filter module (.wasm); optional when --plugin-config names the module");
  add_plugin_options(cmd, args->plugin);
  cmd->add_flag("--json", args->json,
                "Print one JSON object: ok, filter, engine, abi_version and problems");
  cmd->callback([args, &exit_code] { exit_code = check(*args); });
}

}  // namespace pwplay::app
