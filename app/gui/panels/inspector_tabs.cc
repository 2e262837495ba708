#include "app/gui/panels/inspector_tabs.h"

#include <imgui.h>

#include <string>

namespace pwplay::gui {

// Named "Trace" so that the View menu entry and the saved open state keep their names.
InspectorTabs::InspectorTabs(Tabs tabs, DebuggerPanel& debugger)
    : Panel("Trace"), tabs_(tabs), debugger_(debugger) {}

Result<void> InspectorTabs::show(InspectorTab tab) {
  if (!panel(tab))
    return make_error(std::string("show-inspector: the ") + inspector_tab_title(tab) +
                      " tab is not in this build yet");
  open = true;
  pending_ = tab;
  return {};
}

void InspectorTabs::draw(const Snapshot& snapshot, Commands& commands) {
  // A new pause brings the Debugger forward, unless a tab was asked for since (show-memory).
  if (debugger_.take_new_pause(snapshot) && !pending_) pending_ = InspectorTab::Debugger;
  headers_.clear();
  if (!ImGui::BeginTabBar("inspector")) return;
  for (InspectorTab tab : kAllInspectorTabs) {
    Panel* panel = this->panel(tab);
    if (!panel) continue;
    ImGuiTabItemFlags flags = 0;
    if (pending_ == tab) flags |= ImGuiTabItemFlags_SetSelected;
    // The header is the tab's title whatever the panel's name (the Logs panel is "Logs").
    std::string label = std::string(inspector_tab_title(tab)) + "###" + inspector_tab_id(tab);
    const bool shown = ImGui::BeginTabItem(label.c_str(), nullptr, flags);
    const ImVec2 low = ImGui::GetItemRectMin(), high = ImGui::GetItemRectMax();
    headers_.push_back({tab, low.x, low.y, high.x - low.x, high.y - low.y});
    if (shown) {
      selected_ = tab;
      panel->draw(snapshot, commands);
      ImGui::EndTabItem();
    }
  }
  pending_.reset();
  ImGui::EndTabBar();
}

}  // namespace pwplay::gui
