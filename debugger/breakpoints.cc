#include "debugger/breakpoints.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "abi/enums.h"
#include "abi/functions.h"
#include "host/header_map.h"

namespace pwplay::debugger {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<std::string> event_field(const host::TraceEvent& event, std::string_view field) {
  for (const auto& arg : event.args)
    if (arg.name == field) return arg.value;
  if (field == "name") return event.name;
  if (field == "result") return event.result;
  if (field == "plugin") return event.plugin;
  return std::nullopt;
}

bool matches(const Condition& condition, const std::string& actual) {
  switch (condition.op) {
    case Condition::Op::Equals:
      return host::iequals(actual, condition.value) || actual == condition.value;
    case Condition::Op::NotEquals:
      return !(host::iequals(actual, condition.value));
    case Condition::Op::Contains:
      return actual.find(condition.value) != std::string::npos;
    case Condition::Op::Prefix:
      return actual.starts_with(condition.value);
  }
  return false;
}

// Enum-valued fields compare by name, so "map_type == request_headers" and the spec name both
// work.
std::string normalize_enum_value(std::string_view field, const std::string& value) {
  if (field == "map_type") {
    if (auto type = abi::parse_map_type(value)) return abi::name(*type);
  } else if (field == "buffer_type") {
    if (auto type = abi::parse_buffer_type(value)) return abi::name(*type);
  } else if (field == "result") {
    if (auto status = abi::parse_status(value)) return abi::name(*status);
  }
  return value;
}

std::string hex_offset(uint32_t offset) {
  char text[16];
  std::snprintf(text, sizeof(text), "0x%x", offset);
  return text;
}

}  // namespace

std::string_view breakpoint_kind_name(BreakpointKind kind) {
  switch (kind) {
    case BreakpointKind::Callback:
      return "callback";
    case BreakpointKind::HostCall:
      return "hostcall";
    case BreakpointKind::Trap:
      return "trap";
    case BreakpointKind::Log:
      return "log";
    case BreakpointKind::LocalResponse:
      return "local_response";
    case BreakpointKind::Instruction:
      return "instruction";
  }
  return "unknown";
}

std::optional<BreakpointKind> parse_breakpoint_kind(std::string_view text) {
  for (auto kind :
       {BreakpointKind::Callback, BreakpointKind::HostCall, BreakpointKind::Trap,
        BreakpointKind::Log, BreakpointKind::LocalResponse, BreakpointKind::Instruction})
    if (text == breakpoint_kind_name(kind)) return kind;
  return std::nullopt;
}

Result<std::vector<Condition>> parse_conditions(std::string_view text) {
  std::vector<Condition> conditions;
  text = trim(text);
  if (text.empty()) return conditions;
  while (!text.empty()) {
    size_t split = text.find("&&");
    std::string_view part = trim(text.substr(0, split));
    text = split == std::string_view::npos ? std::string_view() : text.substr(split + 2);
    struct OpText {
      std::string_view token;
      Condition::Op op;
    };
    static constexpr OpText kOps[] = {{" contains ", Condition::Op::Contains},
                                      {" prefix ", Condition::Op::Prefix},
                                      {"==", Condition::Op::Equals},
                                      {"!=", Condition::Op::NotEquals}};
    bool parsed = false;
    for (const auto& [token, op] : kOps) {
      size_t at = part.find(token);
      if (at == std::string_view::npos) continue;
      Condition condition;
      condition.field = std::string(trim(part.substr(0, at)));
      condition.op = op;
      std::string_view value = trim(part.substr(at + token.size()));
      if (value.size() >= 2 && ((value.front() == '"' && value.back() == '"') ||
                                (value.front() == '\'' && value.back() == '\'')))
        value = value.substr(1, value.size() - 2);
      condition.value = std::string(value);
      if (condition.field.empty())
        return make_error("condition '" + std::string(part) + "' has no field before the operator");
      condition.value = normalize_enum_value(condition.field, condition.value);
      conditions.push_back(std::move(condition));
      parsed = true;
      break;
    }
    if (!parsed)
      return make_error("condition '" + std::string(part) +
                        "' is not of the form FIELD OP VALUE (OP: ==, !=, contains, prefix)");
  }
  return conditions;
}

