// What a request's run produced, in the small form that is saved with it: the response the client
// received, whether a filter answered locally, and the filter failure if any. Project history and
// HAR export keep this instead of the whole RunResult (trace and logs are not persisted).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "abi/pairs.h"
#include "abi/result.h"
#include "debugger/formats/json_place.h"
#include "debugger/runner.h"

namespace pwplay::debugger {

struct OutcomeFailure {
  std::string callback;  // "proxy_on_request_headers", "start-up", ...
  std::string fault;     // host::vm_fault_name: "trap", "terminated", ...
  std::string message;
};

struct Outcome {
  uint32_t status = 0;  // 0 when the client got no response (reset or stalled stream)
  abi::HeaderPairs headers;
  std::string body;
  bool local_response = false;
  std::optional<OutcomeFailure> failure;
  double duration_ms = 0;  // time spent in the filter
};

Outcome outcome_from_run(const RunResult& result);
Outcome outcome_from_report(const host::RunReport& report,
                            const std::optional<host::PluginFailure>& failure, uint64_t filter_ns);

// Times as saved files carry them: "2024-03-01T12:34:56.789Z" (UTC, milliseconds).
std::string iso8601(std::chrono::system_clock::time_point time);

// JSON form: {"status", "headers", "body" | "body_base64", "local_response", "failure":
// null | {"callback", "fault", "message"}, "duration_ms"}. Unknown fields are errors.
nlohmann::json outcome_to_json(const Outcome& outcome);
Result<Outcome> parse_outcome(const nlohmann::json& json, const JsonPlace& place);

}  // namespace pwplay::debugger
