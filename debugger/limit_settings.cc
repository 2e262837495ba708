#include "debugger/limit_settings.h"

#include <array>
#include <charconv>

#include <nlohmann/json.hpp>

namespace pwplay::debugger {
namespace {

constexpr uint64_t kMaxCount = uint64_t{1} << 40;  // no host keeps 10^12 of anything
constexpr uint64_t kMaxBytes = uint64_t{1} << 40;  // 1 TiB
constexpr uint64_t kMaxTraceMb = uint64_t{1} << 20;

constexpr std::array kFields{
    LimitField{"--max-queue-items", "max_queue_items", false, LimitScope::Host, kMaxCount,
               &LimitSettings::max_queue_items,
               "Items one shared queue may hold (default 10000); past it "
               "proxy_enqueue_shared_queue returns INTERNAL_FAILURE"},
    LimitField{"--max-queue-bytes", "max_queue_bytes", true, LimitScope::Host, kMaxBytes,
               &LimitSettings::max_queue_bytes,
               "Bytes one shared queue may hold, e.g. 65536, 64K, 16M (default 16M); past it "
               "proxy_enqueue_shared_queue returns INTERNAL_FAILURE"},
    LimitField{"--max-shared-data-bytes", "max_shared_data_bytes", true, LimitScope::Host,
               kMaxBytes, &LimitSettings::max_shared_data_bytes,
               "Largest shared data key + value (default 4M); larger gets BAD_ARGUMENT from "
               "proxy_set_shared_data"},
    LimitField{"--max-header-pairs", "max_header_pairs", false, LimitScope::Host, kMaxCount,
               &LimitSettings::max_header_pairs,
               "Pairs a filter may leave in one header map (default 10000); a write past it gets "
               "BAD_ARGUMENT"},
    LimitField{"--max-header-value-bytes", "max_header_value_bytes", true, LimitScope::Host,
               kMaxBytes, &LimitSettings::max_header_value_bytes,
               "Largest header name or value a filter writes (default 60K); larger gets "
               "BAD_ARGUMENT"},
    LimitField{"--max-header-map-bytes", "max_header_map_bytes", true, LimitScope::Host, kMaxBytes,
               &LimitSettings::max_header_map_bytes,
               "Bytes (names and values) a filter may leave in one header map (default 1M); a "
               "write past it gets BAD_ARGUMENT"},
    LimitField{"--max-buffered-body-bytes", "max_buffered_body_bytes", true, LimitScope::Host,
               kMaxBytes, &LimitSettings::max_buffered_body_bytes,
               "Body bytes one filter may hold while it buffers or pauses (default 1M, Envoy's "
               "per_connection_buffer_limit_bytes); past it a request gets 413, a response 500"},
    LimitField{"--trace-budget-mb", "trace_budget_mb", false, LimitScope::Session, kMaxTraceMb,
               &LimitSettings::trace_budget_mb,
               "MiB of trace events the session keeps (default 256); past it the oldest "
               "requests' events are dropped"},
};

std::string expected_text(const LimitField& field) {
  std::string text = "a whole number from 1 to " + std::to_string(field.max_value);
  if (field.size) text += " (bytes; a K, M or G suffix multiplies by 1024, 1024^2, 1024^3)";
  return text;
}

}  // namespace

std::span<const LimitField> limit_fields() {
  return kFields;
}

const LimitField* find_limit_field(std::string_view field) {
  for (const auto& candidate : kFields)
    if (candidate.field == field) return &candidate;
  return nullptr;
}

Result<uint64_t> parse_limit_value(std::string_view text, const LimitField& field,
                                   std::string_view where) {
  auto bad = [&]() -> Result<uint64_t> {
    return make_error(std::string(where) + ": '" + std::string(text) + "' is not " +
                      expected_text(field));
  };
  std::string_view digits = text;
  uint64_t unit = 1;
  if (field.size && !digits.empty()) {
    switch (digits.back()) {
      case 'k':
      case 'K':
        unit = uint64_t{1} << 10;
        break;
      case 'm':
      case 'M':
        unit = uint64_t{1} << 20;
        break;
      case 'g':
      case 'G':
        unit = uint64_t{1} << 30;
        break;
      default:
        break;
    }
    if (unit != 1) digits.remove_suffix(1);
  }
  uint64_t value = 0;
  const char* end = digits.data() + digits.size();
  auto [ptr, ec] = std::from_chars(digits.data(), end, value);
  if (digits.empty() || ec != std::errc() || ptr != end) return bad();
  if (value == 0 || value > field.max_value / unit) return bad();
  return value * unit;
}

Result<uint64_t> parse_limit_json(const nlohmann::json& value, const LimitField& field,
                                  std::string_view where) {
  // A negative integer is refused by the parser as any other text with a sign.
  if (value.is_number_integer()) return parse_limit_value(value.dump(), field, where);
  if (field.size && value.is_string())
    return parse_limit_value(value.get<std::string>(), field, where);
  return make_error(std::string(where) + " must be " + expected_text(field) + ", got " +
                    std::string(value.type_name()) + " " + value.dump());
}

host::SharedLimits LimitSettings::shared_limits() const {
  host::SharedLimits limits;
  if (max_queue_items) limits.max_queue_items = *max_queue_items;
  if (max_queue_bytes) limits.max_queue_bytes = *max_queue_bytes;
  if (max_shared_data_bytes) limits.max_shared_data_value_bytes = *max_shared_data_bytes;
  return limits;
}

host::HeaderLimits LimitSettings::header_limits() const {
  host::HeaderLimits limits;
  if (max_header_pairs) limits.max_pairs = *max_header_pairs;
  if (max_header_value_bytes) limits.max_value_bytes = *max_header_value_bytes;
  if (max_header_map_bytes) limits.max_map_bytes = *max_header_map_bytes;
  return limits;
}

void LimitSettings::apply_to(host::HostEnvOptions& options) const {
  options.limits = shared_limits();
  options.header_limits = header_limits();
  if (max_buffered_body_bytes)
    options.buffer_limit_bytes = static_cast<size_t>(*max_buffered_body_bytes);
}

size_t LimitSettings::trace_budget_bytes(size_t fallback) const {
  return trace_budget_mb ? static_cast<size_t>(*trace_budget_mb) << 20 : fallback;
}

LimitSettings LimitSettings::over(const LimitSettings& base) const {
  LimitSettings out = base;
  for (const auto& field : kFields)
    if (this->*field.member) out.*field.member = this->*field.member;
  return out;
}

}  // namespace pwplay::debugger
