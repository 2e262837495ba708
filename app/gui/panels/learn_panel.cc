#include "app/gui/panels/learn_panel.h"

#include <imgui.h>

#include <string_view>

#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {

std::string LearnPanel::title() const {
  const debugger::Lesson* lesson = runner_.lesson();
  return lesson ? "Learn: " + lesson->title : "Learn";
}

nlohmann::json LearnPanel::buttons_json() const {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, rect] : buttons_)
    out[key] = {{"x", rect.x}, {"y", rect.y}, {"width", rect.width}, {"height", rect.height}};
  return out;
}

void LearnPanel::remember_item(const std::string& key) {
  const ImVec2 low = ImGui::GetItemRectMin();
  const ImVec2 size = ImGui::GetItemRectSize();
  buttons_[key] = {low.x, low.y, size.x, size.y};
}

void LearnPanel::command_button(const char* label, const char* key, const char* command,
                                Commands& commands) {
  const Command* found = commands.find(command);
  const bool enabled = found && commands.is_enabled(*found);
  if (!enabled) ImGui::BeginDisabled();
  const bool pressed = ImGui::Button(label);
  if (!enabled) ImGui::EndDisabled();
  remember_item(key);
  if (pressed) (void)commands.run(command, CommandSource::Button);
}

void LearnPanel::draw(const Snapshot&, Commands& commands) {
  buttons_.clear();
  if (!runner_.problem().empty()) {
    widgets::wrapped_colored(style::error(), runner_.problem());
    return;
  }
  if (runner_.lesson())
    draw_step(commands);
  else
    draw_list(commands);
}

void LearnPanel::draw_list(Commands& commands) {
  ImGui::TextWrapped(
      "Each lesson shows one proxy-wasm concept happening in the live panels. Pick one; each "
      "step says what to look at, and Run step does it for you.");
  ImGui::Spacing();
  for (const debugger::Lesson& lesson : runner_.lessons()) {
    const size_t done = runner_.done_steps(lesson.id);
    ImGui::PushID(lesson.id.c_str());
    const std::string label = lesson.id.substr(0, 2) + "  " + lesson.title;
    if (ImGui::Selectable(label.c_str(), false, 0, ImVec2(0, 0)))
      (void)commands.run("open-lesson", CommandSource::Button, lesson.id);
    remember_item("lesson-" + lesson.id);
    // Progress first on the line below: long titles are clipped at the column's edge.
    ImGui::Indent();
    ImGui::TextColored(done == lesson.steps.size() ? style::added() : style::muted(),
                       "%zu/%zu done", done, lesson.steps.size());
    if (!lesson.summary.empty()) widgets::wrapped_colored(style::muted(), lesson.summary);
    ImGui::Unindent();
    ImGui::PopID();
  }
}

void LearnPanel::draw_step(Commands& commands) {
  const debugger::Lesson& lesson = *runner_.lesson();
  const debugger::LessonStep& step = *runner_.step();
  const size_t index = runner_.step_index();
  command_button("< All lessons", "list", "open-lesson", commands);
  ImGui::SameLine();
  ImGui::TextColored(style::muted(), "Step %zu of %zu", index + 1, lesson.steps.size());
  ImGui::Separator();
  ImGui::PushStyleColor(ImGuiCol_Text, style::accent());
  ImGui::TextWrapped("%s", step.title.c_str());
  ImGui::PopStyleColor();

  // The text, then the buttons and the check at the bottom, always visible.
  const float footer = ImGui::GetFrameHeightWithSpacing() * 2 + ImGui::GetTextLineHeight() * 4;
  if (ImGui::BeginChild("##lesson-text", ImVec2(0, -footer), false)) {
    std::string_view text = step.text;
    // Paragraphs: blank lines separate them.
    while (!text.empty()) {
      size_t end = text.find("\n\n");
      std::string paragraph(text.substr(0, end));
      ImGui::TextWrapped("%s", paragraph.c_str());
      ImGui::Spacing();
      if (end == std::string_view::npos) break;
      text.remove_prefix(end + 2);
    }
    if (!step.commands.empty()) {
      ImGui::TextColored(style::muted(), "Run step does:");
      ImGui::PushFont(style::mono());
      for (const debugger::LessonCommand& command : step.commands) {
        if (command.wait_ms > 0) {
          ImGui::BulletText("wait %.1f s", command.wait_ms / 1000.0);
          continue;
        }
        const Command* found = commands.find(command.id);
        const std::string shortcut = found ? format_shortcut(found->shortcut) : std::string();
        // Paths as the source tree names them, not this machine's.
        const std::string arg =
            debugger::expand_lesson_arg(command.arg, "build/samples", "assets/lessons", "assets");
        ImGui::BulletText("%s%s%s%s", command.id.c_str(), arg.empty() ? "" : " ", arg.c_str(),
                          shortcut.empty() ? "" : ("   (" + shortcut + ")").c_str());
      }
      ImGui::PopFont();
    }
  }
  ImGui::EndChild();
  ImGui::Separator();

  // The buttons first, so they stay where they are whatever the status below says.
  command_button("Back", "back", "lesson-back", commands);
  ImGui::SameLine();
  command_button("Run step", "run", "lesson-run-step", commands);
  ImGui::SameLine();
  if (index + 1 < lesson.steps.size())
    command_button("Next", "next", "lesson-next", commands);
  else
    command_button("Finish", "next", "open-lesson", commands);

  const bool done = runner_.step_done(lesson.id, index);
  const auto& outcome = runner_.outcome();
  if (runner_.running()) {
    ImGui::TextColored(style::warning(), "Running the step...");
  } else if (!runner_.command_error().empty()) {
    widgets::wrapped_colored(style::error(), "A command failed: " + runner_.command_error());
  } else if (outcome.held) {
    widgets::wrapped_colored(style::added(), "Done: " + step.check.text);
  } else {
    widgets::wrapped_colored(style::muted(),
                             "To do: " + step.check.text + (done ? " (done before)" : ""));
    if (runner_.checked() && ImGui::IsItemHovered() && !outcome.failure.empty())
      ImGui::SetTooltip("Not yet: %s", outcome.failure.c_str());
  }
}

}  // namespace pwplay::gui
