// trap_on_header: crashes (a wasm trap) when the request carries a chosen header.
//
// Configuration: the header name (default "x-crash"). Request headers: if the header is
// present, check_request calls reject_request, which executes `unreachable`
// (__builtin_trap()); otherwise the request passes with `x-trap-on-header: passed`.
// A trap ends the callback at once: the host reports the fault with a backtrace
// (reject_request <- check_request <- proxy_on_request_headers; the name section is kept) and
// the stream ends per the plugin's fail policy: fail closed answers 500 itself, fail open
// (fail_open: true) lets the request go on without the filter.
// On the native engine a trap is a real crash of pwplay itself: run this one on a wasm engine.

#include <string>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

std::string g_header = "x-crash";

// noinline keeps each function as its own frame in the backtrace.
[[noreturn]] __attribute__((noinline)) void reject_request(const std::string& header) {
  log(LogLevel::Error, "trap_on_header: '" + header + "' is present: trapping");
  __builtin_trap();
}

__attribute__((noinline)) void check_request() {
  if (get_header(MapType::RequestHeaders, g_header)) reject_request(g_header);
}

}  // namespace

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t /*root_context_id*/, uint32_t plugin_config_size) {
  std::string header = get_config(plugin_config_size);
  if (!header.empty()) g_header = std::move(header);
  return 1;
}

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  check_request();
  add_header(MapType::RequestHeaders, "x-trap-on-header", "passed");
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}
