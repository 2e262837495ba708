// The automation mode: a small JSON script of steps (run a command from the command table, wait
// for the engine, render frames, save a screenshot) that the app plays frame by frame, then a
// JSON log of what ran and what the final snapshot holds. Tests and screenshots under Xvfb use
// it. The format is documented in docs/gui.md.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "app/gui/core/command_table.h"
#include "app/gui/core/frame_times.h"
#include "app/gui/core/snapshot.h"
#include "app/gui/core/ui_state.h"

namespace pwplay::gui {

struct AutomationStep {
  enum class Kind : uint8_t {
    Run,
    WaitEngine,
    WaitRuns,
    WaitTime,
    WaitCommand,
    WaitLesson,   // the lesson step's commands have all run and the engine is idle
    CheckLesson,  // the lesson step's check holds (polled until the step's timeout)
    Frames,
    Screenshot
  };
  Kind kind = Kind::Run;
  std::string command;                    // Run: the command id
  std::string arg;                        // Run: its argument
  int count = 0;                          // WaitRuns: runs in the history; Frames: frames to render
  std::string path;                       // Screenshot: the PNG to write
  std::chrono::milliseconds timeout{0};   // waits; 0: the script's timeout
  std::chrono::milliseconds duration{0};  // WaitTime: how long frames go on being drawn
};

struct AutomationScript {
  int width = 0;  // window size; 0: the app's default
  int height = 0;
  std::string log_path;                      // where to write the automation log ("" = none)
  std::chrono::milliseconds timeout{60000};  // default for every wait
  bool exit_when_done = true;                // false: stay open (interactive) after the last step
  std::vector<AutomationStep> steps;
};

Result<AutomationScript> parse_automation_script(const nlohmann::json& json,
                                                 const std::string& where);
Result<AutomationScript> load_automation_script(const std::string& path);

// The script behind `--run-command ID[=ARG] ... --screenshot PNG --frames N`: each command in
// order, then (after the engine is idle) N frames and the screenshot.
AutomationScript command_line_script(const std::vector<std::string>& run_commands,
                                     const std::string& screenshot, int frames);

// The script behind `--lesson ID --automation-check [--screenshot PNG]`: open the lesson, then per
// step run its commands, wait for them and check; the next step; the screenshot at the end.
AutomationScript lesson_check_script(const std::string& lesson, size_t steps,
                                     const std::string& screenshot);

struct ScreenshotInfo {
  std::string path;
  int width = 0;
  int height = 0;
};

// What the runner needs from the app.
class AutomationHost {
 public:
  virtual ~AutomationHost() = default;
  virtual Commands& commands() = 0;
  virtual std::shared_ptr<const Snapshot> snapshot() = 0;
  // The engine thread has nothing to run (a pause counts as settled: the script goes on).
  virtual bool engine_idle() = 0;
  // Reads back the frame just rendered and writes it as a PNG.
  virtual Result<ScreenshotInfo> capture(const std::string& path) = 0;
  // What the window shows that the snapshot does not (the memory cursor, ...): the log's "ui".
  virtual nlohmann::json ui_state() { return nlohmann::json::object(); }
  // The Learn panel: a step's commands are still running.
  virtual bool lesson_busy() { return false; }
  // Evaluates the open lesson step's check now: an error says where and what did not hold.
  virtual Result<void> check_lesson() { return make_error("no lesson is open"); }
};

// Plays a script one frame at a time: before_frame() runs the steps that are due,
// after_render() takes the screenshot the current step asked for.
class AutomationRunner {
 public:
  explicit AutomationRunner(AutomationScript script);

  void before_frame(AutomationHost& host);
  void after_render(AutomationHost& host);
  // The app measures each frame the script plays (see frame_times.h) and reports it here.
  void record_frame_time(double frame_ms) { frame_times_.record(frame_ms); }
  void record_first_frame(std::optional<double> since_start_ms) {
    frame_times_.record_first_frame(since_start_ms);
  }

  // What the window shows (inspector tab, layout, ...), for the log's "ui" object.
  void set_ui_state(const UiState& state) { ui_ = state; }
  // The app's windows drawn this frame besides the layout ("welcome", "shortcuts", "about",
  // "file"): the log lists those open at the end and every one seen during the script.
  void record_windows(const std::vector<std::string>& drawn);

  bool finished() const { return failed_ || stopped_ || next_ >= script_.steps.size(); }
  // The app quits (the quit command): the steps left are not played, and the script counts as
  // done (exit 0; the log says "quit": true and how many steps ran).
  void stop() { stopped_ = true; }
  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  const AutomationScript& script() const { return script_; }
  int exit_code() const { return failed_ ? 1 : 0; }

  // The automation log: commands run (from every source), screenshots, frame times, the final
  // snapshot and what the window showed ("ui": the last set_ui_state(), with `ui`'s fields added:
  // the host's ui_state() at the end, e.g. the memory view's).
  nlohmann::json log(const Snapshot& snapshot, const Commands& commands,
                     const nlohmann::json& ui = nlohmann::json::object()) const;
  Result<void> write_log(const Snapshot& snapshot, const Commands& commands,
                         const nlohmann::json& ui = nlohmann::json::object()) const;
  // A section the app adds to the log under `key` (the Module tab's "module", the "chain").
  void set_log_section(const std::string& key, nlohmann::json value) {
    sections_[key] = std::move(value);
  }

  // Frames to render before a screenshot so that layout and new data have settled.
  static constexpr int kSettleFrames = 3;
  // How long a lesson step's check may take to hold once its commands ran.
  static constexpr std::chrono::milliseconds kLessonCheckWait{5000};

 private:
  void fail(std::string message);
  void advance();
  std::chrono::milliseconds timeout_of(const AutomationStep& step) const;

  AutomationScript script_;
  size_t next_ = 0;
  bool step_started_ = false;
  std::chrono::steady_clock::time_point step_start_;
  int frames_left_ = 0;
  bool capture_now_ = false;
  uint64_t frames_ = 0;
  bool failed_ = false;
  bool stopped_ = false;
  std::string error_;
  std::vector<ScreenshotInfo> screenshots_;
  // Per screenshot: {"ui": what the window showed, "debugger": the debugger's state}.
  std::vector<nlohmann::json> screenshot_state_;
  FrameTimes frame_times_;
  nlohmann::json sections_ = nlohmann::json::object();
  UiState ui_;
  std::vector<std::string> windows_open_;
  std::vector<std::string> windows_seen_;
};

// The snapshot as the automation log reports it: plugin identity and build, load error, loads,
// and the last run (request line, status, headers after the filter, failure, logs, counts).
nlohmann::json summarize_snapshot(const Snapshot& snapshot);

}  // namespace pwplay::gui
