#include "app/gui/core/automation.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>

#include "abi/enums.h"
#include "app/gui/core/debugger_log.h"
#include "app/gui/core/perf_commands.h"
#include "debugger/change_attribution.h"
#include "debugger/formats/request_file.h"

namespace pwplay::gui {
namespace {

using nlohmann::json;

const char* kind_name(AutomationStep::Kind kind) {
  switch (kind) {
    case AutomationStep::Kind::Run:
      return "run";
    case AutomationStep::Kind::WaitEngine:
      return "wait engine";
    case AutomationStep::Kind::WaitRuns:
      return "wait runs";
    case AutomationStep::Kind::WaitTime:
      return "wait time";
    case AutomationStep::Kind::WaitCommand:
      return "wait command";
    case AutomationStep::Kind::WaitLesson:
      return "wait lesson";
    case AutomationStep::Kind::CheckLesson:
      return "check lesson";
    case AutomationStep::Kind::Frames:
      return "frames";
    case AutomationStep::Kind::Screenshot:
      return "screenshot";
  }
  return "?";
}

Result<void> check_keys(const json& object, std::initializer_list<const char*> allowed,
                        const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    bool known = false;
    for (const char* name : allowed) known = known || key == name;
    if (!known) return make_error(where + ": unknown field '" + key + "'");
  }
  return {};
}

Result<int> get_int(const json& object, const char* key, const std::string& where, int min) {
  const json& value = object[key];
  // get<int64_t> of an unsigned value past INT64_MAX is negative: refused with the small ones.
  if (!value.is_number_integer() || value.get<int64_t>() < min)
    return make_error(where + ": field '" + key + "' must be an integer >= " + std::to_string(min));
  if (value.get<int64_t>() > std::numeric_limits<int>::max())
    return make_error(where + ": field '" + key + "' must be at most " +
                      std::to_string(std::numeric_limits<int>::max()));
  return value.get<int>();
}

Result<AutomationStep> parse_step(const json& item, const std::string& where) {
  AutomationStep step;
  if (item.is_string()) {  // "send" is short for {"run": "send"}
    step.command = item.get<std::string>();
    return step;
  }
  if (!item.is_object()) return make_error(where + ": a step is a command id or an object");
  if (auto ok = check_keys(item,
                           {"run", "arg", "wait", "count", "ms", "id", "timeout_ms", "frames",
                            "screenshot", "check"},
                           where);
      !ok)
    return unexpected(ok.error());
  if (item.contains("timeout_ms")) {
    auto ms = get_int(item, "timeout_ms", where, 1);
    if (!ms) return unexpected(ms.error());
    step.timeout = std::chrono::milliseconds(*ms);
  }
  if (item.contains("run")) {
    if (!item["run"].is_string() || item["run"].get<std::string>().empty())
      return make_error(where + ": field 'run' must be a command id");
    step.command = item["run"].get<std::string>();
    if (item.contains("arg")) {
      if (!item["arg"].is_string()) return make_error(where + ": field 'arg' must be a string");
      step.arg = item["arg"].get<std::string>();
    }
    return step;
  }
  if (item.contains("wait")) {
    std::string what = item["wait"].is_string() ? item["wait"].get<std::string>() : "";
    if (what == "engine") {
      step.kind = AutomationStep::Kind::WaitEngine;
    } else if (what == "runs") {
      step.kind = AutomationStep::Kind::WaitRuns;
      auto count = item.contains("count") ? get_int(item, "count", where, 1) : Result<int>(1);
      if (!count) return unexpected(count.error());
      step.count = *count;
    } else if (what == "time") {
      step.kind = AutomationStep::Kind::WaitTime;
      if (!item.contains("ms")) return make_error(where + ": a \"time\" wait needs field 'ms'");
      auto ms = get_int(item, "ms", where, 1);
      if (!ms) return unexpected(ms.error());
      step.duration = std::chrono::milliseconds(*ms);
    } else if (what == "lesson") {
      step.kind = AutomationStep::Kind::WaitLesson;
    } else if (what == "command") {
      step.kind = AutomationStep::Kind::WaitCommand;
      if (!item.contains("id") || !item["id"].is_string() || item["id"].get<std::string>().empty())
        return make_error(where + ": a \"command\" wait needs field 'id', a command id");
      step.command = item["id"].get<std::string>();
      auto count = item.contains("count") ? get_int(item, "count", where, 1) : Result<int>(1);
      if (!count) return unexpected(count.error());
      step.count = *count;
    } else {
      return make_error(where +
                        ": field 'wait' must be \"engine\", \"runs\", \"time\", \"command\" "
                        "or \"lesson\"");
    }
    return step;
  }
  if (item.contains("check")) {
    if (item["check"] != "lesson") return make_error(where + ": field 'check' must be \"lesson\"");
    step.kind = AutomationStep::Kind::CheckLesson;
    return step;
  }
  if (item.contains("frames")) {
    auto frames = get_int(item, "frames", where, 1);
    if (!frames) return unexpected(frames.error());
    step.kind = AutomationStep::Kind::Frames;
    step.count = *frames;
    return step;
  }
  if (item.contains("screenshot")) {
    if (!item["screenshot"].is_string() || item["screenshot"].get<std::string>().empty())
      return make_error(where + ": field 'screenshot' must be a file path");
    step.kind = AutomationStep::Kind::Screenshot;
    step.path = item["screenshot"].get<std::string>();
    return step;
  }
  return make_error(where + ": a step needs one of 'run', 'wait', 'check', 'frames', 'screenshot'");
}

// Every header change of a run with the filter that made it (debugger::run_changes), request
// first: [{"message": "request", "header", "value", "change", "filter"}].
json changes_list(const debugger::HistoryEntry& run) {
  json out = json::array();
  const debugger::RunChanges changes = debugger::run_changes(run);
  for (const auto& [message, diff] :
       {std::pair{"request", &changes.request}, std::pair{"response", &changes.response}}) {
    for (size_t i = 0; i < diff->rows.size(); ++i) {
      const debugger::HeaderDiffRow& row = diff->rows[i];
      if (row.change == debugger::HeaderChange::Same) continue;
      out.push_back({{"message", message},
                     {"header", row.name},
                     {"value", row.value},
                     {"change", debugger::header_change_name(row.change)},
                     {"filter", diff->filters[i]}});
    }
  }
  return out;
}

json headers_object(const abi::HeaderPairs& headers) {
  json out = json::object();
  for (const auto& [name, value] : headers) out[name] = value;
  return out;
}

}  // namespace

