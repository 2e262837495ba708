// `pwplay bench FILTER --request REQ.json [--engine v8,wabt,native] [--requests N] [--concurrency
// C] [--via-proxy] [--json] [--leak-check]`: the same request N times on each engine, in process
// or through the real proxy over loopback; prints a table (or one JSON object) of requests/s,
// filter latency, host calls, copies and memory, and with --leak-check a leak verdict per engine.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/cli/bench_run.h"
#include "app/cli/commands.h"
#include "app/cli/plugin_args.h"
#include "debugger/formats/request_file.h"
#include "host/trace.h"
#include "host/vm.h"

namespace pwplay::app {
namespace {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;  // fields in the order the docs list them

struct BenchArgs {
  std::string filter;
  std::string request;
  std::vector<std::string> engines;
  uint64_t requests = 10000;
  uint64_t concurrency = 1;
  bool via_proxy = false;
  bool json = false;
  bool leak_check = false;
  PluginFlags plugin;
};

// An engine to bench and the module it runs (the native engine runs a shared object).
struct EnginePlan {
  std::string engine;
  std::string module;
};

struct Skipped {
  std::string engine;
  std::string reason;
};

bool is_shared_object(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) return false;
  char magic[4] = {};
  const size_t n = std::fread(magic, 1, sizeof magic, file);
  std::fclose(file);
  return n == 4 && magic[0] == 0x7f && magic[1] == 'E' && magic[2] == 'L' && magic[3] == 'F';
}

// Where the native build of a .wasm filter lives: the samples' layout (DIR/native/NAME.so), or
// NAME.so next to it.
std::vector<std::string> native_candidates(const std::string& wasm) {
  const fs::path path(wasm);
  const std::string so = path.stem().string() + ".so";
  return {(path.parent_path() / "native" / so).string(), (path.parent_path() / so).string()};
}

bool built(const std::string& engine) {
  const auto engines = host::available_engines();
  return std::find(engines.begin(), engines.end(), engine) != engines.end();
}

std::string built_list() {
  std::string list;
  for (const auto& engine : host::available_engines()) list += (list.empty() ? "" : ", ") + engine;
  return list.empty() ? "none" : list;
}

struct Plan {
  std::vector<EnginePlan> engines;
  std::vector<Skipped> skipped;
};

// The engines to run and their modules. The exit code on a bad choice: usage for names pwplay
// does not know, error for an engine that cannot run this filter.
Result<Plan> plan_engines(const BenchArgs& args, int& code) {
  Plan plan;
  const bool native_only = is_shared_object(args.filter);
  std::optional<std::string> native_module;
  if (native_only) {
    native_module = args.filter;
  } else {
    for (const auto& candidate : native_candidates(args.filter))
      if (is_shared_object(candidate)) {
        native_module = candidate;
        break;
      }
  }
  std::vector<std::string> wanted = args.engines;
  const bool chosen = !wanted.empty();
  if (!chosen) wanted = host::available_engines();
  for (const auto& engine : wanted) {
    if (engine != "v8" && engine != "wabt" && engine != "native") {
      code = kExitUsage;
      return make_error("--engine: unknown engine '" + engine + "': expected v8, wabt or native");
    }
    if (!built(engine)) {
      code = kExitError;
      return make_error("--engine: engine '" + engine +
                        "' is not built into this pwplay; built: " + built_list());
    }
    if (std::any_of(plan.engines.begin(), plan.engines.end(),
                    [&](const EnginePlan& p) { return p.engine == engine; }))
      continue;
    std::string reason;
    if (engine == "native" && !native_module) {
      reason = "no shared object for the native engine (looked for " +
               native_candidates(args.filter)[0] + " and " + native_candidates(args.filter)[1] +
               ")";
    } else if (engine != "native" && native_only) {
      reason = args.filter + " is a native shared object, not a wasm module";
    }
    if (!reason.empty()) {
      if (chosen) {
        code = kExitError;
        return make_error("--engine " + engine + ": " + reason);
      }
      plan.skipped.push_back({engine, reason});
      continue;
    }
    plan.engines.push_back({engine, engine == "native" ? *native_module : args.filter});
  }
  if (plan.engines.empty()) {
    code = kExitError;
    return make_error(args.filter + ": no built engine can run it (built: " + built_list() + ")");
  }
  return plan;
}

// Progress on standard error: a bar redrawn in place on a terminal, a line every quarter
// otherwise.
class Progress {
 public:
  Progress(std::string label, uint64_t total)
      : label_(std::move(label)), total_(total), terminal_(::isatty(STDERR_FILENO) != 0) {}
  void update(uint64_t done) {
    const unsigned percent = total_ ? static_cast<unsigned>(done * 100 / total_) : 100;
    if (terminal_) {
      if (percent == shown_) return;
      shown_ = percent;
      constexpr unsigned kWidth = 30;
      const unsigned filled = percent * kWidth / 100;
      std::fprintf(stderr, "\r%-7s [%s%s] %3u%% %llu/%llu", label_.c_str(),
                   std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(),
                   percent, static_cast<unsigned long long>(done),
                   static_cast<unsigned long long>(total_));
      std::fflush(stderr);
      return;
    }
    const unsigned quarter = percent / 25;
    if (shown_ != kNone && quarter <= shown_) return;
    shown_ = quarter;
    std::fprintf(stderr, "pwplay bench: %s: %llu/%llu requests\n", label_.c_str(),
                 static_cast<unsigned long long>(done), static_cast<unsigned long long>(total_));
  }
  void finish() {
    if (terminal_ && shown_ != kNone) std::fprintf(stderr, "\n");
  }

