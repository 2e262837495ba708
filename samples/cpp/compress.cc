// compress: compresses response bodies with a function the host offers by name.
//
// Foreign functions are the host's own extensions, outside the ABI proper: the filter calls
//   proxy_call_foreign_function("compress", bytes) and gets bytes back, allocated in its memory
//   like any other host result. pwplay offers "compress" and "uncompress" (zlib); a name the host
//   does not offer answers NOT_FOUND.
// Configure: probes "compress" once; without it the filter passes everything through.
// Request headers: notes whether the client accepts `deflate` (accept-encoding).
// Response headers: the headers leave before the body, so the filter commits here: it sets
//   `content-encoding: deflate` and drops `content-length` (the length will change).
// Response body: buffers to end_of_stream (StopIterationAndBuffer), compresses the whole body,
//   checks the result by calling "uncompress" on it, and replaces the body
//   (proxy_set_buffer_bytes). Should compression fail after the headers promised deflate, the
//   filter closes the response (proxy_close_stream) rather than send a body that lies.

#include <string>
#include <unordered_map>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

bool g_host_compresses = false;

struct StreamState {
  bool accepts_deflate = false;
  bool compressible = false;  // the client accepts it and the response is not encoded yet
};
std::unordered_map<uint32_t, StreamState> g_streams;

}  // namespace

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t /*root_context_id*/, uint32_t /*plugin_config_size*/) {
  g_host_compresses = call_foreign_function("compress", "probe").status == WasmResult::Ok;
  if (!g_host_compresses)
    log(LogLevel::Warn,
        "compress: the host offers no \"compress\" function: passing bodies as they are");
  return 1;
}

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  const std::string accepted = get_header(MapType::RequestHeaders, "accept-encoding").value_or("");
  g_streams[context_id].accepts_deflate = accepted.find("deflate") != std::string::npos;
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_headers)
FilterHeadersStatus proxy_on_response_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                              uint32_t end_of_stream) {
  StreamState& state = g_streams[context_id];
  state.compressible = g_host_compresses && state.accepts_deflate && !end_of_stream &&
                       !get_header(MapType::ResponseHeaders, "content-encoding");
  if (state.compressible) {
    replace_header(MapType::ResponseHeaders, "content-encoding", "deflate");
    remove_header(MapType::ResponseHeaders, "content-length");
  }
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_body)
FilterDataStatus proxy_on_response_body(uint32_t context_id, uint32_t body_size,
                                        uint32_t end_of_stream) {
  if (!g_streams[context_id].compressible) return FilterDataStatus::Continue;
  if (!end_of_stream) return FilterDataStatus::StopIterationAndBuffer;
  const std::string body = get_buffer(BufferType::HttpResponseBody, 0, body_size);
  const ForeignResult compressed = call_foreign_function("compress", body);
  const ForeignResult round_trip = compressed.status == WasmResult::Ok
                                       ? call_foreign_function("uncompress", compressed.output)
                                       : ForeignResult{compressed.status, {}};
  if (round_trip.status != WasmResult::Ok || round_trip.output != body) {
    log(LogLevel::Error, "compress: compression failed (status " +
                             std::to_string(static_cast<uint32_t>(round_trip.status)) +
                             "); closing the response");
    proxy_close_stream(static_cast<uint32_t>(StreamType::HttpResponse));
    return FilterDataStatus::StopIterationNoBuffer;
  }
  set_buffer(BufferType::HttpResponseBody, 0, body_size, compressed.output);
  log(LogLevel::Info, "compress: " + std::to_string(body.size()) + " -> " +
                          std::to_string(compressed.output.size()) + " bytes (round trip ok)");
  return FilterDataStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  g_streams.erase(context_id);
}
