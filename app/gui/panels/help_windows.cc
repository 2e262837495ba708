#include "app/gui/panels/help_windows.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "app/gui/platform_window.h"
#include "app/gui/style.h"
#include "host/proxy/libevent_version.h"
#include "host/vm.h"

namespace pwplay::gui {
namespace {

std::string lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool matches(const Command& command, const std::string& query) {
  if (query.empty()) return true;
  std::string q = lowered(query);
  return lowered(command.label).find(q) != std::string::npos ||
         command.id.find(q) != std::string::npos ||
         lowered(format_shortcut(command.shortcut)).find(q) != std::string::npos;
}

void centre_next_window(float y_fraction) {
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x * 0.5f,
                                 viewport->WorkPos.y + viewport->WorkSize.y * y_fraction),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
}

}  // namespace

std::vector<LibraryVersion> library_versions() {
  auto engine = [](const char* name) {
    std::string version = host::engine_version(name);
    return version.empty() ? std::string("not built") : version;
  };
  return {{"V8", engine("v8")},
          {"WABT", engine("wabt")},
          {"Dear ImGui", IMGUI_VERSION},
          {"GLFW", PlatformWindow::glfw_version()},
          {"libevent", host::proxy::libevent_version()}};
}

void HelpWindows::draw(Commands& commands) {
  draw_shortcuts(commands);
  draw_about(commands);
}

void HelpWindows::draw_shortcuts(Commands& commands) {
  shortcuts_drawn_ = false;
  if (!shortcuts_open_) {
    shortcuts_appearing_ = true;
    return;
  }
  centre_next_window(0.5f);
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowSize(ImVec2(viewport->WorkSize.x * 0.55f, viewport->WorkSize.y * 0.8f),
                           ImGuiCond_Appearing);
  if (shortcuts_appearing_) ImGui::SetNextWindowFocus();
  bool appearing = shortcuts_appearing_;
  shortcuts_appearing_ = false;
  if (!ImGui::Begin("Keyboard shortcuts", &shortcuts_open_,
                    ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings)) {
    ImGui::End();
    return;
  }
  shortcuts_drawn_ = true;
  ImGui::PushStyleColor(ImGuiCol_Text, style::muted());
  ImGui::TextWrapped(
      "Every command of the app, by menu. Keys work anywhere (plain keys not while typing in a "
      "field); the palette runs any command by name.");
  ImGui::PopStyleColor();
  if (appearing) ImGui::SetKeyboardFocusHere();
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint("##query", "filter: a label, an id or a key (F9, ctrl+d)", &query_);
  if (ImGui::BeginTable("##shortcuts", 3,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                            ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersOuter,
                        ImVec2(0, -ImGui::GetFrameHeightWithSpacing()))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("Keys", ImGuiTableColumnFlags_WidthFixed,
                            ImGui::CalcTextSize("Ctrl+Shift+F10").x);
    ImGui::TableSetupColumn("Command", ImGuiTableColumnFlags_WidthStretch, 0.6f);
    ImGui::TableSetupColumn("Id", ImGuiTableColumnFlags_WidthStretch, 0.4f);
    ImGui::TableHeadersRow();
    // Menus in the menu bar's order, then commands only the palette (or a script) runs.
    for (const char* menu : {"File", "Run", "Debug", "View", "Help", ""}) {
      std::vector<const Command*> rows;
      for (const Command& command : commands.all())
        if (command.menu == menu && !command.arg_required && matches(command, query_))
          rows.push_back(&command);
      // Commands with keys first, so the sheet reads as a key map.
      std::stable_sort(rows.begin(), rows.end(), [](const Command* a, const Command* b) {
        return !a->shortcut.empty() && b->shortcut.empty();
      });
      if (rows.empty()) continue;
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextColored(style::accent(), "%s", *menu ? menu : "Palette");
      for (const Command* command : rows) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::PushFont(style::mono());
        ImGui::TextUnformatted(format_shortcut(command->shortcut).c_str());
        ImGui::PopFont();
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(command->label.c_str());
        if (!command->arg_help.empty() && ImGui::IsItemHovered())
          ImGui::SetTooltip("Argument (scripts, palette): %s", command->arg_help.c_str());
        ImGui::TableSetColumnIndex(2);
        ImGui::TextColored(style::muted(), "%s", command->id.c_str());
      }
    }
    ImGui::EndTable();
  }
  if (ImGui::Button("Close")) shortcuts_open_ = false;
  if (ImGui::IsWindowFocused(ImGuiFocusedFlags_RootAndChildWindows) &&
      ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
    shortcuts_open_ = false;
  ImGui::End();
}

void HelpWindows::draw_about(Commands& commands) {
  about_drawn_ = false;
  if (about_requested_) {
    ImGui::OpenPopup("About pwplay");
    about_requested_ = false;
  }
  centre_next_window(0.4f);
  if (!ImGui::BeginPopupModal("About pwplay", nullptr, ImGuiWindowFlags_AlwaysAutoResize)) return;
  about_drawn_ = true;
  ImGui::TextUnformatted("pwplay 0.1.0: a playground and debugger for proxy-wasm filters");
  ImGui::Separator();
  if (ImGui::BeginTable("##versions", 2, ImGuiTableFlags_SizingFixedFit)) {
    for (const LibraryVersion& library : library_versions()) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextColored(style::muted(), "%s", library.name.c_str());
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(library.version.c_str());
    }
    ImGui::EndTable();
  }
  ImGui::Separator();
  bool close = false;
  if (ImGui::Button("Keyboard shortcuts")) {
    close = true;
    (void)commands.run("show-shortcuts", CommandSource::Button);
  }
  ImGui::SameLine();
  if (ImGui::Button("Close") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape)))
    close = true;
  if (close) ImGui::CloseCurrentPopup();
  ImGui::EndPopup();
}

}  // namespace pwplay::gui