 private:
  static constexpr unsigned kNone = ~0u;
  std::string label_;
  uint64_t total_;
  bool terminal_;
  unsigned shown_ = kNone;
};

double us(uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

std::optional<double> ratio_to_native(const BenchRun& run, const std::vector<BenchRun>& runs) {
  for (const auto& other : runs)
    if (other.engine == "native" && other.ns_per_request() > 0)
      return run.ns_per_request() / other.ns_per_request();
  return std::nullopt;
}

// The same over CPU time per request.
std::optional<double> cpu_ratio_to_native(const BenchRun& run, const std::vector<BenchRun>& runs) {
  for (const auto& other : runs)
    if (other.engine == "native" && other.cpu_ns_per_request() > 0)
      return run.cpu_ns_per_request() / other.cpu_ns_per_request();
  return std::nullopt;
}

ojson leak_json(const BenchRun& run) {
  const debugger::LeakVerdict& verdict = *run.leak;
  ojson leak = {{"verdict", debugger::verdict_name(verdict)},
                {"growth_bytes_per_1000_requests", verdict.growth_bytes_per_1000_requests},
                {"after_warmup_requests", verdict.after_warmup_requests},
                {"growth_bytes", verdict.growth_bytes},
                {"reason", verdict.reason}};
  leak["callback"] = verdict.callback.empty() ? ojson(nullptr) : ojson(verdict.callback);
  ojson samples = ojson::array();
  for (const auto& sample : run.memory) samples.push_back({sample.requests, sample.memory_bytes});
  leak["memory_samples"] = std::move(samples);
  return leak;
}

ojson engine_json(const BenchRun& run, const std::vector<BenchRun>& runs, bool leak_check) {
  const debugger::PluginPerfView& view = run.view;
  ojson callbacks = ojson::object();
  for (const auto& callback : view.callbacks)
    callbacks[callback.name] = {{"p50_us", us(callback.latency_ns.percentile(0.5))},
                                {"p99_us", us(callback.latency_ns.percentile(0.99))},
                                {"calls", callback.latency_ns.count}};
  ojson host_calls = ojson::array();
  for (const auto& row : view.host_calls)
    host_calls.push_back(
        {{"name", row.name}, {"per_request", row.per_request}, {"time_share", row.time_share}});
  ojson out = {
      {"engine", run.engine},
      {"requests", view.requests},
      {"upstream_requests", run.upstream_requests},
      {"wall_s", static_cast<double>(run.wall_ns) / 1e9},
      {"requests_per_s", run.requests_per_s()},
      {"us_per_request", run.ns_per_request() / 1000.0},
      {"cpu_us_per_request", run.cpu_ns_per_request() / 1000.0},
      {"filter_us",
       {{"p50", us(view.filter_ns.percentile(0.5))},
        {"p99", us(view.filter_ns.percentile(0.99))},
        {"mean", view.filter_ns.mean() / 1000.0}}},
      {"callbacks", std::move(callbacks)},
      {"host_calls_per_request", view.host_calls_per_request},
      {"host_calls", std::move(host_calls)},
      {"bytes_copied_per_request",
       {{"host_to_vm", view.bytes_in_per_request}, {"vm_to_host", view.bytes_out_per_request}}},
      {"abi_minimum_bytes_per_request",
       {{"host_to_vm", view.min_bytes_in_per_request},
        {"vm_to_host", view.min_bytes_out_per_request}}},
      {"allocations_per_request", view.allocations_per_request},
      {"memory_bytes", view.memory_bytes},
      {"peak_memory_bytes", view.peak_memory_bytes},
  };
  auto ratio = ratio_to_native(run, runs);
  out["ratio_to_native"] = ratio ? ojson(*ratio) : ojson(nullptr);
  auto cpu_ratio = cpu_ratio_to_native(run, runs);
  out["cpu_ratio_to_native"] = cpu_ratio ? ojson(*cpu_ratio) : ojson(nullptr);
  if (view.instructions_per_request)
    out["instructions_per_request"] = *view.instructions_per_request;
  if (run.leak) out["leak"] = leak_json(run);
  if (leak_check && !run.leak) out["leak"] = nullptr;  // native: no linear memory to sample
  return out;
}

std::string bytes_text(double bytes) {
  char text[32];
  if (bytes >= 1024.0 * 1024.0)
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1024.0 * 1024.0));
  else if (bytes >= 1024.0)
    std::snprintf(text, sizeof text, "%.1f KiB", bytes / 1024.0);
  else
    std::snprintf(text, sizeof text, "%.0f B", bytes);
  return text;
}

