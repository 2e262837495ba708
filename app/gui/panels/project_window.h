// The Project window: the saved requests (imported from HAR files or opened with a project) and
// the history opened with a project; a request picked here fills the Request panel's composer.
#pragma once

#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class ProjectWindow : public Panel {
 public:
  explicit ProjectWindow(Workspace& workspace) : Panel("Project"), workspace_(workspace) {}
  // A floating window, shown while Workspace::show_project is set.
  void draw(const Snapshot& snapshot, Commands& commands) override;

 private:
  void draw_requests();
  void draw_history();
  void use(const debugger::RequestFile& request, const std::string& what);
  Workspace& workspace_;
};

}  // namespace pwplay::gui
