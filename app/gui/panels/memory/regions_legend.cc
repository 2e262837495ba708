// The memory view's legend: each copied region in its colour with its label, address and size;
// clicking one selects it (memory-select-region).
#include <imgui.h>

#include <algorithm>
#include <string>

#include "app/gui/panels/memory/memory_panel.h"
#include "app/gui/style.h"

namespace pwplay::gui {

void MemoryPanel::draw_regions(Commands& commands) {
  const auto& regions = view_.regions();
  ImGui::Text("Copied regions (%zu)", regions.size());
  if (regions.empty()) {
    ImGui::TextColored(style::muted(), "No copies between host and VM here yet.");
    return;
  }
  // Up to six rows show; more scroll inside the legend's own child.
  const float height = static_cast<float>(std::min<size_t>(regions.size(), 6) + 1) *
                           (ImGui::GetTextLineHeight() + 2 * ImGui::GetStyle().CellPadding.y) +
                       ImGui::GetTextLineHeight();
  ImGui::BeginChild("##legend", ImVec2(0, height), false);
  if (!ImGui::BeginTable("##regions", 3, ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit)) {
    ImGui::EndChild();
    return;
  }
  ImGui::TableSetupColumn("region", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("address");
  ImGui::TableSetupColumn("bytes");
  ImGui::TableHeadersRow();
  const auto cursor = view_.cursor();
  for (size_t i = 0; i < regions.size(); ++i) {
    const auto& region = regions[i];
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    // The swatch, then the label as a selectable spanning the row.
    const ImVec2 at = ImGui::GetCursorScreenPos();
    const float side = ImGui::GetTextLineHeight();
    ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + side, at.y + side),
                                              memory_colours::region(region.colour), 3.0f);
    ImGui::Dummy(ImVec2(side, side));
    ImGui::SameLine();
    const bool holds_cursor =
        cursor && *cursor >= region.address && *cursor - region.address < region.length;
    const std::string text = region.label.empty() ? "(no label)" : region.label;
    if (ImGui::Selectable((text + "##" + std::to_string(i)).c_str(), holds_cursor,
                          ImGuiSelectableFlags_SpanAllColumns))
      (void)commands.run("memory-select-region", CommandSource::Button, std::to_string(i + 1));
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip(
          "%s, %s (copy #%llu)", text.c_str(),
          region.direction == host::CopyDirection::HostToVm ? "host -> VM" : "VM -> host",
          static_cast<unsigned long long>(region.seq));
    ImGui::TableSetColumnIndex(1);
    ImGui::PushFont(style::mono());
    ImGui::Text("0x%08x", region.address);
    ImGui::PopFont();
    ImGui::TableSetColumnIndex(2);
    ImGui::Text("%u", region.length);
  }
  ImGui::EndTable();
  ImGui::EndChild();
}

}  // namespace pwplay::gui
