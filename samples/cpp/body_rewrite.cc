// body_rewrite: edits request and response bodies.
//
// Request body:  buffered until the end of the stream, then the bytes
//                "\n-- inspected by pwplay" are appended.
// Response body: buffered until the end of the stream, then replaced by its ASCII
//                upper-case version.
// Both bodies change length, so `content-length` is removed from the headers.
//
// Returning StopIterationAndBuffer from a body callback tells the host to keep
// collecting chunks; each later call sees the whole buffered body (`body_size` grows).

#include <string>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

constexpr std::string_view kTrailerLine = "\n-- inspected by pwplay";

void to_ascii_upper(std::string& text) {
  for (char& c : text) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  remove_header(MapType::RequestHeaders, "content-length");  // the body will grow
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_request_body)
FilterDataStatus proxy_on_request_body(uint32_t /*context_id*/, uint32_t /*body_size*/,
                                       uint32_t end_of_stream) {
  if (!end_of_stream) return FilterDataStatus::StopIterationAndBuffer;
  set_buffer(BufferType::HttpRequestBody, kAppend, 0, kTrailerLine);
  return FilterDataStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_headers)
FilterHeadersStatus proxy_on_response_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                              uint32_t /*end_of_stream*/) {
  remove_header(MapType::ResponseHeaders, "content-length");
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_body)
FilterDataStatus proxy_on_response_body(uint32_t /*context_id*/, uint32_t body_size,
                                        uint32_t end_of_stream) {
  if (!end_of_stream) return FilterDataStatus::StopIterationAndBuffer;
  std::string body = get_buffer(BufferType::HttpResponseBody, 0, body_size);
  to_ascii_upper(body);
  set_buffer(BufferType::HttpResponseBody, 0, body_size, body);  // replace everything
  return FilterDataStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}
