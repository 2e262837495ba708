#include <algorithm>

#include "app/gui/panels/perf/perf_views.h"
#include "app/gui/widgets.h"

namespace pwplay::gui::perf {
namespace {

// The selected callback's latency histogram, its non-empty bucket range as bars.
void histogram(const debugger::CallbackRow& row) {
  const auto& counts = row.latency_ns.counts;
  size_t first = 0;
  while (first < counts.size() && counts[first] == 0) ++first;
  if (first >= counts.size()) return;
  std::vector<float> bars;
  for (size_t i = first; i < counts.size(); ++i) bars.push_back(static_cast<float>(counts[i]));
  const std::string low = widgets::format_duration(host::Histogram::bucket_low(first));
  const std::string high =
      widgets::format_duration(host::Histogram::bucket_high(counts.size() - 1));
  ImGui::Text("%s: %llu calls, %s .. %s (mean %s)", row.name.c_str(),
              static_cast<unsigned long long>(row.latency_ns.count), low.c_str(), high.c_str(),
              widgets::format_duration(static_cast<uint64_t>(row.latency_ns.mean())).c_str());
  ImGui::PlotHistogram("##latency", bars.data(), static_cast<int>(bars.size()), 0, nullptr, 0.0f,
                       FLT_MAX, ImVec2(ImGui::GetContentRegionAvail().x, 70));
}

}  // namespace

void callbacks_view(const debugger::PluginPerfView& view, std::string& selected) {
  ImGui::TextUnformatted("Callbacks: p50 (bright) and p99 per call; click one for its histogram");
  if (view.callbacks.empty()) {
    ImGui::TextDisabled("no callback ran in this window");
    return;
  }
  uint64_t top = 1;
  for (const auto& row : view.callbacks) top = std::max(top, row.latency_ns.percentile(0.99));
  const float name_width = 230;
  const float width = std::max(80.0f, ImGui::GetContentRegionAvail().x - name_width - 150);
  ImDrawList* draw = ImGui::GetWindowDrawList();
  const debugger::CallbackRow* chosen = nullptr;
  for (const auto& row : view.callbacks) {
    ImGui::PushID(row.name.c_str());
    const bool is_selected = row.name == selected;
    if (is_selected) chosen = &row;
    if (ImGui::Selectable(row.name.c_str(), is_selected, 0, ImVec2(name_width, 0)))
      selected = is_selected ? std::string() : row.name;
    ImGui::SameLine(name_width + 8);
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float h = ImGui::GetTextLineHeight();
    const uint64_t p50 = row.latency_ns.percentile(0.5);
    const uint64_t p99 = row.latency_ns.percentile(0.99);
    auto x_of = [&](uint64_t ns) {
      return at.x + width * static_cast<float>(static_cast<double>(ns) / static_cast<double>(top));
    };
    draw->AddRectFilled(at, ImVec2(x_of(p99), at.y + h), IM_COL32(70, 110, 170, 255));
    draw->AddRectFilled(at, ImVec2(x_of(p50), at.y + h), IM_COL32(110, 190, 250, 255));
    ImGui::InvisibleButton("bar", ImVec2(width, h));
    if (ImGui::IsItemClicked()) selected = row.name;
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%s\n%llu calls\np50 %s  p99 %s  max %s", row.name.c_str(),
                        static_cast<unsigned long long>(row.latency_ns.count),
                        widgets::format_duration(p50).c_str(),
                        widgets::format_duration(p99).c_str(),
                        widgets::format_duration(row.latency_ns.max).c_str());
    ImGui::SameLine();
    ImGui::Text("%s / %s", widgets::format_duration(p50).c_str(),
                widgets::format_duration(p99).c_str());
    ImGui::PopID();
  }
  if (chosen) histogram(*chosen);
}

}  // namespace pwplay::gui::perf
