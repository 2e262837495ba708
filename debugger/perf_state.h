// What a session publishes about performance: the views of the chosen time window and the plot
// series, sampled by its engine thread from the host's counters (the session's own VMs and its
// proxy's), and the state of a leak check. Immutable once published; front ends only read it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "debugger/leak_check.h"
#include "debugger/perf_model.h"

namespace pwplay::debugger {

struct PerfState {
  // Goes up when the counters start again from zero (a load, a proxy start).
  uint64_t epoch = 0;
  uint64_t samples = 0;  // readings taken in this epoch
  PerfWindow window = PerfWindow::Last10s;
  std::vector<PluginPerfView> views;  // of `window`, one per plugin and engine
  std::vector<PerfSeries> series;     // for the plots, same order as far as they exist
};

struct LeakCheckState {
  uint64_t id = 0;  // goes up with every check started
  bool running = false;
  bool cancelled = false;
  uint64_t total = 0;  // requests asked for
  uint64_t done = 0;   // requests sent so far
  std::string plugin;  // whose memory is sampled
  std::vector<LeakSample> samples;
  std::optional<LeakVerdict> verdict;  // once finished (also when cancelled past the warm-up)
  std::string error;                   // why no verdict
};

}  // namespace pwplay::debugger
