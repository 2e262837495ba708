// The memory view's data inspector: the bytes at the cursor read as every type the ABI and wasm
// use (integers little-endian, floats, LEB128, a C string and a header-pairs block).
#include <imgui.h>

#include <string>
#include <vector>

#include "app/gui/panels/memory/memory_panel.h"
#include "app/gui/style.h"

namespace pwplay::gui {

namespace {

// One line of the table: an integer width's unsigned and signed readings share a row, as one
// number when they agree ("47") or both ("200 / -56"), so the inspector fits beside the grid.
struct Line {
  std::string label;
  std::string value;
  bool muted = false;  // an error: why there is no value
  bool pairs = false;
};

std::vector<Line> lines_of(const std::vector<memory::InspectorRow>& rows) {
  std::vector<Line> lines;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const bool paired =
        i + 1 < rows.size() && ((row.type[0] == 'u' && rows[i + 1].type[0] == 'i' &&
                                 row.type.substr(1) == rows[i + 1].type.substr(1)) ||
                                (row.type == "uleb128" && rows[i + 1].type == "sleb128"));
    if (paired) {
      const auto& other = rows[i + 1];
      Line line{row.type + " " + other.type, "", false, false};
      if (!row.error.empty()) {
        line.value = row.error;
        line.muted = true;
      } else {
        line.value = row.value == other.value ? row.value : row.value + " / " + other.value;
      }
      if (row.type == "uleb128") line.label = "LEB128";
      lines.push_back(std::move(line));
      ++i;
      continue;
    }
    lines.push_back(Line{row.type, row.error.empty() ? row.value : row.error, !row.error.empty(),
                         row.type == "pairs" && row.error.empty()});
  }
  return lines;
}

}  // namespace

void MemoryPanel::draw_inspector() {
  const auto cursor = view_.cursor();
  if (!cursor) return;
  ImGui::Text("Data at 0x%08x", *cursor);
  const auto lines = lines_of(memory::inspect(view_.image(), *cursor));
  if (!ImGui::BeginTable("##inspector", 2,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                             ImGuiTableFlags_SizingStretchProp))
    return;
  ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 4.0f);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
  for (const auto& line : lines) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextColored(style::muted(), "%s", line.label.c_str());
    ImGui::TableSetColumnIndex(1);
    ImGui::PushFont(style::mono());
    ImGui::PushTextWrapPos(0);
    if (line.muted)
      ImGui::TextColored(style::muted(), "%s", line.value.c_str());
    else if (line.pairs)
      ImGui::TextColored(style::added(), "%s", line.value.c_str());
    else
      ImGui::TextUnformatted(line.value.c_str());
    ImGui::PopTextWrapPos();
    ImGui::PopFont();
  }
  ImGui::EndTable();
}

}  // namespace pwplay::gui
