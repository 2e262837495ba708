#include "app/gui/core/lesson_runner.h"

#include <memory>
#include <system_error>

#include "app/gui/core/recent.h"
#include "debugger/formats/atomic_file.h"
#include "debugger/formats/json_read.h"
#include "host/file_read.h"

namespace pwplay::gui {
namespace fs = std::filesystem;
using nlohmann::json;

LessonRunner::LessonRunner(std::string progress_path) : progress_path_(std::move(progress_path)) {
  load_progress();
}

void LessonRunner::set_lessons(Result<std::vector<debugger::Lesson>> lessons, fs::path dir) {
  current_ = -1;
  queue_.clear();
  dir_ = std::move(dir);
  if (lessons) {
    lessons_ = std::move(*lessons);
    problem_.clear();
  } else {
    lessons_.clear();
    problem_ = lessons.error().message;
  }
}

const debugger::LessonStep* LessonRunner::step() const {
  const debugger::Lesson* open = lesson();
  return open && step_ < open->steps.size() ? &open->steps[step_] : nullptr;
}

Result<void> LessonRunner::open(std::string_view key) {
  if (lessons_.empty())
    return make_error("open-lesson: " + (problem_.empty() ? std::string("no lessons") : problem_));
  auto found = debugger::find_lesson(lessons_, key);
  if (!found) return make_error("open-lesson: " + found.error().message);
  current_ = static_cast<int>(*found - lessons_.data());
  enter_step(0);
  return {};
}

Result<void> LessonRunner::next() {
  const debugger::Lesson* open = lesson();
  if (!open) return make_error("lesson-next: no lesson is open (open-lesson ID)");
  if (step_ + 1 >= open->steps.size())
    return make_error("lesson-next: " + where() + " is the last step");
  enter_step(step_ + 1);
  return {};
}

Result<void> LessonRunner::back() {
  if (!lesson()) return make_error("lesson-back: no lesson is open (open-lesson ID)");
  if (step_ == 0) return make_error("lesson-back: " + where() + " is the first step");
  enter_step(step_ - 1);
  return {};
}

Result<void> LessonRunner::run_step() {
  const debugger::LessonStep* current = step();
  if (!current) return make_error("lesson-run-step: no lesson is open (open-lesson ID)");
  if (running()) return make_error("lesson-run-step: the step's commands are still running");
  queue_.assign(current->commands.begin(), current->commands.end());
  command_error_.clear();
  settle_frames_ = 0;
  return {};
}

void LessonRunner::enter_step(size_t step) {
  step_ = step;
  queue_.clear();
  wait_until_ = {};
  command_error_.clear();
  checked_ = false;
  outcome_ = {};
  settle_frames_ = 0;
  check_due_ = true;
}

void LessonRunner::tick(Commands& commands, bool engine_idle, const std::function<json()>& state) {
  if (!lesson()) return;
  if (running()) {
    if (!engine_idle || std::chrono::steady_clock::now() < wait_until_) return;
    if (settle_frames_ > 0) {
      --settle_frames_;
      return;
    }
    if (queue_.empty()) return;  // a wait just ended: the next tick checks
    const debugger::LessonCommand command = queue_.front();
    queue_.pop_front();
    if (command.wait_ms > 0) {
      wait_until_ = std::chrono::steady_clock::now() + std::chrono::milliseconds(command.wait_ms);
      check_due_ = true;
      return;
    }
    const std::string arg = debugger::expand_lesson_arg(command.arg, samples_dir_, dir_.string());
    if (auto ran = commands.run(command.id, CommandSource::Lesson, arg); !ran) {
      // The rest would act on a state the lesson did not expect: stop here and say why.
      command_error_ = command.id + (arg.empty() ? "" : " " + arg) + ": " + ran.error().message;
      queue_.clear();
    }
    settle_frames_ = kFramesBetweenCommands;
    check_due_ = true;
    return;
  }
  if (!engine_idle || !state) return;
  if (settle_frames_ > 0) {
    --settle_frames_;
    return;
  }
  ++frames_since_check_;
  const auto now = std::chrono::steady_clock::now();
  if (!check_due_ && frames_since_check_ < kCheckEveryFrames && now - last_check_ < kCheckInterval)
    return;
  check_due_ = false;
  frames_since_check_ = 0;
  last_check_ = now;
  check_now(state());
}

const debugger::CheckOutcome& LessonRunner::check_now(const json& state) {
  const debugger::LessonStep* current = step();
  if (!current) {
    outcome_ = {false, "no lesson is open"};
    return outcome_;
  }
  outcome_ = debugger::evaluate_check(current->check, state);
  checked_ = true;
  if (outcome_.held) mark_done();
  return outcome_;
}

size_t LessonRunner::done_steps(const std::string& id) const {
  auto it = done_.find(id);
  return it == done_.end() ? 0 : it->second.size();
}

bool LessonRunner::step_done(const std::string& id, size_t step) const {
  auto it = done_.find(id);
  return it != done_.end() && it->second.count(step) > 0;
}

std::string LessonRunner::where() const {
  const debugger::Lesson* open = lesson();
  if (!open) return "no lesson";
  return "lesson " + open->id + ", step " + std::to_string(step_ + 1) + " of " +
         std::to_string(open->steps.size()) + " (" + open->steps[step_].title + ")";
}

json LessonRunner::summary() const {
  json progress = json::object();
  for (const debugger::Lesson& each : lessons_)
    progress[each.id] = {{"done", done_steps(each.id)}, {"steps", each.steps.size()}};
  const debugger::Lesson* open = lesson();
  return {{"id", open ? json(open->id) : json(nullptr)},
          {"step", open ? json(step_ + 1) : json(nullptr)},
          {"steps", open ? json(open->steps.size()) : json(nullptr)},
          {"running", running()},
          {"command_error", command_error_.empty() ? json(nullptr) : json(command_error_)},
          {"check",
           {{"evaluated", checked_},
            {"held", outcome_.held},
            {"failure", outcome_.failure.empty() ? json(nullptr) : json(outcome_.failure)}}},
          {"progress", std::move(progress)},
          {"problem", problem_.empty() ? json(nullptr) : json(problem_)}};
}

void LessonRunner::mark_done() {
  const debugger::Lesson* open = lesson();
  if (!open || !done_[open->id].insert(step_).second) return;
  save_progress();
}

void LessonRunner::load_progress() {
  if (progress_path_.empty()) return;
  std::error_code ec;
  if (!fs::exists(progress_path_, ec)) return;
  auto text = host::read_user_file(progress_path_, "lesson progress", host::kMaxInputFileBytes);
  auto document = text ? debugger::parse_json_text(*text, progress_path_)
                       : Result<json>(unexpected(text.error()));
  // A file that cannot be read is left as it is: progress is then kept for this run only.
  if (!document || !document->is_object() || !document->contains("done") ||
      !(*document)["done"].is_object()) {
    progress_broken_ = true;
    return;
  }
  for (const auto& [id, steps] : (*document)["done"].items()) {
    if (!steps.is_array()) continue;
    for (const json& step : steps)
      if (step.is_number_unsigned()) done_[id].insert(step.get<size_t>());
  }
  progress_unknown_ = *document;
}

void LessonRunner::save_progress() {
  if (progress_path_.empty() || progress_broken_) return;
  json document = progress_unknown_;
  json done = json::object();
  for (const auto& [id, steps] : done_) done[id] = steps;
  document["done"] = std::move(done);
  std::error_code ec;
  fs::create_directories(fs::path(progress_path_).parent_path(), ec);
  (void)debugger::write_file_atomically(progress_path_, document.dump(2) + "\n");
}

std::string default_lesson_progress_path() {
  const std::string recent = default_recent_path();
  return recent.empty() ? std::string()
                        : (fs::path(recent).parent_path() / "lessons.json").string();
}

void register_lesson_commands(Commands& commands, LessonRunner& runner,
                              std::function<void()> show_panel) {
  auto shown = std::make_shared<std::function<void()>>(std::move(show_panel));
  commands.add({"open-lesson",
                "Lessons",
                "Help",
                {},
                "ID or number of a lesson (default: the Learn panel with the list)",
                false,
                [&runner, shown](std::string_view arg) -> Result<void> {
                  if (arg.empty())
                    runner.close();
                  else if (auto opened = runner.open(arg); !opened)
                    return opened;
                  if (*shown) (*shown)();
                  return {};
                }});
  Command run{"lesson-run-step",
              "Run this lesson step",
              "",
              {},
              "",
              false,
              [&runner, shown](std::string_view) -> Result<void> {
                if (*shown) (*shown)();
                return runner.run_step();
              }};
  run.enabled = [&runner] { return runner.lesson() != nullptr && !runner.running(); };
  commands.add(std::move(run));
  Command next{"lesson-next", "Next lesson step", "", {}, "", false, [&runner](std::string_view) {
                 return runner.next();
               }};
  next.enabled = [&runner] {
    return runner.lesson() != nullptr && runner.step_index() + 1 < runner.lesson()->steps.size();
  };
  commands.add(std::move(next));
  Command back{
      "lesson-back", "Previous lesson step", "", {}, "", false, [&runner](std::string_view) {
        return runner.back();
      }};
  back.enabled = [&runner] { return runner.lesson() != nullptr && runner.step_index() > 0; };
  commands.add(std::move(back));
}

}  // namespace pwplay::gui
