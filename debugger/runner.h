// One-shot runs: load a filter (with its Envoy-style configuration), send one request through it
// in process, and collect everything that happened (report, logs, trace, metrics). Backs
// `pwplay run`, scenario tests and the tests of every layer above the host.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "abi/result.h"
#include "debugger/formats/request_file.h"
#include "debugger/limit_settings.h"
#include "debugger/plugin_spec.h"
#include "host/abi_host.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "host/trace.h"

namespace pwplay::debugger {

struct RunStats {
  uint64_t callbacks = 0;
  uint64_t host_calls = 0;
  uint64_t copies = 0;
  uint64_t bytes_to_vm = 0;
  uint64_t bytes_to_host = 0;
  uint64_t filter_ns = 0;  // time spent inside top-level callbacks
  uint64_t memory_bytes = 0;
  uint32_t vm_restarts = 0;
};

// How start-up went (`pwplay run --json`'s "startup"): the events and logs up to the end of
// proxy_on_configure, and when it failed, where and why.
struct StartupResult {
  bool ok = true;
  std::string phase;  // where it failed: "load", "link", "_start", "proxy_on_configure", ...
  std::string error;  // the host's message
  host::VmFault fault = host::VmFault::None;
  std::vector<host::WasmFrame> backtrace;  // innermost first
  std::vector<host::LogRecord> logs;       // the plugin's logs during start-up
  std::vector<host::TraceEvent> trace;     // the start-up events (empty without tracing)
};

struct RunResult {
  std::string abi_version;
  std::string engine;
  std::string engine_version;
  std::string plugin_name;
  host::RunReport report;
  std::vector<host::LogRecord> logs;
  std::vector<host::TraceEvent> trace;
  std::vector<host::Metrics::Metric> metrics;
  std::optional<host::PluginFailure> failure;  // the VM failure during the run, if any
  std::vector<host::MockCalloutClient::SentCallout> callouts_sent;
  host::WarmupReport warmup;  // the start-up work run before the request
  RunStats stats;
  StartupResult startup;
};

// Loads the plugin and runs `request` through it. An error means the plugin could not start
// (missing file, invalid module, unknown ABI, failed start-up); filter failures during the
// request are part of the result. `limits` bound what the filter may make the host keep.
Result<RunResult> run_once(const PluginSpec& spec, const RequestFile& request, bool trace = true,
                           const LimitSettings& limits = {});
// The same, but a failed start-up is a result (startup.ok false, no request sent) with the
// plugin's logs and the start-up trace; an error means the module could not be read.
Result<RunResult> run_once_reporting_startup(const PluginSpec& spec, const RequestFile& request,
                                             bool trace = true, const LimitSettings& limits = {});

// The request file's answers to the filter's callouts (`callouts`, `grpc`) as the mocks' replies.
void set_callout_mocks(host::MockCalloutClient& callouts, const RequestFile& request);

// The end of a one-shot run, once its chain is gone: the metrics, the callouts sent, the trace,
// and the stats computed from it (keeping the memory and restart counts the run measured).
void finish_run(RunResult& result, host::HostEnv& env, const host::MockCalloutClient& callouts,
                const host::VectorTraceSink& sink);

RunStats compute_stats(const std::vector<host::TraceEvent>& trace);

}  // namespace pwplay::debugger
