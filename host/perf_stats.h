// Performance counters the host keeps for every plugin, always on: callback latencies, host calls,
// bytes copied across the VM boundary, allocations in the module, linear memory and load times.
// They cost a few integer updates per event (no strings, no allocation): the thread running a
// plugin is its only writer, with relaxed atomics, and any thread may read a snapshot. The
// debugger's performance model (debugger/perf_model.h), `pwplay bench`, `serve --stats-every` and
// the app's Performance panel are built on these snapshots.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pwplay::host {

// Whether this build records performance counters (CMake option PWPLAY_PERF_STATS): off, every
// recording call below is empty and the counters stay at zero, to measure what they cost.
#ifndef PWPLAY_PERF_STATS
#define PWPLAY_PERF_STATS 1
#endif
inline constexpr bool kPerfStats = PWPLAY_PERF_STATS != 0;

// A counter with one writing thread: adds are a relaxed load and store (no locked instruction),
// reads from any thread see a recent value.
class PerfCounter {
 public:
  void add(uint64_t n) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  void set(uint64_t v) { value_.store(v, std::memory_order_relaxed); }
  void raise_to(uint64_t v) {
    if (v > value_.load(std::memory_order_relaxed)) value_.store(v, std::memory_order_relaxed);
  }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

// A histogram read out of a live one: log-bucketed like HDR histograms, 16 buckets per power of
// two, so a percentile is exact to within 1/16 (6.25 %). Snapshots subtract, which gives the
// histogram of a time window from two cumulative ones.
struct Histogram {
  static constexpr unsigned kSubBits = 4;
  static constexpr uint64_t kSub = uint64_t{1} << kSubBits;
  static constexpr unsigned kMaxBits = 45;  // values up to 2^45 (ns: about 9.8 hours)
  static constexpr size_t kBuckets = (kMaxBits - kSubBits + 1) * kSub;

  std::vector<uint64_t> counts;  // by bucket, trimmed after the last non-empty one
  uint64_t count = 0;
  uint64_t sum = 0;
  uint64_t max = 0;  // exact for cumulative histograms; a window's is its top bucket's bound

  static size_t bucket_of(uint64_t value);
  static uint64_t bucket_low(size_t bucket);
  static uint64_t bucket_high(size_t bucket);  // inclusive

  // The value below which a fraction `q` (0..1) of the recorded values fall: the midpoint of the
  // bucket that holds it, never above max. 0 when empty.
  uint64_t percentile(double q) const;
  double mean() const { return count ? static_cast<double>(sum) / static_cast<double>(count) : 0; }
  void merge(const Histogram& other);
  // This minus an older snapshot of the same live histogram.
  Histogram minus(const Histogram& older) const;
};

// The live, recording side of a Histogram (single writer).
class LiveHistogram {
 public:
  void record(uint64_t value);
  Histogram read() const;

 private:
  std::array<PerfCounter, Histogram::kBuckets> buckets_;
  PerfCounter count_;
  PerfCounter sum_;
  PerfCounter max_;
};

// Callbacks the host times (host::Callback in host/plugin.h, same order).
inline constexpr size_t kPerfCallbacks = 20;

// What one stream context did, folded into its plugin's counters when the context is deleted.
struct RequestTally {
  uint64_t filter_ns = 0;  // time inside callbacks on this context
  uint64_t host_calls = 0;
  uint64_t copies_in = 0;  // host -> VM
  uint64_t bytes_in = 0;
  uint64_t copies_out = 0;  // VM -> host
  uint64_t bytes_out = 0;
  uint64_t min_bytes_in = 0;  // each distinct piece of data once (see PluginPerf::copy)
  uint64_t min_bytes_out = 0;
  uint64_t allocations = 0;
  uint64_t instructions = 0;
  // Hashes of the pieces of data already copied, for the minimum; past the array every copy
  // counts as distinct.
  std::array<uint64_t, 24> seen{};
  uint8_t seen_count = 0;
};

// Counters of one host function.
struct HostCallStats {
  uint64_t calls = 0;
  uint64_t ns = 0;
  uint64_t copies_in = 0;
  uint64_t bytes_in = 0;
  uint64_t copies_out = 0;
  uint64_t bytes_out = 0;
};

// Linear memory changed size between two observations (after a callback returned).
struct MemoryGrowth {
  uint64_t at_ns = 0;  // HostEnv::elapsed_ns()
  uint64_t from_bytes = 0;
  uint64_t to_bytes = 0;
  uint64_t requests = 0;  // requests finished when it was seen
  std::string callback;   // the callback during which it grew ("" at load)
};

// One load (or reload) of the module: compile, instantiate (link), start-up (start functions,
// proxy_on_vm_start, proxy_on_configure).
struct LoadTiming {
  uint64_t at_ns = 0;
  uint64_t compile_ns = 0;
  uint64_t instantiate_ns = 0;
  uint64_t startup_ns = 0;
  bool ok = true;
};

// A consistent-enough copy of one plugin's counters (each counter is exact; counters read a few
// nanoseconds apart may disagree by an event in flight).
struct PluginPerfSnapshot {
  std::string plugin;
  std::string engine;
  uint64_t taken_ns = 0;  // HostEnv::elapsed_ns() when read
  uint64_t requests = 0;
  Histogram filter_ns;  // per request: time inside the filter's callbacks
  std::array<Histogram, kPerfCallbacks> callbacks;  // per call, by host::Callback
  std::vector<HostCallStats> host_calls;            // by abi::host_functions() index
  RequestTally totals;       // sums over finished requests (seen/seen_count unused)
  uint64_t allocations = 0;  // every allocation the host made in the module
  uint64_t allocated_bytes = 0;
  uint64_t memory_bytes = 0;
  uint64_t peak_memory_bytes = 0;
  bool counts_instructions = false;  // the engine counts wasm instructions (WABT)
  std::vector<MemoryGrowth> growth;  // oldest first, the newest PluginPerf::kMaxGrowthEvents
  std::vector<LoadTiming> loads;     // oldest first, the newest PluginPerf::kMaxLoads

