// The per-request profile of the Performance panel: one request's callbacks as spans on a time
// axis with the host calls they made nested inside (width = time), drawn from the run's trace.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "debugger/history.h"

namespace pwplay::gui {

struct ProfileSpan {
  std::string name;
  uint64_t start_ns = 0;  // since the first callback of the request began
  uint64_t duration_ns = 0;
  uint32_t depth = 0;     // 0: a top-level callback; host calls and nested callbacks deeper
  bool callback = false;  // else a host call
  std::string plugin;
  uint64_t seq = 0;  // the trace event it starts with (the callback's enter, the host call)
};

struct RequestProfile {
  std::vector<ProfileSpan> spans;  // in start order
  uint64_t total_ns = 0;           // from the first span's start to the last one's end
  uint32_t max_depth = 0;
};

RequestProfile request_profile(const debugger::HistoryEntry& run);

}  // namespace pwplay::gui
