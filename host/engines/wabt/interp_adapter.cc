// Interpreter on WABT 1.0.32's wabt::interp. Compiled as C++17 (see interp_adapter.h): only this
// file includes the interpreter's headers.
//
// Three things the public API of wabt::interp does not offer are done here, each in one place:
//  - Calls run in slices and step by step. Func::Call runs a call to completion; to check the
//    runaway budget between slices and to stop between instructions, a call is set up the way
//    DefinedFunc::DoCall does it (Thread::PushValues, Thread::PushCall), then driven in slices
//    (Thread::Run(n)'s loop over Thread::StepInternal, here counting the instructions it runs) or
//    with the public Thread::Step(), then its results are popped (Thread::PopValues).
//    Reading a stopped thread (Thread::frames_, Thread::values_) serves backtraces and the
//    debugger. Those members are private: see "Private members" below.
//  - Interpreter code offsets are mapped to .wasm file offsets. The interpreter compiles the
//    module into its own instruction stream (Istream) with different offsets and extra
//    instructions (alloca, drop_keep, br_unless, ...). The map comes from reading the module
//    twice with the same WABT binary reader and a log stream: once with an InstructionWalker
//    (file offsets), once with ReadBinaryInterp (Istream offsets). Both readers see the same
//    callbacks in the same order, so the n-th write to the log happens at the same instruction in
//    both; the Istream's end at the first write after instruction k's opcode is where k's code
//    starts. No knowledge of how the interpreter compiles each instruction is needed.
//  - A step requested from inside a host function (a debugger paused in a host call) must stop
//    the caller right after the call returns, but a slice cannot be interrupted. The host
//    callback then ends the slice by reporting a trap, and the call is completed by hand as
//    Thread::DoCall would (PopCall, push the results) before continuing step by step.
#include "host/engines/wabt/interp_adapter.h"

#include <wabt/binary-reader.h>
#include <wabt/interp/binary-reader-interp.h>
#include <wabt/interp/interp.h>
#include <wabt/stream.h>

#include <algorithm>
#include <deque>
#include <exception>
#include <map>
#include <utility>

#include "host/wasm_instructions.h"

