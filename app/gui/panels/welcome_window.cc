#include "app/gui/panels/welcome_window.h"

#include <imgui.h>

#include <algorithm>
#include <filesystem>

#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

// "Ctrl+Enter" for a command of the table, "" when it has no key.
std::string keys_of(const Commands& commands, const char* id) {
  const Command* command = commands.find(id);
  return command ? format_shortcut(command->shortcut) : std::string();
}

}  // namespace

void WelcomeWindow::draw(const Snapshot&, Commands& commands) {
  drawn_ = false;
  const bool appearing = open && !was_open_;
  was_open_ = open;
  if (!open) return;
  const ImGuiViewport* viewport = ImGui::GetMainViewport();
  ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x * 0.5f,
                                 viewport->WorkPos.y + viewport->WorkSize.y * 0.5f),
                          ImGuiCond_Appearing, ImVec2(0.5f, 0.5f));
  // Sized by its contents (tables of a fixed width), so it fits the samples it lists.
  width_ = std::max(560.0f, viewport->WorkSize.x * 0.72f);
  if (appearing) ImGui::SetNextWindowFocus();  // over the layout, once: the panels stay usable
  if (!ImGui::Begin("Welcome to pwplay", &open,
                    ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings |
                        ImGuiWindowFlags_AlwaysAutoResize)) {
    ImGui::End();
    return;
  }
  drawn_ = true;
  ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width_);
  ImGui::TextWrapped(
      "A playground and debugger for proxy-wasm filters. Pick a sample: it loads with its "
      "request, and %s sends it through the filter.",
      keys_of(commands, "send").c_str());
  ImGui::PopTextWrapPos();
  ImGui::Spacing();
  draw_samples(commands);
  ImGui::Spacing();
  draw_recent(commands);
  ImGui::Separator();
  if (ImGui::Button("Open filter...")) (void)commands.run("open-filter", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::Button("Open request...")) (void)commands.run("open-request", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::Button("Open project...")) (void)commands.run("open-project", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::Button("Keyboard shortcuts"))
    (void)commands.run("show-shortcuts", CommandSource::Button);
  ImGui::SameLine();
  ImGui::TextColored(style::muted(), "or drop a .wasm, request, HAR or project file on the window");
  if (!message_.empty()) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width_);
    ImGui::TextColored(style::error(), "%s", message_.c_str());
    ImGui::PopTextWrapPos();
  }
  ImGui::End();
}

void WelcomeWindow::draw_samples(Commands& commands) {
  ImGui::TextColored(style::accent(), "Samples");
  if (model_.samples.empty()) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width_);
    ImGui::TextColored(
        style::warning(), "%s",
        model_.samples_error.empty() ? "No samples are built." : model_.samples_error.c_str());
    ImGui::PopTextWrapPos();
    return;
  }
  if (!model_.samples_error.empty())  // built, but their request presets are missing
    ImGui::TextColored(style::muted(), "%s", model_.samples_error.c_str());
  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                          ImGuiTableFlags_ScrollY | ImGuiTableFlags_SizingStretchProp;
  // Rows (and the header) are a line and the cell padding high: the table fits them exactly.
  float row = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2;
  float height = std::min(row * (static_cast<float>(model_.samples.size()) + 1.0f) + 2.0f,
                          ImGui::GetMainViewport()->WorkSize.y * 0.55f);
  if (!ImGui::BeginTable("##samples", 4, flags, ImVec2(width_, height))) return;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Sample", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("Language", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableSetupColumn("What it shows", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("Request", ImGuiTableColumnFlags_WidthFixed);
  ImGui::TableHeadersRow();
  for (const AvailableSample& sample : model_.samples) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    if (ImGui::Selectable(sample.info->name, false, ImGuiSelectableFlags_SpanAllColumns)) {
      auto opened = commands.run("open-sample", CommandSource::Button, sample.info->name);
      message_ = opened ? std::string() : opened.error().message;
      if (opened) open = false;
    }
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Load %s with its request (%s)", sample.wasm.string().c_str(),
                        sample.request ? sample.request->string().c_str() : "a new request");
    ImGui::TableSetColumnIndex(1);
    ImGui::TextColored(style::muted(), "%s", sample.info->language);
    ImGui::TableSetColumnIndex(2);
    ImGui::TextUnformatted(sample.info->shows);
    ImGui::TableSetColumnIndex(3);
    if (sample.request)
      ImGui::TextColored(style::muted(), "%s", sample.info->request);
    else
      ImGui::TextColored(style::muted(), "-");
  }
  ImGui::EndTable();
}

void WelcomeWindow::draw_recent(Commands& commands) {
  const RecentStore* recent = model_.recent;
  if (!recent) return;
  if (!recent->problem().empty()) {
    ImGui::PushTextWrapPos(ImGui::GetCursorPosX() + width_);
    ImGui::TextColored(style::error(), "%s", recent->problem().c_str());
    ImGui::PopTextWrapPos();
  }
  const RecentFiles& files = recent->files();
  auto list = [&](const char* title, const std::vector<std::string>& paths, const char* command,
                  const char* empty) {
    ImGui::TextColored(style::accent(), "%s", title);
    if (paths.empty()) ImGui::TextColored(style::muted(), "  %s", empty);
    for (const std::string& path : paths) {
      ImGui::PushID(path.c_str());
      ImGui::PushFont(style::mono());
      std::string label = "  " + std::filesystem::path(path).filename().string();
      bool clicked = ImGui::Selectable(label.c_str());
      ImGui::PopFont();
      if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", path.c_str());
      if (clicked) {
        auto opened = commands.run(command, CommandSource::Button, path);
        message_ = opened ? std::string() : opened.error().message;
        if (opened) open = false;
      }
      ImGui::PopID();
    }
  };
  if (ImGui::BeginTable("##recent", 2, ImGuiTableFlags_SizingStretchSame, ImVec2(width_, 0))) {
    ImGui::TableNextRow();
    ImGui::TableSetColumnIndex(0);
    list("Recent filters", files.filters, "open-filter", "none yet");
    ImGui::TableSetColumnIndex(1);
    list("Recent requests", files.requests, "open-request", "none yet");
    ImGui::EndTable();
  }
}

}  // namespace pwplay::gui
