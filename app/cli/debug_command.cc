// `pwplay debug FILTER.wasm [run's options] [--request REQ.json] [--batch FILE] [--listen ADDR]`:
// the debugger in a terminal, with gdb's habits. Commands come from a TTY (line editing and
// history) or from a batch file / standard input; output is stable text, good for golden tests.
// With --listen, the proxy runs too and requests from curl or a browser stop at the breakpoints.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <editline/readline.h>
#include <nlohmann/json.hpp>

#include "abi/enums.h"
#include "app/cli/commands.h"
#include "app/cli/plugin_args.h"
#include "debugger/formats/request_file.h"
#include "debugger/formats/scenario.h"
#include "debugger/message_diff.h"
#include "debugger/session.h"
#include "host/disassembly.h"
#include "host/proxy/proxy.h"

namespace pwplay::app {
namespace {

struct DebugArgs {
  std::string wasm;
  std::string request;
  PluginFlags plugin;
  std::string batch;
  std::string listen;
  std::string upstream;
  std::vector<std::string> clusters;
};

std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

std::string join_args(const std::vector<host::TraceField>& args) {
  std::string out;
  for (const auto& arg : args) {
    if (!out.empty()) out += ", ";
    out += arg.name + "=" + arg.value;
  }
  return out;
}

std::string describe_event(const host::TraceEvent& event) {
  std::string text = std::string(host::event_kind_name(event.kind)) + " " + event.name;
  if (!event.phase.empty()) text += " (" + event.phase + ")";
  text += "(" + join_args(event.args) + ")";
  if (!event.result.empty()) text += " -> " + event.result;
  if (event.injected) text += " [injected]";
  return text;
}

std::string function_label(uint32_t index, const std::string& name) {
  return name.empty() ? "func[" + std::to_string(index) + "]" : "$" + name;
}

void print_hex(const std::vector<uint8_t>& memory, uint64_t address, uint64_t length) {
  if (address >= memory.size()) {
    std::printf("address 0x%llx is outside memory (%zu bytes)\n",
                static_cast<unsigned long long>(address), memory.size());
    return;
  }
  uint64_t end = std::min<uint64_t>(memory.size(), address + length);
  for (uint64_t row = address; row < end; row += 16) {
    std::printf("%08llx ", static_cast<unsigned long long>(row));
    for (uint64_t i = row; i < row + 16; ++i) {
      if (i < end)
        std::printf(" %02x", memory[i]);
      else
        std::printf("   ");
    }
    std::printf("  |");
    for (uint64_t i = row; i < row + 16 && i < end; ++i) {
      unsigned char c = memory[i];
      std::putchar(c >= 0x20 && c < 0x7f ? c : '.');
    }
    std::printf("|\n");
  }
}

void print_regions(const std::vector<debugger::MemoryRegion>& regions) {
  if (regions.empty()) {
    std::printf("no memory was copied by this event\n");
    return;
  }
  for (const auto& region : regions)
    std::printf("  0x%08x %6u bytes %s  %s\n", region.address, region.length,
                region.direction == host::CopyDirection::HostToVm ? "host->vm" : "vm->host",
                region.label.c_str());
}

class DebugShell {
 public:
  DebugShell(debugger::Session& session, std::string default_request)
      : session_(session), default_request_(std::move(default_request)) {}