namespace pwplay::host::wabt_engine {
namespace {

namespace wi = wabt::interp;

// --- Private members ---------------------------------------------------------------------------
// C++17 [temp.explicit]: "The usual access checking rules do not apply to names used to specify
// explicit instantiations." An explicit instantiation of Expose with `&Thread::frames_` may name
// the private member; the friend function it defines hands the member pointer out. This is
// standard C++ (no #define private, no copied class layout), and if WABT renames a member the
// build fails here instead of misbehaving.
template <typename Tag, typename Tag::type Member>
struct Expose {
  friend typename Tag::type get(Tag) { return Member; }
};

struct ThreadFrames {
  using type = std::vector<wi::Frame> wi::Thread::*;
  friend type get(ThreadFrames);
};
struct ThreadValues {
  using type = std::vector<wi::Value> wi::Thread::*;
  friend type get(ThreadValues);
};
struct ThreadPushValues {
  using type = void (wi::Thread::*)(const wi::ValueTypes&, const wi::Values&);
  friend type get(ThreadPushValues);
};
struct ThreadPopValues {
  using type = void (wi::Thread::*)(const wi::ValueTypes&, wi::Values*);
  friend type get(ThreadPopValues);
};
struct ThreadPushCall {
  using type = wi::RunResult (wi::Thread::*)(const wi::DefinedFunc&, wi::Trap::Ptr*);
  friend type get(ThreadPushCall);
};
struct ThreadPopCall {
  using type = wi::RunResult (wi::Thread::*)();
  friend type get(ThreadPopCall);
};

template struct Expose<ThreadFrames, &wi::Thread::frames_>;
template struct Expose<ThreadValues, &wi::Thread::values_>;
template struct Expose<ThreadPushValues, &wi::Thread::PushValues>;
template struct Expose<ThreadPopValues, &wi::Thread::PopValues>;
template struct Expose<ThreadPushCall, &wi::Thread::PushCall>;
template struct Expose<ThreadPopCall, &wi::Thread::PopCall>;

// Thread::Run(n) runs n instructions unless the call returns or traps first, and then does not
// say how many of the n it ran. Run is a loop over the private Thread::StepInternal, one
// instruction each; run_counted is the same loop, counting. The member pointer is a template
// argument, so the call in the loop is as direct as in Run and counting costs one add per slice.
// Kept out of line, as Run is: inlined into the large caller, the loop reloads its arguments
// from the stack at every instruction (about 7 % slower on the benchmark loop).
struct ThreadRunCounted {
  using type = wi::RunResult (*)(wi::Thread&, int, wi::Trap::Ptr*, uint64_t*);
  friend type get(ThreadRunCounted);
};
template <typename Tag, wi::RunResult (wi::Thread::*StepInternal)(wi::Trap::Ptr*)>
struct ExposeRunCounted {
  [[gnu::noinline]] static wi::RunResult run_counted(wi::Thread& thread, int limit,
                                                     wi::Trap::Ptr* trap, uint64_t* executed) {
    for (int left = limit; left > 0; --left) {  // counting down, as Run does
      const wi::RunResult result = (thread.*StepInternal)(trap);
      if (result != wi::RunResult::Ok) {
        // This last one returned or trapped, and counts.
        *executed += static_cast<uint64_t>(limit - left) + 1;
        return result;
      }
    }
    *executed += static_cast<uint64_t>(limit);
    return wi::RunResult::Ok;
  }
  friend typename Tag::type get(Tag) { return &run_counted; }
};
template struct ExposeRunCounted<ThreadRunCounted, &wi::Thread::StepInternal>;

std::vector<wi::Frame>& frames_of(wi::Thread& thread) {
  return thread.*get(ThreadFrames{});
}
std::vector<wi::Value>& values_of(wi::Thread& thread) {
  return thread.*get(ThreadValues{});
}

// ------------------------------------------------------------------------------------------------

// Instructions per slice between two runaway checks: a few hundred microseconds of
// interpretation with Debian's build.
constexpr int kSlice = 4096;
// In step mode, steps between two runaway checks.
constexpr uint32_t kStepsPerCheck = 1024;
constexpr uint32_t kNoOffset = UINT32_MAX;

SlotType slot_type(wabt::Type type) {
  switch (type) {
    case wabt::Type::I32:
      return SlotType::I32;
    case wabt::Type::I64:
      return SlotType::I64;
    case wabt::Type::F32:
      return SlotType::F32;
    case wabt::Type::F64:
      return SlotType::F64;
    default:
      return SlotType::Unknown;
  }
}

Slot to_slot(const wi::Value& value, SlotType type) {
  Slot slot;
  slot.type = type;
  uint64_t raw = value.Get<wi::u64>();
  slot.bits = (type == SlotType::I32 || type == SlotType::F32) ? (raw & 0xffffffffu) : raw;
  return slot;
}

wi::Value to_value(const Slot& slot, wabt::Type type) {
  switch (type) {
    case wabt::Type::I32:
    case wabt::Type::F32: {
      // f32 bits sit in the same low 32 bits as an i32.
      return wi::Value::Make(static_cast<wi::u32>(slot.bits));
    }
    default:
      return wi::Value::Make(static_cast<wi::u64>(slot.bits));
  }
}

// A wabt::Stream that only reports that something was written (the reader log, see above).
class WriteCounter : public wabt::Stream {
 public:
  explicit WriteCounter(std::function<void()> on_write) : on_write_(std::move(on_write)) {}

 protected:
  wabt::Result WriteDataImpl(size_t, const void*, size_t) override {
    on_write_();
    return wabt::Result::Ok;
  }
  wabt::Result MoveDataImpl(size_t, size_t, size_t) override { return wabt::Result::Ok; }
  wabt::Result TruncateImpl(size_t) override { return wabt::Result::Ok; }

 private:
  std::function<void()> on_write_;
};

// Interpreter code of one defined function against the file.
struct CodeMap {
  uint32_t function_index = 0;
  uint32_t body_begin = 0;  // file range of the body
  uint32_t body_end = 0;
  // Per file instruction, in file order: where its Istream code starts (non-decreasing; an
  // instruction compiled to nothing shares its start with the next one) and its file offset.
  std::vector<uint32_t> istream;
  std::vector<uint32_t> file;
};

// Where an Istream offset falls. `boundary`: the offset starts the code of an instruction (a
// place where stepping stops); `index` is the instruction whose code contains it (the last of
// those starting there).
struct CodePosition {
  size_t index = 0;
  bool boundary = false;
};

CodePosition position_in(const CodeMap& map, uint32_t pc) {
  CodePosition position;
  if (map.istream.empty()) return position;
  auto it = std::upper_bound(map.istream.begin(), map.istream.end(), pc);
  if (it == map.istream.begin()) return position;  // the prologue (alloca): before any code
  position.index = static_cast<size_t>(it - map.istream.begin()) - 1;
  position.boundary = map.istream[position.index] == pc;
  return position;
}

class InterpImpl final : public Interpreter {
 public:
  explicit InterpImpl(uint32_t memory_page_cap)
      : store_(wasm_features()), memory_page_cap_(memory_page_cap) {}
  ~InterpImpl() override {
    // Threads unregister from the store: drop them first.
    threads_.clear();
  }