Result<Breakpoint> breakpoint_from_text(std::string_view text) {
  const size_t at = text.find(" if ");
  if (at == std::string_view::npos) return make_breakpoint(text, {});
  return make_breakpoint(text.substr(0, at), text.substr(at + 4));
}

Result<Breakpoint> make_breakpoint(std::string_view target_text, std::string_view condition_text) {
  Breakpoint breakpoint;
  std::string_view target = trim(target_text);
  if (target.empty())
    return make_error(
        "break needs a callback, host call, trap, log LEVEL, local_response or *OFFSET");
  if (target.starts_with("*") || target.starts_with("instruction ")) {
    breakpoint.kind = BreakpointKind::Instruction;
    std::string_view number = trim(target.substr(target.starts_with("*") ? 1 : 12));
    auto offset = parse_typed_number(number, "a .wasm file offset (e.g. *0x197)", UINT32_MAX);
    if (!offset) return unexpected(offset.error());
    breakpoint.offset = static_cast<uint32_t>(*offset);
    breakpoint.target = hex_offset(breakpoint.offset);
  } else if (target == "trap") {
    breakpoint.kind = BreakpointKind::Trap;
  } else if (target == "local_response" || target == "local-response") {
    breakpoint.kind = BreakpointKind::LocalResponse;
  } else if (target == "log" || target.starts_with("log ")) {
    breakpoint.kind = BreakpointKind::Log;
    std::string_view level = trim(target.substr(3));
    if (level.empty()) level = "trace";
    auto parsed = abi::parse_log_level(level);
    if (!parsed)
      return make_error("unknown log level '" + std::string(level) +
                        "' (expected trace, debug, info, warn, error or critical)");
    breakpoint.target = std::string(abi::log_level_label(*parsed));
  } else if (abi::find_host_function(target)) {
    breakpoint.kind = BreakpointKind::HostCall;
    breakpoint.target = std::string(target);
  } else if (abi::find_callback(target, abi::AbiVersion::v0_2_1) ||
             abi::find_callback(target, abi::AbiVersion::v0_1_0)) {
    breakpoint.kind = BreakpointKind::Callback;
    breakpoint.target = std::string(target);
  } else {
    return make_error("'" + std::string(target) +
                      "' is not a proxy-wasm callback or host function (e.g. "
                      "proxy_on_request_headers, proxy_get_header_map_value), trap, log LEVEL, "
                      "local_response or *OFFSET (a wasm instruction)");
  }
  auto conditions = parse_conditions(condition_text);
  if (!conditions) return unexpected(conditions.error());
  breakpoint.conditions = std::move(*conditions);
  breakpoint.condition_text = std::string(trim(condition_text));
  return breakpoint;
}

Result<void> set_condition(Breakpoint& breakpoint, std::string_view condition_text) {
  auto conditions = parse_conditions(condition_text);
  if (!conditions) return unexpected(conditions.error());
  breakpoint.conditions = std::move(*conditions);
  breakpoint.condition_text = std::string(trim(condition_text));
  return {};
}

Result<uint64_t> parse_typed_number(std::string_view text, std::string_view what, uint64_t max) {
  const std::string_view number = trim(text);
  auto refuse = [&]() -> Result<uint64_t> {
    return make_error("expected " + std::string(what) + ", got '" + std::string(number) + "'");
  };
  const bool hex = number.size() > 2 && number[0] == '0' && (number[1] == 'x' || number[1] == 'X');
  const std::string_view digits = hex ? number.substr(2) : number;
  if (digits.empty()) return refuse();
  uint64_t value = 0;
  const uint64_t base = hex ? 16 : 10;
  for (char c : digits) {
    uint64_t digit = 0;
    if (c >= '0' && c <= '9')
      digit = static_cast<uint64_t>(c - '0');
    else if (hex && c >= 'a' && c <= 'f')
      digit = static_cast<uint64_t>(c - 'a' + 10);
    else if (hex && c >= 'A' && c <= 'F')
      digit = static_cast<uint64_t>(c - 'A' + 10);
    else
      return refuse();
    // Checked before it is computed: past `max` (or 2^64) is refused, never wrapped.
    if (digit > max || value > (max - digit) / base) return refuse();
    value = value * base + digit;
  }
  return value;
}

