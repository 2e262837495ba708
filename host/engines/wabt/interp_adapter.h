// The boundary between the WABT engine (wabt_vm.cc, C++20) and WABT's interpreter
// (interp_adapter.cc, C++17).
//
// Why a boundary: WABT 1.0.32's interpreter headers (wabt/interp/*.h) do not compile as C++20
// with GCC 12 (interp-inl.h spells a destructor as `FreeList<Ref>::~FreeList<Ref>()`, a
// template-id C++20 forbids), so the files that include them are built as C++17 (per-file flags
// in the top-level CMakeLists.txt). Those files cannot include host/vm.h, which needs C++20
// (std::span, defaulted operator==). This header is all the two sides share: standard C++17 types
// only, no project header that needs C++20. Values cross as raw 64-bit slots.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pwplay::host::wabt_engine {

enum class SlotType : uint8_t { I32, I64, F32, F64, Unknown };

// A wasm value as raw bits (an i32 in the low 32 bits, zero-extended).
struct Slot {
  SlotType type = SlotType::I32;
  uint64_t bits = 0;
};

// One wasm frame.
struct CodeFrame {
  uint32_t function_index = 0;
  // File offset of the instruction running (innermost frame) or of the call (callers); 0 when
  // unknown.
  uint32_t file_offset = 0;
};

enum class Fault : uint8_t { None, Trap, HostTrap, Terminated };

struct CallOutcome {
  Fault fault = Fault::None;
  std::string message;
  std::vector<CodeFrame> backtrace;  // innermost first, across nested calls
};

// Where a stepping call stopped: at an instruction boundary of the innermost frame.
struct StopState {
  std::vector<CodeFrame> call_stack;  // outermost first, across nested calls
  std::vector<Slot> locals;           // of the innermost frame, parameters first
  std::vector<Slot> stack;            // its operand stack, bottom first
  bool breakpoint = false;            // at a breakpoint (set_breakpoints)
  bool planned = false;               // the step plan stops here
};

enum class StepKind : uint8_t { Run, Instruction, Over, Out, ToOffset };

struct StepPlan {
  StepKind kind = StepKind::Run;
  uint32_t offset = 0;  // ToOffset: a .wasm file offset
};

// What the engine decides during a call: when to stop it, and where to stop next when stepping.
class CallControl {
 public:
  virtual ~CallControl() = default;
  // Polled between slices of instructions. Returning true ends the call (Fault::Terminated, with
  // `*why` as the message).
  virtual bool should_stop(std::string* why) = 0;
  // Called at each stop of the step plan, on the VM thread; may block (a debugger waiting for a
  // command). Returns the next plan.
  virtual StepPlan on_stop(const StopState& state) = 0;
};

// A host function. Reads `args` (typed by the import), writes every result. Returning false
// traps the wasm caller with `*trap_message`.
using HostCallback = std::function<bool(const Slot* args, size_t arg_count, Slot* results,
                                        size_t result_count, std::string* trap_message)>;

// One wasm module instance on WABT's interpreter, with its own store.
class Interpreter {
 public:
  // Memory growth past `memory_page_cap` pages fails (memory.grow returns -1), like V8's
  // engine-wide cap.
  static std::unique_ptr<Interpreter> create(uint32_t memory_page_cap);
  virtual ~Interpreter() = default;

  // Compiles a module that read_module_info() accepted. Returns an error text, "" on success.
  virtual std::string load(const uint8_t* data, size_t size) = 0;

  // Instantiates with one entry per import, in import order: a callback for a function import,
  // an empty function for a memory import (the interpreter creates that memory with the
  // declared limits). Other import kinds are not supported. The start function is NOT run: the
  // engine calls it through call() so that it runs under the same budget and checks.
  virtual std::string instantiate(std::vector<HostCallback> imports) = 0;

  // Calls a defined function. `results` must have room for the function's results.
  virtual CallOutcome call(uint32_t function_index, const std::vector<Slot>& args,
                           std::vector<Slot>& results, CallControl& control) = 0;

  // Linear memory 0; null/0 without one. Invalidated by calls (growth reallocates).
  virtual uint8_t* memory_data() = 0;
  virtual size_t memory_size() = 0;

  // Where to stop next. Takes effect at once, also from inside a host function (the running
  // call stops at the first boundary after the host function returns).
  virtual void set_step_plan(StepPlan plan) = 0;
  // Instructions (.wasm file offsets) where every call stops, whatever the plan, calling
  // CallControl::on_stop with StopState::breakpoint set. Offsets that are not the start of an
  // instruction are ignored. While any is set the interpreter checks each instruction (slower).
  virtual void set_breakpoints(const std::vector<uint32_t>& file_offsets) = 0;

  // Instructions of the interpreter's code that every call since load has run, exactly (one per
  // Thread::Step): the start function, nested calls and the instruction that trapped included.
  virtual uint64_t instructions_executed() const = 0;
};

}  // namespace pwplay::host::wabt_engine