  std::string load(const uint8_t* data, size_t size) override;
  std::string instantiate(std::vector<HostCallback> imports) override;
  CallOutcome call(uint32_t function_index, const std::vector<Slot>& args,
                   std::vector<Slot>& results, CallControl& control) override;
  uint8_t* memory_data() override { return memory_ ? memory_->UnsafeData() : nullptr; }
  size_t memory_size() override { return memory_ ? memory_->ByteSize() : 0; }
  void set_step_plan(StepPlan plan) override;
  void set_breakpoints(const std::vector<uint32_t>& file_offsets) override;
  uint64_t instructions_executed() const override { return instructions_; }

 private:
  // A thread running a call of this instance; nested calls (from host functions) get their own.
  struct Active {
    wi::Thread* thread = nullptr;
    bool free_running = true;  // in slices, not stepping
    // Types of the thread's value stack, kept while stepping (the interpreter stores no types).
    std::vector<SlotType> shadow;
  };

  // Whether drive() must check each instruction: a plan other than Run, or breakpoints.
  bool stepping() const { return plan_.kind != StepKind::Run || !breakpoints_.empty(); }
  bool at_breakpoint(const CodeMap* map, uint32_t istream) const;

  wi::Thread& thread_at(size_t depth);
  void discard_thread(size_t depth) { threads_[depth].reset(); }
  wabt::Result host_call(const HostCallback& callback, const wi::FuncType& type,
                         const wi::Values& params, wi::Values& results, wi::Trap::Ptr* out_trap);

  // Runs the thread of active_.back() until its call returns or fails.
  wi::RunResult drive(Active& active, CallControl& control, wi::Trap::Ptr* trap,
                      std::string* stop_reason);
  // Step mode: stops here (calling control.on_stop) if the plan says so; true if it stopped.
  bool maybe_stop(Active& active, CallControl& control);
  void track_types(Active& active, const wi::Instr& instr, size_t height_before,
                   size_t frames_before, const wi::Frame& frame_before);

  const CodeMap* code_map_for(const wi::Frame& frame);
  uint32_t function_index_of(const wi::Frame& frame) const;
  uint32_t file_offset(const wi::Frame& frame, bool innermost);
  size_t wasm_depth() const;
  StopState stop_state();
  std::vector<CodeFrame> backtrace();
  void build_code_maps();
  std::pair<const CodeMap*, uint32_t> resolve_offset(uint32_t file_offset);

  wi::Store store_;
  uint32_t memory_page_cap_;
  std::vector<uint8_t> bytes_;
  wi::Module::Ptr module_;
  wi::Instance::Ptr instance_;
  wi::Memory::Ptr memory_;
  std::map<size_t, uint32_t> function_of_ref_;  // Ref index -> function index
  uint32_t imported_functions_ = 0;

  bool code_maps_built_ = false;
  std::vector<CodeMap> code_maps_;  // by defined function index

  std::vector<std::unique_ptr<wi::Thread>> threads_;  // by nesting depth
  // Outermost first. A deque: a nested call adds an entry while the outer drive() holds its own.
  std::deque<Active> active_;

  StepPlan plan_;
  size_t plan_depth_ = 0;                // wasm frames when the plan was made
  const CodeMap* target_map_ = nullptr;  // ToOffset
  uint32_t target_istream_ = kNoOffset;  // ToOffset
  // Breakpoints resolved to interpreter code: (code map, istream offset), few, searched linearly.
  std::vector<std::pair<const CodeMap*, uint32_t>> breakpoints_;

  // Interpreter instructions run by every call since load (nested calls included).
  uint64_t instructions_ = 0;

