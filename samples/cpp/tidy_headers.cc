// tidy_headers: the same work per request as leaky_headers, without the leak (the "no leak"
// reference for leak hunting).
//
// Request headers: reads every request header (proxy_get_header_map_pairs, decoded into strings)
//   and keeps the copy with the stream.
// Response headers: adds `x-header-count: <number of request headers>`, counted from that copy.
// Delete: frees the stream's copy.
//
// Memory holds the copies of the streams in flight only: after the first requests have warmed
// up the allocator, linear memory stops growing however many requests follow.

#include <string>
#include <unordered_map>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

// Stream context id -> its request headers, until the stream is deleted.
std::unordered_map<uint32_t, Headers> g_streams;

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
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  std::optional<Headers> headers = get_headers(MapType::RequestHeaders);
  if (!headers) {
    log(LogLevel::Warn, "tidy_headers: cannot read the request headers");
    return FilterHeadersStatus::Continue;
  }
  g_streams[context_id] = std::move(*headers);
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_headers)
FilterHeadersStatus proxy_on_response_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                              uint32_t /*end_of_stream*/) {
  auto stream = g_streams.find(context_id);
  if (stream != g_streams.end()) {
    add_header(MapType::ResponseHeaders, "x-header-count", std::to_string(stream->second.size()));
  }
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  g_streams.erase(context_id);  // the stream is over: nothing of it stays
}
