// hello: logs every callback the host makes, with its arguments, and changes nothing.
//
// Watch the log (and the trace) to learn the order of a request's life:
//   proxy_on_vm_start(root) and proxy_on_configure(root) once, when the plugin starts;
//   proxy_on_context_create(stream, root) for the request;
//   proxy_on_request_headers(stream, num_headers, end_of_stream), then
//   proxy_on_request_body(stream, body_size, end_of_stream) per chunk and
//   proxy_on_request_trailers(stream, num_trailers) when there are trailers;
//   the same three for the response; then proxy_on_log, proxy_on_done and proxy_on_delete.
// Host functions: only proxy_log. `body_size` is the size of the body the host holds for the
// filter: this chunk when the filter answers Continue, as here; the whole body so far when it
// answers StopIterationAndBuffer (see dlp.cc). Read the bytes with proxy_get_buffer_bytes.

#include <string>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

// "name(a=1, b=2)" at info level.
void log_call(std::string_view name,
              std::initializer_list<std::pair<std::string_view, uint32_t>> args) {
  std::string line = "hello: ";
  line.append(name).push_back('(');
  bool first = true;
  for (const auto& [arg, value] : args) {
    if (!first) line += ", ";
    first = false;
    line.append(arg).push_back('=');
    line += std::to_string(value);
  }
  line.push_back(')');
  log(LogLevel::Info, line);
}

}  // namespace

PWPLAY_EXPORT(proxy_on_vm_start)
uint32_t proxy_on_vm_start(uint32_t root_context_id, uint32_t vm_config_size) {
  log_call("proxy_on_vm_start",
           {{"root_context_id", root_context_id}, {"vm_config_size", vm_config_size}});
  return 1;
}

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t plugin_config_size) {
  log_call("proxy_on_configure",
           {{"root_context_id", root_context_id}, {"plugin_config_size", plugin_config_size}});
  return 1;
}

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id) {
  log_call("proxy_on_context_create",
           {{"context_id", context_id}, {"parent_context_id", parent_context_id}});
}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                             uint32_t end_of_stream) {
  log_call(
      "proxy_on_request_headers",
      {{"context_id", context_id}, {"num_headers", num_headers}, {"end_of_stream", end_of_stream}});
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_request_body)
FilterDataStatus proxy_on_request_body(uint32_t context_id, uint32_t body_size,
                                       uint32_t end_of_stream) {
  log_call(
      "proxy_on_request_body",
      {{"context_id", context_id}, {"body_size", body_size}, {"end_of_stream", end_of_stream}});
  return FilterDataStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_request_trailers)
FilterTrailersStatus proxy_on_request_trailers(uint32_t context_id, uint32_t num_trailers) {
  log_call("proxy_on_request_trailers",
           {{"context_id", context_id}, {"num_trailers", num_trailers}});
  return FilterTrailersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_headers)
FilterHeadersStatus proxy_on_response_headers(uint32_t context_id, uint32_t num_headers,
                                              uint32_t end_of_stream) {
  log_call(
      "proxy_on_response_headers",
      {{"context_id", context_id}, {"num_headers", num_headers}, {"end_of_stream", end_of_stream}});
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_body)
FilterDataStatus proxy_on_response_body(uint32_t context_id, uint32_t body_size,
                                        uint32_t end_of_stream) {
  log_call(
      "proxy_on_response_body",
      {{"context_id", context_id}, {"body_size", body_size}, {"end_of_stream", end_of_stream}});
  return FilterDataStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_trailers)
FilterTrailersStatus proxy_on_response_trailers(uint32_t context_id, uint32_t num_trailers) {
  log_call("proxy_on_response_trailers",
           {{"context_id", context_id}, {"num_trailers", num_trailers}});
  return FilterTrailersStatus::Continue;
}

// The stream is complete: the last moment to read its headers, e.g. for an access log.
PWPLAY_EXPORT(proxy_on_log) void proxy_on_log(uint32_t context_id) {
  log_call("proxy_on_log", {{"context_id", context_id}});
}

// 1 = done now; 0 would ask the host to wait for proxy_done().
PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t context_id) {
  log_call("proxy_on_done", {{"context_id", context_id}});
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  log_call("proxy_on_delete", {{"context_id", context_id}});
}
