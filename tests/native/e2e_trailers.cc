// A native test filter doing what the WAT trailers filter of tests/e2e/trailers_test.cc does, so
// the end-to-end trailers test runs on the native engine too. Request trailers: x-copied gets
// x-in's value, x-replace becomes "new", x-drop goes, x-size gets the map's byte size. Response
// trailers: replaced by {x-set: 1, x-resp-drop: gone}, x-resp-drop removed, x-resp-added: yes.
// proxy_on_log logs "log saw status N" from the response headers.
#include <string>

#include "pwplay_sdk.h"

using namespace pwplay;

PWPLAY_EXPORT(proxy_on_context_create) void proxy_on_context_create(uint32_t, uint32_t) {}

PWPLAY_EXPORT(proxy_on_request_trailers)
FilterTrailersStatus proxy_on_request_trailers(uint32_t, uint32_t) {
  std::optional<std::string> in = get_header(MapType::RequestTrailers, "x-in");
  if (in) add_header(MapType::RequestTrailers, "x-copied", *in);
  replace_header(MapType::RequestTrailers, "x-replace", "new");
  remove_header(MapType::RequestTrailers, "x-drop");
  size_t size = 0;
  if (proxy_get_header_map_size(static_cast<uint32_t>(MapType::RequestTrailers), &size) ==
      WasmResult::Ok)
    add_header(MapType::RequestTrailers, "x-size", std::to_string(size));
  return FilterTrailersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_trailers)
FilterTrailersStatus proxy_on_response_trailers(uint32_t, uint32_t) {
  set_headers(MapType::ResponseTrailers, {{"x-set", "1"}, {"x-resp-drop", "gone"}});
  remove_header(MapType::ResponseTrailers, "x-resp-drop");
  add_header(MapType::ResponseTrailers, "x-resp-added", "yes");
  return FilterTrailersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_log) void proxy_on_log(uint32_t) {
  log(LogLevel::Info,
      "log saw status " + get_header(MapType::ResponseHeaders, ":status").value_or("none"));
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t) {}