  // Returns false on quit.
  bool execute(const std::string& line) {
    auto words = split_words(line);
    if (words.empty()) return true;
    const std::string& command = words[0];
    std::string rest = line.substr(line.find(command) + command.size());
    while (!rest.empty() && rest.front() == ' ') rest.erase(rest.begin());

    if (command == "quit" || command == "q" || command == "exit") return false;
    if (command == "help" || command == "h") return help();
    if (command == "break" || command == "b") return add_breakpoint(rest);
    if (command == "delete" || command == "d") return breakpoint_state(words, "delete");
    if (command == "disable") return breakpoint_state(words, "disable");
    if (command == "enable") return breakpoint_state(words, "enable");
    if (command == "ignore") return ignore(words);
    if (command == "info") return info(words);
    if (command == "send") return send(words.size() > 1 ? words[1] : default_request_);
    if (command == "continue" || command == "c") return go(debugger::ResumeMode::Continue);
    if (command == "step" || command == "s") return go(debugger::ResumeMode::Step);
    if (command == "next" || command == "n") return go(debugger::ResumeMode::Next);
    if (command == "finish") return go(debugger::ResumeMode::Finish);
    if (command == "abort") return go(debugger::ResumeMode::Abort);
    if (command == "stepi" || command == "si")
      return step_instruction(host::StepRequest::Kind::Instruction);
    if (command == "nexti" || command == "ni")
      return step_instruction(host::StepRequest::Kind::Over);
    if (command == "wait") return wait_for_pause(words);
    if (command == "bt" || command == "backtrace" || command == "where") return backtrace();
    if (command == "x") return examine(words);
    if (command == "list" || command == "l") return list();
    if (command == "regions") return regions();
    if (command == "diff") return diff();
    if (command == "inject") return inject(words);
    if (command == "history") return history();
    if (command == "replay") return replay(words);
    if (command == "compare") return compare(words);
    if (command == "save-scenario") return save_scenario(words);
    if (command == "reload") return reload();
    if (command == "watch") return watch(words);
    std::printf("unknown command '%s' (try 'help')\n", command.c_str());
    return true;
  }

  // At the end of a batch, let a paused request run to its end.
  void drain() {
    while (session_.state() == debugger::Session::State::Paused)
      session_.resume(debugger::ResumeMode::Finish), session_.wait();
    session_.wait();
  }

 private:
  bool help() {
    std::printf(
        "break CALLBACK|HOSTCALL|trap|log LEVEL|local_response [if COND]   set a breakpoint\n"
        "  COND: FIELD OP VALUE [&& ...], OP: == != contains prefix; FIELD: an argument of the\n"
        "  event (key, value, map_type, message, ...) or path, method, status, header, body\n"
        "delete N | disable N | enable N | ignore N COUNT   manage breakpoints;\n"
        "                   info breakpoints lists them with their hit counts\n"
        "send [REQ.json]    send a request          continue (c)   run to the next breakpoint\n"
        "step (s)           to the next ABI event   next (n)       over the current callback\n"
        "stepi (si)         one wasm instruction    nexti (ni)     one, over calls (wabt engine)\n"
        "info locals        wasm locals and operand stack at an instruction stop\n"
        "list (l)           the code around the instruction about to run\n"
        "wait [SECONDS]     wait for a request through the proxy to stop (default 30)\n"
        "finish             to the end of the stream (ignoring breakpoints)  abort   stop it\n"
        "bt                 ABI frames              info args      the current event's arguments\n"
        "x ADDR LEN         memory (hex + ASCII)    regions        memory copied by this event\n"
        "diff               header mutations so far\n"
        "inject HOSTCALL STATUS | inject alloc on|off | inject clear   fault injection\n"
        "history | replay N [M...] | replay all | compare A B   history, replay, comparison\n"
        "save-scenario FILE [N]   request N (default: the last) as a scenario for pwplay test\n"
        "watch on|off       reload when the module file changes and replay the last request;\n"
        "                   info reload shows the difference\n"
        "reload             re-read the module (breakpoints on proxy_on_vm_start or\n"
        "                   proxy_on_configure stop in its start-up)\n"
        "quit\n");
    return true;
  }

  bool add_breakpoint(const std::string& text) {
    auto breakpoint = debugger::breakpoint_from_text(text);
    if (!breakpoint) {
      std::printf("error: %s\n", breakpoint.error().message.c_str());
      return true;
    }
    uint32_t id = session_.add_breakpoint(*breakpoint);
    std::printf("Breakpoint %u: %s\n", id, debugger::describe(*breakpoint).c_str());
    return true;
  }

