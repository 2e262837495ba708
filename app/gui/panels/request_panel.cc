#include "app/gui/panels/request_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <optional>
#include <string>

#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};

// Fields of the request file the editor does not show but sends and saves.
std::string extra_summary(const nlohmann::json& extra) {
  std::string out;
  for (const auto& [key, value] : extra.items()) {
    if (key == "name" || key == "description") continue;
    if (!out.empty()) out += ", ";
    out += key;
    if (value.is_object() && !value.empty()) out += " (" + std::to_string(value.size()) + ")";
  }
  return out;
}

}  // namespace

void RequestPanel::draw(const Snapshot& snapshot, Commands& commands) {
  RequestDraft& request = workspace_.request;
  const ImGuiStyle& style = ImGui::GetStyle();
  const float label_width = ImGui::CalcTextSize("Method").x + style.ItemSpacing.x * 2;

  // File row: path, Open, Save.
  float buttons = ImGui::CalcTextSize("Open").x + ImGui::CalcTextSize("Save").x +
                  style.FramePadding.x * 4 + style.ItemSpacing.x * 2;
  widgets::form_label("File", label_width);
  ImGui::SetNextItemWidth(-buttons);
  bool enter =
      ImGui::InputTextWithHint("##request_file", "path/to/request.json", &workspace_.request_path,
                               ImGuiInputTextFlags_EnterReturnsTrue);
  widgets::overflow_tooltip(workspace_.request_path);
  ImGui::SameLine();
  if (ImGui::Button("Open") || enter) (void)commands.run("open-request", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::Button("Save")) (void)commands.run("save-request", CommandSource::Button);

  // Request line: method, path, Send.
  const Command* send = commands.find("send");
  std::string send_label = "Send";
  if (send && !send->shortcut.empty()) send_label += "  (" + format_shortcut(send->shortcut) + ")";
  float send_width = ImGui::CalcTextSize(send_label.c_str()).x + style.FramePadding.x * 2;
  widgets::form_label("Method", label_width);
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("OPTIONS").x + ImGui::GetFrameHeight() +
                          style.FramePadding.x * 2);
  if (ImGui::BeginCombo("##method", request.method.c_str())) {
    for (const char* method : kMethods)
      if (ImGui::Selectable(method, request.method == method)) request.method = method;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-(send_width + style.ItemSpacing.x));
  ImGui::PushFont(style::mono());
  bool path_enter = ImGui::InputTextWithHint("##path", "/path?query", &request.path,
                                             ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::PopFont();
  ImGui::SameLine();
  bool busy = snapshot.state != debugger::SessionState::Idle;
  if (busy) ImGui::BeginDisabled();
  if (ImGui::Button(send_label.c_str(), ImVec2(send_width, 0)) || path_enter)
    (void)commands.run("send", CommandSource::Button);
  if (busy) ImGui::EndDisabled();

  draw_headers();

  // Body fills what is left, above the message line.
  float footer = ImGui::GetTextLineHeightWithSpacing() * 2 + style.ItemSpacing.y;
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Body");
  if (!request.body.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(style::muted(), "%s", widgets::format_bytes(request.body.size()).c_str());
  }
  if (!request.body_chunks.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(style::muted(), "in %zu chunks", request.body_chunks.size());
  }
  ImVec2 body_size(-FLT_MIN, std::max(ImGui::GetContentRegionAvail().y - footer,
                                      ImGui::GetTextLineHeight() * 3));
  if (request.binary_body()) {
    ImGui::SameLine();
    if (ImGui::SmallButton("Clear binary body")) request.body.clear();
    widgets::hex_view("##body_hex", request.body, 0, body_size);
  } else {
    ImGui::PushFont(style::mono());
    ImGui::InputTextMultiline("##body", &request.body, body_size);
    ImGui::PopFont();
  }

  if (!workspace_.request_message.empty()) {
    widgets::wrapped_colored(workspace_.request_message_is_error ? style::error() : style::muted(),
                             workspace_.request_message);
  }
  std::string extra = extra_summary(request.extra);
  if (!extra.empty()) ImGui::TextColored(style::muted(), "Also from the file: %s", extra.c_str());
}

void RequestPanel::draw_headers() {
  RequestDraft& request = workspace_.request;
  ImGui::AlignTextToFramePadding();
  ImGui::Text("Headers (%zu)", request.headers.size());
  ImGui::SameLine(ImGui::GetContentRegionAvail().x + ImGui::GetCursorPosX() -
                  ImGui::CalcTextSize("+ Add").x - ImGui::GetStyle().FramePadding.x * 2);
  if (ImGui::Button("+ Add")) request.headers.push_back({});

  ImGuiTableFlags flags = ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_RowBg |
                          ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_ScrollY;
  float row_height = ImGui::GetFrameHeight() + ImGui::GetStyle().CellPadding.y * 2;
  float rows = static_cast<float>(std::clamp<size_t>(request.headers.size(), 1, 6));
  ImVec2 size(0, row_height * rows + ImGui::GetStyle().CellPadding.y * 2);
  if (!ImGui::BeginTable("##headers", 3, flags, size)) return;
  ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthStretch, 0.35f);
  ImGui::TableSetupColumn("Value", ImGuiTableColumnFlags_WidthStretch, 0.65f);
  ImGui::TableSetupColumn("##remove", ImGuiTableColumnFlags_WidthFixed, ImGui::GetFrameHeight());
  std::optional<size_t> remove;
  ImGui::PushFont(style::mono());
  for (size_t i = 0; i < request.headers.size(); ++i) {
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::SetNextItemWidth(-FLT_MIN);
    ImGui::InputTextWithHint("##name", "name", &request.headers[i].name);
    ImGui::TableSetColumnIndex(1);
    ImGui::SetNextItemWidth(-FLT_MIN);
    ImGui::InputTextWithHint("##value", "value", &request.headers[i].value);
    ImGui::TableSetColumnIndex(2);
    if (ImGui::Button("x", ImVec2(ImGui::GetFrameHeight(), 0))) remove = i;
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Remove this header");
    ImGui::PopID();
  }
  ImGui::PopFont();
  ImGui::EndTable();
  if (remove) request.headers.erase(request.headers.begin() + static_cast<long>(*remove));
}

}  // namespace pwplay::gui
