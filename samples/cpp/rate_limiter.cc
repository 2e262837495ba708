// rate_limiter: a token bucket shared by every VM of the plugin, refilled by a timer.
//
// Configuration (JSON, every field optional): {"capacity": 10, "refill": 1, "tick_ms": 1000}:
//   the bucket holds at most `capacity` tokens and gains `refill` every `tick_ms`.
// Shared data: the bucket is the key "rate_limiter.tokens" (a decimal string). A real proxy
//   runs one VM per worker thread, all sharing it, so every change is a compare-and-swap:
//   proxy_get_shared_data returns the value with its CAS number, proxy_set_shared_data writes
//   only if nobody wrote since (else CAS_MISMATCH: read again and retry).
// Configure: creates the bucket full (if no VM did yet) and starts the timer
//   (proxy_set_tick_period_milliseconds).
// Tick: proxy_on_tick(root) adds `refill` tokens, up to `capacity`.
// Request headers: takes a token and adds `x-ratelimit-remaining: <left>`; with none left
//   answers 429 itself (proxy_send_local_response) with `retry-after`.

#include <charconv>
#include <optional>
#include <string>

#include "pwplay_json.h"
#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

constexpr std::string_view kBucketKey = "rate_limiter.tokens";
constexpr int kMaxCasAttempts = 16;

struct Settings {
  uint64_t capacity = 10;
  uint64_t refill = 1;
  uint32_t tick_ms = 1000;
};
Settings g_settings;

uint64_t parse_count(std::string_view text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// Applies `change` (tokens now -> tokens wanted, or nullopt to leave it) with compare-and-swap.
// Returns the tokens before the change, or nullopt when the shared data could not be updated.
template <typename Change>
std::optional<uint64_t> update_bucket(Change change) {
  for (int attempt = 0; attempt < kMaxCasAttempts; ++attempt) {
    std::optional<SharedValue> current = get_shared_data(kBucketKey);
    if (!current) return std::nullopt;  // configure creates it; gone means a host problem
    const uint64_t tokens = parse_count(current->value);
    std::optional<uint64_t> wanted = change(tokens);
    if (!wanted) return tokens;
    const WasmResult result = set_shared_data(kBucketKey, std::to_string(*wanted), current->cas);
    if (result == WasmResult::Ok) return tokens;
    if (result != WasmResult::CasMismatch) return std::nullopt;
  }
  return std::nullopt;
}

// Reads a non-negative integer field; false (with `error` set) when it is not one.
bool read_count(const json::Value& top, std::string_view name, uint64_t& out, std::string& error) {
  const json::Value* value = top.find(name);
  if (!value) return true;
  if (!value->is(json::Kind::Number) || value->number < 0 || value->number > 1e9) {
    error = "'" + std::string(name) + "' must be a number from 0 to 1000000000";
    return false;
  }
  out = static_cast<uint64_t>(value->number);
  return true;
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t /*root_context_id*/, uint32_t plugin_config_size) {
  const std::string text = get_config(plugin_config_size);
  if (!text.empty()) {
    json::ParseResult parsed = json::parse(text);
    std::string error;
    uint64_t tick_ms = g_settings.tick_ms;
    if (!parsed.value) {
      error = "invalid JSON: " + parsed.error;
    } else if (!parsed.value->is(json::Kind::Object)) {
      error = "expected a JSON object";
    } else if (read_count(*parsed.value, "capacity", g_settings.capacity, error) &&
               read_count(*parsed.value, "refill", g_settings.refill, error) &&
               read_count(*parsed.value, "tick_ms", tick_ms, error) && tick_ms == 0) {
      error = "'tick_ms' must be at least 1";
    }
    if (!error.empty()) {
      log(LogLevel::Error, "rate_limiter: bad configuration: " + error);
      return 0;
    }
    g_settings.tick_ms = static_cast<uint32_t>(tick_ms);
  }
  // cas 0 on a missing key creates it; another VM may have created it first, which is fine.
  if (!get_shared_data(kBucketKey))
    set_shared_data(kBucketKey, std::to_string(g_settings.capacity), 0);
  set_tick_period(g_settings.tick_ms);
  log(LogLevel::Info, "rate_limiter: " + std::to_string(g_settings.capacity) + " tokens, +" +
                          std::to_string(g_settings.refill) + " every " +
                          std::to_string(g_settings.tick_ms) + " ms");
  return 1;
}

PWPLAY_EXPORT(proxy_on_tick) void proxy_on_tick(uint32_t /*root_context_id*/) {
  update_bucket([](uint64_t tokens) -> std::optional<uint64_t> {
    if (tokens >= g_settings.capacity) return std::nullopt;  // already full
    return std::min(g_settings.capacity, tokens + g_settings.refill);
  });
}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  std::optional<uint64_t> before = update_bucket([](uint64_t tokens) -> std::optional<uint64_t> {
    if (tokens == 0) return std::nullopt;  // empty: leave it
    return tokens - 1;
  });
  if (!before) {
    log(LogLevel::Warn, "rate_limiter: could not update the bucket; letting the request through");
    return FilterHeadersStatus::Continue;
  }
  if (*before == 0) {
    const uint32_t retry_seconds = (g_settings.tick_ms + 999) / 1000;
    log(LogLevel::Info, "rate_limiter: no tokens left, answering 429");
    send_local_response(429, "rate_limited", "rate limited: try again later\n",
                        {{"retry-after", std::to_string(retry_seconds)}});
    return FilterHeadersStatus::StopIteration;
  }
  add_header(MapType::RequestHeaders, "x-ratelimit-remaining", std::to_string(*before - 1));
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}
