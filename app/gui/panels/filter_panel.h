// Filter panel: which module to load and how (configuration, root_id, vm_id, fail-open), and
// what the engine made of it (plugin name, ABI version, engine) or why it could not load.
#pragma once

#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class FilterPanel : public Panel {
 public:
  explicit FilterPanel(Workspace& workspace) : Panel("Filter"), workspace_(workspace) {}
  void draw(const Snapshot& snapshot, Commands& commands) override;

 private:
  Workspace& workspace_;
};

}  // namespace pwplay::gui