  bool breakpoint_state(const std::vector<std::string>& words, const std::string& action) {
    if (words.size() < 2) {
      std::printf("usage: %s N\n", action.c_str());
      return true;
    }
    uint32_t id = static_cast<uint32_t>(std::strtoul(words[1].c_str(), nullptr, 10));
    bool ok = action == "delete" ? session_.remove_breakpoint(id)
                                 : session_.enable_breakpoint(id, action == "enable");
    if (ok)
      std::printf("Breakpoint %u %s\n", id,
                  action == "delete"   ? "deleted"
                  : action == "enable" ? "enabled"
                                       : "disabled");
    else
      std::printf("error: no breakpoint %u\n", id);
    return true;
  }

  bool ignore(const std::vector<std::string>& words) {
    if (words.size() < 3) {
      std::printf("usage: ignore N COUNT\n");
      return true;
    }
    uint32_t id = static_cast<uint32_t>(std::strtoul(words[1].c_str(), nullptr, 10));
    uint32_t count = static_cast<uint32_t>(std::strtoul(words[2].c_str(), nullptr, 10));
    if (!session_.ignore_breakpoint(id, count))
      std::printf("error: no breakpoint %u\n", id);
    else
      std::printf("Will ignore the next %u crossings of breakpoint %u\n", count, id);
    return true;
  }

  bool info(const std::vector<std::string>& words) {
    std::string what = words.size() > 1 ? words[1] : "";
    if (what == "breakpoints" || what == "b" || what == "break") {
      auto list = session_.breakpoints();
      if (list.empty()) std::printf("No breakpoints.\n");
      for (const auto& b : list) {
        std::printf("%u  %-8s %s  hits=%u", b.id, b.enabled ? "enabled" : "disabled",
                    debugger::describe(b).c_str(), b.hits);
        if (b.ignore_count > b.hits)
          std::printf("  (ignoring the next %u)", b.ignore_count - b.hits);
        std::printf("\n");
      }
      return true;
    }
    if (what == "args") {
      auto pause = session_.pause();
      if (!pause) {
        std::printf("not paused\n");
        return true;
      }
      for (const auto& arg : pause->event.args)
        std::printf("  %s = %s\n", arg.name.c_str(), arg.value.c_str());
      if (!pause->event.result.empty()) std::printf("  result = %s\n", pause->event.result.c_str());
      return true;
    }
    if (what == "locals" || what == "stack") {
      auto pause = session_.pause();
      if (!pause || !pause->wasm) {
        std::printf("not stopped at a wasm instruction (use stepi)\n");
        return true;
      }
      const auto& wasm = *pause->wasm;
      for (size_t i = 0; i < wasm.locals.size(); ++i) {
        std::string name = i < wasm.local_names.size() && !wasm.local_names[i].empty()
                               ? "$" + wasm.local_names[i]
                               : "local " + std::to_string(i);
        std::printf("  %s = %s\n", name.c_str(), host::to_string(wasm.locals[i]).c_str());
      }
      std::printf("  stack (bottom first):");
      if (wasm.stack.empty()) std::printf(" empty");
      for (const auto& value : wasm.stack) std::printf(" %s", host::to_string(value).c_str());
      std::printf("\n");
      return true;
    }
    if (what == "reload") {
      const uint32_t reloads = session_.reload_count();
      std::printf("%s; reloaded %u time%s\n",
                  session_.watching() ? "watching the module file" : "not watching the module file",
                  reloads, reloads == 1 ? "" : "s");
      if (auto diff = session_.last_reload_diff()) {
        std::printf("the last request before and after the last reload:\n");
        if (diff->same()) std::printf("  same outcome and trace\n");
        for (const auto& line : diff->outcome) std::printf("  %s\n", line.c_str());
        for (const auto& line : diff->trace) std::printf("  %s\n", line.c_str());
      }
      return true;
    }
    if (what == "inject" || what == "injections") {
      auto injections = session_.injections();
      if (injections.empty()) std::printf("No injections.\n");
      for (const auto& [name, status] : injections)
        std::printf("  %s -> %s\n", name.c_str(), abi::name(status).c_str());
      return true;
    }
    auto info = session_.plugin_info();
    std::printf("filter %s (%s): ABI %s on %s %s\n", info.name.c_str(), info.wasm_path.c_str(),
                info.abi_version.c_str(), info.engine.c_str(), info.engine_version.c_str());
    return true;
  }

