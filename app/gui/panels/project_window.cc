#include "app/gui/panels/project_window.h"

#include <imgui.h>

#include "app/gui/core/file_actions.h"
#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

constexpr ImGuiTableFlags kTableFlags =
    ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingStretchProp;

}  // namespace

void ProjectWindow::draw(const Snapshot&, Commands&) {
  open = workspace_.show_project;
  if (!open) return;
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x * 0.5f,
                                 viewport->WorkPos.y + viewport->WorkSize.y * 0.5f),
                          ImGuiCond_FirstUseEver, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowSize(ImVec2(viewport->WorkSize.x * 0.5f, viewport->WorkSize.y * 0.5f),
                           ImGuiCond_FirstUseEver);
  if (ImGui::Begin("Project###project-window", &workspace_.show_project)) {
    if (workspace_.project_path.empty())
      ImGui::TextColored(style::muted(), "No project file yet (File > Save project).");
    else
      ImGui::TextColored(style::muted(), "%s", workspace_.project_path.c_str());
    draw_requests();
    draw_history();
  }
  ImGui::End();
}

void ProjectWindow::use(const debugger::RequestFile& request, const std::string& what) {
  auto draft = draft_from_request(request);
  workspace_.request_message_is_error = !draft;
  if (!draft) {
    workspace_.request_message = draft.error().message;
    return;
  }
  workspace_.request = std::move(*draft);
  workspace_.request_message = "from the project: " + what;
}

void ProjectWindow::draw_requests() {
  std::string title = "Saved requests (" + std::to_string(workspace_.saved_requests.size()) + ")";
  if (!ImGui::CollapsingHeader(title.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) return;
  if (workspace_.saved_requests.empty()) {
    ImGui::TextColored(style::muted(), "File > Import HAR keeps a browser's requests here.");
    return;
  }
  if (!ImGui::BeginTable("##saved-requests", 3, kTableFlags)) return;
  ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthStretch, 0.4f);
  ImGui::TableSetupColumn("Request", ImGuiTableColumnFlags_WidthStretch, 0.6f);
  ImGui::TableSetupColumn("##use", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableHeadersRow();
  for (size_t i = 0; i < workspace_.saved_requests.size(); ++i) {
    const debugger::SavedRequest& saved = workspace_.saved_requests[i];
    const host::RequestSpec& request = saved.request.request;
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(saved.name.c_str());
    widgets::overflow_tooltip(saved.name);
    ImGui::TableSetColumnIndex(1);
    ImGui::PushFont(style::mono());
    std::string line = request.method + " " + request.path;
    ImGui::TextUnformatted(line.c_str());
    ImGui::PopFont();
    widgets::overflow_tooltip(line);
    ImGui::TableSetColumnIndex(2);
    if (ImGui::SmallButton("Edit")) use(saved.request, saved.name);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Put this request in the Request panel");
    ImGui::PopID();
  }
  ImGui::EndTable();
}

void ProjectWindow::draw_history() {
  const auto& history = workspace_.saved_history;
  std::string title = "Saved history (" + std::to_string(history.size()) + ")";
  if (!ImGui::CollapsingHeader(title.c_str(), ImGuiTreeNodeFlags_DefaultOpen)) return;
  if (history.empty()) {
    ImGui::TextColored(style::muted(), "Runs opened with a project are listed here.");
    return;
  }
  if (!ImGui::BeginTable("##saved-history", 5, kTableFlags)) return;
  ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("Time", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("Request", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("Status", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("##use", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableHeadersRow();
  for (size_t i = 0; i < history.size(); ++i) {
    const debugger::HistoryRecord& record = history[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::AlignTextToFramePadding();
    ImGui::Text("%llu", static_cast<unsigned long long>(record.id));
    ImGui::TableSetColumnIndex(1);
    ImGui::TextColored(style::muted(), "%s", record.time.c_str());
    ImGui::TableSetColumnIndex(2);
    ImGui::PushFont(style::mono());
    std::string line = record.request.request.method + " " + record.request.request.path;
    ImGui::TextUnformatted(line.c_str());
    ImGui::PopFont();
    ImGui::TableSetColumnIndex(3);
    if (!record.outcome)
      ImGui::TextColored(style::muted(), "not run");
    else if (record.outcome->failure)
      ImGui::TextColored(style::error(), "%u failed", record.outcome->status);
    else
      ImGui::Text("%u", record.outcome->status);
    ImGui::TableSetColumnIndex(4);
    if (ImGui::SmallButton("Edit")) use(record.request, "run #" + std::to_string(record.id));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Put this request in the Request panel");
    ImGui::PopID();
  }
  ImGui::EndTable();
}

}  // namespace pwplay::gui
