// Timeline panel: the selected run along time, its callbacks as bars with the host calls they
// made nested below, coloured by kind (by filter, with a legend of the filters, when the run went
// through a chain); hovering names a bar and its duration, clicking one selects its event in the
// Trace tab (through select-event).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/gui/core/perf_profile.h"
#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class TimelinePanel : public Panel {
 public:
  explicit TimelinePanel(Workspace& workspace) : Panel("Timeline"), workspace_(workspace) {}
  void draw(const Snapshot& snapshot, Commands& commands) override;

 private:
  Workspace& workspace_;
  uint64_t profiled_run_ = 0;  // the run `profile_` was built from
  RequestProfile profile_;
  std::vector<std::string> filters_;  // the run's filters in order (a colour each in a chain)
};

}  // namespace pwplay::gui
