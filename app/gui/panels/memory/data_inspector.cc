// The memory view's data inspector: the bytes at the cursor read as every type the ABI and wasm
// use (integers little-endian, floats, LEB128, a C string and a header-pairs block).
#include <imgui.h>

#include "app/gui/panels/memory/memory_panel.h"
#include "app/gui/style.h"

namespace pwplay::gui {

void MemoryPanel::draw_inspector() {
  const auto cursor = view_.cursor();
  if (!cursor) return;
  ImGui::Text("Data at 0x%08x", *cursor);
  const auto rows = memory::inspect(view_.image(), *cursor);
  if (!ImGui::BeginTable("##inspector", 2,
                         ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                             ImGuiTableFlags_SizingStretchProp))
    return;
  ImGui::TableSetupColumn("type", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFontSize() * 4.5f);
  ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
  for (const auto& row : rows) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextColored(style::muted(), "%s", row.type.c_str());
    ImGui::TableSetColumnIndex(1);
    ImGui::PushFont(style::mono());
    if (!row.error.empty()) {
      ImGui::PushTextWrapPos(0);
      ImGui::TextColored(style::muted(), "%s", row.error.c_str());
      ImGui::PopTextWrapPos();
    } else if (row.type == "pairs") {
      ImGui::TextColored(style::added(), "%s", row.value.c_str());
    } else {
      ImGui::TextUnformatted(row.value.c_str());
    }
    ImGui::PopFont();
  }
  ImGui::EndTable();
}

}  // namespace pwplay::gui
