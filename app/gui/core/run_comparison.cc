#include "app/gui/core/run_comparison.h"

#include <sstream>
#include <string>

namespace pwplay::gui {
namespace {

Result<const debugger::HistoryEntry*> find_run(const Snapshot& snapshot, uint64_t id) {
  const debugger::HistoryEntry* run = snapshot.find(id);
  if (!run) return make_error("no run #" + std::to_string(id) + " in the history");
  if (!run->ran())
    return make_error("run #" + std::to_string(id) + " has no result (" + run->error + ")");
  return run;
}

}  // namespace

Result<RunComparison> compare_runs(const Snapshot& snapshot, uint64_t before, uint64_t after) {
  auto a = find_run(snapshot, before);
  if (!a) return unexpected(a.error());
  auto b = find_run(snapshot, after);
  if (!b) return unexpected(b.error());
  return RunComparison{before, after, debugger::compare_runs(**a, **b)};
}

Result<RunComparison> compare_runs_command(const Snapshot& snapshot, uint64_t selected,
                                           std::string_view arg) {
  std::istringstream in{std::string(arg)};
  uint64_t first = 0, second = 0;
  if (!arg.empty() && !(in >> first))
    return make_error("expected run ids 'A B' or 'A', got '" + std::string(arg) + "'");
  const bool two = static_cast<bool>(in >> second);
  if (two) return compare_runs(snapshot, first, second);
  const uint64_t after = first ? first : selected;
  // The run just before `after` in the history.
  uint64_t before = 0;
  for (const auto& run : snapshot.history) {
    if (run->id == after) break;
    before = run->id;
  }
  if (!before)
    return make_error(after
                          ? "run #" + std::to_string(after) + " has no earlier run to compare with"
                          : std::string("no runs to compare: send a request twice"));
  return compare_runs(snapshot, before, after);
}

}  // namespace pwplay::gui
