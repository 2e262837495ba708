#include "app/gui/core/perf_profile.h"

#include <algorithm>

namespace pwplay::gui {

RequestProfile request_profile(const debugger::HistoryEntry& run) {
  RequestProfile profile;
  // Callbacks come as enter/exit pairs (the exit has the duration); host calls as one event.
  std::vector<size_t> open;  // indexes into spans of callbacks entered and not yet exited
  for (const auto& event : run.trace) {
    if (event.kind == host::EventKind::Callback) {
      if (event.phase == "enter") {
        open.push_back(profile.spans.size());
        profile.spans.push_back(
            ProfileSpan{event.name, event.start_ns, 0, event.depth, true, event.plugin, event.seq});
      } else if (event.phase == "exit") {
        // The innermost open callback of that name.
        for (auto it = open.rbegin(); it != open.rend(); ++it) {
          ProfileSpan& span = profile.spans[*it];
          if (span.name != event.name) continue;
          span.duration_ns = event.duration_ns;
          open.erase(std::next(it).base());
          break;
        }
      }
    } else if (event.kind == host::EventKind::HostCall) {
      profile.spans.push_back(ProfileSpan{event.name, event.start_ns, event.duration_ns,
                                          std::max<uint32_t>(event.depth, 1), false, event.plugin,
                                          event.seq});
    }
  }
  if (profile.spans.empty()) return profile;
  uint64_t origin = profile.spans.front().start_ns;
  for (const auto& span : profile.spans) origin = std::min(origin, span.start_ns);
  for (auto& span : profile.spans) {
    span.start_ns -= origin;
    profile.total_ns = std::max(profile.total_ns, span.start_ns + span.duration_ns);
    profile.max_depth = std::max(profile.max_depth, span.depth);
  }
  std::stable_sort(
      profile.spans.begin(), profile.spans.end(),
      [](const ProfileSpan& a, const ProfileSpan& b) { return a.start_ns < b.start_ns; });
  return profile;
}

}  // namespace pwplay::gui
