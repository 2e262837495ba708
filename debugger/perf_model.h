// The performance model: time windows (last 10 s, last 60 s, since reset) over the host's
// cumulative per-plugin counters (host/perf_stats.h), and the figures every view prints from
// them: requests/s, filter time percentiles, per-callback latencies, the host-call table with
// time shares, bytes copied per request against the ABI minimum, memory and its growth. The
// app's Performance panel, `pwplay serve --stats-every` and `pwplay bench` share it. No UI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/perf_stats.h"

namespace pwplay::debugger {

enum class PerfWindow : uint8_t { Last10s, Last60s, SinceReset };

// "10s", "60s", "reset"; parse_perf_window accepts those.
std::string_view perf_window_name(PerfWindow window);
std::optional<PerfWindow> parse_perf_window(std::string_view text);

// One host function's row in a window.
struct HostCallRow {
  std::string name;
  uint64_t calls = 0;
  double per_request = 0;
  uint64_t ns = 0;
  double time_share = 0;  // of all host-call time in the window, 0..1
  uint64_t bytes_in = 0;  // host -> VM
  uint64_t bytes_out = 0;
};

// One callback's latencies in a window.
struct CallbackRow {
  std::string name;
  host::Histogram latency_ns;
};

// What one plugin did in a window, ready to print.
struct PluginPerfView {
  std::string plugin;
  std::string engine;
  double seconds = 0;  // the window's length as measured
  uint64_t requests = 0;
  double requests_per_s = 0;
  host::Histogram filter_ns;            // per request
  std::vector<CallbackRow> callbacks;   // those called in the window, in host::Callback order
  std::vector<HostCallRow> host_calls;  // those called, the most time first
  double host_calls_per_request = 0;
  double bytes_in_per_request = 0;  // copied host -> VM
  double bytes_out_per_request = 0;
  double min_bytes_in_per_request = 0;  // the ABI minimum: each piece of data once
  double min_bytes_out_per_request = 0;
  double copies_per_request = 0;
  double allocations_per_request = 0;
  std::optional<double> instructions_per_request;  // engines that count them (WABT)
  uint64_t memory_bytes = 0;
  uint64_t peak_memory_bytes = 0;
  std::vector<host::MemoryGrowth> growth;  // in the window
  std::vector<host::LoadTiming> loads;     // every load kept (not windowed)
};

// A plot's data for one plugin: one point per sample, oldest first.
struct PerfSeries {
  std::string plugin;
  std::string engine;
  std::vector<double> seconds;  // since the first sample
  std::vector<double> requests_per_s;
  std::vector<double> memory_bytes;
};

class PerfModel {
 public:
  // Keeps samples for `keep_seconds` (windows longer than that are cut to it).
  explicit PerfModel(double keep_seconds = 120);

  // Adds a reading of every plugin's counters (HostEnv::perf().read()); call it every second or
  // so. Older samples past the keep time are dropped.
  void sample(std::vector<host::PluginPerfSnapshot> snapshots);
  // Windows "since reset" start at the latest sample.
  void reset();
  bool empty() const { return samples_.empty(); }

  std::vector<PluginPerfView> view(PerfWindow window) const;
  std::vector<PerfSeries> series() const;
  // The newest reading, as the host gave it.
  const std::vector<host::PluginPerfSnapshot>* latest() const;

  // One plugin's figures between two readings of its counters (older may be empty: from zero).
  static PluginPerfView difference(const host::PluginPerfSnapshot& now,
                                   const host::PluginPerfSnapshot* older);

 private:
  struct Sample {
    uint64_t at_ns = 0;
    std::vector<host::PluginPerfSnapshot> plugins;
  };
  const host::PluginPerfSnapshot* find(const Sample& sample, const std::string& plugin,
                                       const std::string& engine) const;

  double keep_seconds_;
  std::deque<Sample> samples_;
  std::optional<Sample> baseline_;  // the reset point
};

}  // namespace pwplay::debugger
