// Run comparison: two runs of the history side by side as the debugger compares them (outcome
// first, then the trace event by event, ignoring timings and addresses), for the app's
// "Compare runs" view. No ImGui.
#pragma once

#include <cstdint>

#include "abi/result.h"
#include "app/gui/core/snapshot.h"

namespace pwplay::gui {

struct RunComparison {
  uint64_t before = 0;  // run ids
  uint64_t after = 0;
  debugger::RunDiff diff;
};

// Compares runs `before` and `after` of `snapshot`. Errors name a run that is missing or did not
// run (its filter did not load).
Result<RunComparison> compare_runs(const Snapshot& snapshot, uint64_t before, uint64_t after);

// "A B", "A" (against the run before it) or "" (the selected run against the one before it).
Result<RunComparison> compare_runs_command(const Snapshot& snapshot, uint64_t selected,
                                           std::string_view arg);

}  // namespace pwplay::gui