// Linear memory over the requests as a few rows of text: one column per slice of the run.
void print_memory_plot(const std::vector<debugger::LeakSample>& samples) {
  if (samples.size() < 2) return;
  constexpr size_t kColumns = 50;
  constexpr size_t kRows = 6;
  const uint64_t first = samples.front().requests;
  const uint64_t span = std::max<uint64_t>(samples.back().requests - first, 1);
  std::vector<uint64_t> column(kColumns, 0);
  std::vector<bool> has(kColumns, false);
  uint64_t low = samples.front().memory_bytes, high = low;
  for (const auto& sample : samples) {
    const size_t x = std::min(kColumns - 1, (sample.requests - first) * (kColumns - 1) / span);
    column[x] = std::max(column[x], sample.memory_bytes);
    has[x] = true;
    low = std::min(low, sample.memory_bytes);
    high = std::max(high, sample.memory_bytes);
  }
  for (size_t x = 1; x < kColumns; ++x)
    if (!has[x]) column[x] = column[x - 1];
  for (size_t row = kRows; row-- > 0;) {
    std::string line;
    for (size_t x = 0; x < kColumns; ++x) {
      const size_t level =
          high == low ? 0 : static_cast<size_t>((column[x] - low) * (kRows - 1) / (high - low));
      line += level >= row ? (level == row ? '*' : '|') : ' ';
    }
    std::string label = row == kRows - 1 ? bytes_text(static_cast<double>(high))
                        : row == 0       ? bytes_text(static_cast<double>(low))
                                         : "";
    std::printf("    %10s |%s\n", label.c_str(), line.c_str());
  }
  std::printf("    %10s +%s\n", "", std::string(kColumns, '-').c_str());
  // The x axis counts the measured requests (the plugin's count includes the warm-up).
  std::printf("    %10s  0 requests%*s%llu\n", "", static_cast<int>(kColumns - 15), "",
              static_cast<unsigned long long>(span));
}

