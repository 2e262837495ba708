#include "app/gui/widgets.h"

#include <algorithm>
#include <cstdio>

#include "app/gui/style.h"
#include "debugger/formats/request_file.h"
#include "host/trace.h"

namespace pwplay::gui::widgets {

bool splitter(const char* id, bool vertical_bar, float thickness, float length, float* size1,
              float total, float min_size) {
  ImVec2 size = vertical_bar ? ImVec2(thickness, length) : ImVec2(length, thickness);
  ImGui::InvisibleButton(id, size);
  bool active = ImGui::IsItemActive();
  bool hovered = ImGui::IsItemHovered();
  if (hovered || active)
    ImGui::SetMouseCursor(vertical_bar ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
  if (active) {
    float delta = vertical_bar ? ImGui::GetIO().MouseDelta.x : ImGui::GetIO().MouseDelta.y;
    *size1 += delta;
  }
  float max_size = std::max(min_size, total - min_size - thickness);
  *size1 = std::clamp(*size1, min_size, max_size);
  ImVec2 min = ImGui::GetItemRectMin();
  ImVec2 max = ImGui::GetItemRectMax();
  ImU32 color = ImGui::GetColorU32(active    ? ImGuiCol_SeparatorActive
                                   : hovered ? ImGuiCol_SeparatorHovered
                                             : ImGuiCol_Separator);
  if (vertical_bar) {
    float x = (min.x + max.x) * 0.5f;
    ImGui::GetWindowDrawList()->AddLine(ImVec2(x, min.y + 2), ImVec2(x, max.y - 2), color,
                                        active || hovered ? 2.0f : 1.0f);
  } else {
    float y = (min.y + max.y) * 0.5f;
    ImGui::GetWindowDrawList()->AddLine(ImVec2(min.x + 2, y), ImVec2(max.x - 2, y), color,
                                        active || hovered ? 2.0f : 1.0f);
  }
  return active;
}

void header_table(const char* id, const std::vector<HeaderDiffRow>& rows, RowFilters filters) {
  ImGuiTableFlags flags = ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_RowBg |
                          ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_Resizable;
  const bool attributed = filters.by_row && filters.by_row->size() == rows.size() && filters.order;
  const bool filter_column = attributed && filters.order->size() > 1;
  if (!ImGui::BeginTable(id, filter_column ? 4 : 3, flags)) return;
  ImGui::TableSetupColumn("##change",
                          ImGuiTableColumnFlags_WidthFixed | ImGuiTableColumnFlags_NoResize,
                          ImGui::CalcTextSize("~").x + 4.0f);
  ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthStretch, 0.35f);
  ImGui::TableSetupColumn("Value", ImGuiTableColumnFlags_WidthStretch, 0.65f);
  if (filter_column) ImGui::TableSetupColumn("Filter", ImGuiTableColumnFlags_WidthStretch, 0.2f);
  ImGui::TableHeadersRow();
  ImGui::PushFont(style::mono());
  for (size_t index = 0; index < rows.size(); ++index) {
    const HeaderDiffRow& row = rows[index];
    const std::string by = attributed ? (*filters.by_row)[index] : std::string();
    const std::string the_filter = by.empty() ? std::string("the filter") : by;
    ImGui::TableNextRow();
    ImVec4 color = ImGui::GetStyleColorVec4(ImGuiCol_Text);
    const char* marker = " ";
    switch (row.change) {
      case HeaderChange::Same:
        break;
      case HeaderChange::Added:
        color = style::added();
        marker = "+";
        break;
      case HeaderChange::Changed:
        color = style::changed();
        marker = "~";
        break;
      case HeaderChange::Removed:
        color = style::removed();
        marker = "-";
        break;
    }
    if (row.change != HeaderChange::Same)
      ImGui::TableSetBgColor(ImGuiTableBgTarget_RowBg1, style::tint(color, 0.12f));
    ImGui::TableSetColumnIndex(0);
    ImGui::TextColored(color, "%s", marker);
    ImGui::TableSetColumnIndex(1);
    ImGui::TextColored(color, "%s", row.name.c_str());
    ImGui::TableSetColumnIndex(2);
    std::string value = host::printable(row.value, 400);
    if (row.change == HeaderChange::Removed) {
      ImGui::TextColored(color, "%s", value.c_str());
      ImVec2 a = ImGui::GetItemRectMin(), b = ImGui::GetItemRectMax();
      float y = (a.y + b.y) * 0.5f;
      ImGui::GetWindowDrawList()->AddLine(ImVec2(a.x, y), ImVec2(b.x, y),
                                          ImGui::GetColorU32(color));
    } else {
      ImGui::PushTextWrapPos(0.0f);
      ImGui::TextColored(color, "%s", value.c_str());
      ImGui::PopTextWrapPos();
    }
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      switch (row.change) {
        case HeaderChange::Same:
          ImGui::TextUnformatted("unchanged by the filter");
          break;
        case HeaderChange::Added:
          ImGui::Text("added by %s", the_filter.c_str());
          break;
        case HeaderChange::Changed:
          ImGui::Text("changed by %s; was: %s", the_filter.c_str(),
                      host::printable(row.old_value, 400).c_str());
          break;
        case HeaderChange::Removed:
          ImGui::Text("removed by %s", the_filter.c_str());
          break;
      }
      ImGui::EndTooltip();
    }
    if (filter_column && !by.empty()) {
      ImGui::TableSetColumnIndex(3);
      const auto at = std::find(filters.order->begin(), filters.order->end(), by);
      ImGui::TextColored(style::filter_color(static_cast<size_t>(at - filters.order->begin())),
                         "%s", by.c_str());
    }
  }
  ImGui::PopFont();
  ImGui::EndTable();
}

