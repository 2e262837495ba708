// Leak hunting: given linear memory sizes sampled while the same request is sent again and again,
// decide whether the filter's memory keeps growing with the request count (a leak) or settles
// after a warm-up, how fast it grows, and in which callback the growth happens. `pwplay bench
// --leak-check` and the app's Performance panel use it. No UI.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "host/perf_stats.h"

namespace pwplay::debugger {

// Linear memory after `requests` requests had finished.
struct LeakSample {
  uint64_t requests = 0;
  uint64_t memory_bytes = 0;
};

struct LeakVerdict {
  bool leak = false;
  // Growth after the warm-up, per 1000 requests (0 when memory stayed flat).
  double growth_bytes_per_1000_requests = 0;
  uint64_t after_warmup_requests = 0;  // requests sent after the warm-up
  uint64_t growth_bytes = 0;           // memory gained after the warm-up
  // The callback during which memory grew most after the warm-up ("" when it did not grow).
  std::string callback;
  std::string reason;  // one sentence saying why the verdict is what it is
};

// "leak" or "no leak".
const char* verdict_name(const LeakVerdict& verdict);

// Judges samples taken in request order. The warm-up (the first `warmup_requests`) is ignored:
// allocators and caches fill up there. A leak is growth after the warm-up that continues into the
// second half of the run (one late growth is an allocator's arena, not a leak). `growth` (the
// plugin's MemoryGrowth events, host/perf_stats.h) names the callback when given.
LeakVerdict judge_leak(const std::vector<LeakSample>& samples, uint64_t warmup_requests,
                       const std::vector<host::MemoryGrowth>& growth = {});

}  // namespace pwplay::debugger
