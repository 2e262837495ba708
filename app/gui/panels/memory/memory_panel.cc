#include "app/gui/panels/memory/memory_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>

#include "app/gui/style.h"

namespace pwplay::gui {

namespace memory_colours {

ImU32 region(uint32_t index, float alpha) {
  // Distinct hues that read on the dark and the light theme; text stays legible over them.
  static constexpr ImU32 kPalette[] = {IM_COL32(70, 140, 255, 255), IM_COL32(60, 190, 110, 255),
                                       IM_COL32(230, 150, 40, 255), IM_COL32(200, 90, 220, 255),
                                       IM_COL32(40, 190, 200, 255), IM_COL32(230, 90, 110, 255),
                                       IM_COL32(170, 190, 60, 255), IM_COL32(150, 120, 255, 255)};
  const ImU32 colour = kPalette[index % (sizeof(kPalette) / sizeof(kPalette[0]))];
  const auto a = static_cast<ImU32>(std::clamp(alpha, 0.0f, 1.0f) * 255.0f);
  return (colour & ~IM_COL32_A_MASK) | (a << IM_COL32_A_SHIFT);
}

ImU32 changed(float alpha) {
  const auto a = static_cast<ImU32>(std::clamp(alpha, 0.0f, 1.0f) * 255.0f);
  return IM_COL32(255, 90, 60, 0) | (a << IM_COL32_A_SHIFT);
}

}  // namespace memory_colours

nlohmann::json MemoryPanel::geometry_json() const {
  if (!geometry_.drawn) return nullptr;
  return {{"byte_x", geometry_.byte_x},
          {"ascii_x", geometry_.ascii_x},
          {"rows_y", geometry_.rows_y},
          {"cell_width", geometry_.cell_width},
          {"char_width", geometry_.char_width},
          {"row_height", geometry_.row_height},
          {"first_address", geometry_.first_row * static_cast<uint64_t>(geometry_.bytes_per_row)},
          {"visible_rows", geometry_.visible_rows},
          {"bytes_per_row", geometry_.bytes_per_row}};
}

void MemoryPanel::draw(const Snapshot& snapshot, Commands& commands) {
  view_.observe(snapshot, workspace_);
  draw_toolbar(snapshot, commands);
  if (view_.image().empty()) {
    geometry_.drawn = false;
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  // 16 bytes a row beside a readable legend and data inspector when they fit, else 8 (the debug
  // layout's memory box at 1600x1000); narrower still (the inspector column), the legend and the
  // data inspector go under the grid. A row cut at the right would hide its ASCII.
  const float side = ImGui::GetFontSize() * 13.0f;
  int columns = 16;
  bool stacked = false;
  if (grid_width(16) + side > avail.x) {
    columns = 8;
    if (grid_width(8) + side > avail.x) {
      stacked = true;
      if (grid_width(16) <= avail.x) columns = 16;
    }
  }
  if (columns != columns_) {
    top_row_ = top_row_ * static_cast<uint64_t>(columns_) / static_cast<uint64_t>(columns);
    columns_ = columns;
  }
  const float grid = std::min(grid_width(columns_), avail.x);
  const float grid_height = stacked ? std::floor(avail.y * 0.55f) : avail.y;
  ImGui::BeginChild("##grid", ImVec2(grid, grid_height), true,
                    ImGuiWindowFlags_NoScrollbar | ImGuiWindowFlags_NoScrollWithMouse |
                        ImGuiWindowFlags_HorizontalScrollbar);
  const ImVec2 inner = ImGui::GetContentRegionAvail();
  draw_grid(inner.x, inner.y);
  ImGui::EndChild();
  if (!stacked) ImGui::SameLine();
  ImGui::BeginChild("##side", ImVec2(0, 0), false);
  // The legend first (a few rows, scrolling past six), then the inspector under it.
  draw_regions(commands);
  ImGui::Spacing();
  draw_inspector();
  ImGui::EndChild();
}

}  // namespace pwplay::gui
