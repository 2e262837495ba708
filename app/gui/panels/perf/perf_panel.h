// The Performance tab of the inspector: live figures of the session's filters (the views in
// perf_views.h) for a chosen time window, load times, and the leak check, all from the snapshot.
#pragma once

#include <cstdint>
#include <string>

#include "app/gui/core/perf_profile.h"
#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class PerfPanel : public Panel {
 public:
  explicit PerfPanel(Workspace& workspace) : Panel("Performance"), workspace_(workspace) {}
  void draw(const Snapshot& snapshot, Commands& commands) override;

 private:
  void draw_toolbar(const debugger::PerfState* perf, Commands& commands);
  void draw_leak_check(const Snapshot& snapshot, Commands& commands);
  void draw_summary(const debugger::PluginPerfView& view);

  Workspace& workspace_;
  size_t plugin_ = 0;         // the view shown when several plugins ran
  std::string callback_;      // whose histogram shows
  int leak_requests_ = 2000;  // the leak check's field (kDefaultLeakRequests)
  uint64_t profile_run_ = 0;  // the run `profile_` was made from
  RequestProfile profile_;
};

}  // namespace pwplay::gui
