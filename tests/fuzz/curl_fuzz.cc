// Fuzz target: the curl command-line parser (debugger/formats/curl.h), the URL splitter it uses,
// and the way back (a parsed request printed as a curl command parses again).
#include <cstdlib>

#include "debugger/formats/curl.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = pwplay::fuzz::as_text(data, size);
  (void)pwplay::debugger::split_http_url(text);
  (void)pwplay::debugger::shell_quote(text);
  auto parsed = pwplay::debugger::parse_curl(text);
  if (!parsed) return 0;
  std::string again = pwplay::debugger::to_curl(parsed->request);
  (void)pwplay::debugger::parse_curl(again);
  return 0;
}
