// Fuzz target: HAR files (debugger/formats/har.h): parsing, then selecting every entry and the
// first ones by number, as `pwplay run --har` does.
#include "debugger/formats/har.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto json = pwplay::fuzz::parse_json(pwplay::fuzz::as_text(data, size));
  if (!json) return 0;
  auto har = pwplay::debugger::parse_har(*json, "fuzz.har");
  if (!har) return 0;
  (void)pwplay::debugger::select_har_entries(*har, std::nullopt, "fuzz.har");
  for (int64_t number :
       {int64_t{-1}, int64_t{0}, int64_t{1}, int64_t{2}, static_cast<int64_t>(har->entry_count),
        static_cast<int64_t>(har->entry_count) + 1, INT64_MAX})
    (void)pwplay::debugger::select_har_entries(*har, number, "fuzz.har");
  return 0;
}
