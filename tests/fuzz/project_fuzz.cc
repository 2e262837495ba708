// Fuzz target: project files (debugger/formats/project.h). A project that parses is written back
// as JSON, which must parse again.
#include <cstdlib>

#include "debugger/formats/project.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pwplay::fuzz::TempDir dir;
  auto json = pwplay::fuzz::parse_json(pwplay::fuzz::as_text(data, size));
  if (!json) return 0;
  const std::string file = (dir.path() / "fuzz.pwplay.json").string();
  auto project = pwplay::debugger::parse_project(*json, file);
  if (!project) return 0;
  auto again = pwplay::debugger::parse_project(pwplay::debugger::project_to_json(*project), file);
  if (!again) std::abort();
  return 0;
}
