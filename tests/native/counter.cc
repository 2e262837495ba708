// A native test filter with state in a global: each plugin that loads it must get its own copy.
// Adds `x-count: N` (requests seen by this copy) to each request.
#include <string>

#include "pwplay_sdk.h"

namespace {
uint32_t g_requests = 0;
}  // namespace

PWPLAY_EXPORT(proxy_on_request_headers)
pwplay::FilterHeadersStatus proxy_on_request_headers(uint32_t, uint32_t, uint32_t) {
  ++g_requests;
  pwplay::add_header(pwplay::MapType::RequestHeaders, "x-count", std::to_string(g_requests));
  return pwplay::FilterHeadersStatus::Continue;
}
