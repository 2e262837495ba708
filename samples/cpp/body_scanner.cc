// body_scanner: looks at each request body chunk as it passes, without holding the body.
//
// Request body: proxy_on_request_body(stream, body_size, end_of_stream) runs once per chunk.
//   Returning Continue lets the chunk go upstream at once, so body_size is this chunk's size
//   and proxy_get_buffer_bytes(HttpRequestBody, 0, body_size) reads just this chunk. The
//   filter counts chunks and bytes and looks for a word (the plugin configuration, default
//   "secret"). The word can be cut in two by a chunk boundary, so the last few bytes of each
//   chunk are kept and searched with the next one: memory stays small however large the body.
// Response headers: adds `x-body-scanner: chunks=N bytes=M flagged=yes|no`, so the client sees
//   what the scanner saw; each chunk is also logged.
// Compare with dlp.cc, which returns StopIterationAndBuffer and reads the body once at the end.

#include <string>
#include <unordered_map>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

struct ScanState {
  uint32_t chunks = 0;
  uint64_t bytes = 0;
  bool flagged = false;
  std::string carry;  // the end of the previous chunk (word length - 1 bytes)
};

std::string g_word = "secret";
std::unordered_map<uint32_t, ScanState> g_streams;  // stream context id -> what it saw

}  // namespace

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t /*root_context_id*/, uint32_t plugin_config_size) {
  std::string word = get_config(plugin_config_size);
  if (!word.empty()) g_word = std::move(word);
  return 1;
}

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id) {
  if (parent_context_id != 0) g_streams[context_id] = ScanState{};
}

PWPLAY_EXPORT(proxy_on_request_body)
FilterDataStatus proxy_on_request_body(uint32_t context_id, uint32_t body_size,
                                       uint32_t end_of_stream) {
  ScanState& state = g_streams[context_id];
  const std::string chunk = get_buffer(BufferType::HttpRequestBody, 0, body_size);
  ++state.chunks;
  state.bytes += chunk.size();
  const std::string window = state.carry + chunk;
  const bool found_here = window.find(g_word) != std::string::npos;
  if (found_here && !state.flagged) {
    state.flagged = true;
    log(LogLevel::Warn,
        "body_scanner: found '" + g_word + "' in chunk " + std::to_string(state.chunks));
  }
  const size_t keep = g_word.size() - 1;
  state.carry = window.size() > keep ? window.substr(window.size() - keep) : window;
  log(LogLevel::Info, "body_scanner: chunk " + std::to_string(state.chunks) + ": " +
                          std::to_string(chunk.size()) + " bytes (total " +
                          std::to_string(state.bytes) +
                          "), end_of_stream=" + std::to_string(end_of_stream));
  return FilterDataStatus::Continue;  // never hold the body
}

PWPLAY_EXPORT(proxy_on_response_headers)
FilterHeadersStatus proxy_on_response_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                              uint32_t /*end_of_stream*/) {
  const ScanState& state = g_streams[context_id];
  add_header(MapType::ResponseHeaders, "x-body-scanner",
             "chunks=" + std::to_string(state.chunks) + " bytes=" + std::to_string(state.bytes) +
                 " flagged=" + (state.flagged ? "yes" : "no"));
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  g_streams.erase(context_id);
}
