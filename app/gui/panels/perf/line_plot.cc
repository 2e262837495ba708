#include <algorithm>

#include "app/gui/panels/perf/perf_views.h"

namespace pwplay::gui::perf {

int line_plot(const char* id, const std::vector<double>& xs, const std::vector<double>& ys,
              ImVec2 size, const std::function<std::string(double)>& label,
              const std::vector<double>& marks, ImU32 color) {
  ImGui::PushID(id);
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  size.x = std::max(size.x, 50.0f);
  size.y = std::max(size.y, 30.0f);
  ImGui::InvisibleButton("plot", size);
  const bool hovered = ImGui::IsItemHovered();
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const ImVec2 end(origin.x + size.x, origin.y + size.y);
  draw->AddRectFilled(origin, end, IM_COL32(30, 32, 38, 255));
  draw->AddRect(origin, end, IM_COL32(80, 80, 90, 255));
  int hover = -1;
  if (xs.size() >= 1 && xs.size() == ys.size()) {
    const double x0 = xs.front();
    const double x1 = std::max(xs.back(), x0 + 1e-9);
    double top = *std::max_element(ys.begin(), ys.end());
    if (top <= 0) top = 1;
    top *= 1.1;
    const float pad = 4;
    auto at = [&](double x, double y) {
      return ImVec2(origin.x + pad + static_cast<float>((x - x0) / (x1 - x0)) * (size.x - 2 * pad),
                    end.y - pad - static_cast<float>(y / top) * (size.y - 2 * pad));
    };
    for (double mark : marks) {
      if (mark < x0 || mark > x1) continue;
      const float x = at(mark, 0).x;
      draw->AddLine(ImVec2(x, origin.y), ImVec2(x, end.y), IM_COL32(240, 150, 60, 200), 1.5f);
    }
    std::vector<ImVec2> points;
    points.reserve(xs.size());
    for (size_t i = 0; i < xs.size(); ++i) points.push_back(at(xs[i], ys[i]));
    if (points.size() == 1) draw->AddCircleFilled(points.front(), 3, color);
    draw->AddPolyline(points.data(), static_cast<int>(points.size()), color, ImDrawFlags_None, 2);
    draw->AddText(ImVec2(origin.x + 6, origin.y + 2), IM_COL32(170, 170, 180, 255),
                  label(top / 1.1).c_str());
    if (hovered) {
      const float mouse = ImGui::GetIO().MousePos.x;
      float best = 1e9f;
      for (size_t i = 0; i < points.size(); ++i) {
        const float d = std::abs(points[i].x - mouse);
        if (d < best) {
          best = d;
          hover = static_cast<int>(i);
        }
      }
      if (hover >= 0) {
        const ImVec2 p = points[static_cast<size_t>(hover)];
        draw->AddCircleFilled(p, 4, IM_COL32(255, 255, 255, 255));
      }
    }
  } else {
    draw->AddText(ImVec2(origin.x + 6, origin.y + 6), IM_COL32(150, 150, 160, 255),
                  "no samples yet");
  }
  ImGui::PopID();
  return hover;
}

}  // namespace pwplay::gui::perf
