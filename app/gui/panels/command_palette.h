// Command palette: type to find any command of the table by label or id, Enter runs it.
#pragma once

#include <string>

#include "app/gui/panel.h"

namespace pwplay::gui {

class CommandPalette : public Panel {
 public:
  CommandPalette() : Panel("Command palette") { open = false; }
  void show();  // opens it on the next frame, with an empty query
  void draw(const Snapshot& snapshot, Commands& commands) override;  // a popup over everything

 private:
  bool open_requested_ = false;
  std::string query_;
  int selected_ = 0;
};

}  // namespace pwplay::gui
