// The fixed layout of the main window (ImGui 1.86 has no docking): the Filter and Request panels
// in a left column, Result and Trace on the right, splitters between them, the status bar at the
// bottom. Splitter positions and open panels are saved in the ImGui ini file.
#pragma once

#include <vector>

#include "app/gui/panel.h"

namespace pwplay::gui {

class Layout {
 public:
  struct Slots {
    Panel* left_top;
    Panel* left_bottom;
    Panel* right_top;
    Panel* right_bottom;
    Panel* status;
  };
  explicit Layout(Slots slots);

  // Registers the "[pwplay][Layout]" ini section; call before the first frame.
  void install_ini_handler();
  // Draws every open panel below the main menu bar.
  void draw(const Snapshot& snapshot, Commands& commands);
  // Splitters back to their defaults, every panel open.
  void reset();

  std::vector<Panel*> panels() const;

 private:
  // `width` 0 takes what is left of the row.
  void draw_column(const char* id, Panel* top, Panel* bottom, float* top_fraction, float width,
                   float height, const Snapshot& snapshot, Commands& commands);
  void draw_frame(Panel* panel, float height, const Snapshot& snapshot, Commands& commands);

  Slots slots_;
  static constexpr float kLeftFraction = 0.36f;  // left column width / window width
  static constexpr float kLeftTop = 0.36f;       // Filter panel height / left column height
  static constexpr float kRightTop = 0.46f;      // Result panel height / right column height

  float left_fraction_ = kLeftFraction;
  float left_top_ = kLeftTop;
  float right_top_ = kRightTop;
};

}  // namespace pwplay::gui
