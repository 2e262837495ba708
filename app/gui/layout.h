// The layout of the main window (ImGui 1.86 has no docking): the Filter and Request panels in a
// left column, the Result panel above the run's timeline in the centre, the inspector's tabs on
// the right, splitters between all, the status bar at the bottom. In the debug layout (a stream
// paused, or toggle-debug-layout) the debug view takes the left and centre columns. Splitter
// positions, open panels, the theme and the font scale are saved in the "[pwplay][Layout]" ini
// section.
#pragma once

#include <cstdint>
#include <vector>

#include "app/gui/core/ui_state.h"
#include "app/gui/panel.h"
#include "app/gui/panels/debug_view.h"

namespace pwplay::gui {

class Layout {
 public:
  struct Slots {
    Panel* filter;     // left, top
    Panel* request;    // left, bottom
    Panel* result;     // centre, top
    Panel* timeline;   // centre, bottom
    Panel* inspector;  // right
    DebugView* debug;  // left and centre in the debug layout
    Panel* status;
    Panel* learn;  // a column of its own at the left, in both layouts, while open
  };
  // What the ini section keeps besides sizes: the app applies it between frames.
  struct Appearance {
    Theme theme = Theme::Dark;
    float font_scale = 1.0f;
    bool operator==(const Appearance&) const = default;
  };

  explicit Layout(Slots slots);

  // Registers the "[pwplay][Layout]" ini section and reads the ini file now, so that the saved
  // appearance applies from the first frame; call before it.
  void install_ini_handler();
  // A new pause switches to the debug layout, the end of it (nothing paused, nothing running)
  // back to normal; call each frame before draw().
  void follow_pause(const Snapshot& snapshot);
  // Draws every open panel below the main menu bar.
  void draw(const Snapshot& snapshot, Commands& commands);
  // Splitters back to their defaults, every panel open.
  void reset();

  LayoutMode mode() const { return mode_; }
  void set_mode(LayoutMode mode) { mode_ = mode; }
  std::vector<Panel*> panels() const;

  // Saved with the layout; the app rebuilds fonts and theme before the next frame.
  void set_theme(Theme theme);
  void set_font_scale(float scale);
  Appearance appearance;

 private:
  void draw_normal(const Snapshot& snapshot, Commands& commands, float width, float height);
  void draw_debug(const Snapshot& snapshot, Commands& commands, float width, float height);
  // Two panels one above the other; `width` 0 takes what is left of the row.
  void draw_column(const char* id, Panel* top, Panel* bottom, float* top_fraction, float width,
                   float height, const Snapshot& snapshot, Commands& commands);
  void draw_frame(Panel* panel, float height, const Snapshot& snapshot, Commands& commands);

  Slots slots_;
  static constexpr float kLeftFraction = 0.25f;   // left column width / window width
  static constexpr float kRightFraction = 0.41f;  // inspector width / window width
  static constexpr float kDebugRight = 0.30f;     // the same in the debug layout
  static constexpr float kLeftTop = 0.34f;        // Filter panel height / left column height
  static constexpr float kCentreTop = 0.66f;      // Result panel height / centre column height
  static constexpr float kLearnFraction = 0.22f;  // Learn column width / window width

  float left_fraction_ = kLeftFraction;
  float right_fraction_ = kRightFraction;
  float debug_right_ = kDebugRight;
  float left_top_ = kLeftTop;
  float centre_top_ = kCentreTop;
  float learn_fraction_ = kLearnFraction;
  LayoutMode mode_ = LayoutMode::Normal;
  bool in_pause_ = false;  // a pause was seen and has not ended yet
};

}  // namespace pwplay::gui
