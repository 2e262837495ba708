#include "app/gui/panels/logs_panel.h"

#include <imgui.h>

#include <string>

#include "abi/enums.h"
#include "app/gui/style.h"

namespace pwplay::gui {
namespace {

ImVec4 level_color(abi::LogLevel level) {
  switch (level) {
    case abi::LogLevel::Trace:
    case abi::LogLevel::Debug:
      return style::muted();
    case abi::LogLevel::Info:
      return ImGui::GetStyleColorVec4(ImGuiCol_Text);
    case abi::LogLevel::Warn:
      return style::warning();
    case abi::LogLevel::Error:
    case abi::LogLevel::Critical:
      return style::error();
  }
  return ImGui::GetStyleColorVec4(ImGuiCol_Text);
}

}  // namespace

void LogsPanel::draw_logs(const debugger::HistoryEntry& run) {
  const auto& logs = run.logs;
  if (logs.empty()) {
    ImGui::TextColored(style::muted(), "The filter logged nothing.");
    return;
  }
  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                          ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("##logs", 3, flags, ImVec2(0, 0))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Level", ImGuiTableColumnFlags_WidthFixed,
                          ImGui::CalcTextSize("critical").x);
  ImGui::TableSetupColumn("Context", ImGuiTableColumnFlags_WidthFixed,
                          ImGui::CalcTextSize("Context").x);
  ImGui::TableSetupColumn("Message", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableHeadersRow();
  ImGui::PushFont(style::mono());
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(logs.size()));
  while (clipper.Step()) {
    for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
      const host::LogRecord& log = logs[static_cast<size_t>(i)];
      ImVec4 color = level_color(log.level);
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextColored(color, "%s", std::string(abi::log_level_label(log.level)).c_str());
      ImGui::TableSetColumnIndex(1);
      ImGui::TextColored(style::muted(), "%u", log.context_id);
      ImGui::TableSetColumnIndex(2);
      // One line per row (the clipper needs equal heights); the full text in a tooltip.
      ImGui::TextColored(color, "%s", log.message.c_str());
      if (ImGui::IsItemHovered() && log.message.size() > 80)
        ImGui::SetTooltip("%s", log.message.c_str());
    }
  }
  ImGui::PopFont();
  ImGui::EndTable();
}

void LogsPanel::draw(const Snapshot& snapshot, Commands&) {
  const debugger::HistoryEntry* run = workspace_.selected_run(snapshot);
  if (!run || !run->ran()) {
    ImGui::TextColored(style::muted(), "No run selected: Send a request (Ctrl+Enter).");
    return;
  }
  ImGui::TextColored(style::muted(), "Run #%llu: %zu line%s",
                     static_cast<unsigned long long>(run->id), run->logs.size(),
                     run->logs.size() == 1 ? "" : "s");
  draw_logs(*run);
}

}  // namespace pwplay::gui
