#include <algorithm>

#include "app/gui/panels/perf/perf_views.h"
#include "app/gui/widgets.h"

namespace pwplay::gui::perf {

void host_calls_view(const debugger::PluginPerfView& view) {
  ImGui::Text("Host calls: %.1f per request", view.host_calls_per_request);
  if (view.host_calls.empty()) {
    ImGui::TextDisabled("no host call in this window");
    return;
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_Sortable | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_Borders | ImGuiTableFlags_Resizable |
                                ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  const float rows = static_cast<float>(std::min<size_t>(view.host_calls.size(), 8) + 1);
  if (!ImGui::BeginTable("host_calls", 6, flags,
                         ImVec2(0, rows * ImGui::GetTextLineHeightWithSpacing() + 8)))
    return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Host function", ImGuiTableColumnFlags_WidthStretch, 3.0f);
  ImGui::TableSetupColumn("Per request", 0, 1.0f);
  ImGui::TableSetupColumn("Calls", 0, 1.0f);
  ImGui::TableSetupColumn(
      "Time share", ImGuiTableColumnFlags_DefaultSort | ImGuiTableColumnFlags_PreferSortDescending,
      1.2f);
  ImGui::TableSetupColumn("Bytes in", 0, 1.0f);
  ImGui::TableSetupColumn("Bytes out", 0, 1.0f);
  ImGui::TableHeadersRow();
  std::vector<const debugger::HostCallRow*> rows_sorted;
  for (const auto& row : view.host_calls) rows_sorted.push_back(&row);
  if (const ImGuiTableSortSpecs* specs = ImGui::TableGetSortSpecs(); specs && specs->SpecsCount) {
    const ImGuiTableColumnSortSpecs& spec = specs->Specs[0];
    auto key = [&](const debugger::HostCallRow* r) -> double {
      switch (spec.ColumnIndex) {
        case 1:
          return r->per_request;
        case 2:
          return static_cast<double>(r->calls);
        case 3:
          return r->time_share;
        case 4:
          return static_cast<double>(r->bytes_in);
        case 5:
          return static_cast<double>(r->bytes_out);
        default:
          return 0;
      }
    };
    const bool ascending = spec.SortDirection == ImGuiSortDirection_Ascending;
    std::stable_sort(rows_sorted.begin(), rows_sorted.end(), [&](auto* a, auto* b) {
      if (spec.ColumnIndex == 0) return ascending ? a->name < b->name : a->name > b->name;
      return ascending ? key(a) < key(b) : key(a) > key(b);
    });
  }
  for (const auto* row : rows_sorted) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(row->name.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.2f", row->per_request);
    ImGui::TableNextColumn();
    ImGui::Text("%llu", static_cast<unsigned long long>(row->calls));
    ImGui::TableNextColumn();
    ImGui::ProgressBar(static_cast<float>(row->time_share), ImVec2(-1, 0), nullptr);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("%.1f %% of host-call time (%s)", row->time_share * 100,
                        widgets::format_duration(row->ns).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(widgets::format_bytes(row->bytes_in).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(widgets::format_bytes(row->bytes_out).c_str());
  }
  ImGui::EndTable();
}

}  // namespace pwplay::gui::perf
