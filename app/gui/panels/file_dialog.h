// The File menu's modal windows: a path field (Tab completes it) over a file browser for Open
// filter, Open request, Open / Save project, Export HAR and trace, and for Import HAR the file's
// entries (method, URL, status) with checkboxes. What they show and do lives in
// Workspace::file_dialog and the File commands (app/gui/core/file_actions.h).
#pragma once

#include "app/gui/core/file_browser.h"
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
  void open_browser(FileDialog::Kind kind);
  Workspace& workspace_;
  FileBrowser browser_;
  FileDialog::Kind browsed_kind_ = FileDialog::Kind::None;
};

}  // namespace pwplay::gui
