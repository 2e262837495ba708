// Trace events: every crossing of the host/VM boundary (callbacks, host calls, memory copies,
// logs, traps, memory growth) as one record. The debugger and the performance view are built on
// these. Recording is opt-in: with no TraceSink attached, the host builds no events at all.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pwplay::host {

enum class EventKind : uint8_t {
  Callback,   // a callback into the module (phase: enter / exit)
  HostCall,   // a host function called by the module
  Copy,       // bytes copied between host memory and VM linear memory
  Log,        // a message logged by the module (proxy_log, WASI stdout/stderr)
  Trap,       // the module trapped, was terminated, or broke a limit
  Memory,     // VM linear memory grew
  Lifecycle,  // host-side milestones: VM created/replaced, stream started/finished
};

const char* event_kind_name(EventKind kind);

enum class CopyDirection : uint8_t { HostToVm, VmToHost };

// A decoded argument or result field: name and printable value.
struct TraceField {
  std::string name;
  std::string value;
};

// Bytes as one printable line: text as is, control and non-ASCII bytes as \xNN; past `limit`
// input bytes the rest becomes "...". Host calls note their arguments this way, and every view
// of bytes (trace, headers, the debugger) shows them the same.
std::string printable(std::string_view bytes, size_t limit = 256);
// Text for a terminal, whole: control bytes (CR, LF, ESC, NUL, DEL, ...) as \xNN, so a name or
// value cannot move the cursor, rewrite a line or end early; other bytes (UTF-8) as they are.
// Every text output of run, test, inspect and debug passes untrusted strings through it.
std::string printable_text(std::string_view text);

struct TraceEvent {
  uint64_t seq = 0;  // assigned by the sink, strictly increasing
  EventKind kind = EventKind::Lifecycle;
  std::string name;   // "proxy_on_request_headers", "proxy_http_call", "vm_replaced", ...
  std::string phase;  // callbacks: "enter" or "exit"; empty otherwise
  std::vector<TraceField> args;  // decoded arguments (strings read from VM memory, enum names)
  std::string result;            // decoded result ("OK", "Continue", "StopIteration", "3")
  bool injected = false;         // the result was forced by fault injection
  // Host calls: suspicious arguments, each a short explanation (host/argument_checks.h).
  std::vector<std::string> warnings;
  uint64_t start_ns = 0;     // since the host environment started
  uint64_t duration_ns = 0;  // callbacks (exit) and host calls
  uint64_t stream_id = 0;    // 0 when not tied to an HTTP stream
  uint32_t context_id = 0;   // the context the event ran on (effective context for host calls)
  uint32_t root_context_id = 0;
  std::string plugin;  // plugin name
  uint32_t depth = 0;  // nesting level: 0 for top-level callbacks
  // Copies only.
  CopyDirection direction = CopyDirection::HostToVm;
  uint32_t address = 0;
  uint32_t length = 0;
  std::string label;    // what the bytes carry: "value of :path", "request headers, 5 pairs"
  std::string preview;  // up to 64 bytes of the copied data (raw bytes)
};

// How event_line() writes an event on one line.
struct EventLineOptions {
  enum class Style : uint8_t {
    Call,   // "hostcall proxy_log(level=info, message=hi) -> OK", a phase as "NAME (exit)(...)"
    Words,  // "hostcall proxy_log level=info message=hi -> OK", a phase as a word (run comparison)
  };
  Style style = Style::Call;
  size_t value_limit = 0;     // > 0: argument values pass through printable() with this limit
  bool mark_injected = true;  // " [injected]" after a result forced by fault injection
  // Arguments to leave out (null: none), e.g. pointers and tokens that move between runs.
  std::function<bool(const TraceField&)> skip;
};

// The one-line form of an event that the debugger, the trace view and run comparisons share.
std::string event_line(const TraceEvent& event, const EventLineOptions& options = {});
// Decoded fields as "name=value, name=value".
std::string format_fields(const std::vector<TraceField>& fields, size_t value_limit = 0);
// An event's arguments: its fields, or for a copy "host -> vm 5 B @ 0x10  label".
std::string event_arguments(const TraceEvent& event, size_t value_limit = 0);

struct HttpStreamState;  // host/http_stream.h
class Vm;                // host/vm.h

// A point where a debugger may stop the VM thread: right after the events of one step were
// recorded (a callback's entry or exit, a host call with its copies, a trap). The VM thread is
// inside the filter; `memory` is the VM's linear memory at that moment, valid during the call.
// `Instruction` is never emitted by the host: debuggers use it for a stop at a wasm instruction
// (engines that step, see Vm::request_step).
struct PausePoint {
  enum class Where : uint8_t { CallbackEnter, HostCallDone, CallbackExit, Trap, Instruction };
  Where where = Where::HostCallDone;
  std::span<const uint8_t> memory;
  const HttpStreamState* stream = nullptr;  // the stream of the context, if any
  uint32_t context_id = 0;
  std::string plugin;
  // The VM that is running, for a debugger holding it (runaway clock, stepping, terminate);
  // null when the guest has no VM (unit tests over a fake guest).
  Vm* vm = nullptr;
};

// What a debugger wants after holding a pause point: go on, or abort: at a callback's entry the
// callback does not run, after a host call the call traps, at a callback's exit its result is
// dropped; each fails the plugin as a terminated call ("aborted by the user at ..."). At a wasm
// instruction a debugger stops the running call with Vm::terminate.
enum class PauseVerdict : uint8_t { Go, Abort };

// "entering a callback", "after a host call", ...: where a debugger stopped, as front ends say it.
const char* pause_point_name(PausePoint::Where where);

// Receives events. Implementations decide what to keep (the debugger's bounded store, a vector).
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual void record(TraceEvent event) = 0;
  // Default: never pause.
  virtual PauseVerdict pause_point(const PausePoint&) { return PauseVerdict::Go; }
};

// Keeps every event in memory; enough for `pwplay run` and tests.
class VectorTraceSink : public TraceSink {
 public:
  void record(TraceEvent event) override {
    event.seq = next_seq_++;
    events_.push_back(std::move(event));
  }
  const std::vector<TraceEvent>& events() const { return events_; }
  void clear() { events_.clear(); }

 private:
  std::vector<TraceEvent> events_;
  uint64_t next_seq_ = 1;
};

}  // namespace pwplay::host