Result<AutomationScript> parse_automation_script(const json& object, const std::string& where) {
  if (!object.is_object()) return make_error(where + ": expected a JSON object with 'steps'");
  if (auto ok = check_keys(object, {"window", "log", "timeout_ms", "exit", "steps"}, where); !ok)
    return unexpected(ok.error());
  AutomationScript script;
  if (object.contains("window")) {
    const json& window = object["window"];
    if (!window.is_object() || !window.contains("width") || !window.contains("height"))
      return make_error(where + ": field 'window' must be {\"width\": W, \"height\": H}");
    auto width = get_int(window, "width", where + ": window", 200);
    if (!width) return unexpected(width.error());
    auto height = get_int(window, "height", where + ": window", 200);
    if (!height) return unexpected(height.error());
    script.width = *width;
    script.height = *height;
  }
  if (object.contains("log")) {
    if (!object["log"].is_string()) return make_error(where + ": field 'log' must be a path");
    script.log_path = object["log"].get<std::string>();
  }
  if (object.contains("timeout_ms")) {
    auto ms = get_int(object, "timeout_ms", where, 1);
    if (!ms) return unexpected(ms.error());
    script.timeout = std::chrono::milliseconds(*ms);
  }
  if (object.contains("exit")) {
    if (!object["exit"].is_boolean())
      return make_error(where + ": field 'exit' must be true/false");
    script.exit_when_done = object["exit"].get<bool>();
  }
  if (!object.contains("steps") || !object["steps"].is_array())
    return make_error(where + ": field 'steps' must be a list");
  const json& steps = object["steps"];
  for (size_t i = 0; i < steps.size(); ++i) {
    auto step = parse_step(steps[i], where + ": steps[" + std::to_string(i) + "]");
    if (!step) return unexpected(step.error());
    script.steps.push_back(std::move(*step));
  }
  return script;
}

