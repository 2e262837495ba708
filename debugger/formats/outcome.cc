#include "debugger/formats/outcome.h"

#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "debugger/formats/json_place.h"
#include "debugger/formats/request_file.h"
#include "host/vm.h"

namespace pwplay::debugger {

using nlohmann::json;

Outcome outcome_from_report(const host::RunReport& report,
                            const std::optional<host::PluginFailure>& failure, uint64_t filter_ns) {
  Outcome outcome;
  if (report.response) {
    outcome.status = report.response->status;
    outcome.headers = report.response->headers;
    outcome.body = report.response->body;
  }
  outcome.local_response = report.local_response;
  if (failure) {
    outcome.failure = OutcomeFailure{
        failure->callback, std::string(host::vm_fault_name(failure->fault)), failure->message};
  }
  outcome.duration_ms = static_cast<double>(filter_ns) / 1e6;
  return outcome;
}

Outcome outcome_from_run(const RunResult& result) {
  return outcome_from_report(result.report, result.failure, result.stats.filter_ns);
}

std::string iso8601(std::chrono::system_clock::time_point time) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(ms % 1000));
  return buffer;
}

json outcome_to_json(const Outcome& outcome) {
  json out;
  out["status"] = outcome.status;
  out["headers"] = header_list_to_json(outcome.headers);
  put_body(out, outcome.body);
  out["local_response"] = outcome.local_response;
  if (outcome.failure) {
    out["failure"] = {{"callback", outcome.failure->callback},
                      {"fault", outcome.failure->fault},
                      {"message", outcome.failure->message}};
  } else {
    out["failure"] = nullptr;
  }
  out["duration_ms"] = outcome.duration_ms;
  return out;
}

Result<Outcome> parse_outcome(const json& value, const JsonPlace& place) {
  if (!value.is_object()) return place.error("expected an object, got " + json_type_phrase(value));
  if (auto ok = check_fields(
          value,
          {"status", "headers", "body", "body_base64", "local_response", "failure", "duration_ms"},
          place);
      !ok)
    return unexpected(ok.error());
  Outcome outcome;
  auto status = uint_field(value, "status", place);
  if (!status) return unexpected(status.error());
  if (status->value_or(0) > 999) return place.field("status").error("expected an HTTP status");
  outcome.status = static_cast<uint32_t>(status->value_or(0));
  if (value.contains("headers")) {
    auto headers = parse_header_list(value["headers"], place.field("headers").str());
    if (!headers) return unexpected(headers.error());
    outcome.headers = std::move(*headers);
  }
  if (value.contains("body") && value.contains("body_base64"))
    return place.error("give either 'body' or 'body_base64', not both");
  auto body = string_field(value, "body", place);
  if (!body) return unexpected(body.error());
  outcome.body = body->value_or("");
  auto body64 = string_field(value, "body_base64", place);
  if (!body64) return unexpected(body64.error());
  if (*body64) {
    auto decoded = base64_decode(**body64);
    if (!decoded) return place.field("body_base64").error(decoded.error().message);
    outcome.body = std::move(*decoded);
  }
  auto local = bool_field(value, "local_response", place);
  if (!local) return unexpected(local.error());
  outcome.local_response = local->value_or(false);
  if (value.contains("failure") && !value["failure"].is_null()) {
    const json& failure = value["failure"];
    JsonPlace failure_place = place.field("failure");
    if (!failure.is_object())
      return failure_place.error("expected null or an object, got " + json_type_phrase(failure));
    if (auto ok = check_fields(failure, {"callback", "fault", "message"}, failure_place); !ok)
      return unexpected(ok.error());
    OutcomeFailure parsed;
    for (auto [key, target] :
         {std::pair{"callback", &parsed.callback}, std::pair{"fault", &parsed.fault},
          std::pair{"message", &parsed.message}}) {
      auto text = string_field(failure, key, failure_place);
      if (!text) return unexpected(text.error());
      *target = text->value_or("");
    }
    outcome.failure = std::move(parsed);
  }
  auto duration = number_field(value, "duration_ms", place);
  if (!duration) return unexpected(duration.error());
  outcome.duration_ms = duration->value_or(0);
  return outcome;
}

}  // namespace pwplay::debugger