  bool send(const std::string& path) {
    if (path.empty()) {
      std::printf("error: send needs a request file (or start with --request REQ.json)\n");
      return true;
    }
    auto request = debugger::load_request_file(path);
    if (!request) {
      std::printf("error: %s\n", request.error().message.c_str());
      return true;
    }
    uint64_t id = session_.send(*request, path);
    std::printf("Sending request %llu: %s %s\n", static_cast<unsigned long long>(id),
                request->request.method.c_str(), request->request.path.c_str());
    last_sent_ = id;
    report();
    return true;
  }

  bool go(debugger::ResumeMode mode) {
    auto pause = session_.pause();
    const uint64_t finished = session_.history_count();
    if (!session_.resume(mode)) {
      std::printf("not paused\n");
      return true;
    }
    if (pause && pause->worker == "proxy")
      report_proxy(finished);
    else if (reload_from_build_)
      report_reload();
    else
      report();
    return true;
  }

  // After a proxy stream goes on: its next pause, or its end (a new history entry).
  void report_proxy(uint64_t finished) {
    for (int waited_ms = 0; waited_ms < 60'000; waited_ms += 100) {
      if (session_.wait_for_pause(std::chrono::milliseconds(50))) return print_pause();
      if (session_.wait_for_history(finished + 1, std::chrono::milliseconds(50))) {
        auto history = session_.history();
        for (auto it = history.rbegin(); it != history.rend(); ++it)
          if (it->source == "proxy") return print_finished(*it);
        return;
      }
    }
    std::printf("still running after 60 s\n");
  }

  // Waits for the next pause or for the request to finish, and says which.
  void report() {
    auto state = session_.wait(std::chrono::seconds(60));
    if (state == debugger::Session::State::Paused) return print_pause();
    if (state == debugger::Session::State::Running) {
      std::printf("still running after 60 s\n");
      return;
    }
    auto entry = session_.history_entry(last_sent_);
    if (!entry) {
      std::printf("idle\n");
      return;
    }
    print_finished(*entry);
  }

  void print_finished(const debugger::HistoryEntry& entry) {
    const auto& report = entry.report;
    std::printf("Request %llu finished%s: ", static_cast<unsigned long long>(entry.id),
                entry.source == "proxy" ? " (proxy)" : "");
    if (report.response)
      std::printf("%u%s", report.response->status,
                  report.local_response ? " (local response)" : "");
    else if (report.reset)
      std::printf("reset (%s)", report.reset_reason.c_str());
    else
      std::printf("no response");
    std::printf(", upstream %s\n", report.upstream_request ? "reached" : "not reached");
    if (entry.failure) std::printf("  filter failure: %s\n", entry.failure->message.c_str());
  }

  void print_pause() {
    auto pause = session_.pause();
    if (!pause) return;
    {
      std::printf("Paused (%s), %s, stream %llu, plugin %s%s\n", pause->reason.c_str(),
                  host::pause_point_name(pause->where),
                  static_cast<unsigned long long>(pause->stream_id), pause->plugin.c_str(),
                  pause->worker == "proxy" ? ", via the proxy" : "");
      if (pause->wasm) {
        const auto& wasm = *pause->wasm;
        std::printf("  0x%06x  %s  %s\n", wasm.file_offset,
                    function_label(wasm.function_index, wasm.function_name).c_str(),
                    wasm.instruction.c_str());
        return;
      }
      std::printf("  %s\n", describe_event(pause->event).c_str());
      for (const auto& event : pause->step_events)
        if (event.kind == host::EventKind::Log)
          std::printf("  log [%s] %s\n", event.name.c_str(),
                      event.args.size() > 1 ? event.args[1].value.c_str() : "");
    }
  }

