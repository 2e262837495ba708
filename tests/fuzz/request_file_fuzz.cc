// Fuzz target: request files (debugger/formats/request_file.h), read as `pwplay run` reads them:
// the raw bytes as a file through load_request_file (the bounded JSON reader, then the fields),
// and the helpers the format uses. A request that loads is written back as JSON, which must load
// again.
#include "debugger/formats/request_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace pwplay;
  static const fuzz::TempDir dir;
  const std::string_view text = fuzz::as_text(data, size);
  const std::string bytes(text);
  (void)fuzz::checked("base64_decode", [&] { return debugger::base64_decode(bytes); });
  (void)debugger::percent_encode(text);
  (void)debugger::is_valid_utf8(bytes);
  if (auto json = fuzz::read_json(text, "fuzz.json"))
    (void)fuzz::checked("parse_header_list",
                        [&] { return debugger::parse_header_list(*json, "fuzz.json"); });
  const std::string path = dir.write("request.json", text);
  auto request =
      fuzz::checked("load_request_file", [&] { return debugger::load_request_file(path); });
  if (!request) return 0;
  auto again = fuzz::checked("parse_request", [&] {
    return debugger::parse_request(debugger::request_to_json(*request), "again");
  });
  if (!again)
    fuzz::fail("request_to_json", "a loaded request does not load again: " + again.error().message);
  return 0;
}
