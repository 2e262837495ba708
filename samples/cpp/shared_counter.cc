// shared_counter: counts requests across every VM of the same vm_id.
//
// Request headers: increments the shared-data key `requests` (a decimal string) with a
//   compare-and-swap loop, adds `x-request-count: <n>` to the request, and increments
//   the counter metric `pwplay_requests_total`.
// Configure: defines the metric and asks for a tick every second.
// Tick: logs "tick" at debug level.
//
// Shared data is visible to all VMs (one per worker thread in a real proxy), so two
// filters may update `requests` at the same time. Each write passes the CAS value read
// with the data; when another writer got there first the host answers CasMismatch and
// we read and try again.

#include <charconv>
#include <optional>
#include <string>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

constexpr std::string_view kCounterKey = "requests";
constexpr int kMaxCasAttempts = 16;

std::optional<uint32_t> g_requests_metric;

uint64_t parse_count(std::string_view text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;  // 0 when the stored value is not a number
}

// Returns the new count, or nullopt if the update kept losing the race.
std::optional<uint64_t> increment_shared_counter() {
  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    uint64_t count = 0;
    uint32_t cas = 0;  // 0 = key does not exist yet
    if (std::optional<SharedValue> current = get_shared_data(kCounterKey)) {
      count = parse_count(current->value);
      cas = current->cas;
    }
    ++count;
    const WasmResult result = set_shared_data(kCounterKey, std::to_string(count), cas);
    if (result == WasmResult::Ok) return count;
    if (result != WasmResult::CasMismatch) return std::nullopt;
  }
  return std::nullopt;
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t /*root_context_id*/, uint32_t /*plugin_config_size*/) {
  if (!g_requests_metric) {
    g_requests_metric = define_metric(MetricType::Counter, "pwplay_requests_total");
  }
  set_tick_period(1000);
  return 1;
}

PWPLAY_EXPORT(proxy_on_tick) void proxy_on_tick(uint32_t /*root_context_id*/) {
  log(LogLevel::Debug, "tick");
}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  if (std::optional<uint64_t> count = increment_shared_counter()) {
    add_header(MapType::RequestHeaders, "x-request-count", std::to_string(*count));
  } else {
    log(LogLevel::Warn, "shared_counter: could not update the shared counter");
  }
  if (g_requests_metric) increment_metric(*g_requests_metric, 1);
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}
