// A native test filter that tries to smuggle a request and inject a response header, as the WAT
// one in tests/integration/smuggling_test.cc does: it replaces :path with one carrying a second
// request and adds `x: a CR LF set-cookie: evil` to the response, reporting the status each call
// returned in x-path-status / x-resp-status (a digit).
#include <string>

#include "pwplay_sdk.h"

namespace {
std::string digit(pwplay::WasmResult result) {
  return std::string(1, static_cast<char>('0' + static_cast<int>(result)));
}
}  // namespace

PWPLAY_EXPORT(proxy_on_request_headers)
pwplay::FilterHeadersStatus proxy_on_request_headers(uint32_t, uint32_t, uint32_t) {
  auto result = pwplay::replace_header(pwplay::MapType::RequestHeaders, ":path",
                                       "/ok\r\nGET /smuggled HTTP/1.1\r\nhost: evil\r\n\r\n");
  pwplay::add_header(pwplay::MapType::RequestHeaders, "x-path-status", digit(result));
  return pwplay::FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_headers)
pwplay::FilterHeadersStatus proxy_on_response_headers(uint32_t, uint32_t, uint32_t) {
  auto result = pwplay::add_header(pwplay::MapType::ResponseHeaders, "x", "a\r\nset-cookie: evil");
  pwplay::add_header(pwplay::MapType::ResponseHeaders, "x-resp-status", digit(result));
  return pwplay::FilterHeadersStatus::Continue;
}
