#include <algorithm>

#include "app/gui/panels/perf/perf_views.h"
#include "app/gui/widgets.h"

namespace pwplay::gui::perf {

void memory_view(const debugger::PerfSeries* series, const debugger::PluginPerfView& view,
                 float height) {
  ImGui::Text("Linear memory: %s (peak %s), %zu growth event(s) in the window",
              widgets::format_bytes(view.memory_bytes).c_str(),
              widgets::format_bytes(view.peak_memory_bytes).c_str(), view.growth.size());
  static const std::vector<double> kNone;
  const auto& xs = series ? series->seconds : kNone;
  const auto& ys = series ? series->memory_bytes : kNone;
  // Growth events are marked at the sample they fall into (the series has one point per
  // sample): the first sample whose memory reached the grown size.
  std::vector<double> marks;
  for (const auto& growth : view.growth) {
    for (size_t i = 0; i < ys.size(); ++i)
      if (ys[i] >= static_cast<double>(growth.to_bytes)) {
        marks.push_back(xs[i]);
        break;
      }
  }
  auto bytes = [](double v) { return widgets::format_bytes(static_cast<uint64_t>(v)); };
  const int hover = line_plot("memory", xs, ys, ImVec2(ImGui::GetContentRegionAvail().x, height),
                              bytes, marks, IM_COL32(120, 220, 140, 255));
  if (hover >= 0) {
    const auto i = static_cast<size_t>(hover);
    // The growth that ended at or before this point, with its callback.
    const host::MemoryGrowth* last = nullptr;
    for (const auto& growth : view.growth)
      if (static_cast<double>(growth.to_bytes) <= ys[i]) last = &growth;
    if (last)
      ImGui::SetTooltip("%.0f s: %s\nlast growth %s -> %s in %s (after %llu requests)", xs[i],
                        bytes(ys[i]).c_str(), bytes(static_cast<double>(last->from_bytes)).c_str(),
                        bytes(static_cast<double>(last->to_bytes)).c_str(),
                        last->callback.empty() ? "load" : last->callback.c_str(),
                        static_cast<unsigned long long>(last->requests));
    else
      ImGui::SetTooltip("%.0f s: %s", xs[i], bytes(ys[i]).c_str());
  }
}

}  // namespace pwplay::gui::perf
