// The breakpoint gutter of the two code views (the debug view's code at a pause, the Module tab's
// listing): a dot before each instruction that has an instruction breakpoint, and the geometry of
// the lines drawn, which the automation log reports so that a test can click a line.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "debugger/breakpoints.h"

namespace pwplay::gui {

enum class BreakpointMark : uint8_t { None, Enabled, Disabled };

// The mark of the instruction at `offset`: an enabled instruction breakpoint wins over a
// disabled one.
BreakpointMark breakpoint_mark(const std::vector<debugger::Breakpoint>& breakpoints,
                               uint32_t offset);

// Draws the mark in a square cell as high as a line at the cursor, and keeps the cursor on the
// same line after it.
void draw_breakpoint_gutter(BreakpointMark mark);

// One line drawn last frame, in window pixels.
struct CodeLine {
  uint32_t offset = 0;
  float x = 0, y = 0, width = 0, height = 0;
  BreakpointMark mark = BreakpointMark::None;
  bool current = false;  // the paused instruction
};

// [{"offset": 407, "x", "y", "width", "height", "breakpoint": "enabled"|"disabled"|null,
//   "current": false}, ...]
nlohmann::json code_lines_json(const std::vector<CodeLine>& lines);

// Records the last item (a line's Selectable) as a CodeLine.
CodeLine code_line_from_item(uint32_t offset, BreakpointMark mark, bool current);

}  // namespace pwplay::gui
