// Inspector tabs: Trace, Debugger, Memory, Module, Performance and Logs sharing the right-hand
// column of the layout, switched by a click on a header, Ctrl+Alt+1..6 or show-inspector. A new
// pause brings the Debugger tab to the front. A tab whose panel this build does not have yet
// (Memory, Module) has no header and show-inspector refuses it.
#pragma once

#include <array>
#include <optional>
#include <vector>

#include "app/gui/core/ui_state.h"
#include "app/gui/panel.h"
#include "app/gui/panels/debugger_panel.h"

namespace pwplay::gui {

class InspectorTabs : public Panel {
 public:
  // One panel per InspectorTab, in its order; nullptr for a tab not in this build.
  using Tabs = std::array<Panel*, kInspectorTabs>;

  InspectorTabs(Tabs tabs, DebuggerPanel& debugger);
  void draw(const Snapshot& snapshot, Commands& commands) override;
  std::string title() const override { return "Inspector"; }
  // Brings a tab to the front on the next frame.
  Result<void> show(InspectorTab tab);
  // The tab drawn in the last frame (none before the first).
  std::optional<InspectorTab> selected() const { return selected_; }
  Panel* panel(InspectorTab tab) const { return tabs_[static_cast<size_t>(tab)]; }
  // Where each header was drawn in the last frame.
  const std::vector<TabHeader>& headers() const { return headers_; }

 private:
  Tabs tabs_;
  DebuggerPanel& debugger_;
  std::optional<InspectorTab> pending_;
  std::optional<InspectorTab> selected_;
  std::vector<TabHeader> headers_;
};

}  // namespace pwplay::gui
