#include "app/gui/panels/request/row_editor.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <optional>

#include "app/gui/style.h"

namespace pwplay::gui::request_ui {
namespace {

ImVec2 table_size(size_t rows, float max_rows) {
  const float row_height = ImGui::GetFrameHeight() + ImGui::GetStyle().CellPadding.y * 2;
  const float shown = std::clamp(static_cast<float>(rows), 1.0f, max_rows);
  return ImVec2(0, row_height * shown + ImGui::GetStyle().CellPadding.y * 2);
}

bool small_square_button(const char* label, const char* tooltip) {
  bool pressed = ImGui::Button(label, ImVec2(ImGui::GetFrameHeight(), 0));
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", tooltip);
  return pressed;
}

}  // namespace

bool edit_rows(const char* id, std::vector<HeaderRow>& rows, const RowEditorOptions& options) {
  bool changed = false;
  ImGui::PushID(id);
  if (ImGui::Button("+ Add")) {
    rows.push_back({});
    changed = true;
  }
  const int columns = 3 + (options.toggles ? 1 : 0) + (options.reorder ? 1 : 0);
  const ImGuiTableFlags flags = ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_RowBg |
                                ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_ScrollY;
  if (!rows.empty() && ImGui::BeginTable("##rows", columns, flags,
                                         table_size(rows.size(), options.max_rows_visible))) {
    const float button = ImGui::GetFrameHeight();
    if (options.toggles) ImGui::TableSetupColumn("##on", ImGuiTableColumnFlags_WidthFixed, button);
    ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthStretch, 0.35f);
    ImGui::TableSetupColumn("Value", ImGuiTableColumnFlags_WidthStretch, 0.65f);
    if (options.reorder)
      ImGui::TableSetupColumn("##move", ImGuiTableColumnFlags_WidthFixed,
                              button * 2 + ImGui::GetStyle().ItemSpacing.x);
    ImGui::TableSetupColumn("##remove", ImGuiTableColumnFlags_WidthFixed, button);
    std::optional<size_t> remove;
    std::optional<std::pair<size_t, int>> move;
    ImGui::PushFont(style::mono());
    for (size_t i = 0; i < rows.size(); ++i) {
      HeaderRow& row = rows[i];
      ImGui::PushID(static_cast<int>(i));
      ImGui::TableNextRow();
      if (options.toggles) {
        ImGui::TableNextColumn();
        changed |= ImGui::Checkbox("##on", &row.enabled);
        if (ImGui::IsItemHovered())
          ImGui::SetTooltip(row.enabled ? "Sent; untick to keep it without sending it"
                                        : "Not sent (kept in the request file)");
      }
      if (!row.enabled) ImGui::PushStyleColor(ImGuiCol_Text, style::muted());
      ImGui::TableNextColumn();
      ImGui::SetNextItemWidth(-FLT_MIN);
      changed |= ImGui::InputTextWithHint("##name", "name", &row.name);
      ImGui::TableNextColumn();
      ImGui::SetNextItemWidth(-FLT_MIN);
      changed |= ImGui::InputTextWithHint("##value", "value", &row.value);
      if (!row.enabled) ImGui::PopStyleColor();
      if (options.reorder) {
        ImGui::TableNextColumn();
        if (small_square_button("^", "Move up")) move = {i, -1};
        ImGui::SameLine();
        if (small_square_button("v", "Move down")) move = {i, 1};
      }
      ImGui::TableNextColumn();
      if (small_square_button("x", "Remove")) remove = i;
      ImGui::PopID();
    }
    ImGui::PopFont();
    ImGui::EndTable();
    if (move) changed |= move_row(rows, move->first, move->second);
    if (remove) {
      rows.erase(rows.begin() + static_cast<long>(*remove));
      changed = true;
    }
  }
  ImGui::PopID();
  return changed;
}

bool edit_params(const char* id, std::vector<QueryParam>& params) {
  std::vector<HeaderRow> rows;
  rows.reserve(params.size());
  for (const auto& param : params) rows.push_back({param.name, param.value});
  if (!edit_rows(id, rows, {})) return false;
  std::vector<QueryParam> edited;
  for (size_t i = 0; i < rows.size(); ++i) {
    // A parameter typed without a value keeps having none until a value is typed.
    bool had_value = i < params.size() ? params[i].has_value : true;
    edited.push_back({rows[i].name, rows[i].value, had_value || !rows[i].value.empty()});
  }
  params = std::move(edited);
  return true;
}

}  // namespace pwplay::gui::request_ui
