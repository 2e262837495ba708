// Fuzz target: scenario files (debugger/formats/scenario.h), read from a private directory, as
// `pwplay test` reads them. Running them is not fuzzed (that is a run of a filter).
#include "debugger/formats/scenario.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const pwplay::fuzz::TempDir dir;
  auto json = pwplay::fuzz::parse_json(pwplay::fuzz::as_text(data, size));
  if (!json) return 0;
  pwplay::debugger::ScenarioLoadOptions options;
  options.samples_dir = dir.path().string();
  (void)pwplay::debugger::parse_scenarios(*json, (dir.path() / "fuzz.json").string(), options);
  return 0;
}