  // The callback name of index i in `callbacks`.
  static std::string_view callback_name(size_t index);
  // The host function name of index i in `host_calls`.
  static std::string_view host_call_name(size_t index);
};

// The counters of one plugin on one engine. Written by the thread that runs the plugin.
class PluginPerf {
 public:
  static constexpr size_t kMaxGrowthEvents = 4096;
  static constexpr size_t kMaxLoads = 64;

  PluginPerf(std::string plugin, std::string engine);
  const std::string& plugin() const { return plugin_; }
  const std::string& engine() const { return engine_; }

  void callback(size_t callback_index, uint64_t ns);
  void host_call(size_t function_index, uint64_t ns, RequestTally* tally);
  // A copy across the boundary by a host function; `key` identifies the piece of data (the same
  // header value read twice has the same key) so the per-request minimum counts it once.
  void copy(size_t function_index, bool to_vm, uint64_t bytes, uint64_t key, RequestTally* tally);
  void allocation(uint64_t bytes, RequestTally* tally);
  void request_done(const RequestTally& tally);
  // Linear memory size after a callback; a change is kept as a growth event.
  void memory(uint64_t bytes, uint64_t now_ns, size_t callback_index);
  void load(const LoadTiming& timing);
  void set_counts_instructions(bool counts) { counts_instructions_.store(counts); }

  PluginPerfSnapshot read(uint64_t now_ns) const;

 private:
  struct HostCallCounters {
    PerfCounter calls, ns, copies_in, bytes_in, copies_out, bytes_out;
  };
  std::string plugin_;
  std::string engine_;
  PerfCounter requests_;
  LiveHistogram filter_ns_;
  std::array<LiveHistogram, kPerfCallbacks> callbacks_;
  std::vector<HostCallCounters> host_calls_;  // sized once, never resized
  PerfCounter filter_total_ns_, host_calls_total_, copies_in_, bytes_in_, copies_out_, bytes_out_,
      min_in_, min_out_, request_allocations_, instructions_;
  PerfCounter allocations_, allocated_bytes_;
  PerfCounter memory_bytes_, peak_memory_bytes_;
  std::atomic<bool> counts_instructions_{false};
  mutable std::mutex events_mutex_;  // growth and loads: rare, so a lock is fine
  std::vector<MemoryGrowth> growth_;
  std::vector<LoadTiming> loads_;
};

// Every plugin's counters in one host environment. A plugin re-created under the same name and
// engine (a reload, a VM restart) keeps counting in the same block.
class PerfRegistry {
 public:
  std::shared_ptr<PluginPerf> plugin(const std::string& name, const std::string& engine);
  std::vector<PluginPerfSnapshot> read(uint64_t now_ns) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<PluginPerf>> plugins_;
};

// FNV-1a of a label, the key of PluginPerf::copy.
uint64_t perf_key(std::string_view text, uint64_t seed = 0);

}  // namespace pwplay::host
