// leaky_headers: a filter that leaks memory, for leak hunting (`pwplay bench --leak-check`, the
// Performance panel's memory plot).
//
// Request headers: reads every request header (proxy_get_header_map_pairs, decoded into strings)
//   and appends the copy to a global list that nothing ever trims, then adds
//   `x-kept-requests: <requests kept so far>` to the request.
//
// The list is the leak: each request leaves a few hundred bytes behind (the strings, the pairs and
// the list's slot), so linear memory grows with the number of requests served, by a 64 KiB page
// every few hundred requests, and never shrinks. tidy_headers.cc does the same work per request
// and frees it when the stream ends.

#include <string>
#include <vector>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

// Every request's headers since the VM started.
std::vector<Headers> g_kept;

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_vm_start)
uint32_t proxy_on_vm_start(uint32_t /*root_context_id*/, uint32_t /*vm_config_size*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t /*root_context_id*/, uint32_t /*plugin_config_size*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  std::optional<Headers> headers = get_headers(MapType::RequestHeaders);
  if (!headers) {
    log(LogLevel::Warn, "leaky_headers: cannot read the request headers");
    return FilterHeadersStatus::Continue;
  }
  g_kept.push_back(std::move(*headers));  // never erased: the leak
  add_header(MapType::RequestHeaders, "x-kept-requests", std::to_string(g_kept.size()));
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t /*context_id*/) {}
