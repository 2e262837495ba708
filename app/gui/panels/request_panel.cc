#include "app/gui/panels/request_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <filesystem>
#include <string>

#include "app/gui/core/request_composer.h"
#include "app/gui/panels/request/row_editor.h"
#include "app/gui/style.h"
#include "app/gui/widgets.h"
#include "debugger/formats/request_file.h"

namespace pwplay::gui {
namespace {

constexpr const char* kMethods[] = {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"};

// Fields of the request file the composer does not show but sends and saves.
std::string extra_summary(const nlohmann::json& extra) {
  std::string out;
  for (const auto& [key, value] : extra.items()) {
    if (key == "name" || key == "description" || key == "trailers" || key == "upstream_response" ||
        key == "callouts")
      continue;
    if (!out.empty()) out += ", ";
    out += key;
    if (value.is_object() && !value.empty()) out += " (" + std::to_string(value.size()) + ")";
  }
  return out;
}

size_t enabled_count(const std::vector<HeaderRow>& rows) {
  return static_cast<size_t>(
      std::count_if(rows.begin(), rows.end(), [](const HeaderRow& row) { return row.enabled; }));
}

float button_width(const char* label) {
  return ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2;
}

}  // namespace

void RequestPanel::draw(const Snapshot& snapshot, Commands& commands) {
  RequestDraft& request = workspace_.request;
  draw_file_row(commands);
  draw_request_line(snapshot, commands);

  // Authority: the host header, the first thing people change after the path.
  const float label_width =
      ImGui::CalcTextSize("Authority").x + ImGui::GetStyle().ItemSpacing.x * 2;
  widgets::form_label("Authority", label_width);
  std::string host = authority(request);
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::PushFont(style::mono());
  if (ImGui::InputTextWithHint("##authority", "example.com (the host header)", &host))
    set_authority(request, host);
  ImGui::PopFont();

  PathAndQuery split = split_query(request.path);
  std::vector<HeaderRow> trailer_rows = trailers(request);
  const size_t callout_count = callout_mocks(request).size();
  const float footer = ImGui::GetTextLineHeightWithSpacing() * 2 + ImGui::GetStyle().ItemSpacing.y;
  if (ImGui::BeginTabBar("##composer")) {
    std::string headers_label =
        "Headers (" + std::to_string(enabled_count(request.headers)) + ")###headers";
    if (ImGui::BeginTabItem(headers_label.c_str())) {
      request_ui::edit_rows("##headers", request.headers, {.toggles = true, .reorder = true});
      ImGui::EndTabItem();
    }
    std::string params_label = "Params (" + std::to_string(split.params.size()) + ")###params";
    if (ImGui::BeginTabItem(params_label.c_str())) {
      if (request_ui::edit_params("##params", split.params))
        request.path = join_query(split.path, split.params);
      ImGui::TextColored(style::muted(), "Rows and the URL field edit the same query, as typed.");
      ImGui::EndTabItem();
    }
    std::string body_label =
        request.body.empty() ? std::string("Body###body")
                             : "Body (" + widgets::format_bytes(request.body.size()) + ")###body";
    if (ImGui::BeginTabItem(body_label.c_str())) {
      draw_body();
      ImGui::EndTabItem();
    }
    std::string trailers_label =
        "Trailers (" + std::to_string(trailer_rows.size()) + ")###trailers";
    if (ImGui::BeginTabItem(trailers_label.c_str())) {
      if (request_ui::edit_rows("##trailers", trailer_rows, {}))
        set_trailers(request, trailer_rows);
      ImGui::EndTabItem();
    }
    std::string upstream_label =
        std::string(upstream_is_mock(request) ? "Upstream (mock)" : "Upstream (echo)") +
        "###upstream";
    if (ImGui::BeginTabItem(upstream_label.c_str())) {
      request_ui::draw_upstream(request);
      ImGui::EndTabItem();
    }
    std::string callouts_label = "Callouts (" + std::to_string(callout_count) + ")###callouts";
    if (ImGui::BeginTabItem(callouts_label.c_str())) {
      callouts_.draw(request);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }

  // What is left: curl and HAR, then the last message.
  float avail = ImGui::GetContentRegionAvail().y - footer - ImGui::GetFrameHeightWithSpacing();
  if (avail > 0) ImGui::Dummy(ImVec2(0, avail));
  if (focus_curl_) {
    ImGui::SetKeyboardFocusHere();
    focus_curl_ = false;
  }
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::PushFont(style::mono());
  if (ImGui::InputTextWithHint(
          "##curl", "curl -H 'name: value' http://host/path   (Enter fills the composer)",
          &curl_text_, ImGuiInputTextFlags_EnterReturnsTrue) &&
      !curl_text_.empty() && !ImGui::GetIO().KeyCtrl) {  // Ctrl+Enter is Send's
    if (commands.run("paste-curl", CommandSource::Button, curl_text_)) curl_text_.clear();
  }
  ImGui::PopFont();
  if (ImGui::Button("Paste curl")) (void)commands.run("paste-curl", CommandSource::Button);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Fill the composer from a curl command line");
  ImGui::SameLine();
  if (ImGui::Button("Copy as curl")) (void)commands.run("copy-as-curl", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::Button("Import HAR...")) (void)commands.run("import-har", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::Button("Export history as HAR..."))
    (void)commands.run("export-har", CommandSource::Button);
  if (!workspace_.request_message.empty()) {
    widgets::wrapped_colored(workspace_.request_message_is_error ? style::error() : style::muted(),
                             workspace_.request_message);
  }
  std::string extra = extra_summary(request.extra);
  if (!extra.empty()) ImGui::TextColored(style::muted(), "Also from the file: %s", extra.c_str());
}

void RequestPanel::draw_file_row(Commands& commands) {
  const ImGuiStyle& style = ImGui::GetStyle();
  const float label_width = ImGui::CalcTextSize("Authority").x + style.ItemSpacing.x * 2;
  const float buttons = button_width("Open") + button_width("Save") + button_width("Presets") +
                        style.ItemSpacing.x * 3;
  widgets::form_label("File", label_width);
  ImGui::SetNextItemWidth(-buttons);
  bool enter =
      ImGui::InputTextWithHint("##request_file", "path/to/request.json", &workspace_.request_path,
                               ImGuiInputTextFlags_EnterReturnsTrue);
  widgets::overflow_tooltip(workspace_.request_path);
  ImGui::SameLine();
  // Ctrl+Enter in a field is Send's shortcut (dispatched for the whole window), not this field's.
  // Open takes the typed path, or with none the file browser.
  const bool ctrl = ImGui::GetIO().KeyCtrl;
  if (ImGui::Button("Open") || (enter && !ctrl))
    (void)commands.run("open-request", CommandSource::Button, workspace_.request_path);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Open the file typed on the left, or browse for one when it is empty");
  ImGui::SameLine();
  if (ImGui::Button("Save")) (void)commands.run("save-request", CommandSource::Button);
  ImGui::SameLine();
  draw_presets(commands);
}

void RequestPanel::draw_presets(Commands& commands) {
  if (ImGui::Button("Presets")) {
    // Listed when opened, so files added while the app runs show up.
    presets_ = list_request_presets({"assets/requests", "samples/requests"});
    presets_listed_ = true;
    ImGui::OpenPopup("##presets");
  }
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip(
        "Requests in assets/requests and samples/requests (from the folder pwplay "
        "was started in)");
  if (ImGui::BeginPopup("##presets")) {
    if (presets_listed_ && presets_.empty())
      ImGui::TextColored(style::muted(), "No .json files in assets/requests or samples/requests.");
    for (const auto& path : presets_) {
      if (ImGui::Selectable(path.c_str()))
        (void)commands.run("open-request", CommandSource::Button, path);
    }
    ImGui::EndPopup();
  }
}

void RequestPanel::draw_request_line(const Snapshot& snapshot, Commands& commands) {
  RequestDraft& request = workspace_.request;
  const ImGuiStyle& style = ImGui::GetStyle();
  const float label_width = ImGui::CalcTextSize("Authority").x + style.ItemSpacing.x * 2;
  const Command* send = commands.find("send");
  std::string send_label = "Send";
  if (send && !send->shortcut.empty()) send_label += "  (" + format_shortcut(send->shortcut) + ")";
  const float send_width = button_width(send_label.c_str());
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
  if (ImGui::Button(send_label.c_str(), ImVec2(send_width, 0)) ||
      (path_enter && !ImGui::GetIO().KeyCtrl))  // Ctrl+Enter is Send's shortcut already
    (void)commands.run("send", CommandSource::Button);
  if (busy) ImGui::EndDisabled();
}

void RequestPanel::draw_body() {
  RequestDraft& request = workspace_.request;
  int mode = static_cast<int>(body_mode_);
  ImGui::RadioButton("Text", &mode, static_cast<int>(BodyMode::Text));
  ImGui::SameLine();
  ImGui::RadioButton("JSON", &mode, static_cast<int>(BodyMode::Json));
  ImGui::SameLine();
  ImGui::RadioButton("Hex", &mode, static_cast<int>(BodyMode::Hex));
  if (mode != static_cast<int>(body_mode_)) body_error_.clear();
  body_mode_ = static_cast<BodyMode>(mode);
  if (request.binary_body() && body_mode_ == BodyMode::Text) body_mode_ = BodyMode::Hex;
  if (!request.body_chunks.empty()) {
    ImGui::SameLine();
    ImGui::TextColored(style::muted(), "in %zu chunks", request.body_chunks.size());
  }

  // Load from file, on one line.
  ImGui::SetNextItemWidth(-(button_width("Load file") + ImGui::GetStyle().ItemSpacing.x));
  bool load = ImGui::InputTextWithHint("##body-file", "path of a file to send as the body",
                                       &body_file_, ImGuiInputTextFlags_EnterReturnsTrue);
  load &= !ImGui::GetIO().KeyCtrl;  // Ctrl+Enter is Send's
  ImGui::SameLine();
  load |= ImGui::Button("Load file");
  if (load && !body_file_.empty()) {
    auto bytes = debugger::read_file(body_file_, "body file");
    if (bytes) {
      request.body = std::move(*bytes);
      request.body_chunks.clear();
      body_error_.clear();
    } else {
      body_error_ = bytes.error().message;
    }
  }

  if (body_mode_ == BodyMode::Json) {
    if (ImGui::Button("Pretty-print")) {
      auto pretty = pretty_json(request.body);
      if (pretty) {
        request.body = std::move(*pretty);
        body_error_.clear();
      } else {
        body_error_ = pretty.error().message;
      }
    }
    ImGui::SameLine();
    if (ImGui::Button("Add content-type")) {
      bool found = false;
      for (auto& row : request.headers)
        if (row.name == "content-type") found = true;
      if (!found) request.headers.push_back({"content-type", "application/json"});
    }
  }
  if (!body_error_.empty()) widgets::wrapped_colored(style::error(), body_error_);
  const float footer = ImGui::GetTextLineHeightWithSpacing() * 3;
  const ImVec2 size(-FLT_MIN, std::max(ImGui::GetContentRegionAvail().y - footer,
                                       ImGui::GetTextLineHeight() * 4));
  ImGui::PushFont(style::mono());
  if (body_mode_ == BodyMode::Hex) {
    if (hex_of_ != request.body || hex_text_.empty()) {
      hex_text_ = to_hex(request.body);
      hex_of_ = request.body;
    }
    if (ImGui::InputTextMultiline("##body-hex", &hex_text_, size)) {
      auto bytes = from_hex(hex_text_);
      if (bytes) {
        request.body = std::move(*bytes);
        request.body_chunks.clear();
        hex_of_ = request.body;
        body_error_.clear();
      } else {
        body_error_ = "hex: " + bytes.error().message;
      }
    }
  } else if (ImGui::InputTextMultiline("##body", &request.body, size)) {
    request.body_chunks.clear();
  }
  ImGui::PopFont();
}

}  // namespace pwplay::gui