Result<AutomationScript> load_automation_script(const std::string& path) {
  auto text = debugger::read_file(path, "automation script");
  if (!text) return unexpected(text.error());
  auto object = debugger::parse_json_text(*text, path);
  if (!object) return unexpected(object.error());
  return parse_automation_script(*object, path);
}

AutomationScript command_line_script(const std::vector<std::string>& run_commands,
                                     const std::string& screenshot, int frames) {
  AutomationScript script;
  for (const auto& text : run_commands) {
    AutomationStep step;
    size_t eq = text.find('=');
    step.command = text.substr(0, eq);
    if (eq != std::string::npos) step.arg = text.substr(eq + 1);
    script.steps.push_back(std::move(step));
  }
  AutomationStep wait;
  wait.kind = AutomationStep::Kind::WaitEngine;
  script.steps.push_back(wait);
  if (frames > 0) {
    AutomationStep render;
    render.kind = AutomationStep::Kind::Frames;
    render.count = frames;
    script.steps.push_back(render);
  }
  if (!screenshot.empty()) {
    AutomationStep shot;
    shot.kind = AutomationStep::Kind::Screenshot;
    shot.path = screenshot;
    script.steps.push_back(shot);
  }
  return script;
}

AutomationScript lesson_check_script(const std::string& lesson, size_t steps,
                                     const std::string& screenshot) {
  AutomationScript script;
  auto add = [&script](AutomationStep::Kind kind, std::string command = {}, std::string arg = {}) {
    AutomationStep step;
    step.kind = kind;
    step.command = std::move(command);
    step.arg = std::move(arg);
    script.steps.push_back(std::move(step));
  };
  add(AutomationStep::Kind::WaitEngine);  // the start-up load
  add(AutomationStep::Kind::Run, "open-lesson", lesson);
  for (size_t i = 0; i < steps; ++i) {
    if (i > 0) add(AutomationStep::Kind::Run, "lesson-next");
    add(AutomationStep::Kind::Run, "lesson-run-step");
    add(AutomationStep::Kind::WaitLesson);
    add(AutomationStep::Kind::CheckLesson);
  }
  if (!screenshot.empty()) {
    add(AutomationStep::Kind::Frames);
    script.steps.back().count = 5;
    add(AutomationStep::Kind::Screenshot);
    script.steps.back().path = screenshot;
  }
  return script;
}

AutomationRunner::AutomationRunner(AutomationScript script) : script_(std::move(script)) {}

std::chrono::milliseconds AutomationRunner::timeout_of(const AutomationStep& step) const {
  return step.timeout.count() > 0 ? step.timeout : script_.timeout;
}

void AutomationRunner::fail(std::string message) {
  failed_ = true;
  error_ = "step " + std::to_string(next_ + 1) + ": " + std::move(message);
}

void AutomationRunner::advance() {
  ++next_;
  step_started_ = false;
  capture_now_ = false;
}

