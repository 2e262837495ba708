// http_callout: asks an "auth" service before letting a request through.
//
// Request headers: sends `GET /check` to the cluster "auth" (with the original path in
//   `x-original-path`) and pauses the request.
// Callout response: if the call failed or the status is not 200, answers the client
//   itself with 403 "denied by auth"; otherwise adds `x-auth: ok` (and `x-auth-body`
//   with the auth service's body, if any) and resumes the request.
//
// Callouts belong to the root context: the response arrives in a root callback, so the
// filter remembers which stream each call token belongs to and switches to that stream
// with proxy_set_effective_context before touching its headers.

#include <string>
#include <unordered_map>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

constexpr uint32_t kAuthTimeoutMs = 1000;

std::unordered_map<uint32_t, uint32_t> g_stream_of_call;  // call token -> stream context id

void deny() {
  send_local_response(403, "denied", "denied by auth\n");
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  const std::string path = get_header(MapType::RequestHeaders, ":path").value_or("");
  const Headers callout_headers = {
      {":method", "GET"},
      {":path", "/check"},
      {":authority", "auth"},
      {"x-original-path", path},
  };
  const std::optional<uint32_t> token = http_call("auth", callout_headers, "", kAuthTimeoutMs);
  if (!token) {
    log(LogLevel::Error, "http_callout: could not call the auth cluster");
    deny();
    return FilterHeadersStatus::StopIteration;
  }
  g_stream_of_call[*token] = context_id;
  return FilterHeadersStatus::StopIteration;  // wait for proxy_on_http_call_response
}

PWPLAY_EXPORT(proxy_on_http_call_response)
void proxy_on_http_call_response(uint32_t /*root_context_id*/, uint32_t token, uint32_t num_headers,
                                 uint32_t body_size, uint32_t /*num_trailers*/) {
  auto call = g_stream_of_call.find(token);
  if (call == g_stream_of_call.end()) return;  // the stream is already gone
  const uint32_t stream_id = call->second;
  g_stream_of_call.erase(call);

  set_effective_context(stream_id);
  if (num_headers == 0) {  // no response at all: timeout, reset, unknown cluster...
    log(LogLevel::Warn, "http_callout: auth call failed");
    deny();
    return;
  }
  const std::string status = get_header(MapType::HttpCallResponseHeaders, ":status").value_or("");
  if (status != "200") {
    log(LogLevel::Info, "http_callout: auth answered " + status);
    deny();
    return;
  }
  add_header(MapType::RequestHeaders, "x-auth", "ok");
  const std::string body = get_buffer(BufferType::HttpCallResponseBody, 0, body_size);
  if (!body.empty()) add_header(MapType::RequestHeaders, "x-auth-body", body);
  continue_request();
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  // Forget calls still in flight for this stream; their responses will be ignored.
  std::erase_if(g_stream_of_call, [&](const auto& entry) { return entry.second == context_id; });
}
