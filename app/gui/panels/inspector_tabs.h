// Inspector tabs: the Trace, Debugger, Memory and Performance panels sharing the lower right slot
// of the layout as tabs. A new pause brings the Debugger tab to the front.
#pragma once

#include <vector>

#include "app/gui/panel.h"
#include "app/gui/panels/debugger_panel.h"
#include "app/gui/panels/memory/memory_panel.h"
#include "app/gui/panels/perf/perf_panel.h"
#include "app/gui/panels/trace_panel.h"

namespace pwplay::gui {

class InspectorTabs : public Panel {
 public:
  InspectorTabs(TracePanel& trace, DebuggerPanel& debugger, MemoryPanel& memory, PerfPanel& perf);
  void draw(const Snapshot& snapshot, Commands& commands) override;
  // Adds a tab after the built-in ones (the Module tab); `panel` outlives this.
  void add_tab(Panel& panel) { extra_.push_back(&panel); }
  // Brings a tab to the front on the next frame ("Trace", "Debugger", "Memory" or "Performance").
  void show(const std::string& tab) { pending_tab_ = tab; }
  // The tab drawn in the last frame.
  const std::string& selected() const { return selected_; }

 private:
  TracePanel& trace_;
  DebuggerPanel& debugger_;
  MemoryPanel& memory_;
  PerfPanel& perf_;
  std::vector<Panel*> extra_;
  std::string pending_tab_;
  std::string selected_;
};

}  // namespace pwplay::gui