  bool backtrace() {
    auto pause = session_.pause();
    if (!pause) {
      std::printf("not paused\n");
      return true;
    }
    size_t number = 0;
    if (pause->wasm) {
      const auto& stack = pause->wasm->call_stack;
      for (size_t i = stack.size(); i-- > 0;)
        std::printf("#%zu  wasm %s at 0x%06x\n", number++,
                    function_label(stack[i].function_index, stack[i].name).c_str(),
                    stack[i].code_offset);
    }
    for (size_t i = pause->frames.size(); i-- > 0;) {
      const auto& frame = pause->frames[i];
      std::printf("#%zu  %s %s(%s) context %u\n", number++,
                  frame.kind == host::EventKind::HostCall ? "hostcall" : "callback",
                  frame.name.c_str(), join_args(frame.args).c_str(), frame.context_id);
    }
    return true;
  }

  // In the background, so that breakpoints in proxy_on_vm_start / proxy_on_configure can stop it.
  bool reload() {
    reload_from_build_ = session_.plugin_info().build;
    session_.reload_in_background();
    report_reload();
    return true;
  }

  // A reload's start-up pause, or its outcome.
  void report_reload() {
    auto state = session_.wait(std::chrono::seconds(60));
    if (state == debugger::Session::State::Paused) return print_pause();
    if (state == debugger::Session::State::Running) {
      std::printf("still running after 60 s\n");
      return;
    }
    auto info = session_.plugin_info();
    if (info.build != *reload_from_build_)
      std::printf("reloaded %s\n", info.wasm_path.c_str());
    else
      std::printf("error: %s\n", info.error.c_str());
    reload_from_build_.reset();
  }

  // The instructions around the one about to run (an instruction stop), gdb's `list`.
  bool list() {
    auto pause = session_.pause();
    if (!pause || !pause->wasm) {
      std::printf("not stopped at a wasm instruction (use stepi)\n");
      return true;
    }
    auto wat = session_.disassembly();
    if (!wat) {
      std::printf("error: %s\n", wat.error().message.c_str());
      return true;
    }
    const host::FunctionWat* function = (*wat)->function(pause->wasm->function_index);
    if (!function) {
      std::printf("error: no code for function %u\n", pause->wasm->function_index);
      return true;
    }
    std::printf("%s\n", function->header.c_str());
    for (const auto& instruction :
         host::instructions_around(*function, pause->wasm->file_offset, 6, 8))
      std::printf("%s 0x%06x  %s%s\n", instruction.offset == pause->wasm->file_offset ? "=>" : "  ",
                  instruction.offset, std::string(instruction.depth * 2, ' ').c_str(),
                  instruction.text.c_str());
    return true;
  }

  // watch on|off: reload the module when its file changes, and replay the last request.
  bool watch(const std::vector<std::string>& words) {
    if (words.size() < 2 || (words[1] != "on" && words[1] != "off")) {
      std::printf("usage: watch on|off\n");
      return true;
    }
    const bool on = words[1] == "on";
    session_.watch(on, true);
    if (on)
      std::printf(
          "Watching %s: a rebuild reloads it and replays the last request "
          "('info reload' shows what changed)\n",
          session_.plugin_info().wasm_path.c_str());
    else
      std::printf("Not watching the module file\n");
    return true;
  }

  bool step_instruction(host::StepRequest::Kind kind) {
    auto pause = session_.pause();
    const uint64_t finished = session_.history_count();
    auto stepped = session_.step_instruction(kind);
    if (!stepped) {
      std::printf("error: %s\n", stepped.error().message.c_str());
      return true;
    }
    if (pause && pause->worker == "proxy")
      report_proxy(finished);
    else
      report();
    return true;
  }

