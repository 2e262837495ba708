// Fuzz target: project files (debugger/formats/project.h), the raw bytes loaded through
// load_project. A project that loads is written back as JSON, which must parse again.
#include "debugger/formats/project.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pwplay;
  static const fuzz::TempDir dir;
  const std::string path = dir.write("fuzz.pwplay.json", fuzz::as_text(data, size));
  auto project = fuzz::checked("load_project", [&] { return debugger::load_project(path); });
  if (!project) return 0;
  auto again = fuzz::checked("parse_project", [&] {
    return debugger::parse_project(debugger::project_to_json(*project), path);
  });
  if (!again)
    fuzz::fail("project_to_json", "a loaded project does not load again: " + again.error().message);
  return 0;
}