Result<uint32_t> parse_breakpoint_id(std::string_view text) {
  auto id = parse_typed_number(text, "a breakpoint number", UINT32_MAX);
  if (!id) return unexpected(id.error());
  return static_cast<uint32_t>(*id);
}

bool breakpoint_targets(const Breakpoint& breakpoint, const host::TraceEvent& event) {
  switch (breakpoint.kind) {
    case BreakpointKind::Callback:
      return event.kind == host::EventKind::Callback && event.phase == "enter" &&
             event.name == breakpoint.target;
    case BreakpointKind::HostCall:
      return event.kind == host::EventKind::HostCall && event.name == breakpoint.target;
    case BreakpointKind::Trap:
      return event.kind == host::EventKind::Trap;
    case BreakpointKind::Log: {
      if (event.kind != host::EventKind::Log) return false;
      auto wanted = abi::parse_log_level(breakpoint.target);
      auto actual = abi::parse_log_level(event.name);
      return wanted && actual && static_cast<uint32_t>(*actual) >= static_cast<uint32_t>(*wanted);
    }
    case BreakpointKind::LocalResponse:
      return event.kind == host::EventKind::HostCall && event.name == "proxy_send_local_response";
    case BreakpointKind::Instruction:
      return false;
  }
  return false;
}

bool conditions_hold(const std::vector<Condition>& conditions, const host::TraceEvent& event,
                     const EventContext& context) {
  for (const Condition& condition : conditions) {
    std::vector<std::string> candidates;
    if (auto value = event_field(event, condition.field)) candidates.push_back(*value);
    const host::HttpStreamState* stream = context.stream;
    if (stream && candidates.empty()) {
      const auto& request = stream->request_headers;
      if (condition.field == "path") {
        if (auto v = request.get(":path")) candidates.emplace_back(*v);
      } else if (condition.field == "method") {
        if (auto v = request.get(":method")) candidates.emplace_back(*v);
      } else if (condition.field == "status" || condition.field == "status_code") {
        if (auto v = stream->response_headers.get(":status")) candidates.emplace_back(*v);
      } else if (condition.field == "header") {
        // Any request or response header name or value.
        for (const auto* map : {&request, &stream->response_headers})
          for (const auto& [name, value] : map->pairs()) {
            candidates.push_back(name);
            candidates.push_back(value);
          }
      } else if (condition.field == "body") {
        if (stream->request_body) candidates.push_back(*stream->request_body);
        if (stream->response_body) candidates.push_back(*stream->response_body);
      }
    }
    if (condition.field == "header" && candidates.empty()) {
      if (auto key = event_field(event, "key")) candidates.push_back(*key);
      if (auto value = event_field(event, "value")) candidates.push_back(*value);
    }
    if (condition.field == "status_code" && candidates.empty())
      if (auto v = event_field(event, "status_code")) candidates.push_back(*v);
    bool any = false;
    if (condition.op == Condition::Op::NotEquals) {
      any = std::all_of(candidates.begin(), candidates.end(),
                        [&](const std::string& c) { return matches(condition, c); });
    } else {
      any = std::any_of(candidates.begin(), candidates.end(),
                        [&](const std::string& c) { return matches(condition, c); });
    }
    if (!any) return false;
  }
  return true;
}

std::string describe(const Breakpoint& breakpoint) {
  std::string text = std::string(breakpoint_kind_name(breakpoint.kind));
  if (!breakpoint.target.empty()) text += " " + breakpoint.target;
  if (!breakpoint.condition_text.empty()) text += " if " + breakpoint.condition_text;
  return text;
}

}  // namespace pwplay::debugger
