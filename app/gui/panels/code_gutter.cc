#include "app/gui/panels/code_gutter.h"

#include <imgui.h>

#include "app/gui/style.h"

namespace pwplay::gui {

BreakpointMark breakpoint_mark(const std::vector<debugger::Breakpoint>& breakpoints,
                               uint32_t offset) {
  BreakpointMark mark = BreakpointMark::None;
  for (const auto& breakpoint : breakpoints) {
    if (breakpoint.kind != debugger::BreakpointKind::Instruction || breakpoint.offset != offset)
      continue;
    if (breakpoint.enabled) return BreakpointMark::Enabled;
    mark = BreakpointMark::Disabled;
  }
  return mark;
}

void draw_breakpoint_gutter(BreakpointMark mark) {
  const float size = ImGui::GetTextLineHeight();
  const ImVec2 min = ImGui::GetCursorScreenPos();
  ImGui::Dummy(ImVec2(size, size));
  if (mark != BreakpointMark::None) {
    const ImVec2 centre(min.x + size * 0.5f, min.y + size * 0.5f);
    const ImU32 colour = ImGui::GetColorU32(style::error());
    ImDrawList* draw = ImGui::GetWindowDrawList();
    if (mark == BreakpointMark::Enabled)
      draw->AddCircleFilled(centre, size * 0.32f, colour);
    else
      draw->AddCircle(centre, size * 0.32f, colour, 0, 1.5f);
  }
  ImGui::SameLine(0, 2);
}

CodeLine code_line_from_item(uint32_t offset, BreakpointMark mark, bool current) {
  const ImVec2 min = ImGui::GetItemRectMin();
  const ImVec2 max = ImGui::GetItemRectMax();
  return CodeLine{offset, min.x, min.y, max.x - min.x, max.y - min.y, mark, current};
}

nlohmann::json code_lines_json(const std::vector<CodeLine>& lines) {
  nlohmann::json out = nlohmann::json::array();
  for (const CodeLine& line : lines)
    out.push_back(
        {{"offset", line.offset},
         {"x", line.x},
         {"y", line.y},
         {"width", line.width},
         {"height", line.height},
         {"breakpoint", line.mark == BreakpointMark::Enabled    ? nlohmann::json("enabled")
                        : line.mark == BreakpointMark::Disabled ? nlohmann::json("disabled")
                                                                : nlohmann::json(nullptr)},
         {"current", line.current}});
  return out;
}

}  // namespace pwplay::gui
