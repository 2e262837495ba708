// Look of the desktop app: the theme, the fonts (DejaVu from fonts-dejavu-core when installed,
// else ImGui's built-in font) and the few semantic colours panels share.
#pragma once

#include <imgui.h>

namespace pwplay::gui::style {

// Loads the fonts at `scale` (the monitor's content scale) and applies the theme. Call once,
// before the first frame.
void setup(float scale);

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

}  // namespace pwplay::gui::style