void print_table(const BenchArgs& args, const std::vector<BenchRun>& runs,
                 const std::vector<Skipped>& skipped) {
  std::printf("pwplay bench: %s, %llu requests per engine, %s\n\n",
              host::printable_text(args.filter).c_str(),
              static_cast<unsigned long long>(args.requests),
              args.via_proxy ? ("through the proxy over " + std::to_string(args.concurrency) +
                                " keep-alive connection(s)")
                                   .c_str()
                             : "in process (one after another)");
  std::printf("%-7s %12s %10s %10s %11s %19s %12s %10s\n", "engine", "requests/s", "filter p50",
              "filter p99", "host calls", "copied in / out", "peak memory", "vs native");
  std::printf("%-7s %12s %10s %10s %11s %19s %12s %10s\n", "", "", "us", "us", "per request",
              "bytes per request", "", "per request");
  for (const auto& run : runs) {
    const auto& view = run.view;
    auto ratio = ratio_to_native(run, runs);
    char copied[40];
    std::snprintf(copied, sizeof copied, "%.0f / %.0f", view.bytes_in_per_request,
                  view.bytes_out_per_request);
    char vs[16] = "-";
    if (ratio) std::snprintf(vs, sizeof vs, "%.2fx", *ratio);
    std::printf("%-7s %12.0f %10.2f %10.2f %11.1f %19s %12s %10s\n", run.engine.c_str(),
                run.requests_per_s(), us(view.filter_ns.percentile(0.5)),
                us(view.filter_ns.percentile(0.99)), view.host_calls_per_request, copied,
                bytes_text(static_cast<double>(view.peak_memory_bytes)).c_str(), vs);
  }
  for (const auto& skip : skipped)
    std::printf("%-7s skipped: %s\n", skip.engine.c_str(),
                host::printable_text(skip.reason).c_str());
  for (const auto& run : runs) {
    if (args.leak_check && !run.leak)
      std::printf(
          "\nleak check on %s: not available (a native filter's heap is the process's: "
          "the host sees no linear memory)\n",
          run.engine.c_str());
    if (!run.leak) continue;
    const auto& verdict = *run.leak;
    std::printf("\nleak check on %s: %s\n  %s\n", run.engine.c_str(),
                debugger::verdict_name(verdict), verdict.reason.c_str());
    std::printf("  growth: %.0f bytes per 1000 requests after a warm-up of %llu requests\n",
                verdict.growth_bytes_per_1000_requests,
                static_cast<unsigned long long>(leak_warmup_requests(args.requests)));
    if (!verdict.callback.empty()) std::printf("  grows in: %s\n", verdict.callback.c_str());
    print_memory_plot(run.memory);
  }
}

