// add_header: the reference sample.
//
// Request headers:  adds `x-wasm-filter: <value>`, where <value> is the plugin
//                   configuration, or "add-header" when the configuration is empty,
//                   and logs `add-header: <method> <path>` at info level.
// Response headers: adds `x-wasm-response: add-header`.
//
// It also shows the context bookkeeping every filter needs: the host creates one root
// context per plugin (parent 0) and one stream context per request (parent = root), and
// the plugin configuration belongs to the root.

#include <string>
#include <unordered_map>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

std::unordered_map<uint32_t, std::string> g_root_config;  // root context id -> config
std::unordered_map<uint32_t, uint32_t> g_stream_root;     // stream context id -> root id

std::string header_value_for(uint32_t stream_id) {
  auto root = g_stream_root.find(stream_id);
  if (root != g_stream_root.end()) {
    auto config = g_root_config.find(root->second);
    if (config != g_root_config.end() && !config->second.empty()) return config->second;
  }
  return "add-header";
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id) {
  if (parent_context_id == 0) {
    g_root_config[context_id];  // a new root context, not configured yet
  } else {
    g_stream_root[context_id] = parent_context_id;
  }
}

PWPLAY_EXPORT(proxy_on_vm_start)
uint32_t proxy_on_vm_start(uint32_t /*root_context_id*/, uint32_t /*vm_config_size*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t plugin_config_size) {
  g_root_config[root_context_id] = get_config(plugin_config_size);
  return 1;
}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  const std::string method = get_header(MapType::RequestHeaders, ":method").value_or("");
  const std::string path = get_header(MapType::RequestHeaders, ":path").value_or("");
  log(LogLevel::Info, "add-header: " + method + " " + path);
  add_header(MapType::RequestHeaders, "x-wasm-filter", header_value_for(context_id));
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_headers)
FilterHeadersStatus proxy_on_response_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                              uint32_t /*end_of_stream*/) {
  add_header(MapType::ResponseHeaders, "x-wasm-response", "add-header");
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  g_stream_root.erase(context_id);
  g_root_config.erase(context_id);
}