  bool wait_for_pause(const std::vector<std::string>& words) {
    const long seconds = words.size() > 1 ? std::strtol(words[1].c_str(), nullptr, 10) : 30;
    if (session_.wait_for_pause(std::chrono::seconds(std::max(1L, seconds)))) {
      report();
    } else {
      std::printf("nothing stopped within %ld s\n", std::max(1L, seconds));
    }
    return true;
  }

  bool examine(const std::vector<std::string>& words) {
    auto pause = session_.pause();
    if (!pause || !pause->memory) {
      std::printf("not paused\n");
      return true;
    }
    if (words.size() < 2) {
      std::printf("usage: x ADDR [LEN]\n");
      return true;
    }
    uint64_t address = std::strtoull(words[1].c_str(), nullptr, 0);
    uint64_t length = words.size() > 2 ? std::strtoull(words[2].c_str(), nullptr, 0) : 64;
    print_hex(*pause->memory, address, std::min<uint64_t>(length, 1 << 20));
    return true;
  }

  bool regions() {
    auto pause = session_.pause();
    if (!pause) {
      std::printf("not paused\n");
      return true;
    }
    std::printf("copied by this event:\n");
    print_regions(pause->event_regions);
    std::printf("copied since the callback began:\n");
    print_regions(pause->callback_regions);
    if (!pause->changed_ranges.empty()) {
      std::printf("bytes changed since the previous pause:\n");
      size_t shown = 0;
      for (const auto& [begin, end] : pause->changed_ranges) {
        std::printf("  0x%08x..0x%08x (%u bytes)\n", begin, end, end - begin);
        if (++shown == 20) {
          std::printf("  ... %zu ranges in all\n", pause->changed_ranges.size());
          break;
        }
      }
    }
    return true;
  }

  bool diff() {
    auto pause = session_.pause();
    if (pause && pause->request_headers) {
      auto lines = debugger::diff_headers(pause->client_request_headers, *pause->request_headers);
      std::printf("request headers, as sent by the client -> now:\n");
      if (lines.empty()) std::printf("  (no changes)\n");
      for (const auto& line : lines) std::printf("  %s\n", line.c_str());
      return true;
    }
    auto history = session_.history();
    if (history.empty()) {
      std::printf("nothing to diff yet: send a request\n");
      return true;
    }
    const debugger::StreamDiff stream = debugger::diff_stream(history.back().report);
    std::printf("request, client -> upstream:\n");
    print_changes(stream.request, "(the upstream was not reached)");
    if (stream.response) {
      std::printf("response, upstream -> client:\n");
      print_changes(stream.response, "");
    }
    return true;
  }

  static void print_changes(const std::optional<debugger::MessageDiff>& diff, const char* missing) {
    if (!diff) {
      std::printf("  %s\n", missing);
      return;
    }
    auto lines = debugger::describe(*diff);
    if (lines.empty()) std::printf("  (no changes)\n");
    for (const auto& line : lines) std::printf("  %s\n", line.c_str());
  }

  bool inject(const std::vector<std::string>& words) {
    if (words.size() < 2) {
      std::printf("usage: inject HOSTCALL STATUS | inject alloc on|off | inject clear\n");
      return true;
    }
    std::string text = words[1];
    for (size_t i = 2; i < words.size(); ++i) text += " " + words[i];
    auto done = session_.apply_fault_command(text);
    if (done)
      std::printf("%s\n", done->c_str());
    else
      std::printf("error: %s\n", done.error().message.c_str());
    return true;
  }

  bool history() {
    for (const auto& entry : session_.history()) {
      std::printf(
          "%llu  %s %s  -> %s%s%s\n", static_cast<unsigned long long>(entry.id),
          entry.request.request.method.c_str(), entry.request.request.path.c_str(),
          entry.report.response ? std::to_string(entry.report.response->status).c_str() : "none",
          entry.failure ? "  (filter failed)" : "", entry.source == "proxy" ? "  (proxy)" : "");
    }
    return true;
  }

