// Breakpoints at the ABI level: on a callback, a host call, a trap, a log at or above a level, or
// a local response, optionally with conditions on what the event carries ("key == :path",
// "path prefix /api", "status == 403", "map_type == HTTP_REQUEST_HEADERS", "body contains abc").
// Pure logic over trace events, so every engine gets the same breakpoints. One more kind stops at
// a wasm instruction (a .wasm file offset, "*0x197"); only an engine that steps (WABT) honours it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"
#include "host/http_stream.h"
#include "host/trace.h"

namespace pwplay::debugger {

enum class BreakpointKind : uint8_t { Callback, HostCall, Trap, Log, LocalResponse, Instruction };

std::string_view breakpoint_kind_name(BreakpointKind kind);
std::optional<BreakpointKind> parse_breakpoint_kind(std::string_view text);

// One test on an event: FIELD OP VALUE. Fields are the event's decoded arguments (key, value,
// map_type, buffer_type, message, level, ...) plus the stream's facts: path, method, status,
// header (any request header name or value), body (the current body buffer).
struct Condition {
  enum class Op : uint8_t { Equals, NotEquals, Contains, Prefix };
  std::string field;
  Op op = Op::Equals;
  std::string value;
};

struct Breakpoint {
  uint32_t id = 0;
  BreakpointKind kind = BreakpointKind::HostCall;
  // Callback or host call name; for Log the minimum level ("warn"); for Instruction the file
  // offset as hex ("0x197"); empty for Trap and LocalResponse.
  std::string target;
  uint32_t offset = 0;                // Instruction: the .wasm file offset of the instruction
  std::vector<Condition> conditions;  // all must hold
  std::string condition_text;         // as the user wrote it
  bool enabled = true;
  uint32_t hits = 0;          // times it matched
  uint32_t ignore_count = 0;  // matches to let pass before stopping (gdb's "ignore")
  bool temporary = false;     // deleted when it first stops (gdb's "tbreak")
};

// Parses "key == :path && path prefix /api" (operators: ==, !=, contains, prefix).
Result<std::vector<Condition>> parse_conditions(std::string_view text);

// Builds a breakpoint from a target such as "proxy_on_request_headers", "proxy_http_call",
// "trap", "log warn", "local_response", or a wasm instruction "*0x197" / "instruction 0x197"
// (a .wasm file offset); the kind follows from the target.
Result<Breakpoint> make_breakpoint(std::string_view target, std::string_view condition_text);

// "TARGET [if CONDITION]", as typed in `pwplay debug` and the desktop app.
Result<Breakpoint> breakpoint_from_text(std::string_view text);

// Replaces the breakpoint's condition by `condition_text` ("" clears it), as gdb's "condition N".
Result<void> set_condition(Breakpoint& breakpoint, std::string_view condition_text);

// The one reader of numbers typed in the debugger (breakpoint numbers, counts, request numbers,
// seconds, addresses and lengths), in both front ends: decimal or 0x hex, blanks around it
// ignored, no sign, at most `max` (nothing wraps around). The error reads "expected WHAT, got
// 'TEXT'"; a verb puts its name in front ("delete: expected a breakpoint number, got '-1'").
Result<uint64_t> parse_typed_number(std::string_view text, std::string_view what,
                                    uint64_t max = UINT64_MAX);

// A breakpoint number as the user typed it ("3"); the one parser of both front ends.
Result<uint32_t> parse_breakpoint_id(std::string_view text);

// What conditions can see besides the event itself.
struct EventContext {
  const host::HttpStreamState* stream = nullptr;  // null outside HTTP streams
};

// True when `event` is the kind of event the breakpoint is about (ignoring conditions); never for
// Instruction breakpoints, which the engine checks at each instruction.
bool breakpoint_targets(const Breakpoint& breakpoint, const host::TraceEvent& event);
// True when all conditions hold for `event`.
bool conditions_hold(const std::vector<Condition>& conditions, const host::TraceEvent& event,
                     const EventContext& context);

std::string describe(const Breakpoint& breakpoint);

}  // namespace pwplay::debugger
