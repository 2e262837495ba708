// Inspector tabs: the Trace and Debugger panels sharing the lower right slot of the layout as
// two tabs. A new pause brings the Debugger tab to the front.
#pragma once

#include "app/gui/panel.h"
#include "app/gui/panels/debugger_panel.h"
#include "app/gui/panels/trace_panel.h"

namespace pwplay::gui {

class InspectorTabs : public Panel {
 public:
  InspectorTabs(TracePanel& trace, DebuggerPanel& debugger);
  void draw(const Snapshot& snapshot, Commands& commands) override;
  // Brings a tab to the front on the next frame ("Trace" or "Debugger").
  void show(const std::string& tab) { pending_tab_ = tab; }

 private:
  TracePanel& trace_;
  DebuggerPanel& debugger_;
  std::string pending_tab_;
};

}  // namespace pwplay::gui
