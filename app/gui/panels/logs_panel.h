// Logs panel: the filter's log lines of the selected run, as the inspector's Logs tab; the
// Result panel's Logs tab draws the same table.
#pragma once

#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class LogsPanel : public Panel {
 public:
  explicit LogsPanel(Workspace& workspace) : Panel("Logs"), workspace_(workspace) {}
  void draw(const Snapshot& snapshot, Commands& commands) override;

  // Level, context and message of each line, coloured by level.
  static void draw_logs(const debugger::HistoryEntry& run);

 private:
  Workspace& workspace_;
};

}  // namespace pwplay::gui
