// metrics: the three kinds of metric a filter can define.
//
// Configure: proxy_define_metric creates each metric once per plugin and returns its id:
//   sample_requests_total   (Counter: only goes up)      proxy_increment_metric(id, 1)
//   sample_active_requests  (Gauge: up and down)          proxy_increment_metric(id, +1 / -1)
//   sample_request_headers  (Histogram: a distribution)   proxy_record_metric(id, num_headers)
// Request headers: counts the request, raises the gauge and records how many headers came.
// Response headers: reads the counter and the gauge back (proxy_get_metric) into
//   `x-requests-total` and `x-active-requests`. Histograms cannot be read back from a filter:
//   the host aggregates them (see the run's stats.metrics or the app's Metrics view).
// Done: lowers the gauge when the stream ends.

#include <optional>
#include <string>
#include <unordered_set>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

std::optional<uint32_t> g_requests;       // counter
std::optional<uint32_t> g_active;         // gauge
std::optional<uint32_t> g_header_counts;  // histogram
std::unordered_set<uint32_t> g_streams;   // streams counted in the gauge

std::string metric_text(const std::optional<uint32_t>& metric) {
  if (!metric) return "undefined";
  std::optional<uint64_t> value = get_metric(*metric);
  return value ? std::to_string(*value) : "unreadable";
}

}  // namespace

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t /*root_context_id*/, uint32_t /*plugin_config_size*/) {
  if (!g_requests) g_requests = define_metric(MetricType::Counter, "sample_requests_total");
  if (!g_active) g_active = define_metric(MetricType::Gauge, "sample_active_requests");
  if (!g_header_counts)
    g_header_counts = define_metric(MetricType::Histogram, "sample_request_headers");
  if (!g_requests || !g_active || !g_header_counts)
    log(LogLevel::Warn, "metrics: the host refused to define a metric");
  return 1;
}

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t num_headers,
                                             uint32_t /*end_of_stream*/) {
  if (g_requests) increment_metric(*g_requests, 1);
  if (g_active && g_streams.insert(context_id).second) increment_metric(*g_active, 1);
  if (g_header_counts) record_metric(*g_header_counts, num_headers);
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_headers)
FilterHeadersStatus proxy_on_response_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                              uint32_t /*end_of_stream*/) {
  add_header(MapType::ResponseHeaders, "x-requests-total", metric_text(g_requests));
  add_header(MapType::ResponseHeaders, "x-active-requests", metric_text(g_active));
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t context_id) {
  if (g_active && g_streams.erase(context_id) > 0) increment_metric(*g_active, -1);
  return 1;
}
