// The memory view's hex grid: 16 bytes a row with their ASCII (8 where the panel is too narrow
// for 16 beside the data inspector), scrolled by rows (a 64 MB memory has four million of them,
// more than float pixels can address), drawn with the draw list for the visible rows only.
#include <imgui.h>
#include <imgui_internal.h>

#include <algorithm>
#include <cstdio>

#include "app/gui/panels/memory/memory_panel.h"
#include "app/gui/style.h"

namespace pwplay::gui {
namespace {

constexpr int kAddressChars = 10;  // "0001f0a0" and two spaces
constexpr int kAsciiGap = 2;

// Where byte column `k` starts, in characters from the first byte: "xx " each, one more space
// after the eighth.
int byte_column(int k) {
  return 3 * k + (k >= 8 ? 1 : 0);
}

// The byte column under `chars` characters from the first byte, or -1.
int column_at(float chars, int columns) {
  if (chars < 0) return -1;
  for (int k = columns - 1; k >= 0; --k)
    if (chars >= static_cast<float>(byte_column(k))) return k;
  return -1;
}

}  // namespace

float MemoryPanel::grid_width(int columns) const {
  ImGui::PushFont(style::mono());
  const float char_width = ImGui::CalcTextSize("0").x;
  ImGui::PopFont();
  const float chars =
      static_cast<float>(kAddressChars + byte_column(columns - 1) + 3 + kAsciiGap + columns);
  return chars * char_width + ImGui::GetStyle().ScrollbarSize +
         ImGui::GetStyle().WindowPadding.x * 2 + ImGui::GetStyle().ItemSpacing.x;
}

void MemoryPanel::draw_grid(float width, float height) {
  const memory::MemoryImage& image = view_.image();
  ImGui::PushFont(style::mono());
  const float cw = ImGui::CalcTextSize("0").x;
  const float rh = ImGui::GetTextLineHeightWithSpacing();
  const float scrollbar = ImGui::GetStyle().ScrollbarSize;
  const ImVec2 origin = ImGui::GetCursorScreenPos();
  const int columns = columns_;
  const auto per_row = static_cast<uint64_t>(columns);
  const uint64_t rows = (image.size() + per_row - 1) / per_row;
  const auto visible = static_cast<uint64_t>(std::max(1.0f, height / rh));
  const uint64_t max_top = rows > visible ? rows - visible : 0;

  // A go-to, search hit or region goes to the third row, with two rows above it for context
  // (always the same place, so the eye knows where to look).
  if (auto target = view_.take_scroll()) {
    const uint64_t row = *target / per_row;
    top_row_ = row > 2 ? row - 2 : 0;
  }

  const float bytes_x = origin.x + kAddressChars * cw;
  const float ascii_x = bytes_x + static_cast<float>(byte_column(columns - 1) + 3 + kAsciiGap) * cw;
  const ImVec2 area(std::max(1.0f, width - scrollbar), std::max(1.0f, height));
  ImGui::InvisibleButton("##bytes", area);
  const bool hovered = ImGui::IsItemHovered();
  const ImGuiIO& io = ImGui::GetIO();

  // The byte under the pointer, if any.
  auto byte_under = [&](ImVec2 mouse) -> std::optional<uint32_t> {
    const float row_f = (mouse.y - origin.y) / rh;
    if (row_f < 0) return std::nullopt;
    int column = -1;
    if (mouse.x >= ascii_x)
      column = std::min(columns - 1, static_cast<int>((mouse.x - ascii_x) / cw));
    else if (mouse.x >= bytes_x)
      column = column_at((mouse.x - bytes_x) / cw, columns);
    if (column < 0) return std::nullopt;
    const uint64_t address = (top_row_ + static_cast<uint64_t>(row_f)) * per_row + column;
    if (address >= image.size()) return std::nullopt;
    return static_cast<uint32_t>(address);
  };
  if (ImGui::IsItemActivated()) {
    if (auto address = byte_under(io.MousePos)) {
      view_.set_cursor(*address, io.KeyShift);
      dragging_ = true;
    }
  }
  if (dragging_ && ImGui::IsItemActive() && ImGui::IsMouseDragging(ImGuiMouseButton_Left)) {
    if (auto address = byte_under(io.MousePos)) view_.set_cursor(*address, true);
  }
  if (!ImGui::IsItemActive()) dragging_ = false;
  if (hovered && io.MouseWheel != 0) {
    const int64_t step = static_cast<int64_t>(io.MouseWheel * 3.0f);
    const int64_t top = static_cast<int64_t>(top_row_) - step;
    top_row_ = static_cast<uint64_t>(std::max<int64_t>(0, top));
  }
  // Keys move the cursor while the grid has focus (after a click in it).
  if (ImGui::IsItemFocused() && view_.cursor()) {
    int64_t move = 0;
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_LeftArrow))) move = -1;
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_RightArrow))) move = 1;
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow))) move = -columns;
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) move = columns;
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageUp)))
      move = -columns * static_cast<int64_t>(visible);
    if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_PageDown)))
      move = columns * static_cast<int64_t>(visible);
    if (move != 0) {
      const int64_t target = std::clamp<int64_t>(static_cast<int64_t>(*view_.cursor()) + move, 0,
                                                 static_cast<int64_t>(image.size()) - 1);
      view_.set_cursor(static_cast<uint32_t>(target), io.KeyShift);
      const uint64_t row = static_cast<uint64_t>(target) / per_row;
      if (row < top_row_) top_row_ = row;
      if (row >= top_row_ + visible) top_row_ = row - visible + 1;
    }
  }

  // The scrollbar counts rows, so every row of a large memory stays reachable.
  ImS64 scroll = static_cast<ImS64>(std::min(top_row_, max_top));
  const ImRect bar(ImVec2(origin.x + width - scrollbar, origin.y),
                   ImVec2(origin.x + width, origin.y + height));
  ImGui::ScrollbarEx(bar, ImGui::GetID("##rows"), ImGuiAxis_Y, &scroll, static_cast<ImS64>(visible),
                     static_cast<ImS64>(std::max<uint64_t>(rows, 1)), ImDrawFlags_RoundCornersAll);
  top_row_ = std::min(static_cast<uint64_t>(scroll), max_top);

  geometry_ = GridGeometry{
      true,   bytes_x, ascii_x, origin.y, 3 * cw, cw, rh, top_row_, static_cast<uint32_t>(visible),
      columns};

  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->PushClipRect(origin, ImVec2(origin.x + width - scrollbar, origin.y + height), true);
  const ImU32 text = ImGui::GetColorU32(ImGuiCol_Text);
  const ImU32 muted = ImGui::GetColorU32(style::muted());
  const ImU32 selected_bg = ImGui::GetColorU32(ImGuiCol_TextSelectedBg);
  const ImU32 cursor_box = ImGui::GetColorU32(style::accent());
  const ImU32 changed_text = memory_colours::changed();
  const auto selection = view_.selection();
  const auto cursor = view_.cursor();
  const auto& regions = view_.regions();
  const std::optional<uint32_t> hovered_byte =
      hovered ? byte_under(io.MousePos) : std::optional<uint32_t>();
  const int64_t hovered_at = hovered_byte ? static_cast<int64_t>(*hovered_byte) : -1;
  char cell[24];
  for (uint64_t r = top_row_; r < rows && r <= top_row_ + visible; ++r) {
    const float y = origin.y + static_cast<float>(r - top_row_) * rh;
    std::snprintf(cell, sizeof(cell), "%08llx", static_cast<unsigned long long>(r * per_row));
    draw->AddText(ImVec2(origin.x, y), muted, cell);
    for (int k = 0; k < columns; ++k) {
      const uint64_t a64 = r * per_row + static_cast<uint64_t>(k);
      if (a64 >= image.size()) break;
      const auto a = static_cast<uint32_t>(a64);
      const float x = bytes_x + static_cast<float>(byte_column(k)) * cw;
      const float ax = ascii_x + static_cast<float>(k) * cw;
      // Backgrounds: the region (its colour), the selection over it; the cell reaches the next
      // byte inside a region so a region reads as one band.
      const memory::Region* region = memory::region_at(regions, a);
      const bool in_selection = selection && a >= selection->begin && a < selection->end;
      const float cell_w =
          (k == columns - 1 || !region || memory::region_at(regions, a + 1) != region)
              ? 2 * cw
              : static_cast<float>(byte_column(k + 1) - byte_column(k)) * cw;
      if (region) {
        const ImU32 fill = memory_colours::region(region->colour, 0.38f);
        draw->AddRectFilled(ImVec2(x - 1, y), ImVec2(x + cell_w + 1, y + rh - 1), fill);
        draw->AddRectFilled(ImVec2(ax, y), ImVec2(ax + cw, y + rh - 1), fill);
      }
      if (in_selection) {
        draw->AddRectFilled(ImVec2(x - 1, y), ImVec2(x + 2 * cw + 1, y + rh - 1), selected_bg);
        draw->AddRectFilled(ImVec2(ax, y), ImVec2(ax + cw, y + rh - 1), selected_bg);
      }
      const bool known = image.is_known(a);
      const bool changed = view_.changed().contains(a);
      const uint8_t byte = known ? image.at(a) : 0;
      if (known)
        std::snprintf(cell, sizeof(cell), "%02x", byte);
      else
        std::snprintf(cell, sizeof(cell), "??");
      const ImU32 colour = changed ? changed_text : (!known || byte == 0) ? muted : text;
      draw->AddText(ImVec2(x, y), colour, cell);
      if (changed)
        draw->AddLine(ImVec2(x, y + rh - 2), ImVec2(x + 2 * cw, y + rh - 2), changed_text);
      const char c = known && byte >= 0x20 && byte < 0x7f ? static_cast<char>(byte) : '.';
      draw->AddText(ImVec2(ax, y), known && c != '.' ? colour : muted, &c, &c + 1);
      if (cursor && a == *cursor) {
        draw->AddRect(ImVec2(x - 2, y - 1), ImVec2(x + 2 * cw + 2, y + rh), cursor_box, 2.0f, 0,
                      2.0f);
        draw->AddRect(ImVec2(ax - 1, y - 1), ImVec2(ax + cw + 1, y + rh), cursor_box, 2.0f);
      }
      if (static_cast<int64_t>(a) == hovered_at)
        draw->AddRect(ImVec2(x - 2, y - 1), ImVec2(x + 2 * cw + 2, y + rh), muted, 2.0f);
    }
  }
  draw->PopClipRect();
  ImGui::PopFont();

  if (hovered_byte) {
    const memory::Region* region = memory::region_at(regions, *hovered_byte);
    ImGui::BeginTooltip();
    ImGui::Text("0x%08x", *hovered_byte);
    if (region)
      ImGui::Text("%s (%u bytes at 0x%x, %s)", region->label.c_str(), region->length,
                  region->address,
                  region->direction == host::CopyDirection::HostToVm ? "host -> VM" : "VM -> host");
    if (view_.changed().contains(*hovered_byte))
      ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(changed_text),
                         "changed since the previous pause");
    ImGui::EndTooltip();
  }
}

}  // namespace pwplay::gui
