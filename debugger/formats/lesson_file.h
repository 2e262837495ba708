// Lesson files (assets/lessons/NN-name.json): a guided tour of one proxy-wasm concept, played in
// the desktop app's Learn panel and checked headless by `pwplay --lesson ID --automation-check`.
//
//   {"title": "A request's life",
//    "summary": "one line for the list",
//    "steps": [
//      {"title": "Send a request",
//       "text": "paragraphs; blank lines separate them",
//       "commands": [{"run": "open-sample", "arg": "hello"}, "send"],
//       "check": {"text": "the request came back with 200",
//                 "all": [{"path": "snapshot.last_run.status", "equals": 200}]}}]}
//
// A step's commands are ids of the app's command table, run in order, each once the engine is
// idle. A command argument may name `${samples}` (the built samples) or `${lessons}` (the folder of
// the lesson files). A check is a list of conditions on the app's state, the same JSON document
// the automation log holds (snapshot, debugger, performance, ui, module, chain): every condition
// must hold. A path is dot-separated keys, array indexes, or `*` for "some element".
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"

namespace pwplay::debugger {

// One of a step's actions: a command of the app's table, or a pause of `wait_ms` (time passing,
// for ticks: {"wait_ms": 1500}).
struct LessonCommand {
  std::string id;
  std::string arg;
  int wait_ms = 0;
};
inline constexpr int kMaxLessonWaitMs = 10000;

struct LessonCondition {
  enum class Op : uint8_t { Equals, NotEquals, Contains, AtLeast, AtMost, Exists };
  std::string path;  // "debugger.pause.event", "snapshot.last_run.logs.*.message"
  Op op = Op::Equals;
  nlohmann::json value;  // what the op compares with (Exists: true or false)
};

struct LessonCheck {
  std::string text;  // what the Learn panel says must be true
  std::vector<LessonCondition> all;
};

struct LessonStep {
  std::string title;
  std::string text;
  std::vector<LessonCommand> commands;
  LessonCheck check;
};

struct Lesson {
  std::string id;  // the file name without ".json": "01-request-life"
  std::string title;
  std::string summary;
  std::vector<LessonStep> steps;
  std::filesystem::path path;
};

// Reads one lesson; errors name the file and the field ("steps[2].check.all[0]: field 'path' ...").
Result<Lesson> parse_lesson(const nlohmann::json& document, const std::string& id,
                            const std::string& where);
Result<Lesson> load_lesson(const std::filesystem::path& file);

// Every NN-name.json in `dir`, in file-name order. One bad file fails the whole list (a lesson that
// cannot be read is a bug in the assets), with the file named.
Result<std::vector<Lesson>> load_lessons(const std::filesystem::path& dir);

// The lesson `key` names: its id ("01-request-life"), or its number ("1", "01"). Else an error
// listing the ids.
Result<const Lesson*> find_lesson(const std::vector<Lesson>& lessons, std::string_view key);

// The assets/lessons folder: under each of `starts` and their ancestors (the executable's folder,
// then source trees). nullopt when none holds a lesson file.
std::optional<std::filesystem::path> find_lessons_dir(
    const std::vector<std::filesystem::path>& starts);

// `{"lessons": [{"id", "title", "summary", "steps"}]}`, as `pwplay lessons --json` prints.
nlohmann::json lessons_json(const std::vector<Lesson>& lessons);

// Replaces ${samples}, ${lessons} and ${assets} (the lessons folder's parent) in a command
// argument.
std::string expand_lesson_arg(std::string_view arg, const std::string& samples_dir,
                              const std::string& lessons_dir, const std::string& assets_dir = {});

struct CheckOutcome {
  bool held = false;
  // When it did not hold: the first condition that failed and what the state held there
  // ("debugger.pause.event is null, expected \"proxy_on_request_headers\"").
  std::string failure;
};
CheckOutcome evaluate_check(const LessonCheck& check, const nlohmann::json& state);

}  // namespace pwplay::debugger
