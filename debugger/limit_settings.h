// LimitSettings: the host limits a user chose (shared queues and data, header maps, buffered
// bodies, the session's
// trace store), from command-line flags or a file's `limits` object; a field left unset keeps the
// host's default. One table names every limit, so flags, file fields and help text agree.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "abi/result.h"
#include "host/environment.h"

namespace pwplay::debugger {

struct LimitSettings {
  std::optional<uint64_t> max_queue_items;
  std::optional<uint64_t> max_queue_bytes;
  std::optional<uint64_t> max_shared_data_bytes;
  std::optional<uint64_t> max_header_pairs;
  std::optional<uint64_t> max_header_value_bytes;
  std::optional<uint64_t> max_header_map_bytes;
  std::optional<uint64_t> max_buffered_body_bytes;
  std::optional<uint64_t> trace_budget_mb;

  // The host environment's limits with the fields set here.
  void apply_to(host::HostEnvOptions& options) const;
  host::SharedLimits shared_limits() const;
  host::HeaderLimits header_limits() const;
  // The trace store's budget in bytes: trace_budget_mb if set, else `fallback`.
  size_t trace_budget_bytes(size_t fallback) const;
  // These settings where set, else `base`'s (flags over a file).
  LimitSettings over(const LimitSettings& base) const;
};

// Where a limit applies: the host environment (run, serve, debug, test) or the debugging
// session's trace store (debug, the desktop app).
enum class LimitScope : uint8_t { Host, Session };

// One configurable limit: its flag, its snake_case field in files, and what it takes.
struct LimitField {
  std::string_view flag;   // "--max-queue-items"
  std::string_view field;  // "max_queue_items"
  bool size;               // bytes (K/M/G suffixes allowed) rather than a plain count
  LimitScope scope;
  uint64_t max_value;  // larger values are refused (no limit is meant to be unbounded)
  std::optional<uint64_t> LimitSettings::*member;
  std::string_view help;
};

std::span<const LimitField> limit_fields();
const LimitField* find_limit_field(std::string_view field);

// A limit's value as the user wrote it: a whole number of at least 1; sizes also take a K, M or
// G suffix (KiB, MiB, GiB). Errors name `where` and say what was expected.
Result<uint64_t> parse_limit_value(std::string_view text, const LimitField& field,
                                   std::string_view where);
// The same for a JSON value (a number, or for sizes a string such as "16M").
Result<uint64_t> parse_limit_json(const nlohmann::json& value, const LimitField& field,
                                  std::string_view where);

}  // namespace pwplay::debugger
