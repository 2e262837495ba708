// Result panel: what one run produced, picked from the history: the request as the upstream
// received it and the response as the client received it, each with the filters' header changes
// highlighted and attributed to the filter that made them (in its colour), and the logs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"
#include "app/gui/widgets.h"
#include "debugger/change_attribution.h"

namespace pwplay::gui {

class ResultPanel : public Panel {
 public:
  enum Tab : int { kUpstream = 0, kResponse = 1, kLogs = 2 };

  explicit ResultPanel(Workspace& workspace) : Panel("Result"), workspace_(workspace) {}
  void draw(const Snapshot& snapshot, Commands& commands) override;
  // The tab drawn last (for the automation log); -1 before a run's tabs were drawn.
  int shown_tab() const { return shown_tab_; }

 private:
  void draw_history(const Snapshot& snapshot, const debugger::HistoryEntry* run,
                    Commands& commands);
  void draw_summary(const debugger::HistoryEntry& run);
  void draw_upstream(const debugger::HistoryEntry& run);
  void draw_response(const debugger::HistoryEntry& run);
  void refresh(const debugger::HistoryEntry& run);
  void draw_body(const char* id, const std::string& body, const std::string& pretty);

  Workspace& workspace_;
  // Diffs of the run on show, computed once per run.
  uint64_t cached_run_ = 0;
  // Each header change with the filter that made it.
  debugger::RunChanges changes_;
  std::string upstream_pretty_;  // the bodies re-indented when they are JSON ("" otherwise)
  std::string response_pretty_;
  bool pretty_json_ = true;
  int shown_tab_ = -1;
};

}  // namespace pwplay::gui