  // replay N [M...] | replay all: one at a time, each reported; a pause stops the rest.
  bool replay(const std::vector<std::string>& words) {
    if (words.size() < 2) {
      std::printf("usage: replay N [M...] | replay all\n");
      return true;
    }
    std::vector<uint64_t> originals;
    if (words[1] == "all") {
      for (const auto& entry : session_.history()) originals.push_back(entry.id);
      if (originals.empty()) std::printf("nothing to replay: the history is empty\n");
    } else {
      for (size_t i = 1; i < words.size(); ++i)
        originals.push_back(std::strtoull(words[i].c_str(), nullptr, 10));
    }
    for (size_t i = 0; i < originals.size(); ++i) {
      uint64_t id = session_.replay(originals[i]);
      if (!id) {
        std::printf("error: no request %llu in the history\n",
                    static_cast<unsigned long long>(originals[i]));
        continue;
      }
      std::printf("Replaying %llu as request %llu\n", static_cast<unsigned long long>(originals[i]),
                  static_cast<unsigned long long>(id));
      last_sent_ = id;
      report();
      if (session_.state() == debugger::Session::State::Paused && i + 1 < originals.size()) {
        std::printf("paused: %zu more not replayed\n", originals.size() - i - 1);
        break;
      }
    }
    return true;
  }

  // save-scenario FILE [N]: request N (default: the last) and what it did, as a scenario that
  // `pwplay test FILE` checks from now on.
  bool save_scenario(const std::vector<std::string>& words) {
    if (words.size() < 2) {
      std::printf("usage: save-scenario FILE [N]\n");
      return true;
    }
    std::optional<debugger::HistoryEntry> entry;
    if (words.size() > 2) {
      entry = session_.history_entry(std::strtoull(words[2].c_str(), nullptr, 10));
    } else if (auto history = session_.history(); !history.empty()) {
      entry = history.back();
    }
    if (!entry) {
      std::printf("error: no such request in the history\n");
      return true;
    }
    const auto info = session_.plugin_info();
    auto scenario = debugger::scenario_from_run(entry->request, debugger::run_result(*entry, info));
    if (!scenario) {
      std::printf("error: %s\n", scenario.error().message.c_str());
      return true;
    }
    auto saved = debugger::append_scenario(words[1], *scenario, info.wasm_path);
    if (!saved) {
      std::printf("error: %s\n", saved.error().message.c_str());
      return true;
    }
    std::printf("Saved request %llu as scenario '%s' in %s\n",
                static_cast<unsigned long long>(entry->id),
                scenario->value("name", std::string()).c_str(), words[1].c_str());
    return true;
  }

  bool compare(const std::vector<std::string>& words) {
    if (words.size() < 3) {
      std::printf("usage: compare A B\n");
      return true;
    }
    auto diff = session_.compare(std::strtoull(words[1].c_str(), nullptr, 10),
                                 std::strtoull(words[2].c_str(), nullptr, 10));
    if (!diff) {
      std::printf("error: no such requests in the history\n");
      return true;
    }
    if (diff->same()) std::printf("same outcome and trace\n");
    for (const auto& line : diff->outcome) std::printf("  %s\n", line.c_str());
    for (const auto& line : diff->trace) std::printf("  %s\n", line.c_str());
    return true;
  }

