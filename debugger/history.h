// The request history's data and what is done with it: one entry per request a session ran
// (sent, replayed, or through its proxy), the identity of the plugin that ran it, a run result
// view of an entry, and how two runs of a request differ (outcome, then the trace event by
// event with events aligned, ignoring timings and addresses).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "abi/pairs.h"
#include "debugger/formats/request_file.h"
#include "debugger/runner.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "host/trace.h"

namespace pwplay::debugger {

struct HistoryEntry {
  uint64_t id = 0;
  std::string name;
  std::string source = "session";  // "session" (sent or replayed here) or "proxy"
  RequestFile request;
  host::RunReport report;
  std::vector<host::LogRecord> logs;
  std::vector<host::TraceEvent> trace;
  std::optional<host::PluginFailure> failure;
  // Why the request did not go through the filter at all (no filter loaded, or its load
  // failed); empty when it ran. `failure` says the same then.
  std::string error;
  host::WarmupReport warmup;  // start-up work run before the request (first after a load)
  RunStats stats;             // from the trace, computed once when the entry is recorded
  uint32_t build = 0;         // which load of the module ran it (bumped by every reload)
  std::chrono::system_clock::time_point time;

  bool ran() const { return error.empty(); }
};

// How two runs of a request differ: outcome first, then the trace event by event (timings,
// sequence numbers and addresses ignored).
struct RunDiff {
  std::vector<std::string> outcome;  // "status: 200 -> 403", "upstream header x-a: added", ...
  std::vector<std::string> trace;    // "event 12: hostcall proxy_log message: a -> b", ...
  bool same() const { return outcome.empty() && trace.empty(); }
};

RunDiff compare_runs(const HistoryEntry& before, const HistoryEntry& after);
// Header-level diff between two messages ("added x-a: 1", "changed x-b: 1 -> 2", "removed x-c").
std::vector<std::string> diff_headers(const abi::HeaderPairs& before,
                                      const abi::HeaderPairs& after);

struct PluginInfo {
  bool loaded = false;
  std::string name;
  std::string wasm_path;
  std::string abi_version;
  std::string engine;
  std::string engine_version;
  uint32_t build = 0;
  bool supports_stepping = false;  // the engine steps wasm instructions
  uint64_t load_ns = 0;            // wall time of the last successful load (start-up included)
  std::string error;               // last load error
  // What the plugin logged during its last start-up (kept when start-up failed: it is usually
  // the reason, e.g. "missing configuration").
  std::vector<host::LogRecord> startup_logs;
};

// A history entry as a run result (what `pwplay run`, the app's panels and scenarios take), with
// the identity of the plugin that ran it and statistics computed from its trace.
RunResult run_result(const HistoryEntry& entry, const PluginInfo& plugin);

}  // namespace pwplay::debugger
