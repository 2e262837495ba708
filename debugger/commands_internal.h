// Private to debugger/commands*.cc: the verbs' implementations (one function per verb, listed
// in the table in commands.cc) and the helpers they share.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "debugger/commands.h"

namespace pwplay::debugger::verbs_impl {

// printf into a string (the verbs print what `pwplay debug` always printed).
std::string format(const char* pattern, ...) __attribute__((format(printf, 1, 2)));
void append(std::string& out, const char* pattern, ...) __attribute__((format(printf, 2, 3)));

inline Unexpected<VerbError> fail(std::string message) {
  return unexpected(VerbError{std::move(message), false});
}
inline Unexpected<VerbError> note(std::string message) {
  return unexpected(VerbError{std::move(message), true});
}
inline Unexpected<VerbError> usage(const VerbArgs& args) {
  return note(args.verb->usage());
}

// Argument `index` of the verb as a number (parse_typed_number: decimal or 0x hex, at most
// `max`); the error names the verb: "delete: expected a breakpoint number, got '-1'".
Result<uint64_t, VerbError> number_argument(const VerbArgs& args, size_t index,
                                            std::string_view what, uint64_t max = UINT64_MAX);

// After a verb let the filter run: its next pause, or the end of the last request sent, or
// nothing when the front end does not wait (context.wait is zero).
std::string report(Session& session, VerbContext& context);
// The same for a stream of the proxy: its next pause, or its end (a new history entry).
std::string report_proxy(Session& session, const VerbContext& context, uint64_t finished);
// The same for a `reload`: its start-up pause, or its outcome.
std::string report_reload(Session& session, VerbContext& context);
// The current pause, described; "" when nothing is paused.
std::string pause_text(const Session& session);
// "$name" or "func[N]".
std::string function_label(uint32_t index, const std::string& name);

// Breakpoints and run control (commands.cc).
VerbResult help(Session&, VerbContext&, const VerbArgs&);
VerbResult break_verb(Session&, VerbContext&, const VerbArgs&);
VerbResult tbreak(Session&, VerbContext&, const VerbArgs&);
VerbResult delete_verb(Session&, VerbContext&, const VerbArgs&);
VerbResult disable(Session&, VerbContext&, const VerbArgs&);
VerbResult enable(Session&, VerbContext&, const VerbArgs&);
VerbResult ignore(Session&, VerbContext&, const VerbArgs&);
VerbResult condition(Session&, VerbContext&, const VerbArgs&);
VerbResult continue_verb(Session&, VerbContext&, const VerbArgs&);
VerbResult step(Session&, VerbContext&, const VerbArgs&);
VerbResult next(Session&, VerbContext&, const VerbArgs&);
VerbResult finish(Session&, VerbContext&, const VerbArgs&);
VerbResult abort_verb(Session&, VerbContext&, const VerbArgs&);
VerbResult stepi(Session&, VerbContext&, const VerbArgs&);
VerbResult nexti(Session&, VerbContext&, const VerbArgs&);
VerbResult until(Session&, VerbContext&, const VerbArgs&);
VerbResult quit(Session&, VerbContext&, const VerbArgs&);

// What the paused filter is doing (commands_inspect.cc).
VerbResult info(Session&, VerbContext&, const VerbArgs&);
VerbResult backtrace(Session&, VerbContext&, const VerbArgs&);
VerbResult examine(Session&, VerbContext&, const VerbArgs&);
VerbResult list(Session&, VerbContext&, const VerbArgs&);
VerbResult regions(Session&, VerbContext&, const VerbArgs&);
VerbResult diff(Session&, VerbContext&, const VerbArgs&);

// Requests, history, faults and reloads (commands_requests.cc).
VerbResult send(Session&, VerbContext&, const VerbArgs&);
VerbResult wait(Session&, VerbContext&, const VerbArgs&);
VerbResult inject(Session&, VerbContext&, const VerbArgs&);
VerbResult history(Session&, VerbContext&, const VerbArgs&);
VerbResult replay(Session&, VerbContext&, const VerbArgs&);
VerbResult compare(Session&, VerbContext&, const VerbArgs&);
VerbResult save_scenario(Session&, VerbContext&, const VerbArgs&);
VerbResult export_trace(Session&, VerbContext&, const VerbArgs&);
VerbResult watch(Session&, VerbContext&, const VerbArgs&);
VerbResult reload(Session&, VerbContext&, const VerbArgs&);

}  // namespace pwplay::debugger::verbs_impl
