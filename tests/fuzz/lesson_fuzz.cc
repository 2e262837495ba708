// Fuzz target: lesson files (debugger/formats/lesson_file.h), read as the Learn panel and
// `pwplay lessons --lessons-dir` read them: the raw bytes as a file through load_lesson, then
// every step's check evaluated against the document itself (any JSON is a state to walk), and
// the argument variables expanded.
#include "debugger/formats/lesson_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pwplay;
  static const fuzz::TempDir dir;
  const std::string_view text = fuzz::as_text(data, size);
  (void)debugger::expand_lesson_arg(text, "/samples", "/assets/lessons");
  const std::string path = dir.write("01-fuzz.json", text);
  auto lesson = fuzz::checked("load_lesson", [&] { return debugger::load_lesson(path); });
  if (!lesson) return 0;
  auto state = fuzz::read_json(text, "state.json");
  if (!state) fuzz::fail("load_lesson", "a lesson loaded from text that is not JSON");
  for (const debugger::LessonStep& step : lesson->steps) {
    const debugger::CheckOutcome outcome = debugger::evaluate_check(step.check, *state);
    if (!outcome.held && outcome.failure.empty())
      fuzz::fail("evaluate_check", "a check that did not hold says nothing about why");
    for (const debugger::LessonCommand& command : step.commands)
      (void)debugger::expand_lesson_arg(command.arg, "/samples", "/assets/lessons");
  }
  return 0;
}
