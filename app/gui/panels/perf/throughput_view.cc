#include <cstdio>

#include "app/gui/panels/perf/perf_views.h"

namespace pwplay::gui::perf {

void throughput_view(const debugger::PerfSeries* series, float height) {
  ImGui::TextUnformatted("Requests/s over time");
  static const std::vector<double> kNone;
  auto rate = [](double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f req/s", value);
    return std::string(text);
  };
  const auto& xs = series ? series->seconds : kNone;
  const auto& ys = series ? series->requests_per_s : kNone;
  const int hover =
      line_plot("throughput", xs, ys, ImVec2(ImGui::GetContentRegionAvail().x, height), rate);
  if (hover >= 0) {
    const auto i = static_cast<size_t>(hover);
    ImGui::SetTooltip("%.0f s: %s", xs[i], rate(ys[i]).c_str());
  }
}

}  // namespace pwplay::gui::perf
