// Fuzz target: HAR files (debugger/formats/har.h): the raw bytes loaded through load_har_file,
// then every entry and the first ones selected by number, as `pwplay run --har` does.
#include "debugger/formats/har.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pwplay;
  static const fuzz::TempDir dir;
  const std::string path = dir.write("fuzz.har", fuzz::as_text(data, size));
  auto har = fuzz::checked("load_har_file", [&] { return debugger::load_har_file(path); });
  if (!har) return 0;
  (void)fuzz::checked("select_har_entries",
                      [&] { return debugger::select_har_entries(*har, std::nullopt, path); });
  for (int64_t number :
       {int64_t{-1}, int64_t{0}, int64_t{1}, int64_t{2}, static_cast<int64_t>(har->entry_count),
        static_cast<int64_t>(har->entry_count) + 1, INT64_MAX})
    (void)fuzz::checked("select_har_entries",
                        [&] { return debugger::select_har_entries(*har, number, path); });
  return 0;
}
