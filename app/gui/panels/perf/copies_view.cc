#include <algorithm>
#include <cmath>

#include "app/gui/panels/perf/perf_views.h"
#include "app/gui/widgets.h"

namespace pwplay::gui::perf {
namespace {

// One direction: copied bytes per request as a bar, the ABI minimum as a marker on it.
void direction(const char* label, double copied, double minimum, double top, float width) {
  ImGui::TextUnformatted(label);
  ImGui::SameLine(120);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  const float h = ImGui::GetTextLineHeight();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  auto x_of = [&](double v) { return at.x + width * static_cast<float>(top > 0 ? v / top : 0); };
  draw->AddRectFilled(at, ImVec2(at.x + width, at.y + h), IM_COL32(40, 42, 50, 255));
  draw->AddRectFilled(at, ImVec2(x_of(copied), at.y + h), IM_COL32(200, 140, 70, 255));
  const float mark = x_of(minimum);
  draw->AddLine(ImVec2(mark, at.y - 2), ImVec2(mark, at.y + h + 2), IM_COL32(120, 230, 120, 255),
                2.5f);
  ImGui::InvisibleButton(label, ImVec2(width, h));
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "%s: %.0f bytes copied per request; the ABI minimum is %.0f (each piece "
        "of data once)",
        label, copied, minimum);
  ImGui::SameLine();
  const double extra = minimum > 0 ? copied / minimum : 0;
  if (minimum > 0)
    ImGui::Text("%s (min %s, %.2fx)", widgets::format_bytes(std::llround(copied)).c_str(),
                widgets::format_bytes(std::llround(minimum)).c_str(), extra);
  else
    ImGui::Text("%s", widgets::format_bytes(std::llround(copied)).c_str());
}

}  // namespace

void copies_view(const debugger::PluginPerfView& view) {
  ImGui::Text("Bytes copied per request (green: the ABI minimum); %.1f copies, %.1f allocations",
              view.copies_per_request, view.allocations_per_request);
  const double top = std::max({view.bytes_in_per_request, view.bytes_out_per_request,
                               view.min_bytes_in_per_request, view.min_bytes_out_per_request, 1.0});
  const float width = std::max(80.0f, ImGui::GetContentRegionAvail().x - 330);
  direction("host -> VM", view.bytes_in_per_request, view.min_bytes_in_per_request, top, width);
  direction("VM -> host", view.bytes_out_per_request, view.min_bytes_out_per_request, top, width);
}

}  // namespace pwplay::gui::perf
