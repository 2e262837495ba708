#include <algorithm>

#include "app/gui/panels/perf/perf_views.h"
#include "app/gui/widgets.h"

namespace pwplay::gui::perf {

void request_profile_view(const RequestProfile& profile, uint64_t run_id) {
  if (profile.spans.empty()) {
    ImGui::TextDisabled("Request profile: select a run (Send one) to see its callbacks");
    return;
  }
  ImGui::Text("Profile of run %llu: %s (callbacks blue, host calls orange)",
              static_cast<unsigned long long>(run_id),
              widgets::format_duration(profile.total_ns).c_str());
  const float row = ImGui::GetTextLineHeight() + 4;
  const float width = std::max(100.0f, ImGui::GetContentRegionAvail().x);
  const float height = row * static_cast<float>(profile.max_depth + 1) + 4;
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("profile", ImVec2(width, height));
  const bool hovered = ImGui::IsItemHovered();
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(at, ImVec2(at.x + width, at.y + height), IM_COL32(30, 32, 38, 255));
  const double scale =
      static_cast<double>(width) / static_cast<double>(std::max<uint64_t>(profile.total_ns, 1));
  const ProfileSpan* under = nullptr;
  for (const auto& span : profile.spans) {
    const auto [low, high] =
        widgets::span_rect(span.start_ns, span.duration_ns, span.depth, at, scale, row);
    const float x0 = low.x, x1 = high.x, y0 = low.y;
    const ImU32 color = span.callback ? IM_COL32(80, 140, 220, 255) : IM_COL32(220, 150, 70, 255);
    draw->AddRectFilled(low, high, color);
    draw->AddRect(low, high, IM_COL32(20, 20, 25, 255));
    // The name inside when it fits.
    const ImVec2 text = ImGui::CalcTextSize(span.name.c_str());
    if (text.x + 6 < x1 - x0)
      draw->AddText(ImVec2(x0 + 3, y0 + 1), IM_COL32(255, 255, 255, 255), span.name.c_str());
    if (hovered && mouse.x >= low.x && mouse.x <= high.x && mouse.y >= low.y && mouse.y <= high.y)
      under = &span;
  }
  if (under)
    ImGui::SetTooltip("%s %s\n%s, at +%s", under->callback ? "callback" : "host call",
                      under->name.c_str(), widgets::format_duration(under->duration_ns).c_str(),
                      widgets::format_duration(under->start_ns).c_str());
}

}  // namespace pwplay::gui::perf
