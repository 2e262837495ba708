#include "app/gui/panels/file_browser.h"

#include <imgui.h>

#include <filesystem>
#include <system_error>

#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

namespace fs = std::filesystem;

// The path to put in the field: relative to the current directory when the file is under it,
// as commands take paths relative to it.
std::string display_path(const fs::path& file) {
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  if (!ec) {
    fs::path relative = file.lexically_relative(cwd);
    if (!relative.empty() && *relative.begin() != "..") return relative.string();
  }
  return file.string();
}

}  // namespace

bool draw_file_browser(FileBrowser& browser, std::string& path, float height, bool keep_name) {
  bool chosen = false;
  if (ImGui::ArrowButton("##up", ImGuiDir_Up)) browser.up();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("The parent folder");
  ImGui::SameLine();
  ImGui::PushFont(style::mono());
  ImGui::TextUnformatted(browser.dir().string().c_str());
  ImGui::PopFont();
  const auto& extensions = browser.filter().extensions;
  if (!extensions.empty()) {
    std::string label = "All files##all";
    float width = ImGui::CalcTextSize("All files").x + ImGui::GetFrameHeight() +
                  ImGui::GetStyle().ItemInnerSpacing.x;
    ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - width));
    bool all = browser.show_all();
    if (ImGui::Checkbox(label.c_str(), &all)) browser.set_show_all(all);
    if (ImGui::IsItemHovered()) {
      std::string shown;
      for (const auto& ext : extensions) shown += (shown.empty() ? "" : " ") + ext;
      ImGui::SetTooltip("Show every file, not only %s", shown.c_str());
    }
  }

  if (!browser.message().empty()) widgets::wrapped_colored(style::error(), browser.message());
  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                          ImGuiTableFlags_BordersOuter | ImGuiTableFlags_SizingStretchProp;
  if (!ImGui::BeginTable("##browser", 2, flags, ImVec2(0, height))) return false;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("Size", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableHeadersRow();
  std::string enter;  // entered after the loop: entering changes the listing
  for (const BrowserEntry& entry : browser.entries()) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    std::string label = entry.directory ? entry.name + "/" : entry.name;
    bool selected = !entry.directory && entry.name == browser.picked;
    ImGui::PushStyleColor(
        ImGuiCol_Text, entry.directory ? style::accent() : ImGui::GetStyleColorVec4(ImGuiCol_Text));
    bool clicked = ImGui::Selectable(
        label.c_str(), selected,
        ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowDoubleClick);
    ImGui::PopStyleColor();
    if (clicked && entry.directory) {
      enter = entry.name;
    } else if (clicked) {
      browser.picked = entry.name;
      path = display_path(browser.dir() / entry.name);
      if (ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) chosen = true;
    }
    if (selected && ImGui::IsItemFocused() &&
        ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Enter), false))
      chosen = true;
    ImGui::TableSetColumnIndex(1);
    if (!entry.directory)
      ImGui::TextColored(style::muted(), "%s", widgets::format_bytes(entry.size).c_str());
  }
  if (browser.entries().empty()) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextColored(style::muted(), browser.show_all() || extensions.empty()
                                           ? "(empty folder)"
                                           : "(no matching files: tick All files to see others)");
  }
  if (browser.truncated()) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    ImGui::TextColored(style::warning(), "(the first %zu entries: type a path to go further)",
                       kMaxBrowserEntries);
  }
  ImGui::EndTable();
  if (!enter.empty()) {
    std::string name = keep_name ? fs::path(path).filename().string() : std::string();
    browser.enter(enter);
    if (keep_name && !name.empty()) path = display_path(browser.dir() / name);
  }
  return chosen;
}

int complete_path_callback(ImGuiInputTextCallbackData* data) {
  if (data->EventFlag != ImGuiInputTextFlags_CallbackCompletion || !data->UserData) return 0;
  auto* browser = static_cast<FileBrowser*>(data->UserData);
  std::error_code ec;
  fs::path cwd = fs::current_path(ec);
  BrowserFilter filter = browser->filter();
  if (browser->show_all()) filter.extensions.clear();
  Completion completion = complete_path(
      std::string_view(data->Buf, static_cast<size_t>(data->BufTextLen)), cwd, filter);
  if (completion.completed.size() > static_cast<size_t>(data->BufTextLen)) {
    data->DeleteChars(0, data->BufTextLen);
    data->InsertChars(0, completion.completed.c_str());
  }
  // The browser follows: the folder typed so far, with the file picked when it is one.
  fs::path typed(completion.completed);
  browser->go_to(typed.is_relative() ? (cwd / typed).string() : typed.string());
  return 0;
}

}  // namespace pwplay::gui
