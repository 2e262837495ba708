// Filter panel: the filter chain and how each filter loads (module, configuration checked as
// JSON, root_id, vm_id, engine, fail-open, VM configuration, environment variables), and what
// the engine made of it (plugin names, ABI versions, engines) or why it could not load. One
// filter looks as it always did; "Add filter" makes it a chain with a row per filter (enable,
// move up and down, remove) above the selected filter's settings.
#pragma once

#include <cstddef>
#include <string>

#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class FilterPanel : public Panel {
 public:
  explicit FilterPanel(Workspace& workspace) : Panel("Filter"), workspace_(workspace) {}
  void draw(const Snapshot& snapshot, Commands& commands) override;

 private:
  // The chain's rows; returns the filter whose settings to edit.
  FilterSettings& draw_chain(Commands& commands);
  void draw_settings(FilterSettings& filter, Commands& commands);
  void draw_add(Commands& commands);
  void draw_status(const Snapshot& snapshot);

  Workspace& workspace_;
  size_t selected_ = 0;     // the chain row whose settings are shown (0-based)
  std::string add_path_;    // the Add filter field
  bool adding_ = false;     // the Add filter field is shown
  bool focus_add_ = false;  // give it the keyboard on the frame it opens
};

}  // namespace pwplay::gui
