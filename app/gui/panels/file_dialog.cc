#include "app/gui/panels/file_dialog.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <filesystem>
#include <system_error>
#include <vector>

#include "app/gui/core/file_actions.h"
#include "app/gui/panels/file_browser.h"
#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

struct DialogText {
  const char* title;
  const char* command;
  const char* button;
  const char* hint;
  std::vector<std::string> extensions;  // what the browser lists
  bool saves = false;                   // a file to write: the browser keeps the typed name
};

DialogText text_of(FileDialog::Kind kind) {
  switch (kind) {
    case FileDialog::Kind::ImportHar:
      return {"Import HAR", "import-har", "Import", "path/to/session.har", {".har", ".json"}};
    case FileDialog::Kind::ExportHar:
      return {"Export history as HAR", "export-har", "Export", "history.har", {".har"}, true};
    case FileDialog::Kind::ExportTrace:
      return {"Export trace (Chrome trace format, opens in ui.perfetto.dev)",
              "export-trace",
              "Export",
              "trace.json",
              {".json"},
              true};
    case FileDialog::Kind::OpenProject:
      return {"Open project", "open-project", "Open", "project.pwplay.json", {".json"}};
    case FileDialog::Kind::SaveProject:
      return {"Save project", "save-project", "Save", "project.pwplay.json", {".json"}, true};
    case FileDialog::Kind::OpenFilter:
      return {"Open filter (.wasm, or .so for the native engine)",
              "open-filter",
              "Open",
              "path/to/filter.wasm",
              {".wasm", ".so"}};
    case FileDialog::Kind::OpenRequest:
      return {"Open request file (REQ.json)",
              "open-request",
              "Open",
              "path/to/request.json",
              {".json"}};
    case FileDialog::Kind::None:
      break;
  }
  return {"File", "", "OK", "", {}};
}

// The folder the browser starts in: the typed path's, else the current directory.
std::filesystem::path start_folder(const std::string& typed) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (typed.empty()) return fs::current_path(ec);
  fs::path path(typed);
  if (fs::is_directory(path, ec)) return path;
  fs::path parent = path.parent_path();
  if (parent.empty()) return fs::current_path(ec);
  return fs::is_directory(parent, ec) ? parent : fs::current_path(ec);
}

}  // namespace

void FileDialogWindow::draw(const Snapshot&, Commands& commands) {
  FileDialog& dialog = workspace_.file_dialog;
  if (dialog.kind == FileDialog::Kind::None) return;
  const DialogText text = text_of(dialog.kind);
  // One popup id for every kind, so a second File command replaces the window's contents.
  if (dialog.open_requested) {
    ImGui::OpenPopup("##file-dialog");
    dialog.open_requested = false;
  }
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x * 0.5f,
                                 viewport->WorkPos.y + viewport->WorkSize.y * 0.4f),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  // Height 0: fits its contents every frame (the entry list appears after the window does).
  ImGui::SetNextWindowSize(ImVec2(viewport->WorkSize.x * 0.55f, 0), ImGuiCond_Always);
  if (!ImGui::BeginPopupModal("##file-dialog", nullptr, ImGuiWindowFlags_NoTitleBar)) return;
  open = true;
  if (ImGui::IsWindowAppearing() || browsed_kind_ != dialog.kind) open_browser(dialog.kind);
  ImGui::TextUnformatted(text.title);
  ImGui::Separator();

  const bool har = dialog.kind == FileDialog::Kind::ImportHar;
  if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
  float list_width = har ? ImGui::CalcTextSize("List entries").x +
                               ImGui::GetStyle().FramePadding.x * 2 +
                               ImGui::GetStyle().ItemSpacing.x
                         : 0;
  ImGui::SetNextItemWidth(-list_width - 1);
  bool enter = ImGui::InputTextWithHint(
      "##path", text.hint, &dialog.path,
      ImGuiInputTextFlags_EnterReturnsTrue | ImGuiInputTextFlags_CallbackCompletion,
      complete_path_callback, &browser_);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Type a path (Tab completes it) or pick a file below");
  bool run = false;
  if (har) {
    ImGui::SameLine();
    if (ImGui::Button("List entries") || (enter && dialog.listed_path != dialog.path)) {
      auto listed = list_har(dialog);
      dialog.message = listed ? std::string() : listed.error().message;
    } else if (enter) {
      run = true;
    }
    draw_har_entries();
  } else {
    run = enter;
  }
  const float rows = har && !dialog.entries.empty() ? 8.0f : 14.0f;
  if (draw_file_browser(browser_, dialog.path, ImGui::GetTextLineHeightWithSpacing() * rows,
                        text.saves)) {
    if (har) {  // a HAR file chosen: its entries, to pick from
      auto listed = list_har(dialog);
      dialog.message = listed ? std::string() : listed.error().message;
    } else {
      run = true;
    }
  }

  if (!dialog.message.empty()) widgets::wrapped_colored(style::error(), dialog.message);
  bool can_run = !dialog.path.empty() && (!har || !har_pick_argument(dialog).empty());
  if (!can_run) ImGui::BeginDisabled();
  run |= ImGui::Button(text.button);
  if (!can_run) ImGui::EndDisabled();
  ImGui::SameLine();
  bool close = ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
  if (run && can_run) {
    std::string arg = har ? har_pick_argument(dialog) : dialog.path;
    auto done = commands.run(text.command, CommandSource::Button, arg);
    if (done)
      close = true;
    else
      dialog.message = done.error().message;
  }
  if (close) {
    dialog.kind = FileDialog::Kind::None;
    open = false;
    ImGui::CloseCurrentPopup();
  }
  ImGui::EndPopup();
}

void FileDialogWindow::open_browser(FileDialog::Kind kind) {
  browsed_kind_ = kind;
  BrowserFilter filter;
  filter.extensions = text_of(kind).extensions;
  browser_.open(start_folder(workspace_.file_dialog.path), std::move(filter));
}

void FileDialogWindow::draw_har_entries() {
  FileDialog& dialog = workspace_.file_dialog;
  if (dialog.entries.empty()) {
    ImGui::TextColored(style::muted(), "List the file's entries to pick the ones to import.");
    return;
  }
  ImGui::TextColored(style::muted(), "%s", dialog.listed_path.c_str());
  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                          ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  float rows = static_cast<float>(std::min<size_t>(dialog.entries.size(), 12) + 1);
  ImVec2 size(0, rows * (ImGui::GetFrameHeight() + ImGui::GetStyle().CellPadding.y * 2));
  if (!ImGui::BeginTable("##har-entries", 4, flags, size)) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("Method", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("URL", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("Status", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableHeadersRow();
  for (size_t i = 0; i < dialog.entries.size(); ++i) {
    HarListRow& row = dialog.entries[i];
    ImGui::PushID(static_cast<int>(i));
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    std::string label = std::to_string(i + 1);
    ImGui::Checkbox(label.c_str(), &row.picked);
    ImGui::TableSetColumnIndex(1);
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted(row.method.c_str());
    ImGui::TableSetColumnIndex(2);
    ImGui::PushFont(style::mono());
    ImGui::TextUnformatted(row.url.c_str());
    ImGui::PopFont();
    widgets::overflow_tooltip(row.url);
    ImGui::TableSetColumnIndex(3);
    if (row.status != 0)
      ImGui::Text("%u", row.status);
    else
      ImGui::TextColored(style::muted(), "-");
    ImGui::PopID();
  }
  ImGui::EndTable();
}

}  // namespace pwplay::gui
