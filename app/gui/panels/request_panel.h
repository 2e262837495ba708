// Request editor: the request to send (method, path, headers, body), opened from and saved to
// REQ.json files. Send runs it through the filter.
#pragma once

#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class RequestPanel : public Panel {
 public:
  explicit RequestPanel(Workspace& workspace) : Panel("Request"), workspace_(workspace) {}
  void draw(const Snapshot& snapshot, Commands& commands) override;

 private:
  void draw_headers();
  Workspace& workspace_;
};

}  // namespace pwplay::gui
