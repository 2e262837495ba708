// The verbs that show what the paused filter is doing: info, bt, x, list, regions, diff.
#include <algorithm>
#include <cstdlib>

#include "abi/enums.h"
#include "debugger/commands_internal.h"
#include "debugger/message_diff.h"
#include "host/disassembly.h"

namespace pwplay::debugger::verbs_impl {
namespace {

constexpr uint64_t kMaxExamine = uint64_t{1} << 20;

std::string hex_dump(const std::vector<uint8_t>& memory, uint64_t address, uint64_t length) {
  if (address >= memory.size())
    return format("address 0x%llx is outside memory (%zu bytes)\n",
                  static_cast<unsigned long long>(address), memory.size());
  std::string out;
  const uint64_t end = std::min<uint64_t>(memory.size(), address + length);
  for (uint64_t row = address; row < end; row += 16) {
    append(out, "%08llx ", static_cast<unsigned long long>(row));
    for (uint64_t i = row; i < row + 16; ++i) {
      if (i < end)
        append(out, " %02x", memory[i]);
      else
        out += "   ";
    }
    out += "  |";
    for (uint64_t i = row; i < row + 16 && i < end; ++i) {
      const unsigned char c = memory[i];
      out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.');
    }
    out += "|\n";
  }
  return out;
}

std::string region_lines(const std::vector<MemoryRegion>& regions) {
  if (regions.empty()) return "no memory was copied by this event\n";
  std::string out;
  for (const auto& region : regions)
    append(out, "  0x%08x %6u bytes %s  %s\n", region.address, region.length,
           region.direction == host::CopyDirection::HostToVm ? "host->vm" : "vm->host",
           region.label.c_str());
  return out;
}

std::string change_lines(const std::optional<MessageDiff>& diff, const char* missing) {
  if (!diff) return format("  %s\n", missing);
  auto lines = describe(*diff);
  if (lines.empty()) return "  (no changes)\n";
  std::string out;
  for (const auto& line : lines) out += "  " + line + "\n";
  return out;
}

std::string breakpoint_lines(const Session& session) {
  auto list = session.breakpoints();
  if (list.empty()) return "No breakpoints.\n";
  std::string out;
  for (const auto& b : list) {
    append(out, "%u  %-8s %s  hits=%u", b.id, b.enabled ? "enabled" : "disabled",
           describe(b).c_str(), b.hits);
    if (b.ignore_count > b.hits) append(out, "  (ignoring the next %u)", b.ignore_count - b.hits);
    if (b.temporary) out += "  (deleted when it stops)";
    out += "\n";
  }
  return out;
}

VerbResult args_lines(const Session& session) {
  auto pause = session.pause();
  if (!pause) return note("not paused");
  std::string out;
  for (const auto& arg : pause->event.args)
    append(out, "  %s = %s\n", arg.name.c_str(), arg.value.c_str());
  if (!pause->event.result.empty()) append(out, "  result = %s\n", pause->event.result.c_str());
  return out;
}

VerbResult locals_lines(const Session& session) {
  auto pause = session.pause();
  if (!pause || !pause->wasm) return note("not stopped at a wasm instruction (use stepi)");
  const auto& wasm = *pause->wasm;
  std::string out;
  for (size_t i = 0; i < wasm.locals.size(); ++i) {
    const std::string name = i < wasm.local_names.size() && !wasm.local_names[i].empty()
                                 ? "$" + wasm.local_names[i]
                                 : "local " + std::to_string(i);
    append(out, "  %s = %s\n", name.c_str(), host::to_string(wasm.locals[i]).c_str());
  }
  out += "  stack (bottom first):";
  if (wasm.stack.empty()) out += " empty";
  for (const auto& value : wasm.stack) out += " " + host::to_string(value);
  out += "\n";
  return out;
}

std::string reload_lines(const Session& session) {
  const uint32_t reloads = session.reload_count();
  std::string out =
      format("%s; reloaded %u time%s\n",
             session.watching() ? "watching the module file" : "not watching the module file",
             reloads, reloads == 1 ? "" : "s");
  if (auto diff = session.last_reload_diff()) {
    out += "the last request before and after the last reload:\n";
    if (diff->same()) out += "  same outcome and trace\n";
    for (const auto& line : diff->outcome) out += "  " + line + "\n";
    for (const auto& line : diff->trace) out += "  " + line + "\n";
  }
  return out;
}

std::string injection_lines(const Session& session) {
  auto injections = session.injections();
  if (injections.empty()) return "No injections.\n";
  std::string out;
  for (const auto& [name, status] : injections)
    append(out, "  %s -> %s\n", name.c_str(), abi::name(status).c_str());
  return out;
}

// The trace store's use of its budget (--trace-budget-mb) and what it dropped to stay in it.
std::string trace_lines(Session& session) {
  const TraceStore& store = session.trace();
  return format("trace store: %zu KiB of a %zu KiB budget; %zu requests (%zu events) dropped\n",
                store.bytes() >> 10, store.budget() >> 10, store.dropped_streams(),
                store.dropped_events());
}

}  // namespace

VerbResult info(Session& session, VerbContext&, const VerbArgs& args) {
  const std::string what = args.words.empty() ? "" : args.words[0];
  if (what == "breakpoints" || what == "b" || what == "break") return breakpoint_lines(session);
  if (what == "args") return args_lines(session);
  if (what == "locals" || what == "stack") return locals_lines(session);
  if (what == "reload") return reload_lines(session);
  if (what == "inject" || what == "injections") return injection_lines(session);
  if (what == "trace") return trace_lines(session);
  const auto plugin = session.plugin_info();
  return format("filter %s (%s): ABI %s on %s %s\n", plugin.name.c_str(), plugin.wasm_path.c_str(),
                plugin.abi_version.c_str(), plugin.engine.c_str(), plugin.engine_version.c_str());
}

VerbResult backtrace(Session& session, VerbContext&, const VerbArgs&) {
  auto pause = session.pause();
  if (!pause) return note("not paused");
  std::string out;
  size_t number = 0;
  if (pause->wasm) {
    const auto& stack = pause->wasm->call_stack;
    for (size_t i = stack.size(); i-- > 0;)
      append(out, "#%zu  wasm %s at 0x%06x\n", number++,
             function_label(stack[i].function_index, stack[i].name).c_str(), stack[i].code_offset);
  }
  for (size_t i = pause->frames.size(); i-- > 0;) {
    const auto& frame = pause->frames[i];
    append(out, "#%zu  %s %s(%s) context %u\n", number++,
           frame.kind == host::EventKind::HostCall ? "hostcall" : "callback", frame.name.c_str(),
           host::format_fields(frame.args).c_str(), frame.context_id);
  }
  return out;
}

VerbResult examine(Session& session, VerbContext&, const VerbArgs& args) {
  auto pause = session.pause();
  if (!pause || !pause->memory) return note("not paused");
  if (args.words.empty()) return usage(args);
  auto address = number_argument(args, 0, "an address (16, 0x10)", UINT32_MAX);
  if (!address) return unexpected(address.error());
  uint64_t length = 64;
  if (args.words.size() > 1) {
    auto parsed = number_argument(args, 1, "a length (16, 0x10)");
    if (!parsed) return unexpected(parsed.error());
    length = *parsed;
  }
  return hex_dump(*pause->memory, *address, std::min(length, kMaxExamine));
}

// The instructions around the one about to run (an instruction stop), gdb's `list`.
VerbResult list(Session& session, VerbContext&, const VerbArgs&) {
  auto pause = session.pause();
  if (!pause || !pause->wasm) return note("not stopped at a wasm instruction (use stepi)");
  auto wat = session.disassembly();
  if (!wat) return fail(wat.error().message);
  const host::FunctionWat* function = (*wat)->function(pause->wasm->function_index);
  if (!function) return fail(format("no code for function %u", pause->wasm->function_index));
  std::string out = function->header + "\n";
  for (const auto& instruction :
       host::instructions_around(*function, pause->wasm->file_offset, 6, 8))
    append(out, "%s 0x%06x  %s%s\n", instruction.offset == pause->wasm->file_offset ? "=>" : "  ",
           instruction.offset, std::string(instruction.depth * 2, ' ').c_str(),
           instruction.text.c_str());
  return out;
}

VerbResult regions(Session& session, VerbContext&, const VerbArgs&) {
  auto pause = session.pause();
  if (!pause) return note("not paused");
  std::string out = "copied by this event:\n" + region_lines(pause->event_regions);
  out += "copied since the callback began:\n" + region_lines(pause->callback_regions);
  if (!pause->changed_ranges.empty()) {
    out += "bytes changed since the previous pause:\n";
    size_t shown = 0;
    for (const auto& [begin, end] : pause->changed_ranges) {
      append(out, "  0x%08x..0x%08x (%u bytes)\n", begin, end, end - begin);
      if (++shown == 20) {
        append(out, "  ... %zu ranges in all\n", pause->changed_ranges.size());
        break;
      }
    }
  }
  return out;
}

VerbResult diff(Session& session, VerbContext&, const VerbArgs&) {
  auto pause = session.pause();
  if (pause && pause->request_headers) {
    auto lines = diff_headers(pause->client_request_headers, *pause->request_headers);
    std::string out = "request headers, as sent by the client -> now:\n";
    if (lines.empty()) out += "  (no changes)\n";
    for (const auto& line : lines) out += "  " + line + "\n";
    return out;
  }
  auto history = session.history();
  if (history.empty()) return std::string("nothing to diff yet: send a request\n");
  const StreamDiff stream = diff_stream(history.back().report);
  std::string out = "request, client -> upstream:\n";
  out += change_lines(stream.request, "(the upstream was not reached)");
  if (stream.response) out += "response, upstream -> client:\n" + change_lines(stream.response, "");
  return out;
}

}  // namespace pwplay::debugger::verbs_impl