  std::string host_trap_message_;
  bool host_trapped_ = false;
  // A host function returned while stepping was requested: see the file comment.
  bool preempted_ = false;
  const wi::ValueTypes* preempt_types_ = nullptr;
  wi::Values preempt_results_;
};

std::string InterpImpl::load(const uint8_t* data, size_t size) {
  if (module_) return "a module is already loaded";
  wabt::Errors errors;
  wi::ModuleDesc desc;
  if (wabt::Failed(
          wi::ReadBinaryInterp("module.wasm", data, size, wasm_read_options(), &errors, &desc))) {
    for (const wabt::Error& error : errors) {
      if (error.error_level == wabt::ErrorLevel::Error) return "invalid wasm: " + error.message;
    }
    return "invalid wasm: the interpreter cannot read the module";
  }
  // The engine runs the start function itself (under its budget): see instantiate().
  desc.starts.clear();
  for (wi::MemoryDesc& memory : desc.memories) {
    wabt::Limits& limits = memory.type.limits;
    uint64_t cap = std::max<uint64_t>(memory_page_cap_, limits.initial);
    if (!limits.has_max || limits.max > cap) {
      limits.has_max = true;
      limits.max = cap;
    }
  }
  for (const wi::ImportDesc& import : desc.imports) {
    if (import.type.type->kind == wabt::ExternalKind::Func) ++imported_functions_;
  }
  bytes_.assign(data, data + size);
  module_ = wi::Module::New(store_, std::move(desc));
  return {};
}

std::string InterpImpl::instantiate(std::vector<HostCallback> imports) {
  if (!module_) return "instantiate() before load()";
  const std::vector<wi::ImportDesc>& descs = module_->desc().imports;
  if (imports.size() != descs.size()) return "wrong number of imports";
  wi::RefVec externs;
  for (size_t i = 0; i < descs.size(); ++i) {
    const wi::ImportType& type = descs[i].type;
    switch (type.type->kind) {
      case wabt::ExternalKind::Func: {
        if (!imports[i]) return "missing import: " + type.module + "." + type.name;
        const auto& func_type = *wabt::cast<wi::FuncType>(type.type.get());
        HostCallback callback = std::move(imports[i]);
        auto func =
            wi::HostFunc::New(store_, func_type,
                              [this, callback = std::move(callback), func_type](
                                  wi::Thread&, const wi::Values& params, wi::Values& results,
                                  wi::Trap::Ptr* out_trap) -> wabt::Result {
                                return host_call(callback, func_type, params, results, out_trap);
                              });
        externs.push_back(func.ref());
        break;
      }
      case wabt::ExternalKind::Memory: {
        wabt::Limits limits = wabt::cast<wi::MemoryType>(type.type.get())->limits;
        uint64_t cap = std::max<uint64_t>(memory_page_cap_, limits.initial);
        if (!limits.has_max || limits.max > cap) {
          limits.has_max = true;
          limits.max = cap;
        }
        externs.push_back(wi::Memory::New(store_, wi::MemoryType(limits)).ref());
        break;
      }
      default:
        return "unsupported import kind: " + type.module + "." + type.name;
    }
  }
  wi::Trap::Ptr trap;
  instance_ = wi::Instance::Instantiate(store_, module_.ref(), externs, &trap);
  if (!instance_) return trap ? trap->message() : std::string("instantiation failed");
  const wi::RefVec& funcs = instance_->funcs();
  for (size_t i = 0; i < funcs.size(); ++i) function_of_ref_[funcs[i].index] = uint32_t(i);
  if (!instance_->memories().empty()) {
    memory_ = wi::Memory::Ptr(store_, instance_->memories()[0]);
  }
  return {};
}

wabt::Result InterpImpl::host_call(const HostCallback& callback, const wi::FuncType& type,
                                   const wi::Values& params, wi::Values& results,
                                   wi::Trap::Ptr* out_trap) {
  std::vector<Slot> args(params.size());
  for (size_t i = 0; i < params.size(); ++i) {
    args[i] = to_slot(params[i], slot_type(type.params[i]));
  }
  std::vector<Slot> outs(type.results.size());
  for (size_t i = 0; i < outs.size(); ++i) outs[i].type = slot_type(type.results[i]);
  std::string message;
  bool ok = false;
  try {
    ok = callback(args.data(), args.size(), outs.data(), outs.size(), &message);
  } catch (const std::exception& e) {
    message = std::string("host function threw: ") + e.what();
  } catch (...) {
    message = "host function threw an unknown exception";
  }
  if (!ok) {
    host_trapped_ = true;
    host_trap_message_ = message;
    *out_trap = wi::Trap::New(store_, message);
    return wabt::Result::Error;
  }
  results.resize(outs.size());
  for (size_t i = 0; i < outs.size(); ++i) results[i] = to_value(outs[i], type.results[i]);
  if (stepping() && !active_.empty() && active_.back().free_running) {
    // Stepping was requested during the host call: end the caller's Run here; drive() finishes
    // the call as Thread::DoCall would and goes on step by step.
    preempted_ = true;
    preempt_types_ = &type.results;
    preempt_results_ = results;
    *out_trap = wi::Trap::New(store_, "stepping requested");
    return wabt::Result::Error;
  }
  return wabt::Result::Ok;
}

wi::Thread& InterpImpl::thread_at(size_t depth) {
  if (threads_.size() <= depth) threads_.resize(depth + 1);
  if (!threads_[depth]) threads_[depth] = std::make_unique<wi::Thread>(store_);
  return *threads_[depth];
}

void InterpImpl::set_step_plan(StepPlan plan) {
  plan_ = plan;
  plan_depth_ = wasm_depth();
  target_map_ = nullptr;
  target_istream_ = kNoOffset;
  if (plan.kind == StepKind::ToOffset) {
    auto [map, istream] = resolve_offset(plan.offset);
    target_map_ = map;
    target_istream_ = istream;
    if (!map) plan_.kind = StepKind::Run;  // not an instruction: nothing to stop at
  }
  if (plan_depth_ == 0) {
    // Asked outside any call: Over means the next instruction; there is nothing to step out of.
    if (plan_.kind == StepKind::Over) plan_.kind = StepKind::Instruction;
    if (plan_.kind == StepKind::Out) plan_.kind = StepKind::Run;
  }
}

void InterpImpl::set_breakpoints(const std::vector<uint32_t>& file_offsets) {
  breakpoints_.clear();
  for (uint32_t offset : file_offsets) {
    // Only the start of an instruction: resolve_offset rounds up to the next one.
    auto [map, istream] = resolve_offset(offset);
    if (map && std::binary_search(map->file.begin(), map->file.end(), offset))
      breakpoints_.emplace_back(map, istream);
  }
}

bool InterpImpl::at_breakpoint(const CodeMap* map, uint32_t istream) const {
  return std::any_of(breakpoints_.begin(), breakpoints_.end(), [&](const auto& target) {
    return target.first == map && target.second == istream;
  });
}

CallOutcome InterpImpl::call(uint32_t function_index, const std::vector<Slot>& args,
                             std::vector<Slot>& results, CallControl& control) {
  CallOutcome outcome;
  if (!instance_ || function_index >= instance_->funcs().size() ||
      function_index < imported_functions_) {
    outcome.fault = Fault::Trap;
    outcome.message = "no defined function " + std::to_string(function_index);
    return outcome;
  }
  wi::DefinedFunc::Ptr func(store_, instance_->funcs()[function_index]);
  const wi::FuncType& type = func->type();
  wi::Values params(type.params.size());
  for (size_t i = 0; i < params.size() && i < args.size(); ++i) {
    params[i] = to_value(args[i], type.params[i]);
  }

  const size_t depth = active_.size();
  wi::Thread& thread = thread_at(depth);
  (thread.*get(ThreadPushValues{}))(type.params, params);
  wi::Trap::Ptr trap;
  if ((thread.*get(ThreadPushCall{}))(*func, &trap) == wi::RunResult::Trap) {
    discard_thread(depth);
    outcome.fault = Fault::Trap;
    outcome.message = trap ? trap->message() : std::string("call stack exhausted");
    return outcome;
  }
  active_.push_back(Active{&thread, !stepping(), {}});
  host_trapped_ = false;
  std::string stop_reason;
  wi::RunResult result = drive(active_.back(), control, &trap, &stop_reason);

  if (result == wi::RunResult::Return) {
    wi::Values values;
    (thread.*get(ThreadPopValues{}))(type.results, &values);
    results.resize(std::max(results.size(), values.size()));
    for (size_t i = 0; i < values.size(); ++i) {
      results[i] = to_slot(values[i], slot_type(type.results[i]));
    }
  } else {
    if (!stop_reason.empty()) {
      outcome.fault = Fault::Terminated;
      outcome.message = stop_reason;
    } else if (host_trapped_) {
      outcome.fault = Fault::HostTrap;
      outcome.message = host_trap_message_;
    } else {
      outcome.fault = Fault::Trap;
      outcome.message = result == wi::RunResult::Exception
                            ? std::string("uncaught exception")
                            : (trap ? trap->message() : std::string("trap"));
    }
    outcome.backtrace = backtrace();
    host_trapped_ = false;
  }
  active_.pop_back();
  if (outcome.fault != Fault::None) discard_thread(depth);  // left mid-call
  if (active_.empty()) {
    // The outermost call is over: there is no caller instruction to step over or out to.
    if (plan_.kind == StepKind::Over || plan_.kind == StepKind::Out) plan_.kind = StepKind::Run;
  }
  return outcome;
}

wi::RunResult InterpImpl::drive(Active& active, CallControl& control, wi::Trap::Ptr* trap,
                                std::string* stop_reason) {
  wi::Thread& thread = *active.thread;
  uint32_t steps = 0;
  for (;;) {
    wi::RunResult result;
    if (!stepping()) {
      active.free_running = true;
      // As Thread::Run does: the running function stays rooted for the slice.
      wi::DefinedFunc::Ptr running(store_, frames_of(thread).back().func);
      result = get(ThreadRunCounted{})(thread, kSlice, trap, &instructions_);
      if (result == wi::RunResult::Ok && control.should_stop(stop_reason)) {
        return wi::RunResult::Trap;
      }
    } else {
      if (active.free_running) {
        active.free_running = false;
        active.shadow.assign(values_of(thread).size(), SlotType::Unknown);
      }
      // Checked before each instruction runs; after a stop the instruction runs before the next
      // check, so a loop back to it is another stop.
      // terminate() while stopped (a debugger aborting the run) takes effect at once.
      if (maybe_stop(active, control) && control.should_stop(stop_reason)) {
        return wi::RunResult::Trap;
      }
      if (!stepping()) continue;  // the user said continue, and no breakpoint is set
      std::vector<wi::Frame>& frames = frames_of(thread);
      const wi::Frame frame = frames.back();
      const size_t height = values_of(thread).size();
      const size_t frame_count = frames.size();
      wi::Istream::Offset pc = frame.offset;
      const wi::Instr instr = frame.mod->desc().istream.Read(&pc);
      result = thread.Step(trap);
      ++instructions_;
      if (result == wi::RunResult::Ok) track_types(active, instr, height, frame_count, frame);
      if (++steps % kStepsPerCheck == 0 && result == wi::RunResult::Ok &&
          control.should_stop(stop_reason)) {
        return wi::RunResult::Trap;
      }
    }
    if (result == wi::RunResult::Trap && preempted_) {
      // Finish the host call as Thread::DoCall does after its callback: pop the host frame,
      // push the results. The caller's pc is already past the call.
      preempted_ = false;
      (thread.*get(ThreadPopCall{}))();
      (thread.*get(ThreadPushValues{}))(*preempt_types_, preempt_results_);
      continue;
    }
    if (result != wi::RunResult::Ok) return result;
  }
}

bool InterpImpl::maybe_stop(Active& active, CallControl& control) {
  std::vector<wi::Frame>& frames = frames_of(*active.thread);
  const wi::Frame& frame = frames.back();
  const CodeMap* map = code_map_for(frame);
  if (!map) return false;
  CodePosition position = position_in(*map, frame.offset);
  if (!position.boundary) return false;
  const bool breakpoint = !breakpoints_.empty() && at_breakpoint(map, frame.offset);
  bool planned = false;
  switch (plan_.kind) {
    case StepKind::Run:
      break;
    case StepKind::Instruction:
      planned = true;
      break;
    case StepKind::Over:
      planned = wasm_depth() <= plan_depth_;
      break;
    case StepKind::Out:
      planned = wasm_depth() < plan_depth_;
      break;
    case StepKind::ToOffset:
      planned = map == target_map_ && frame.offset == target_istream_;
      break;
  }
  const bool stop = breakpoint || planned;
  if (!stop) return false;
  StopState state = stop_state();
  state.breakpoint = breakpoint;
  state.planned = planned;
  set_step_plan(control.on_stop(state));
  return true;
}

// Keeps `active.shadow` (the types of the value stack) in step with one executed instruction.
// Values whose type cannot be followed become Unknown; the engine shows them as raw bits.
void InterpImpl::track_types(Active& active, const wi::Instr& instr, size_t height_before,
                             size_t frames_before, const wi::Frame& frame_before) {
  std::vector<SlotType>& shadow = active.shadow;
  std::vector<wi::Value>& values = values_of(*active.thread);
  const size_t height = values.size();
  if (shadow.size() != height_before) shadow.resize(height_before, SlotType::Unknown);
  std::vector<SlotType> pushed;
  auto callee_results = [&](wi::Ref ref) {
    wi::Func::Ptr callee(store_, ref);
    for (wabt::Type type : callee->type().results) pushed.push_back(slot_type(type));
  };
  using O = wabt::Opcode;
  switch (instr.op) {
    case O::InterpAlloca: {
      wi::DefinedFunc::Ptr func(store_, frame_before.func);
      const wi::FuncDesc& desc = func->desc();
      for (wabt::Index i = 0; i < instr.imm_u32; ++i) {
        pushed.push_back(slot_type(desc.GetLocalType(uint32_t(desc.type.params.size()) + i)));
      }
      break;
    }
    case O::InterpDropKeep: {
      const uint32_t drop = instr.imm_u32x2.fst;
      const uint32_t keep = instr.imm_u32x2.snd;
      if (drop + keep <= shadow.size()) {
        shadow.erase(shadow.end() - keep - drop, shadow.end() - keep);
      }
      if (shadow.size() != height) shadow.resize(height, SlotType::Unknown);
      return;
    }
    case O::LocalGet:
      if (instr.imm_u32 >= 1 && instr.imm_u32 <= shadow.size()) {
        pushed.push_back(shadow[shadow.size() - instr.imm_u32]);
      }
      break;
    case O::LocalTee:
      if (!shadow.empty()) pushed.push_back(shadow.back());
      break;
    case O::GlobalGet: {
      wi::Global::Ptr global(store_, frame_before.inst->globals()[instr.imm_u32]);
      pushed.push_back(slot_type(global->type().type));
      break;
    }
    case O::Select:
    case O::SelectT:
      if (shadow.size() >= 3) pushed.push_back(shadow[shadow.size() - 2]);
      break;
    case O::Call:
    case O::InterpCallImport:
    case O::CallIndirect:
      if (frames_of(*active.thread).size() > frames_before) return;  // entered a wasm function
      if (instr.op == O::CallIndirect) {
        for (wabt::Type type : frame_before.mod->desc().func_types[instr.imm_u32x2.snd].results) {
          pushed.push_back(slot_type(type));
        }
      } else {
        callee_results(frame_before.inst->funcs()[instr.imm_u32]);
      }
      break;
    case O::Return:
      if (shadow.size() != height) shadow.resize(height, SlotType::Unknown);
      return;
    default: {
      SlotType result = slot_type(instr.op.GetResultType());
      if (result != SlotType::Unknown) pushed.push_back(result);
      break;
    }
  }
  // Whatever the instruction popped sat below what it pushed.
  if (height < pushed.size()) {
    shadow.assign(height, SlotType::Unknown);
    return;
  }
  shadow.resize(height - pushed.size(), SlotType::Unknown);
  shadow.insert(shadow.end(), pushed.begin(), pushed.end());
}

size_t InterpImpl::wasm_depth() const {
  size_t depth = 0;
  for (const Active& active : active_) {
    for (const wi::Frame& frame : frames_of(*active.thread)) {
      if (frame.inst) ++depth;
    }
  }
  return depth;
}

uint32_t InterpImpl::function_index_of(const wi::Frame& frame) const {
  auto it = function_of_ref_.find(frame.func.index);
  return it == function_of_ref_.end() ? 0 : it->second;
}

const CodeMap* InterpImpl::code_map_for(const wi::Frame& frame) {
  if (!frame.inst) return nullptr;
  build_code_maps();
  const uint32_t index = function_index_of(frame);
  if (index < imported_functions_ || index - imported_functions_ >= code_maps_.size()) {
    return nullptr;
  }
  const CodeMap& map = code_maps_[index - imported_functions_];
  return map.istream.empty() ? nullptr : &map;
}

uint32_t InterpImpl::file_offset(const wi::Frame& frame, bool innermost) {
  const CodeMap* map = code_map_for(frame);
  if (!map) return 0;
  // A stopped frame's offset is the next instruction to run. A trapped frame's offset is past the
  // instruction that trapped, and a caller's is past its call: look one byte back.
  uint32_t pc = frame.offset;
  if (!innermost && pc > 0) --pc;
  return map->file[position_in(*map, pc).index];
}

StopState InterpImpl::stop_state() {
  StopState state;
  for (size_t t = 0; t < active_.size(); ++t) {
    const std::vector<wi::Frame>& frames = frames_of(*active_[t].thread);
    for (size_t f = 0; f < frames.size(); ++f) {
      if (!frames[f].inst) continue;
      const bool innermost = t + 1 == active_.size() && f + 1 == frames.size();
      state.call_stack.push_back(
          CodeFrame{function_index_of(frames[f]), file_offset(frames[f], innermost)});
    }
  }
  Active& active = active_.back();
  const wi::Frame& frame = frames_of(*active.thread).back();
  const std::vector<wi::Value>& values = values_of(*active.thread);
  wi::DefinedFunc::Ptr func(store_, frame.func);
  const wi::FuncDesc& desc = func->desc();
  size_t local_count = desc.type.params.size();
  if (!desc.locals.empty()) local_count += desc.locals.back().end;
  const size_t base = frame.values - desc.type.params.size();
  for (size_t i = 0; i < local_count && base + i < values.size(); ++i) {
    state.locals.push_back(to_slot(values[base + i], slot_type(desc.GetLocalType(uint32_t(i)))));
  }
  for (size_t i = base + local_count; i < values.size(); ++i) {
    SlotType type = i < active.shadow.size() ? active.shadow[i] : SlotType::Unknown;
    state.stack.push_back(to_slot(values[i], type));
  }
  return state;
}

std::vector<CodeFrame> InterpImpl::backtrace() {
  std::vector<CodeFrame> frames;
  for (size_t t = active_.size(); t-- > 0;) {
    const std::vector<wi::Frame>& thread_frames = frames_of(*active_[t].thread);
    for (size_t f = thread_frames.size(); f-- > 0;) {
      if (!thread_frames[f].inst) continue;  // a host function
      frames.push_back(CodeFrame{function_index_of(thread_frames[f]),
                                 file_offset(thread_frames[f], /*innermost=*/false)});
    }
  }
  return frames;
}

void InterpImpl::build_code_maps() {
  if (code_maps_built_) return;
  code_maps_built_ = true;
  // See the file comment: two reads of the same bytes, lined up by their log writes.
  InstructionWalker walker;
  std::vector<size_t> opcodes_seen;
  WriteCounter walker_log([&] { opcodes_seen.push_back(walker.opcode_count); });
  if (wabt::Failed(read_instructions(bytes_.data(), bytes_.size(), walker, &walker_log))) return;

  wi::ModuleDesc scratch;
  std::vector<uint32_t> istream_end;
  WriteCounter interp_log([&] { istream_end.push_back(scratch.istream.end()); });
  wabt::Errors errors;
  if (wabt::Failed(wi::ReadBinaryInterp("module.wasm", bytes_.data(), bytes_.size(),
                                        wasm_read_options(&interp_log), &errors, &scratch)) ||
      istream_end.size() != opcodes_seen.size() ||
      scratch.funcs.size() != walker.functions.size() ||
      scratch.istream.end() != module_->desc().istream.end()) {
    return;  // cannot line them up: frames keep offset 0 and stepping has no stops
  }
  // The first log write after opcode k (the reader logs the instruction's callback before the
  // interpreter compiles it) shows where k's code starts.
  std::vector<uint32_t> start(walker.opcode_count, kNoOffset);
  for (size_t j = 0; j < opcodes_seen.size(); ++j) {
    const size_t k = opcodes_seen[j];
    if (k > 0 && start[k - 1] == kNoOffset) start[k - 1] = istream_end[j];
  }
  code_maps_.resize(walker.functions.size());
  for (size_t i = 0; i < walker.functions.size(); ++i) {
    const FunctionCode& code = walker.functions[i];
    CodeMap& map = code_maps_[i];
    map.function_index = code.function_index;
    map.body_begin = code.body_offset;
    map.body_end = code.body_offset + code.body_size;
    for (size_t t = 0; t < code.offsets.size(); ++t) {
      const uint32_t istream = start[code.ordinals[t]];
      if (istream == kNoOffset || (!map.istream.empty() && istream < map.istream.back())) {
        map.istream.clear();
        map.file.clear();
        break;
      }
      map.istream.push_back(istream);
      map.file.push_back(code.offsets[t]);
    }
  }
}

std::pair<const CodeMap*, uint32_t> InterpImpl::resolve_offset(uint32_t file_offset) {
  build_code_maps();
  for (const CodeMap& map : code_maps_) {
    if (file_offset < map.body_begin || file_offset >= map.body_end || map.file.empty()) continue;
    auto it = std::lower_bound(map.file.begin(), map.file.end(), file_offset);
    if (it == map.file.end()) return {nullptr, kNoOffset};
    return {&map, map.istream[static_cast<size_t>(it - map.file.begin())]};
  }
  return {nullptr, kNoOffset};
}

}  // namespace

std::unique_ptr<Interpreter> Interpreter::create(uint32_t memory_page_cap) {
  return std::make_unique<InterpImpl>(memory_page_cap);
}

}  // namespace pwplay::host::wabt_engine
