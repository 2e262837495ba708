// What `pwplay bench` runs: one filter on one engine, the same request N times, in process on the
// simulated dispatcher or through the real proxy over loopback, with the plugin's performance
// counters read before and after (and linear memory sampled along the way for --leak-check).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "abi/result.h"
#include "debugger/formats/request_file.h"
#include "debugger/leak_check.h"
#include "debugger/perf_model.h"
#include "debugger/plugin_spec.h"

namespace pwplay::app {

struct BenchSettings {
  uint64_t requests = 10000;
  uint64_t concurrency = 1;  // connections with --via-proxy; in process requests are sequential
  bool via_proxy = false;
  bool leak_check = false;
  // Called with the requests finished so far (from the thread running the bench).
  std::function<void(uint64_t done)> progress;
};

// Requests sent before the measured ones, to let caches, JIT tiers and allocators settle.
uint64_t bench_warmup_requests(uint64_t requests);
// The leak check ignores the first 10 % of the measured requests (at least 100).
uint64_t leak_warmup_requests(uint64_t requests);

struct BenchRun {
  std::string engine;
  uint64_t wall_ns = 0;  // around the N measured requests
  // The process's CPU time over the same span (every thread: V8's compiler threads, with
  // --via-proxy the proxy and the clients): steadier than wall time on a busy machine.
  uint64_t cpu_ns = 0;
  debugger::PluginPerfView view;
  // Streams that reached the upstream (not answered locally, not reset).
  uint64_t upstream_requests = 0;
  std::optional<debugger::LeakVerdict> leak;
  std::vector<debugger::LeakSample> memory;  // --leak-check: by the plugin's request count

  double requests_per_s() const;
  double ns_per_request() const;
  double cpu_ns_per_request() const;
};

// Runs the bench for `spec` (its engine and module set). An error when the filter does not load
// or a request fails (the message names the engine and the request number).
Result<BenchRun> run_bench(const debugger::PluginSpec& spec, const debugger::RequestFile& request,
                           const BenchSettings& settings);

}  // namespace pwplay::app
