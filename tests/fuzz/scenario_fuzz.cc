// Fuzz target: scenario files (debugger/formats/scenario.h), the raw bytes loaded from a private
// directory through load_scenarios, as `pwplay test` loads them. Running them is not fuzzed (that
// is a run of a filter).
#include "debugger/formats/scenario.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pwplay;
  static const fuzz::TempDir dir;
  const std::string path = dir.write("fuzz.json", fuzz::as_text(data, size));
  debugger::ScenarioLoadOptions options;
  options.samples_dir = dir.path().string();
  (void)fuzz::checked("load_scenarios", [&] { return debugger::load_scenarios(path, options); });
  return 0;
}
