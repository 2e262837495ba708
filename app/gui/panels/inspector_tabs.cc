#include "app/gui/panels/inspector_tabs.h"

#include <imgui.h>

namespace pwplay::gui {

// Named "Trace" so that the View menu entry and the saved open state keep their names.
InspectorTabs::InspectorTabs(TracePanel& trace, DebuggerPanel& debugger, MemoryPanel& memory,
                             PerfPanel& perf)
    : Panel("Trace"), trace_(trace), debugger_(debugger), memory_(memory), perf_(perf) {}

void InspectorTabs::draw(const Snapshot& snapshot, Commands& commands) {
  // A new pause brings the Debugger forward, unless a tab was asked for since (show-memory).
  if (debugger_.take_new_pause(snapshot) && pending_tab_.empty()) pending_tab_ = debugger_.name();
  if (!ImGui::BeginTabBar("inspector")) return;
  std::vector<Panel*> tabs{&trace_, &debugger_, &memory_, &perf_};
  tabs.insert(tabs.end(), extra_.begin(), extra_.end());
  for (Panel* panel : tabs) {
    ImGuiTabItemFlags flags = 0;
    if (pending_tab_ == panel->name()) flags |= ImGuiTabItemFlags_SetSelected;
    if (ImGui::BeginTabItem(panel->name().c_str(), nullptr, flags)) {
      selected_ = panel->name();
      panel->draw(snapshot, commands);
      ImGui::EndTabItem();
    }
  }
  pending_tab_.clear();
  ImGui::EndTabBar();
}

}  // namespace pwplay::gui
