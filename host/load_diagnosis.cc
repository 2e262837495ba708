#include "host/load_diagnosis.h"

#include <algorithm>
#include <array>

#include "abi/functions.h"
#include "host/local_run.h"
#include "host/module_info.h"

namespace pwplay::host {
namespace {

constexpr std::array<abi::AbiVersion, 3> kVersions = {
    abi::AbiVersion::v0_1_0, abi::AbiVersion::v0_2_0, abi::AbiVersion::v0_2_1};

constexpr std::string_view kStartFunctions[] = {"_start", "_initialize", "main", "__main_void"};

// Exports the host calls besides the ABI's callbacks and marker.
bool host_calls_export(std::string_view name) {
  static constexpr std::string_view kOthers[] = {
      "malloc",      "proxy_on_memory_allocate",       "_start", "_initialize", "main",
      "__main_void", "proxy_on_grpc_trailing_metadata"};
  return abi::is_abi_export(name) ||
         std::find(std::begin(kOthers), std::end(kOthers), name) != std::end(kOthers);
}

FuncType type_of(const abi::Signature& signature) {
  FuncType type;
  for (char c : signature.params) type.params.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  for (char c : signature.results) type.results.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  return type;
}

bool same_type(const FuncType& a, const FuncType& b) {
  return a.params == b.params && a.results == b.results;
}

std::string versions_text(abi::VersionMask mask) {
  std::string text;
  for (abi::AbiVersion version : kVersions) {
    if (!abi::has_version(mask, version)) continue;
    if (!text.empty()) text += ", ";
    text += abi::name(version);
  }
  return text;
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The host function whose name is nearest to `name` ("" when none is near).
std::string closest_host_function(std::string_view name) {
  std::string best;
  size_t best_distance = name.size() / 2 + 1;
  for (const auto& spec : abi::host_functions()) {
    const size_t distance = edit_distance(name, spec.name);
    if (distance < best_distance) {
      best_distance = distance;
      best = std::string(spec.name);
    }
  }
  return best;
}

LoadProblem problem(std::string problem_class, ProblemSeverity severity, std::string message,
                    std::string fix) {
  LoadProblem p;
  p.problem_class = std::move(problem_class);
  p.severity = severity;
  p.message = std::move(message);
  p.fix = std::move(fix);
  return p;
}

// The marker: none, an unknown one, or one the callbacks' signatures contradict.
std::optional<abi::AbiVersion> check_marker(const ModuleInfo& info,
                                            std::vector<LoadProblem>& problems) {
  std::vector<std::string> names;
  for (const auto& e : info.exports)
    if (e.kind == ExternKind::Function) names.push_back(e.name);
  auto version = abi::detect_abi_version(names);
  if (!version) {
    const bool unknown = version.error().message.starts_with("unknown");
    problems.push_back(problem(
        unknown ? "unknown-abi-marker" : "no-abi-marker", ProblemSeverity::Error,
        version.error().message,
        unknown ? "this host (and Envoy) knows the markers proxy_abi_version_0_1_0, 0_2_0 and "
                  "0_2_1: build the filter with a proxy-wasm SDK for Envoy, not for another "
                  "host's ABI"
                : "build the module with a proxy-wasm SDK: every SDK exports the marker; a "
                  "plain WASI or Emscripten program is not a filter"));
    return std::nullopt;
  }
  for (const auto& e : info.exports) {
    if (e.kind != ExternKind::Function) continue;
    const abi::CallbackSpec* declared = abi::find_callback(e.name, *version);
    if (!declared || same_type(type_of(declared->signature), e.type)) continue;
    std::string shape;
    for (abi::AbiVersion other : kVersions) {
      const abi::CallbackSpec* spec = abi::find_callback(e.name, other);
      if (other != *version && spec && same_type(type_of(spec->signature), e.type))
        shape = abi::name(other);
    }
    LoadProblem p = problem(
        "abi-marker-mismatch", ProblemSeverity::Error,
        "the module declares ABI " + abi::name(*version) + " but exports " + e.name + " as " +
            to_string(e.type) +
            (shape.empty() ? std::string(", which no ABI version has")
                           : ", the shape of ABI " + shape) +
            "; ABI " + abi::name(*version) + " wants " + to_string(type_of(declared->signature)) +
            ". Envoy refuses this module too (bad function signature)",
        shape.empty() ? "rebuild the filter with one SDK version: its marker and its callbacks "
                        "must come from the same ABI"
                      : "rebuild with an SDK that exports proxy_abi_version_" + shape +
                            " (the marker is out of date with the callbacks), or use the SDK "
                            "release that matches ABI " +
                            abi::name(*version));
    p.callback = e.name;
    problems.push_back(std::move(p));
  }
  return *version;
}

void check_imports(const ModuleInfo& info, std::optional<abi::AbiVersion> version,
                   std::vector<LoadProblem>& problems) {
  for (const auto& import : info.imports) {
    if (import.kind != ExternKind::Function) continue;
    const std::string full = import.module + "." + import.name;
    const abi::HostFunctionSpec* spec = abi::find_host_function(import.name);
    if (!spec || !abi::is_abi_import(import.module, import.name)) {
      const std::string closest = closest_host_function(import.name);
      LoadProblem p = problem(
          "unknown-import", ProblemSeverity::Error,
          "the module imports " + full +
              ", which no version of proxy-wasm provides (neither pwplay nor Envoy)" +
              (closest.empty() ? std::string() : "; the closest host function is " + closest),
          closest.empty()
              ? "remove the call, or build with a proxy-wasm SDK: imports from other hosts' "
                "ABIs (or a libc built for the browser) do not link"
              : "if " + closest + " was meant, fix the name; otherwise remove the call");
      p.host_call = import.name;
      problems.push_back(std::move(p));
      continue;
    }
    if (version && !abi::has_version(spec->versions, *version)) {
      LoadProblem p = problem("import-version", ProblemSeverity::Error,
                              "the module imports " + full + ", which only ABI " +
                                  versions_text(spec->versions) +
                                  " provides; the module declares " + abi::name(*version),
                              "build with an SDK for ABI " + versions_text(spec->versions) +
                                  " (its marker will match), or avoid " + import.name);
      p.host_call = import.name;
      problems.push_back(std::move(p));
      continue;
    }
    const FuncType wanted = type_of(spec->signature);
    if (!same_type(wanted, import.type)) {
      LoadProblem p = problem(
          "import-type", ProblemSeverity::Error,
          "the module imports " + full + " as " + to_string(import.type) +
              " but the host function has type " + to_string(wanted),
          "the SDK's declaration of " + import.name + " is wrong or for another host: update it");
      p.host_call = import.name;
      problems.push_back(std::move(p));
    }
  }
}

void check_shape_warnings(const ModuleInfo& info, std::vector<LoadProblem>& problems) {
  for (const auto& e : info.exports) {
    if (e.kind != ExternKind::Function || host_calls_export(e.name)) continue;
    problems.push_back(problem(
        "unused-export", ProblemSeverity::Warning,
        "the module exports " + e.name + ", which the host never calls (not a proxy-wasm callback)",
        "harmless; if it was meant as a callback, check its name against "
        "the ABI (e.g. proxy_on_request_headers)"));
  }
  for (const auto& memory : info.memories) {
    if (!memory.exported || memory.max_pages) continue;
    problems.push_back(
        problem("memory-no-maximum", ProblemSeverity::Warning,
                "the exported memory \"" + memory.export_name +
                    "\" declares no maximum: only the host's limit stops it from growing",
                "set a maximum (e.g. -Wl,--max-memory=... or the SDK's option) so a leak stops "
                "at a known size; pwplay's limit is --max-memory-pages"));
  }
  if (info.size_bytes > kLargeModuleBytes)
    problems.push_back(problem(
        "large-module", ProblemSeverity::Warning,
        "the module is " + std::to_string(info.size_bytes / (1024 * 1024)) +
            " MB, over 10 MB: every worker compiles it and the control plane ships it",
        "build in release mode, strip debug sections (wasm-opt -O, wasm-strip) or drop unused "
        "dependencies"));
  // A name section that names no function (some strippers leave an empty one) counts as none.
  const bool has_names = std::any_of(info.function_names.begin(), info.function_names.end(),
                                     [](const std::string& name) { return !name.empty(); });
  if (!has_names)
    problems.push_back(problem("no-name-section", ProblemSeverity::Warning,
                               "the module has no name section: backtraces show function "
                               "indices instead of names",
                               "keep the names when building (don't strip the \"name\" section), "
                               "or keep an unstripped build for debugging"));
}

// The host call at fault in a restricted-call trap: the last one in the trace.
const TraceEvent* last_host_call(const std::vector<TraceEvent>& events) {
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    if (it->kind == EventKind::HostCall) return &*it;
  return nullptr;
}

// The host calls Envoy allows in _initialize / main / _start (proxy-wasm-cpp-host's
// WasmBase::startVm); pwplay's own table allows a few more WASI calls there.
bool envoy_allows_during_startup(std::string_view name) {
  static constexpr std::string_view kAllowed[] = {
      "proxy_log",   "fd_write",       "args_sizes_get",      "args_get",       "environ_sizes_get",
      "environ_get", "fd_prestat_get", "fd_prestat_dir_name", "clock_time_get", "random_get"};
  return std::find(std::begin(kAllowed), std::end(kAllowed), name) != std::end(kAllowed);
}

// Host calls the start functions made that pwplay ran but Envoy would refuse: the events before
// the root context's creation, each attributed to the start function that returns next.
void check_startup_calls(const std::vector<TraceEvent>& events,
                         std::vector<LoadProblem>& problems) {
  std::vector<const TraceEvent*> pending;
  for (const auto& event : events) {
    if (event.kind == EventKind::Callback && event.name == "proxy_on_context_create") break;
    if (event.kind == EventKind::HostCall && !envoy_allows_during_startup(event.name))
      pending.push_back(&event);
    if (event.kind != EventKind::Callback || event.phase != "exit") continue;
    for (const TraceEvent* call : pending) {
      LoadProblem p = problem(
          "wasi-at-startup", ProblemSeverity::Error,
          event.name + " called " + call->name +
              " during start-up: pwplay allows it, but Envoy allows only proxy_log, fd_write, "
              "args, environment, preopens, clock_time_get and random_get there and fails the "
              "VM",
          "move the call out of the start function (a global constructor, Go's init() or "
          "Rust's main) into proxy_on_vm_start or proxy_on_configure, or drop it");
      p.callback = event.name;
      p.host_call = call->name;
      problems.push_back(std::move(p));
    }
    pending.clear();
  }
}

bool is_start_function(std::string_view name) {
  return std::find(std::begin(kStartFunctions), std::end(kStartFunctions), name) !=
         std::end(kStartFunctions);
}

// Explains a failed start-up from where it failed, the fault and the trace.
LoadProblem explain_failure(const PluginConfig& config, const PluginFailure& failure,
                            const std::string& error, const std::vector<TraceEvent>& events) {
  const std::string& where = failure.callback;
  const TraceEvent* call = last_host_call(events);
  LoadProblem p;
  if (failure.fault == VmFault::Terminated) {
    p = problem("runaway-loop", ProblemSeverity::Error,
                where + " ran past the runaway budget of " +
                    std::to_string(config.vm_options.runaway_budget_ms) +
                    " ms and was stopped (an endless loop, or far too much work at start-up)",
                "look at the backtrace for the loop; if the work is real, move it out of "
                "start-up or raise --budget-ms");
  } else if (failure.fault == VmFault::MemoryLimit) {
    p = problem("memory-limit", ProblemSeverity::Error,
                where + " needed more memory than the limit of " +
                    std::to_string(config.vm_options.max_memory_pages) +
                    " pages (64 KiB each): memory.grow failed and the module trapped",
                "allocate less at start-up (large tables, caches), or raise the limit "
                "(--max-memory-pages)");
  } else if (error.find("restricted_callback") != std::string::npos && call) {
    const abi::HostFunctionSpec* spec = abi::find_host_function(call->name);
    const bool wasi = spec && spec->module == abi::ImportModule::Wasi;
    p = problem(wasi ? "wasi-at-startup" : "restricted-startup-call", ProblemSeverity::Error,
                where + " called " + call->name +
                    ", which may not be called during start-up (_initialize/main/_start): Envoy "
                    "allows only logging, fd_write, args, environment, clocks and random there",
                wasi ? "move the file or socket work out of the start function (a global "
                       "constructor, Go's init() or Rust's main) into proxy_on_vm_start or "
                       "proxy_on_configure, or drop it"
                     : "call " + call->name +
                           " from proxy_on_vm_start or proxy_on_configure instead of the start "
                           "function (global constructors, init() or main run there)");
    p.host_call = call->name;
  } else if (where == "proxy_on_configure" && failure.fault == VmFault::None) {
    p = problem("configure-false", ProblemSeverity::Error,
                "proxy_on_configure returned false: the plugin rejected its configuration" +
                    std::string(config.configuration.empty() ? " (it was given none)" : ""),
                "read the plugin's logs below for the reason; give the configuration it expects "
                "(--config or --config-file)");
  } else if (where == "proxy_on_vm_start" && failure.fault == VmFault::None) {
    p = problem("vm-start-false", ProblemSeverity::Error,
                "proxy_on_vm_start returned false: the VM refused to start",
                "read the plugin's logs below; check the VM configuration (vm_config)");
  } else if (is_start_function(where) || where == "proxy_on_vm_start" ||
             where == "proxy_on_configure" || where == "proxy_on_context_create") {
    p = problem("startup-trap", ProblemSeverity::Error,
                where + " trapped during start-up: " + error,
                "the backtrace shows where; a panic or abort usually follows a failed host call "
                "(see the last host calls) or missing configuration");
  } else if (where == "link" || where == "load" || where == "create") {
    p = problem(where == "create" ? "engine" : where, ProblemSeverity::Error, error,
                where == "link" ? "the module needs something the host does not provide: see the "
                                  "message"
                                : "the module could not be compiled: check it with "
                                  "`pwplay inspect`");
  } else {
    p = problem("startup-failed", ProblemSeverity::Error, error,
                "see the backtrace, the logs and the last host calls");
  }
  p.callback = where;
  p.backtrace = failure.backtrace;
  std::vector<const TraceEvent*> calls;
  for (const auto& event : events)
    if (event.kind == EventKind::HostCall) calls.push_back(&event);
  const size_t first = calls.size() > kLastCallsKept ? calls.size() - kLastCallsKept : 0;
  for (size_t i = first; i < calls.size(); ++i) p.last_calls.push_back(*calls[i]);
  return p;
}

}  // namespace

std::string_view severity_name(ProblemSeverity severity) {
  return severity == ProblemSeverity::Error ? "error" : "warning";
}

LoadDiagnosis diagnose_load(const PluginConfig& config, std::span<const uint8_t> wasm) {
  LoadDiagnosis diagnosis;
  diagnosis.engine = config.engine;
  std::vector<LoadProblem> problems;
  // The native engine loads shared objects, which have no wasm shape to read.
  if (config.engine != "native") {
    auto info = read_module_info(wasm);
    if (!info) {
      problems.push_back(problem("invalid-module", ProblemSeverity::Error, info.error().message,
                                 "the file is not a valid wasm module: rebuild it, or check that "
                                 "the right file was given"));
      diagnosis.problems = std::move(problems);
      return diagnosis;
    }
    auto version = check_marker(*info, problems);
    if (version) diagnosis.abi_version = abi::name(*version);
    check_imports(*info, version, problems);
    check_shape_warnings(*info, problems);
  }
  const bool shape_ok = std::none_of(problems.begin(), problems.end(), [](const LoadProblem& p) {
    return p.severity == ProblemSeverity::Error;
  });
  // A module whose shape is wrong cannot link: starting it would only repeat the problem.
  if (shape_ok) {
    SimulatedDispatcher dispatcher;
    MockCalloutClient callouts(dispatcher);
    HostEnv env(dispatcher, callouts);
    VectorTraceSink sink;
    env.set_trace_sink(&sink);
    std::vector<LogRecord> logs;
    env.set_log_handler([&logs](const LogRecord& record) { logs.push_back(record); });
    std::optional<PluginFailure> failure;
    auto plugin =
        Plugin::create(env, config, std::vector<uint8_t>(wasm.begin(), wasm.end()), failure);
    if (plugin) {
      diagnosis.abi_version = abi::name((*plugin)->abi_version());
      diagnosis.engine = (*plugin)->engine_name();
      check_startup_calls(sink.events(), problems);
    } else {
      PluginFailure what =
          failure.value_or(PluginFailure{"start-up", plugin.error().message, VmFault::None, {}});
      // A trap under a lowered memory limit that goes away under the default one: the limit
      // made memory.grow fail (the module then traps on its own, so no engine reports it).
      if (what.fault == VmFault::Trap &&
          config.vm_options.max_memory_pages < VmOptions{}.max_memory_pages) {
        PluginConfig roomy = config;
        roomy.vm_options.max_memory_pages = VmOptions{}.max_memory_pages;
        // V8 keeps its memory limit process-wide: the retry runs on the interpreter.
        if (roomy.engine == "v8") roomy.engine = "wabt";
        SimulatedDispatcher retry_dispatcher;
        MockCalloutClient retry_callouts(retry_dispatcher);
        HostEnv retry_env(retry_dispatcher, retry_callouts);
        if (Plugin::create(retry_env, roomy, std::vector<uint8_t>(wasm.begin(), wasm.end())))
          what.fault = VmFault::MemoryLimit;
      }
      LoadProblem p = explain_failure(config, what, plugin.error().message, sink.events());
      p.logs = logs;
      problems.insert(problems.begin(), std::move(p));
    }
  }
  std::stable_partition(problems.begin(), problems.end(),
                        [](const LoadProblem& p) { return p.severity == ProblemSeverity::Error; });
  diagnosis.ok = std::none_of(problems.begin(), problems.end(), [](const LoadProblem& p) {
    return p.severity == ProblemSeverity::Error;
  });
  diagnosis.problems = std::move(problems);
  return diagnosis;
}

}  // namespace pwplay::host