int bench(BenchArgs& args) {
  if (args.request.empty())
    return report_failure("bench", kExitUsage, "no request: give --request REQ.json");
  if (args.filter.empty())
    return report_failure("bench", kExitUsage, "no filter: name the filter module to bench");
  if (args.requests == 0)
    return report_failure("bench", kExitUsage, "--requests: expected at least 1 (got 0)");
  if (args.concurrency == 0)
    return report_failure("bench", kExitUsage, "--concurrency: expected at least 1 (got 0)");
  if (args.concurrency > args.requests)
    return report_failure("bench", kExitUsage,
                          "--concurrency: more connections (" + std::to_string(args.concurrency) +
                              ") than requests (" + std::to_string(args.requests) + ")");
  if (args.concurrency > 1 && !args.via_proxy)
    std::fprintf(stderr,
                 "pwplay bench: note: --concurrency applies with --via-proxy; in process the "
                 "requests run one after another\n");

  auto request = debugger::load_request_file(args.request);
  if (!request) return report_failure("bench", kExitError, request.error().message);
  auto module = debugger::read_wasm_file(args.filter);
  if (!module) return report_failure("bench", kExitError, module.error().message);
  auto spec = args.plugin.spec(args.filter);
  if (!spec) return report_failure("bench", kExitError, spec.error().message);
  int code = kExitError;
  auto plan = plan_engines(args, code);
  if (!plan) return report_failure("bench", code, plan.error().message);
  for (const auto& skip : plan->skipped)
    std::fprintf(stderr, "pwplay bench: note: skipping %s: %s\n", skip.engine.c_str(),
                 host::printable_text(skip.reason).c_str());

  std::vector<BenchRun> runs;
  for (const auto& engine : plan->engines) {
    debugger::PluginSpec engine_spec = *spec;
    engine_spec.engine = engine.engine;
    engine_spec.wasm_path = engine.module;
    // The sample's stem names the plugin whatever the engine's module file is called.
    if (engine_spec.name.empty()) engine_spec.name = fs::path(args.filter).stem().string();
    Progress progress(engine.engine, args.requests);
    BenchSettings settings;
    settings.requests = args.requests;
    settings.concurrency = args.concurrency;
    settings.via_proxy = args.via_proxy;
    settings.leak_check = args.leak_check;
    settings.progress = [&progress](uint64_t done) { progress.update(done); };
    auto run = run_bench(engine_spec, *request, settings);
    progress.finish();
    if (!run) return report_failure("bench", kExitError, run.error().message);
    runs.push_back(std::move(*run));
  }

  if (args.json) {
    ojson engines = ojson::array();
    for (const auto& run : runs) engines.push_back(engine_json(run, runs, args.leak_check));
    ojson out = {{"filter", args.filter},
                 {"requests", args.requests},
                 {"mode", args.via_proxy ? "proxy" : "in_process"},
                 {"concurrency", args.via_proxy ? args.concurrency : 1},
                 {"warmup_requests", bench_warmup_requests(args.requests)},
                 {"engines", std::move(engines)}};
    if (args.leak_check) out["leak_warmup_requests"] = leak_warmup_requests(args.requests);
    ojson skipped = ojson::array();
    for (const auto& skip : plan->skipped)
      skipped.push_back({{"engine", skip.engine}, {"reason", skip.reason}});
    out["skipped"] = std::move(skipped);
    std::cout << out.dump(2, ' ', false, ojson::error_handler_t::replace) << "\n";
  } else {
    print_table(args, runs, plan->skipped);
  }
  return kExitOk;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<BenchArgs>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Send the same request many times through a filter on each engine and measure it");
  cmd->add_option("filter", args->filter,
                  "The filter module (.wasm; the native engine runs DIR/native/NAME.so or "
                  "DIR/NAME.so next to it, or a .so given here)");
  cmd->add_option("--request", args->request, "The request to send (REQ.json)");
  cmd->add_option("--engine", args->engines,
                  "Engines to bench, comma-separated (v8,wabt,native); default: every built "
                  "engine that can run the filter")
      ->delimiter(',');
  cmd->add_option("--requests", args->requests, "Measured requests per engine (default 10000)");
  cmd->add_option("--concurrency", args->concurrency,
                  "Keep-alive connections with --via-proxy (default 1); in process the requests "
                  "run one after another");
  cmd->add_flag("--via-proxy", args->via_proxy,
                "Send the requests through the real proxy on loopback (echo upstream) instead of "
                "in process");
  cmd->add_flag("--json", args->json, "Print one JSON object instead of the table");
  cmd->add_flag("--leak-check", args->leak_check,
                "Sample linear memory every 1 % of the requests and say whether it leaks");
  add_plugin_options(cmd, args->plugin, MaxMemoryPagesOption::Offer, EngineOption::Omit);
  cmd->callback([args, &exit_code] { exit_code = bench(*args); });
}

}  // namespace pwplay::app
