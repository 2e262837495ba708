// Look of the desktop app: the theme (dark or light), the fonts (DejaVu from fonts-dejavu-core when
// installed, else ImGui's built-in font) and the few semantic colours panels share.
#pragma once

#include <imgui.h>

#include <cstddef>

#include "app/gui/core/ui_state.h"

namespace pwplay::gui::style {

// Loads the fonts at `scale` (the monitor's content scale times the user's font scale) and
// applies the theme. Call before the first frame, and again between frames to change either
// (then upload the font atlas again: PlatformWindow::upload_fonts).
void setup(float scale, Theme theme);
Theme theme();

ImFont* mono();  // for headers, bodies, trace rows; the UI font when no mono font was found
bool using_system_fonts();

// Semantic colours.
ImVec4 added();    // header added by the filter
ImVec4 changed();  // header whose value the filter changed
ImVec4 removed();  // header the filter removed
ImVec4 error();
ImVec4 warning();
ImVec4 muted();
ImVec4 accent();
ImU32 tint(const ImVec4& color, float alpha);  // a faint background of `color`
// A colour per filter of a chain, by its position among the run's filters
// (debugger::filters_in_order): the Trace tab, the Result panel and the timeline share it.
ImVec4 filter_color(size_t position);

}  // namespace pwplay::gui::style