  debugger::Session& session_;
  std::string default_request_;
  uint64_t last_sent_ = 0;
  std::optional<uint32_t> reload_from_build_;  // a reload is under way from this build
};

int run_debugger(const DebugArgs& args) {
  const auto options = args.plugin.spec(args.wasm);
  if (!options) {
    std::fprintf(stderr, "pwplay debug: %s\n", options.error().message.c_str());
    return kExitError;
  }

  debugger::Session session;
  auto loaded = session.load(*options);
  if (!loaded) {
    std::fprintf(stderr, "pwplay debug: %s\n", loaded.error().message.c_str());
    return kExitError;
  }
  auto info = session.plugin_info();
  std::printf("Loaded %s: ABI %s on %s %s\n", info.wasm_path.c_str(), info.abi_version.c_str(),
              info.engine.c_str(), info.engine_version.c_str());
  if (!args.listen.empty()) {
    host::proxy::ProxyOptions proxy_options;
    auto listen = host::proxy::parse_listen_address(args.listen, "--listen");
    if (!listen) {
      std::fprintf(stderr, "pwplay debug: %s\n", listen.error().message.c_str());
      return kExitUsage;
    }
    proxy_options.listen = *listen;
    if (!args.upstream.empty()) {
      auto upstream = host::proxy::parse_upstream(args.upstream);
      if (!upstream) {
        std::fprintf(stderr, "pwplay debug: %s\n", upstream.error().message.c_str());
        return kExitUsage;
      }
      proxy_options.upstream = *upstream;
    }
    for (const auto& text : args.clusters) {
      auto cluster = host::proxy::parse_cluster(text);
      if (!cluster) {
        std::fprintf(stderr, "pwplay debug: %s\n", cluster.error().message.c_str());
        return kExitUsage;
      }
      proxy_options.clusters[cluster->first] = cluster->second;
    }
    auto port = session.start_proxy(std::move(proxy_options));
    if (!port) {
      std::fprintf(stderr, "pwplay debug: %s\n", port.error().message.c_str());
      return kExitError;
    }
    std::printf("Proxy listening on %s:%u (upstream %s); 'wait' stops at its requests\n",
                listen->host.c_str(), *port,
                args.upstream.empty() ? "echo" : args.upstream.c_str());
  }
  std::fflush(stdout);
  DebugShell shell(session, args.request);

  const bool interactive = args.batch.empty() && isatty(0);
  if (interactive) {
    using_history();
    for (;;) {
      char* raw = readline("(pwplay) ");
      if (!raw) break;
      std::string line(raw);
      std::free(raw);  // allocated by readline
      if (!line.empty()) add_history(line.c_str());
      if (!shell.execute(line)) break;
      std::fflush(stdout);
    }
  } else {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (!args.batch.empty()) {
      file.open(args.batch);
      if (!file) {
        std::fprintf(stderr, "pwplay debug: %s: cannot open batch file\n", args.batch.c_str());
        return kExitError;
      }
      in = &file;
    }
    std::string line;
    while (std::getline(*in, line)) {
      if (line.empty() || line[0] == '#') continue;
      std::printf("(pwplay) %s\n", line.c_str());
      bool go_on = shell.execute(line);
      std::fflush(stdout);
      if (!go_on) break;
    }
  }
  shell.drain();
  return kExitOk;
}

}  // namespace

void add_debug_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<DebugArgs>();
  CLI::App* cmd =
      app.add_subcommand("debug", "Debug a filter in the terminal (gdb-style commands)");
  cmd->add_option("filter", args->wasm, "The filter module (.wasm)")->required();
  cmd->add_option("--request", args->request, "Default request for 'send' (REQ.json)");
  cmd->add_option("--batch", args->batch, "Read commands from this file instead of the terminal");
  add_plugin_options(cmd, args->plugin, MaxMemoryPagesOption::Omit);
  cmd->add_option("--listen", args->listen,
                  "Also run the proxy on this loopback address (PORT or HOST:PORT)");
  cmd->add_option("--upstream", args->upstream,
                  "The proxy's upstream: echo (default) or HOST:PORT");
  cmd->add_option("--cluster", args->clusters, "A callout cluster NAME=HOST:PORT (repeatable)");
  cmd->callback([args, &exit_code] { exit_code = run_debugger(*args); });
}

}  // namespace pwplay::app
