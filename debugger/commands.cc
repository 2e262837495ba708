// The verb table, dispatch and help; the breakpoint and run-control verbs; how pauses and
// finished requests read.
#include "debugger/commands.h"

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <sstream>

#include "debugger/commands_internal.h"

namespace pwplay::debugger {

using namespace verbs_impl;  // NOLINT: the implementations of the table's rows

namespace {

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

std::vector<std::string> split_words(std::string_view text) {
  std::vector<std::string> words;
  std::istringstream in{std::string(text)};
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

const std::vector<Verb>& table() {
  static const std::vector<Verb> kVerbs = {
      {"help",
       {"h"},
       "[COMMAND]",
       "List the debugger's commands, or explain one",
       "",
       verbs_impl::help},
      {"break",
       {"b"},
       "TARGET [if CONDITION]",
       "Set a breakpoint",
       "TARGET: a callback (proxy_on_request_headers), a host call (proxy_get_header_map_value),\n"
       "trap, log LEVEL (that level or above), local_response, or *OFFSET: the wasm instruction\n"
       "at that .wasm file offset ('list' shows them; the wabt engine stops there).\n"
       "CONDITION: FIELD OP VALUE [&& ...], OP: == != contains prefix; FIELD: an argument of the\n"
       "event (key, value, map_type, message, ...) or path, method, status, header, body.",
       verbs_impl::break_verb},
      {"tbreak",
       {},
       "TARGET [if CONDITION]",
       "Set a breakpoint that is deleted when it first stops",
       "TARGET and CONDITION as for break.",
       verbs_impl::tbreak},
      {"delete", {"d"}, "N", "Delete breakpoint N", "", verbs_impl::delete_verb},
      {"disable", {}, "N", "Disable breakpoint N", "", verbs_impl::disable},
      {"enable", {}, "N", "Enable breakpoint N", "", verbs_impl::enable},
      {"ignore",
       {},
       "N COUNT",
       "Let the next COUNT crossings of breakpoint N pass",
       "The breakpoint keeps counting its hits; info breakpoints shows how many are still let "
       "pass.",
       verbs_impl::ignore},
      {"condition",
       {},
       "N [CONDITION]",
       "Set the condition of breakpoint N, or clear it",
       "CONDITION as for break; without one, the breakpoint stops at every crossing.",
       verbs_impl::condition},
      {"info",
       {},
       "[breakpoints|args|locals|stack|inject|reload|trace]",
       "Show breakpoints, the paused event, wasm locals, faults, hot reload or the trace store",
       "info breakpoints   the breakpoints with their hit counts (also: info b)\n"
       "info args          the paused event's decoded arguments and result\n"
       "info locals        wasm locals and operand stack at an instruction stop (also: info "
       "stack)\n"
       "info inject        the faults injected\n"
       "info reload        hot reload: watching or not, how many reloads, what the last changed\n"
       "info trace         the trace store: its size, its budget, what it dropped\n"
       "info               the loaded filter",
       verbs_impl::info},
      {"send",
       {},
       "[REQ.json]",
       "Send a request through the filter",
       "Without a file: pwplay debug's --request file, the desktop app's Request panel.",
       verbs_impl::send},
      {"continue", {"c"}, "", "Run to the next breakpoint", "", verbs_impl::continue_verb},
      {"step", {"s"}, "", "Step to the next ABI event", "", verbs_impl::step},
      {"next",
       {"n"},
       "",
       "Step over the current callback",
       "To its exit; at a callback's exit, to the next callback.",
       verbs_impl::next},
      {"finish",
       {},
       "",
       "Run to the end of the stream, ignoring breakpoints",
       "",
       verbs_impl::finish},
      {"abort",
       {},
       "",
       "Abort the paused stream",
       "Its VM call is terminated (at a callback's entry the callback does not run) and the VM\n"
       "replaced, as after a trap.",
       verbs_impl::abort_verb},
      {"stepi",
       {"si"},
       "",
       "Step one wasm instruction, into calls",
       "On engines that step wasm instructions (--engine wabt).",
       verbs_impl::stepi},
      {"nexti",
       {"ni"},
       "",
       "Step one wasm instruction, over calls",
       "On engines that step wasm instructions (--engine wabt).",
       verbs_impl::nexti},
      {"until",
       {"u"},
       "ADDR",
       "Run to the wasm instruction at file offset ADDR",
       "On engines that step wasm instructions (--engine wabt); 'list' shows the offsets.\n"
       "Breakpoints that are crossed first stop there.",
       verbs_impl::until},
      {"wait",
       {},
       "[SECONDS]",
       "Wait for a request through the proxy to stop",
       "Default 30 seconds; pwplay debug --listen runs the proxy.",
       verbs_impl::wait},
      {"bt",
       {"backtrace", "where"},
       "",
       "Show the frames",
       "At a wasm instruction the wasm frames first, then the ABI frames (host call, callback).",
       verbs_impl::backtrace},
      {"x",
       {},
       "ADDR [LEN]",
       "Show VM memory as hex and ASCII",
       "LEN defaults to 64.",
       verbs_impl::examine},
      {"list",
       {"l"},
       "",
       "List the code around the instruction about to run",
       "",
       verbs_impl::list},
      {"regions",
       {},
       "",
       "Show the memory copied by this event and since the callback began",
       "",
       verbs_impl::regions},
      {"diff",
       {},
       "",
       "Show what the filter changed",
       "While paused: the request headers as the client sent them and as they are now. Else the\n"
       "last request, client -> upstream and upstream -> client, headers and bodies.",
       verbs_impl::diff},
      {"inject",
       {},
       "HOSTCALL STATUS | alloc on|off | clear",
       "Inject a fault",
       "HOSTCALL STATUS: every call to HOSTCALL returns STATUS without running (proxy_http_call\n"
       "BAD_ARGUMENT). alloc on: the module's allocator fails; alloc off: it works again.\n"
       "clear: no more faults. info inject lists them.",
       verbs_impl::inject},
      {"history", {}, "", "List the requests of this session", "", verbs_impl::history},
      {"replay",
       {},
       "N [M...] | all",
       "Send requests of the history again",
       "One at a time, each reported; a pause stops the rest.",
       verbs_impl::replay},
      {"compare",
       {},
       "A B",
       "Compare two runs",
       "The outcome, then the trace event by event (timings and addresses aside).",
       verbs_impl::compare},
      {"save-scenario",
       {},
       "FILE [N]",
       "Save request N (default: the last) as a scenario for pwplay test",
       "",
       verbs_impl::save_scenario},
      {"export-trace",
       {},
       "FILE",
       "Write the session's trace in Chrome's trace event format",
       "Callbacks and host calls nested by time, copies and logs as instants, one process per "
       "plugin and one thread per stream: open the file in ui.perfetto.dev or chrome://tracing.",
       verbs_impl::export_trace},
      {"watch",
       {},
       "on|off",
       "Reload when the module file changes, and replay the last request",
       "info reload shows what the reload changed.",
       verbs_impl::watch},
      {"reload",
       {},
       "",
       "Re-read the module",
       "Breakpoints on proxy_on_vm_start or proxy_on_configure stop in its start-up.",
       verbs_impl::reload},
      {"quit",
       {"q", "exit"},
       "",
       "Leave the debugger",
       "pwplay debug lets a paused request run to its end first.",
       verbs_impl::quit},
  };
  return kVerbs;
}

std::string syntax_line(const Verb& verb) {
  std::string line(verb.name);
  if (!verb.syntax.empty()) line += " " + std::string(verb.syntax);
  return line;
}

VerbResult go(Session& session, VerbContext& context, ResumeMode mode) {
  auto pause = session.pause();
  const uint64_t finished = session.history_count();
  if (!session.resume(mode)) return note("not paused");
  if (pause && pause->worker == "proxy") return report_proxy(session, context, finished);
  if (context.reload_from_build) return report_reload(session, context);
  return report(session, context);
}

VerbResult step_instruction(Session& session, VerbContext& context, host::StepRequest::Kind kind,
                            uint32_t offset = 0) {
  auto pause = session.pause();
  const uint64_t finished = session.history_count();
  auto stepped = session.step_instruction(kind, offset);
  if (!stepped) return fail(stepped.error().message);
  if (pause && pause->worker == "proxy") return report_proxy(session, context, finished);
  return report(session, context);
}

// The breakpoint number a verb takes first.
Result<uint32_t, VerbError> breakpoint_argument(const VerbArgs& args) {
  auto id = number_argument(args, 0, "a breakpoint number", UINT32_MAX);
  if (!id) return unexpected(id.error());
  return static_cast<uint32_t>(*id);
}

// delete N, disable N, enable N.
VerbResult breakpoint_state(Session& session, const VerbArgs& args) {
  if (args.words.empty()) return usage(args);
  auto id = breakpoint_argument(args);
  if (!id) return unexpected(id.error());
  const std::string_view action = args.verb->name;
  const bool ok = action == "delete" ? session.remove_breakpoint(*id)
                                     : session.enable_breakpoint(*id, action == "enable");
  if (!ok) return fail(format("no breakpoint %u", *id));
  return format("Breakpoint %u %s\n", *id,
                action == "delete"   ? "deleted"
                : action == "enable" ? "enabled"
                                     : "disabled");
}

VerbResult add_breakpoint(Session& session, const VerbArgs& args, bool temporary) {
  auto breakpoint = breakpoint_from_text(args.text);
  if (!breakpoint) return fail(breakpoint.error().message);
  // An instruction breakpoint must name the start of an instruction of the loaded module (before
  // a load, any offset is taken).
  if (breakpoint->kind == BreakpointKind::Instruction) {
    if (auto wat = session.disassembly(); wat && !(*wat)->instruction_at(breakpoint->offset))
      return fail(format("%s: no instruction starts at 0x%x ('list' shows the offsets)",
                         temporary ? "tbreak" : "break", breakpoint->offset));
  }
  breakpoint->temporary = temporary;
  const uint32_t id = session.add_breakpoint(*breakpoint);
  std::string out = format("%s %u: %s\n", temporary ? "Temporary breakpoint" : "Breakpoint", id,
                           describe(*breakpoint).c_str());
  // Kept either way (a project may reload on WABT), but said: nothing stops there on this engine.
  if (breakpoint->kind == BreakpointKind::Instruction) {
    const PluginInfo info = session.plugin_info();
    if (info.loaded && !info.supports_stepping)
      out += "  the " + info.engine +
             " engine does not stop at wasm instructions: it takes effect on the wabt engine\n";
  }
  return out;
}

}  // namespace

// --- The table ----------------------------------------------------------------------------------

std::string failure_text(const VerbError& error) {
  return error.note ? error.message : "error: " + error.message;
}

std::string Verb::usage() const {
  return "usage: " + syntax_line(*this);
}

std::span<const Verb> verbs() {
  return table();
}

const Verb* find_verb(std::string_view name) {
  for (const Verb& verb : table()) {
    if (verb.name == name) return &verb;
    for (std::string_view alias : verb.aliases)
      if (alias == name) return &verb;
  }
  return nullptr;
}

VerbResult run_verb(const Verb& verb, Session& session, VerbContext& context,
                    std::string_view arguments) {
  VerbArgs args;
  args.verb = &verb;
  args.text = std::string(trim_blanks(arguments));
  args.words = split_words(args.text);
  return verb.run(session, context, args);
}

VerbResult run_line(Session& session, VerbContext& context, std::string_view line) {
  line = trim_blanks(line);
  if (line.empty()) return std::string();
  const size_t end = line.find_first_of(" \t");
  const std::string_view name = line.substr(0, end);
  const Verb* verb = find_verb(name);
  if (!verb) return note("unknown command '" + std::string(name) + "' (try 'help')");
  return run_verb(*verb, session, context,
                  end == std::string_view::npos ? std::string_view() : line.substr(end));
}

std::string help_text() {
  std::string out = "Commands ('help COMMAND' tells more):\n";
  for (const Verb& verb : table()) {
    // The summaries line up in a column; a long syntax puts its summary on the next line.
    constexpr size_t kColumn = 34;
    std::string line = syntax_line(verb);
    if (line.size() >= kColumn) line += "\n";
    line.resize(line.size() >= kColumn ? line.size() + kColumn : kColumn, ' ');
    line += verb.summary;
    if (!verb.aliases.empty()) {
      line += " (";
      for (size_t i = 0; i < verb.aliases.size(); ++i)
        line += (i ? ", " : "") + std::string(verb.aliases[i]);
      line += ")";
    }
    out += line + "\n";
  }
  return out;
}

std::string help_text(const Verb& verb) {
  std::string out = syntax_line(verb);
  if (!verb.aliases.empty()) {
    out += "   (also: ";
    for (size_t i = 0; i < verb.aliases.size(); ++i)
      out += (i ? ", " : "") + std::string(verb.aliases[i]);
    out += ")";
  }
  out += "\n" + std::string(verb.summary) + ".\n";
  if (!verb.details.empty()) out += std::string(verb.details) + "\n";
  return out;
}

// --- How pauses and ends read -------------------------------------------------------------------

std::string describe_pause(const PauseInfo& pause) {
  std::string out =
      format("Paused (%s), %s, stream %llu, plugin %s%s\n", pause.reason.c_str(),
             host::pause_point_name(pause.where), static_cast<unsigned long long>(pause.stream_id),
             pause.plugin.c_str(), pause.worker == "proxy" ? ", via the proxy" : "");
  if (pause.wasm) {
    const auto& wasm = *pause.wasm;
    append(out, "  0x%06x  %s  %s\n", wasm.file_offset,
           function_label(wasm.function_index, wasm.function_name).c_str(),
           wasm.instruction.c_str());
    return out;
  }
  out += "  " + host::event_line(pause.event) + "\n";
  for (const auto& warning : pause.event.warnings) append(out, "  warning: %s\n", warning.c_str());
  for (const auto& event : pause.step_events)
    if (event.kind == host::EventKind::Log)
      append(out, "  log [%s] %s\n", event.name.c_str(),
             event.args.size() > 1 ? event.args[1].value.c_str() : "");
  return out;
}

std::string describe_finished(const HistoryEntry& entry) {
  const auto& report = entry.report;
  std::string out = format("Request %llu finished%s: ", static_cast<unsigned long long>(entry.id),
                           entry.source == "proxy" ? " (proxy)" : "");
  if (report.response)
    append(out, "%u%s", report.response->status, report.local_response ? " (local response)" : "");
  else if (report.reset)
    append(out, "reset (%s)", report.reset_reason.c_str());
  else
    out += "no response";
  append(out, ", upstream %s\n", report.upstream_request ? "reached" : "not reached");
  if (entry.failure) append(out, "  filter failure: %s\n", entry.failure->message.c_str());
  return out;
}

namespace verbs_impl {

std::string format(const char* pattern, ...) {
  std::string out;
  va_list args;
  va_start(args, pattern);
  va_list copy;
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, pattern, copy);
  va_end(copy);
  if (size > 0) {
    out.resize(static_cast<size_t>(size) + 1);
    std::vsnprintf(out.data(), out.size(), pattern, args);
    out.resize(static_cast<size_t>(size));
  }
  va_end(args);
  return out;
}

void append(std::string& out, const char* pattern, ...) {
  va_list args;
  va_start(args, pattern);
  va_list copy;
  va_copy(copy, args);
  const int size = std::vsnprintf(nullptr, 0, pattern, copy);
  va_end(copy);
  if (size > 0) {
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(size) + 1);
    std::vsnprintf(out.data() + at, static_cast<size_t>(size) + 1, pattern, args);
    out.resize(at + static_cast<size_t>(size));
  }
  va_end(args);
}

Result<uint64_t, VerbError> number_argument(const VerbArgs& args, size_t index,
                                            std::string_view what, uint64_t max) {
  const std::string_view text =
      index < args.words.size() ? std::string_view(args.words[index]) : std::string_view();
  auto number = parse_typed_number(text, what, max);
  if (!number)
    return fail(std::string(args.verb ? args.verb->name : "") + ": " + number.error().message);
  return *number;
}

std::string function_label(uint32_t index, const std::string& name) {
  return name.empty() ? "func[" + std::to_string(index) + "]" : "$" + name;
}

std::string pause_text(const Session& session) {
  auto pause = session.pause();
  return pause ? describe_pause(*pause) : std::string();
}

std::string report(Session& session, VerbContext& context) {
  if (context.wait.count() == 0) return {};
  const auto state = session.wait(context.wait);
  if (state == Session::State::Paused) return pause_text(session);
  if (state == Session::State::Running)
    return format("still running after %lld s\n",
                  static_cast<long long>(context.wait.count() / 1000));
  auto entry = session.history_entry(context.last_sent);
  return entry ? describe_finished(*entry) : std::string("idle\n");
}

std::string report_proxy(Session& session, const VerbContext& context, uint64_t finished) {
  using std::chrono::milliseconds;
  for (milliseconds waited{0}; waited < context.wait; waited += milliseconds(100)) {
    if (session.wait_for_pause(milliseconds(50))) return pause_text(session);
    if (session.wait_for_history(finished + 1, milliseconds(50))) {
      auto history = session.history();
      for (auto it = history.rbegin(); it != history.rend(); ++it)
        if (it->source == "proxy") return describe_finished(*it);
      return {};
    }
  }
  if (context.wait.count() == 0) return {};
  return format("still running after %lld s\n",
                static_cast<long long>(context.wait.count() / 1000));
}

std::string report_reload(Session& session, VerbContext& context) {
  if (context.wait.count() == 0) {
    context.reload_from_build.reset();
    return {};
  }
  const auto state = session.wait(context.wait);
  if (state == Session::State::Paused) return pause_text(session);
  if (state == Session::State::Running)
    return format("still running after %lld s\n",
                  static_cast<long long>(context.wait.count() / 1000));
  const auto info = session.plugin_info();
  // Build 0: the first load (pwplay debug --break-startup), not a reload.
  std::string out = context.reload_from_build && info.build != *context.reload_from_build
                        ? format(*context.reload_from_build == 0 ? "loaded %s\n" : "reloaded %s\n",
                                 info.wasm_path.c_str())
                        : format("error: %s\n", info.error.c_str());
  context.reload_from_build.reset();
  return out;
}

// --- Breakpoints --------------------------------------------------------------------------------

VerbResult help(Session&, VerbContext&, const VerbArgs& args) {
  if (args.words.empty()) return help_text();
  const Verb* verb = find_verb(args.words[0]);
  if (!verb) return fail("no command '" + args.words[0] + "' (try 'help')");
  return help_text(*verb);
}

VerbResult break_verb(Session& session, VerbContext&, const VerbArgs& args) {
  return add_breakpoint(session, args, false);
}

VerbResult tbreak(Session& session, VerbContext&, const VerbArgs& args) {
  return add_breakpoint(session, args, true);
}

VerbResult delete_verb(Session& session, VerbContext&, const VerbArgs& args) {
  return breakpoint_state(session, args);
}

VerbResult disable(Session& session, VerbContext&, const VerbArgs& args) {
  return breakpoint_state(session, args);
}

VerbResult enable(Session& session, VerbContext&, const VerbArgs& args) {
  return breakpoint_state(session, args);
}

VerbResult ignore(Session& session, VerbContext&, const VerbArgs& args) {
  if (args.words.size() < 2) return usage(args);
  auto id = breakpoint_argument(args);
  if (!id) return unexpected(id.error());
  auto count = number_argument(args, 1, "a count", UINT32_MAX);
  if (!count) return unexpected(count.error());
  if (!session.ignore_breakpoint(*id, static_cast<uint32_t>(*count)))
    return fail(format("no breakpoint %u", *id));
  return format("Will ignore the next %u crossings of breakpoint %u\n",
                static_cast<uint32_t>(*count), *id);
}

VerbResult condition(Session& session, VerbContext&, const VerbArgs& args) {
  if (args.words.empty()) return usage(args);
  auto id = breakpoint_argument(args);
  if (!id) return unexpected(id.error());
  const std::string_view text =
      trim_blanks(std::string_view(args.text).substr(args.words[0].size()));
  if (auto set = session.set_breakpoint_condition(*id, text); !set)
    return fail(set.error().message);
  if (text.empty()) return format("Breakpoint %u now unconditional\n", *id);
  for (const auto& breakpoint : session.breakpoints())
    if (breakpoint.id == *id)
      return format("Breakpoint %u: %s\n", *id, describe(breakpoint).c_str());
  return fail(format("no breakpoint %u", *id));  // deleted meanwhile
}

// --- Run control --------------------------------------------------------------------------------

VerbResult continue_verb(Session& session, VerbContext& context, const VerbArgs&) {
  return go(session, context, ResumeMode::Continue);
}

VerbResult step(Session& session, VerbContext& context, const VerbArgs&) {
  return go(session, context, ResumeMode::Step);
}

VerbResult next(Session& session, VerbContext& context, const VerbArgs&) {
  return go(session, context, ResumeMode::Next);
}

VerbResult finish(Session& session, VerbContext& context, const VerbArgs&) {
  return go(session, context, ResumeMode::Finish);
}

VerbResult abort_verb(Session& session, VerbContext& context, const VerbArgs&) {
  return go(session, context, ResumeMode::Abort);
}

VerbResult stepi(Session& session, VerbContext& context, const VerbArgs&) {
  return step_instruction(session, context, host::StepRequest::Kind::Instruction);
}

VerbResult nexti(Session& session, VerbContext& context, const VerbArgs&) {
  return step_instruction(session, context, host::StepRequest::Kind::Over);
}

VerbResult until(Session& session, VerbContext& context, const VerbArgs& args) {
  if (args.words.empty()) return usage(args);
  auto offset = number_argument(args, 0, "a code offset", UINT32_MAX);
  if (!offset) return unexpected(offset.error());
  // Only the start of an instruction can be reached: anything else would run to the end.
  auto wat = session.disassembly();
  if (!wat) return fail("until: " + wat.error().message);
  if (!(*wat)->instruction_at(static_cast<uint32_t>(*offset)))
    return fail(format("until: no instruction starts at 0x%llx ('list' shows the offsets)",
                       static_cast<unsigned long long>(*offset)));
  return step_instruction(session, context, host::StepRequest::Kind::ToOffset,
                          static_cast<uint32_t>(*offset));
}

VerbResult quit(Session&, VerbContext& context, const VerbArgs&) {
  context.quit = true;
  return std::string();
}

}  // namespace verbs_impl
}  // namespace pwplay::debugger
