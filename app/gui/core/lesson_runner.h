// The Learn panel's model: the lessons found, the lesson and step open, the step's commands as
// they run (one at a time through the command table, each once the engine is idle), whether the
// step's check holds on the app's state, and which steps the user has done (kept in
// $XDG_CONFIG_HOME/pwplay/lessons.json). No ImGui here: tests drive it without a window.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "app/gui/core/command_table.h"
#include "debugger/formats/lesson_file.h"

namespace pwplay::gui {

class LessonRunner {
 public:
  // Checks are evaluated every this many frames, or after kCheckInterval when frames are rare
  // (an idle window draws twice a second), while a lesson is open, and soon after a step's
  // commands ran: often enough to notice a hand-made step, cheap for the frame loop.
  static constexpr int kCheckEveryFrames = 10;
  static constexpr std::chrono::milliseconds kCheckInterval{300};
  // Frames drawn between two of a step's commands, so that what one changed (a selection, a
  // tab) is on screen and in the state before the next reads it.
  static constexpr int kFramesBetweenCommands = 2;

  // `progress_path` "": progress is kept for this run only (automation, --no-ini).
  explicit LessonRunner(std::string progress_path = {});

  // The lessons found (or why none were), and where the built samples are, for ${samples}.
  void set_lessons(Result<std::vector<debugger::Lesson>> lessons, std::filesystem::path dir);
  void set_samples_dir(std::string dir) { samples_dir_ = std::move(dir); }
  const std::vector<debugger::Lesson>& lessons() const { return lessons_; }
  const std::string& problem() const { return problem_; }  // why there are no lessons

  // Opens a lesson (its id or number) at its first step; stops any step still running.
  Result<void> open(std::string_view key);
  Result<void> next();
  Result<void> back();
  // Back to the list of lessons (progress is kept).
  void close() {
    current_ = -1;
    queue_.clear();
    wait_until_ = {};
  }
  // Queues the current step's commands; tick() runs them.
  Result<void> run_step();

  const debugger::Lesson* lesson() const { return current_ < 0 ? nullptr : &lessons_[current_]; }
  const debugger::LessonStep* step() const;
  size_t step_index() const { return step_; }
  bool running() const { return !queue_.empty() || std::chrono::steady_clock::now() < wait_until_; }
  // The last check of the current step: held or not, and what failed.
  const debugger::CheckOutcome& outcome() const { return outcome_; }
  bool checked() const { return checked_; }  // evaluated since the step opened
  // What went wrong running the step's commands ("" when nothing did).
  const std::string& command_error() const { return command_error_; }

  // Steps done (their check held) per lesson id.
  size_t done_steps(const std::string& id) const;
  bool step_done(const std::string& id, size_t step) const;

  // Called once per frame: runs the next queued command when the engine is idle, and evaluates
  // the current step's check on `state()` when due. `state` builds the app's state document.
  void tick(Commands& commands, bool engine_idle, const std::function<nlohmann::json()>& state);
  // Evaluates the current step's check now (the automation's {"check": "lesson"}).
  const debugger::CheckOutcome& check_now(const nlohmann::json& state);

  // "lesson 01-request-life, step 2 of 6 (Break in the callback)".
  std::string where() const;
  // The log's "lesson" object: id, step, steps, running, check (held, failure), progress.
  nlohmann::json summary() const;

 private:
  void enter_step(size_t step);
  void mark_done();
  void load_progress();
  void save_progress();

  std::vector<debugger::Lesson> lessons_;
  std::filesystem::path dir_;
  std::string problem_;
  std::string samples_dir_;
  int current_ = -1;
  size_t step_ = 0;
  std::deque<debugger::LessonCommand> queue_;
  int settle_frames_ = 0;       // frames to draw after a command, before the next or the check
  int frames_since_check_ = 0;  // the periodic check: every kCheckEveryFrames or kCheckInterval
  bool check_due_ = true;       // at once (after settling): a new step, or its commands ran
  std::chrono::steady_clock::time_point last_check_{};
  std::chrono::steady_clock::time_point wait_until_{};  // a {"wait_ms": N} in progress
  bool checked_ = false;
  debugger::CheckOutcome outcome_;
  std::string command_error_;
  std::string progress_path_;
  std::map<std::string, std::set<size_t>> done_;
  nlohmann::json progress_unknown_ = nlohmann::json::object();  // other lessons' records
  bool progress_broken_ = false;  // the file could not be read: never overwritten
};

// $XDG_CONFIG_HOME/pwplay/lessons.json, else ~/.config/pwplay/lessons.json; "" without either.
std::string default_lesson_progress_path();

// The Learn panel's commands: open-lesson (ID; without one, the Learn panel with the list, the
// lesson closed),
// lesson-run-step, lesson-next, lesson-back. `show_panel` opens the Learn panel.
void register_lesson_commands(Commands& commands, LessonRunner& runner,
                              std::function<void()> show_panel);

}  // namespace pwplay::gui
