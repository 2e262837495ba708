// The desktop app's lessons: the Learn panel's runner fed with assets/lessons and the built
// samples, the state document a step's check reads, and the automation's lesson check.
#include <filesystem>

#include "app/cli/lessons_dir.h"
#include "app/gui/core/perf_commands.h"
#include "app/gui/gui_app.h"

namespace pwplay::gui {

void GuiApp::register_lessons() {
  // Automation runs and --no-ini leave the user's progress alone, as with the layout.
  lessons_ =
      LessonRunner(options_.no_ini || automation_ ? std::string() : default_lesson_progress_path());
  if (auto dir = app::lessons_dir(options_.lessons_dir); dir)
    lessons_.set_lessons(debugger::load_lessons(*dir), *dir);
  else
    lessons_.set_lessons(unexpected(dir.error()), {});
  if (auto found = find_samples(sample_search(options_)); found)
    lessons_.set_samples_dir(found->built.string());
  register_lesson_commands(commands_, lessons_, [this] { learn_panel_.open = true; });
}

nlohmann::json GuiApp::lesson_state() {
  auto snapshot = session_.snapshot();
  nlohmann::json state = log_sections(*snapshot);
  state["snapshot"] = summarize_snapshot(*snapshot);
  state["performance"] = summarize_performance(*snapshot);
  state["ui"] = ui_state_json(ui_, ui_state());
  return state;
}

Result<void> GuiApp::check_lesson() {
  const debugger::LessonStep* step = lessons_.step();
  if (!step) return make_error("no lesson is open");
  if (!lessons_.command_error().empty())
    return make_error(lessons_.where() + ": a command failed: " + lessons_.command_error());
  const debugger::CheckOutcome& outcome = lessons_.check_now(lesson_state());
  if (outcome.held) return {};
  return make_error(lessons_.where() + ": the check did not hold (" + step->check.text +
                    "): " + outcome.failure);
}

}  // namespace pwplay::gui
