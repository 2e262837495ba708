// The Help menu's windows: the keyboard-shortcut sheet, generated from the command table (every
// command a menu, key or the palette can run, by menu, with its keys), and About with the
// versions of the libraries pwplay runs on.
#pragma once

#include <string>
#include <vector>

#include "app/gui/core/command_table.h"

namespace pwplay::gui {

class HelpWindows {
 public:
  void show_shortcuts() { shortcuts_open_ = true; }
  void show_about() { about_requested_ = true; }
  void draw(Commands& commands);

  // Drawn in the last frame (the automation log lists them).
  bool shortcuts_drawn() const { return shortcuts_drawn_; }
  bool about_drawn() const { return about_drawn_; }

 private:
  void draw_shortcuts(Commands& commands);
  void draw_about(Commands& commands);
  bool shortcuts_open_ = false;
  bool shortcuts_appearing_ = true;
  bool about_requested_ = false;
  bool shortcuts_drawn_ = false;
  bool about_drawn_ = false;
  std::string query_;  // the sheet's filter
};

// The versions About shows, as "name version" pairs ("not built" for an engine this build lacks).
struct LibraryVersion {
  std::string name;
  std::string version;
};
std::vector<LibraryVersion> library_versions();

}  // namespace pwplay::gui