void body_view(const char* id, const std::string& bytes, const ImVec2& size) {
  if (bytes.empty()) {
    ImGui::TextColored(style::muted(), "(no body)");
    return;
  }
  bool text = debugger::is_valid_utf8(bytes) && bytes.find('\0') == std::string::npos;
  if (!text) {
    ImGui::TextColored(style::muted(), "%s of binary data", format_bytes(bytes.size()).c_str());
    hex_view(id, bytes, 0, size);
    return;
  }
  ImGui::PushFont(style::mono());
  // Read-only: ImGui never writes through the pointer, and std::string keeps a terminating NUL.
  ImGui::InputTextMultiline(id, const_cast<char*>(bytes.c_str()), bytes.size() + 1, size,
                            ImGuiInputTextFlags_ReadOnly);
  ImGui::PopFont();
}

void hex_view(const char* id, std::string_view bytes, uint32_t base_address, const ImVec2& size) {
  ImGui::PushFont(style::mono());
  if (ImGui::BeginChild(id, size, true)) {
    constexpr size_t kPerRow = 16;
    size_t rows = (bytes.size() + kPerRow - 1) / kPerRow;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows));
    while (clipper.Step()) {
      for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
        size_t offset = static_cast<size_t>(r) * kPerRow;
        char line[16 + 3 * kPerRow + 4 + kPerRow + 1];
        int n = std::snprintf(line, sizeof(line), "%08x  ",
                              static_cast<unsigned>(base_address + offset));
        std::string ascii;
        for (size_t i = 0; i < kPerRow; ++i) {
          if (offset + i < bytes.size()) {
            auto b = static_cast<unsigned char>(bytes[offset + i]);
            n += std::snprintf(line + n, sizeof(line) - n, "%02x ", b);
            ascii.push_back(b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '.');
          } else {
            n += std::snprintf(line + n, sizeof(line) - n, "   ");
          }
        }
        ImGui::TextUnformatted(line);
        ImGui::SameLine(0.0f, 0.0f);
        ImGui::TextColored(style::muted(), " %s", ascii.c_str());
      }
    }
  }
  ImGui::EndChild();
  ImGui::PopFont();
}

void wrapped_colored(const ImVec4& color, const std::string& text) {
  ImGui::PushStyleColor(ImGuiCol_Text, color);
  ImGui::PushTextWrapPos(0.0f);
  ImGui::TextUnformatted(text.c_str());
  ImGui::PopTextWrapPos();
  ImGui::PopStyleColor();
}

void overflow_tooltip(const std::string& text) {
  if (!ImGui::IsItemHovered() || ImGui::IsItemActive()) return;
  float visible = ImGui::GetItemRectSize().x - ImGui::GetStyle().FramePadding.x * 2;
  if (ImGui::CalcTextSize(text.c_str()).x > visible) ImGui::SetTooltip("%s", text.c_str());
}

void help_marker(const char* text) {
  ImGui::TextDisabled("(?)");
  if (ImGui::IsItemHovered()) {
    ImGui::BeginTooltip();
    ImGui::PushTextWrapPos(ImGui::GetFontSize() * 30.0f);
    ImGui::TextUnformatted(text);
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
  }
}

std::string format_duration(uint64_t ns) {
  char buf[32];
  if (ns < 1000)
    std::snprintf(buf, sizeof(buf), "%llu ns", static_cast<unsigned long long>(ns));
  else if (ns < 1000000)
    std::snprintf(buf, sizeof(buf), "%.1f us", static_cast<double>(ns) / 1e3);
  else if (ns < 1000000000)
    std::snprintf(buf, sizeof(buf), "%.2f ms", static_cast<double>(ns) / 1e6);
  else
    std::snprintf(buf, sizeof(buf), "%.2f s", static_cast<double>(ns) / 1e9);
  return buf;
}

std::string format_bytes(uint64_t bytes) {
  char buf[32];
  if (bytes < 1024)
    std::snprintf(buf, sizeof(buf), "%llu B", static_cast<unsigned long long>(bytes));
  else if (bytes < 1024 * 1024)
    std::snprintf(buf, sizeof(buf), "%.1f KiB", static_cast<double>(bytes) / 1024.0);
  else
    std::snprintf(buf, sizeof(buf), "%.1f MiB", static_cast<double>(bytes) / (1024.0 * 1024.0));
  return buf;
}

}  // namespace pwplay::gui::widgets

namespace pwplay::gui::widgets {

void form_label(const char* text, float width) {
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted(text);
  ImGui::SameLine(width);
}

SpanRect span_rect(uint64_t start_ns, uint64_t duration_ns, uint32_t depth, ImVec2 origin,
                   double scale, float row) {
  const float x0 = origin.x + static_cast<float>(static_cast<double>(start_ns) * scale);
  const float x1 = std::max(
      x0 + 2, origin.x + static_cast<float>(static_cast<double>(start_ns + duration_ns) * scale));
  const float y0 = origin.y + 2 + row * static_cast<float>(depth);
  return {ImVec2(x0, y0), ImVec2(x1, y0 + row - 2)};
}

}  // namespace pwplay::gui::widgets