void AutomationRunner::before_frame(AutomationHost& host) {
  ++frames_;
  while (!finished()) {
    const AutomationStep& step = script_.steps[next_];
    if (!step_started_) {
      step_started_ = true;
      step_start_ = std::chrono::steady_clock::now();
      frames_left_ = step.kind == AutomationStep::Kind::Frames ? step.count : kSettleFrames;
    }
    bool timed_out = std::chrono::steady_clock::now() - step_start_ > timeout_of(step);
    switch (step.kind) {
      case AutomationStep::Kind::Run: {
        // A failing command is logged (see log()) and the script goes on: screenshots of error
        // states are useful. Unknown commands are script bugs and stop it.
        if (!host.commands().find(step.command)) {
          fail("unknown command '" + step.command + "'");
          return;
        }
        (void)host.commands().run(step.command, CommandSource::Automation, step.arg);
        advance();
        continue;
      }
      case AutomationStep::Kind::WaitEngine:
        if (host.engine_idle()) {
          advance();
          continue;
        }
        if (timed_out)
          fail("the engine was still busy after " + std::to_string(timeout_of(step).count()) +
               " ms");
        return;
      case AutomationStep::Kind::WaitRuns:
        if (host.snapshot()->history.size() >= static_cast<size_t>(step.count) &&
            host.engine_idle()) {
          advance();
          continue;
        }
        if (timed_out)
          fail("expected " + std::to_string(step.count) + " run(s) within " +
               std::to_string(timeout_of(step).count()) + " ms, saw " +
               std::to_string(host.snapshot()->history.size()));
        return;
      case AutomationStep::Kind::WaitTime:
        // Frames go on being drawn (and measured) while the time passes: load tests run here.
        if (std::chrono::steady_clock::now() - step_start_ < step.duration) return;
        advance();
        continue;
      case AutomationStep::Kind::WaitCommand: {
        // Real input (xdotool) ran the command, from any source, successfully, `count` times.
        const auto& ran = host.commands().log();
        if (std::count_if(ran.begin(), ran.end(), [&](const CommandRecord& record) {
              return record.id == step.command && record.ok;
            }) >= std::max(step.count, 1)) {
          advance();
          continue;
        }
        if (timed_out)
          fail("'" + step.command + "' did not run within " +
               std::to_string(timeout_of(step).count()) + " ms");
        return;
      }
      case AutomationStep::Kind::WaitLesson:
        if (!host.lesson_busy() && host.engine_idle()) {
          advance();
          continue;
        }
        if (timed_out)
          fail("the lesson step's commands were still running after " +
               std::to_string(timeout_of(step).count()) + " ms");
        return;
      case AutomationStep::Kind::CheckLesson: {
        // A check may need a frame or two (a tab drawn, a snapshot published): polled until the
        // step's timeout, then the last reason it did not hold is the error.
        if (frames_left_-- > 0) return;
        auto held = host.check_lesson();
        if (held) {
          advance();
          continue;
        }
        if (timed_out || std::chrono::steady_clock::now() - step_start_ > kLessonCheckWait) {
          fail(held.error().message);
          return;
        }
        return;
      }
      case AutomationStep::Kind::Frames:
        if (frames_left_-- > 0) return;
        advance();
        continue;
      case AutomationStep::Kind::Screenshot:
        // Show the engine's latest results, then let the layout settle before reading pixels.
        if (!host.engine_idle()) {
          if (timed_out) fail("the engine was still busy when the screenshot was due");
          return;
        }
        if (frames_left_-- > 0) return;
        capture_now_ = true;
        return;
    }
  }
}

void AutomationRunner::after_render(AutomationHost& host) {
  if (!capture_now_ || finished()) return;
  const AutomationStep& step = script_.steps[next_];
  auto shot = host.capture(step.path);
  if (!shot) {
    fail("screenshot: " + shot.error().message);
    return;
  }
  screenshots_.push_back(std::move(*shot));
  // What the window and the debugger showed in this screenshot, as the log's "ui" and
  // snapshot's "debugger" would say at that moment.
  screenshot_state_.push_back({{"ui", ui_state_json(ui_, host.ui_state())},
                               {"debugger", summarize_debugger(*host.snapshot(), nullptr)}});
  advance();
}

void AutomationRunner::record_windows(const std::vector<std::string>& drawn) {
  windows_open_ = drawn;
  for (const std::string& name : drawn)
    if (std::find(windows_seen_.begin(), windows_seen_.end(), name) == windows_seen_.end())
      windows_seen_.push_back(name);
}

