// The File menu's small modal windows: a path field for Open / Save project and Export HAR, and
// for Import HAR the file's entries (method, URL, status) with checkboxes. What they show and
// do lives in Workspace::file_dialog and the File commands (app/gui/core/file_actions.h).
#pragma once

#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class FileDialogWindow : public Panel {
 public:
  explicit FileDialogWindow(Workspace& workspace) : Panel("File"), workspace_(workspace) {
    open = false;
  }
  void draw(const Snapshot& snapshot, Commands& commands) override;  // a popup over everything

 private:
  void draw_har_entries();
  Workspace& workspace_;
};

}  // namespace pwplay::gui
