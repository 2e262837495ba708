#include "app/gui/panels/command_palette.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <vector>

#include "app/gui/style.h"

namespace pwplay::gui {

void CommandPalette::show() {
  open_requested_ = true;
  query_.clear();
  selected_ = 0;
}

void CommandPalette::draw(const Snapshot&, Commands& commands) {
  if (open_requested_) {
    ImGui::OpenPopup("##palette");
    open_requested_ = false;
  }
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  float width = std::min(viewport->WorkSize.x * 0.6f, ImGui::GetFontSize() * 40);
  ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + (viewport->WorkSize.x - width) * 0.5f,
                                 viewport->WorkPos.y + viewport->WorkSize.y * 0.12f));
  ImGui::SetNextWindowSize(ImVec2(width, 0));
  open = ImGui::BeginPopup("##palette");
  if (!open) return;

  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(-FLT_MIN);
  bool enter = ImGui::InputTextWithHint("##query", "Type a command...", &query_,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
  // Commands that need an argument are for scripts; the palette lists the rest.
  std::vector<std::pair<int, const Command*>> matches;
  for (const auto& command : commands.all()) {
    if (command.arg_required) continue;
    int score = Commands::match_score(query_, command);
    if (score >= 0) matches.emplace_back(score, &command);
  }
  std::stable_sort(matches.begin(), matches.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  int count = static_cast<int>(matches.size());
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow))) ++selected_;
  if (ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow))) --selected_;
  selected_ = count == 0 ? 0 : std::clamp(selected_, 0, count - 1);

  const Command* chosen = nullptr;
  float list_height =
      ImGui::GetTextLineHeightWithSpacing() * static_cast<float>(std::min(count, 12));
  if (count > 0 && ImGui::BeginChild("##matches", ImVec2(0, list_height + 4), false)) {
    for (int i = 0; i < count; ++i) {
      const Command& command = *matches[static_cast<size_t>(i)].second;
      bool enabled = commands.is_enabled(command);
      ImGui::PushID(i);
      if (!enabled) ImGui::PushStyleColor(ImGuiCol_Text, style::muted());
      if (ImGui::Selectable(command.label.c_str(), i == selected_)) chosen = &command;
      if (i == selected_ && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_DownArrow)))
        ImGui::SetScrollHereY();
      if (i == selected_ && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_UpArrow)))
        ImGui::SetScrollHereY();
      std::string shortcut = format_shortcut(command.shortcut);
      if (!shortcut.empty()) {
        ImGui::SameLine(ImGui::GetContentRegionMax().x - ImGui::CalcTextSize(shortcut.c_str()).x);
        ImGui::TextColored(style::muted(), "%s", shortcut.c_str());
      }
      if (!enabled) ImGui::PopStyleColor();
      ImGui::PopID();
    }
  }
  if (count > 0) ImGui::EndChild();
  if (count == 0) ImGui::TextColored(style::muted(), "No command matches.");
  if (enter && count > 0) chosen = matches[static_cast<size_t>(selected_)].second;
  // Escape closes it, but not an Escape that arrived in the same frame as the keys that opened it.
  bool escape =
      !ImGui::IsWindowAppearing() && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
  if (chosen || escape) {
    ImGui::CloseCurrentPopup();
    open = false;
  }
  ImGui::EndPopup();
  // Run after the popup is gone, so the command sees the app as the user does.
  if (chosen) (void)commands.run(chosen->id, CommandSource::Palette);
}

}  // namespace pwplay::gui
