// Fuzz target: request files (debugger/formats/request_file.h) and the helpers they use. A request
// that parses is written back as JSON, which must parse again.
#include <cstdlib>

#include "debugger/formats/request_file.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(pwplay::fuzz::as_text(data, size));
  (void)pwplay::debugger::base64_decode(text);
  (void)pwplay::debugger::percent_encode(text);
  (void)pwplay::debugger::is_valid_utf8(text);
  auto json = pwplay::fuzz::parse_json(text);
  if (!json) return 0;
  (void)pwplay::debugger::parse_header_list(*json, "fuzz.json");
  auto request = pwplay::debugger::parse_request(*json, "fuzz.json");
  if (!request) return 0;
  auto again =
      pwplay::debugger::parse_request(pwplay::debugger::request_to_json(*request), "again");
  if (!again) std::abort();
  return 0;
}