json AutomationRunner::log(const Snapshot& snapshot, const Commands& commands,
                           const json& ui) const {
  json out;
  out["ok"] = !failed_ && finished();
  out["error"] = failed_ ? json(error_) : json(nullptr);
  out["frames"] = frames_;
  out["steps"] = script_.steps.size();
  out["steps_done"] = next_;
  out["quit"] = stopped_;
  if (!finished()) out["current_step"] = kind_name(script_.steps[next_].kind);
  json ran = json::array();
  for (const auto& record : commands.log()) {
    json entry{{"id", record.id},
               {"source", command_source_name(record.source)},
               {"ok", record.ok},
               {"frame", record.frame}};
    if (!record.arg.empty()) entry["arg"] = record.arg;
    if (!record.ok) entry["error"] = record.message;
    ran.push_back(std::move(entry));
  }
  out["commands"] = std::move(ran);
  json shots = json::array();
  for (size_t i = 0; i < screenshots_.size(); ++i) {
    const auto& shot = screenshots_[i];
    shots.push_back({{"path", shot.path},
                     {"width", shot.width},
                     {"height", shot.height},
                     {"ui", screenshot_state_[i]["ui"]},
                     {"debugger", screenshot_state_[i]["debugger"]}});
  }
  out["screenshots"] = std::move(shots);
  out["frame_times"] = frame_times_.to_json();
  out["windows"] = {{"open", windows_open_}, {"seen", windows_seen_}};
  out["snapshot"] = summarize_snapshot(snapshot);
  // The Performance panel's state (window, requests counted, the last leak check's verdict).
  out["performance"] = summarize_performance(snapshot);
  // What the window showed at the last frame (the app reports it every frame), and what the host
  // adds at the end.
  out["ui"] = ui_state_json(ui_, ui);
  for (const auto& [key, value] : sections_.items()) out[key] = value;
  return out;
}

Result<void> AutomationRunner::write_log(const Snapshot& snapshot, const Commands& commands,
                                         const json& ui) const {
  if (script_.log_path.empty()) return {};
  std::ofstream file(script_.log_path, std::ios::binary | std::ios::trunc);
  if (!file) return make_error(script_.log_path + ": cannot write the automation log");
  file << log(snapshot, commands, ui).dump(2) << "\n";
  if (!file) return make_error(script_.log_path + ": write failed");
  return {};
}

json summarize_snapshot(const Snapshot& snapshot) {
  json out;
  if (snapshot.plugin.loaded) {
    const debugger::PluginInfo& plugin = snapshot.plugin;
    out["plugin"] = {{"name", plugin.name},           {"abi_version", plugin.abi_version},
                     {"engine", plugin.engine},       {"engine_version", plugin.engine_version},
                     {"wasm_path", plugin.wasm_path}, {"build", plugin.build}};
  } else {
    out["plugin"] = nullptr;
  }
  out["load_error"] = snapshot.plugin.error.empty() ? json(nullptr) : json(snapshot.plugin.error);
  out["loads"] = snapshot.loads;
  out["runs"] = snapshot.history.size();
  out["runs_finished"] = snapshot.history_count;
  out["trace_events"] = snapshot.trace_events;
  const debugger::HistoryEntry* run = snapshot.last();
  if (!run) {
    out["last_run"] = nullptr;
    return out;
  }
  json last;
  last["id"] = run->id;
  last["source"] = run->source;
  last["request"] = {{"method", run->request.request.method}, {"path", run->request.request.path}};
  last["error"] = run->ran() ? json(nullptr) : json(run->error);
  if (run->ran()) {
    const auto& report = run->report;
    if (report.upstream_request)
      last["upstream_request"] = {{"method", report.upstream_request->method},
                                  {"path", report.upstream_request->path},
                                  {"headers", headers_object(report.upstream_request->headers)}};
    else
      last["upstream_request"] = nullptr;
    if (report.response)
      last["response"] = {{"status", report.response->status},
                          {"headers", headers_object(report.response->headers)},
                          {"body_bytes", report.response->body.size()}};
    else
      last["response"] = nullptr;
    last["status"] = report.response ? json(report.response->status) : json(nullptr);
    last["upstream_error"] =
        report.upstream_error.empty() ? json(nullptr) : json(report.upstream_error);
    last["local_response"] = report.local_response;
    last["stalled"] = report.stalled;
    last["failure"] = run->failure ? json(run->failure->message) : json(nullptr);
    json logs = json::array();
    for (const auto& record : run->logs)
      logs.push_back({{"level", std::string(abi::log_level_label(record.level))},
                      {"message", record.message}});
    last["logs"] = std::move(logs);
    last["trace_events"] = run->trace.size();
    last["filter_ns"] = run->stats.filter_ns;
    last["changes"] = changes_list(*run);
  }
  out["last_run"] = std::move(last);
  return out;
}

}  // namespace pwplay::gui
