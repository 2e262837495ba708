// deny_list: fetches a list of denied paths at start-up and answers 403 for them.
//
// Configure: sends `GET /deny-list` to the cluster named by the plugin configuration
//   (default "rules"). The answer's body is one path per line.
// Callout response: keeps the paths and logs how many it loaded. A failed call or a status
//   other than 200 leaves the list empty, and the filter says so in the log.
// Request headers: a request whose path (without the query) is on the list gets a local 403
//   "denied by deny_list"; any other goes through. Before the list has arrived, requests go
//   through with a warning: a filter that loads its rules with a callout depends on the proxy
//   delivering the answer before traffic comes (pwplay's simulated runs warm up for it).

#include <string>
#include <string_view>
#include <unordered_set>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

constexpr uint32_t kRulesTimeoutMs = 2000;

std::unordered_set<std::string> g_denied;
bool g_loaded = false;

std::string_view without_query(std::string_view path) {
  return path.substr(0, path.find('?'));
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_vm_start)
uint32_t proxy_on_vm_start(uint32_t /*root_context_id*/, uint32_t /*vm_config_size*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t /*root_context_id*/, uint32_t plugin_config_size) {
  std::string cluster = get_config(plugin_config_size);
  if (cluster.empty()) cluster = "rules";
  const Headers headers = {{":method", "GET"}, {":path", "/deny-list"}, {":authority", cluster}};
  if (!http_call(cluster, headers, "", kRulesTimeoutMs)) {
    log(LogLevel::Error, "deny_list: cannot call the cluster '" + cluster + "'");
    return 0;  // the plugin fails to start: without its rules it would deny nothing
  }
  log(LogLevel::Info, "deny_list: asked '" + cluster + "' for the deny-list");
  return 1;
}

PWPLAY_EXPORT(proxy_on_http_call_response)
void proxy_on_http_call_response(uint32_t /*root_context_id*/, uint32_t /*token*/,
                                 uint32_t num_headers, uint32_t body_size,
                                 uint32_t /*num_trailers*/) {
  const std::string status =
      num_headers == 0 ? "" : get_header(MapType::HttpCallResponseHeaders, ":status").value_or("");
  if (status != "200") {
    log(LogLevel::Warn,
        "deny_list: the rules call failed (status '" + status + "'): no path is denied");
    return;
  }
  const std::string body = get_buffer(BufferType::HttpCallResponseBody, 0, body_size);
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size();
    std::string line = body.substr(start, end - start);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) g_denied.insert(line);
    start = end + 1;
  }
  g_loaded = true;
  log(LogLevel::Info, "deny_list: loaded " + std::to_string(g_denied.size()) + " denied paths");
}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  const std::string path = get_header(MapType::RequestHeaders, ":path").value_or("");
  if (!g_loaded) {
    log(LogLevel::Warn,
        "deny_list: the deny-list has not arrived yet; letting " + path + " through");
    return FilterHeadersStatus::Continue;
  }
  if (g_denied.count(std::string(without_query(path))) == 0) return FilterHeadersStatus::Continue;
  log(LogLevel::Info, "deny_list: denied " + path);
  send_local_response(403, "denied_by_deny_list", "denied by deny_list\n");
  return FilterHeadersStatus::StopIteration;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t /*context_id*/) {}
