// memory_hog: keeps a block of memory per request and never frees it, until the VM's
// memory limit stops it.
//
// Configuration: MiB to keep per request (default 64). Request headers: allocates that much
// with malloc, touches one byte per page (so the memory is really used) and keeps the block
// forever, then adds `x-memory-held: <MiB> MiB`. Linear memory only grows: malloc asks for
// more pages with memory.grow. Once the VM is at its limit (pwplay: 1 GiB by default,
// --max-memory-pages), memory.grow returns -1, malloc returns null and the filter aborts
// like C++'s operator new would: a trap in proxy_on_request_headers, answered per the fail
// policy. Watch the Memory view, or stats.memory_bytes in `pwplay run --json`.
// On the native engine there is no VM limit: this takes the process's memory. Use a wasm engine.

#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kPageSize = 64 * 1024;

size_t g_mib_per_request = 64;
std::vector<char*> g_kept;  // every block ever allocated: the leak
size_t g_held_mib = 0;

}  // namespace

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t /*root_context_id*/, uint32_t plugin_config_size) {
  const std::string text = get_config(plugin_config_size);
  if (text.empty()) return 1;
  size_t mib = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), mib);
  if (error != std::errc() || end != text.data() + text.size() || mib == 0 || mib > 4096) {
    log(LogLevel::Error, "memory_hog: the configuration must be MiB per request, 1 to 4096");
    return 0;
  }
  g_mib_per_request = mib;
  return 1;
}

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  const size_t size = g_mib_per_request * kMiB;
  char* block = static_cast<char*>(std::malloc(size));
  if (block == nullptr) {
    log(LogLevel::Error, "memory_hog: malloc(" + std::to_string(g_mib_per_request) +
                             " MiB) failed holding " + std::to_string(g_held_mib) +
                             " MiB: the VM is at its memory limit; aborting");
    std::abort();  // what operator new does when it cannot allocate
  }
  for (size_t at = 0; at < size; at += kPageSize) block[at] = 1;
  g_kept.push_back(block);
  g_held_mib += g_mib_per_request;
  add_header(MapType::RequestHeaders, "x-memory-held", std::to_string(g_held_mib) + " MiB");
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}
