// WabtVm: the Vm interface on WABT's interpreter, through the C++17 adapter (interp_adapter.h).
// This side speaks the host's types (Value, VmError, WasmLocation); the adapter speaks WABT's.
#include "host/engines/wabt/wabt_vm.h"

#include <wabt/config.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <mutex>
#include <utility>

#include "host/disassembly.h"
#include "host/engines/engine_common.h"
#include "host/engines/wabt/interp_adapter.h"
#include "host/module_info.h"

namespace pwplay::host {
namespace {

using wabt_engine::CallOutcome;
using wabt_engine::Fault;
using wabt_engine::Slot;
using wabt_engine::SlotType;
using wabt_engine::StepKind;
using wabt_engine::StepPlan;

// Host functions of the ABI take at most 12 arguments: they cross without allocating.
constexpr size_t kInlineValues = 16;

SlotType slot_type(ValType type) {
  switch (type) {
    case ValType::I32:
      return SlotType::I32;
    case ValType::I64:
      return SlotType::I64;
    case ValType::F32:
      return SlotType::F32;
    case ValType::F64:
      return SlotType::F64;
  }
  return SlotType::Unknown;
}

// The interpreter keeps no types on its value stack; where the adapter could not follow them,
// a slot shows as i32 when its bits fit, else as i64.
Value to_value(const Slot& slot) {
  switch (slot.type) {
    case SlotType::I32:
      return Value{ValType::I32, slot.bits & 0xffffffffu};
    case SlotType::I64:
      return Value{ValType::I64, slot.bits};
    case SlotType::F32:
      return Value{ValType::F32, slot.bits & 0xffffffffu};
    case SlotType::F64:
      return Value{ValType::F64, slot.bits};
    case SlotType::Unknown:
      break;
  }
  return Value{slot.bits <= 0xffffffffu ? ValType::I32 : ValType::I64, slot.bits};
}

StepPlan to_plan(const StepRequest& request) {
  StepPlan plan;
  plan.offset = request.offset;
  switch (request.kind) {
    case StepRequest::Kind::Run:
      plan.kind = StepKind::Run;
      break;
    case StepRequest::Kind::Instruction:
      plan.kind = StepKind::Instruction;
      break;
    case StepRequest::Kind::Over:
      plan.kind = StepKind::Over;
      break;
    case StepRequest::Kind::Out:
      plan.kind = StepKind::Out;
      break;
    case StepRequest::Kind::ToOffset:
      plan.kind = StepKind::ToOffset;
      break;
  }
  return plan;
}

// The runaway budget without a watchdog thread: the interpreter runs in slices and asks between
// them. Pausing the clock (a debugger holding the VM thread) keeps the budget left.
class RunawayClock {
 public:
  explicit RunawayClock(uint32_t budget_ms) : budget_(budget_ms) {}

  void begin() {
    std::lock_guard lock(mutex_);
    in_call_ = true;
    stop_requested_ = false;
    fired_ = false;
    deadline_ = std::chrono::steady_clock::now() + budget_;
    if (paused_ > 0) remaining_ = budget_;
  }
  void end() {
    std::lock_guard lock(mutex_);
    in_call_ = false;
    stop_requested_ = false;
  }
  void request_stop() {
    std::lock_guard lock(mutex_);
    if (in_call_) stop_requested_ = true;
  }
  void pause() {
    std::lock_guard lock(mutex_);
    if (paused_++ == 0 && in_call_) remaining_ = deadline_ - std::chrono::steady_clock::now();
  }
  void resume() {
    std::lock_guard lock(mutex_);
    if (paused_ == 0) return;
    if (--paused_ == 0 && in_call_) {
      deadline_ = std::chrono::steady_clock::now() +
                  std::max(remaining_, std::chrono::steady_clock::duration::zero());
    }
  }
  // Once it has fired, it stays fired until the outermost call ends: as with V8's
  // TerminateExecution, every frame of the call stops, outer ones included.
  bool expired(std::string* why) {
    std::lock_guard lock(mutex_);
    if (!fired_) {
      if (stop_requested_) {
        fired_ = true;
        why_ = "terminated by request";
      } else if (budget_.count() > 0 && paused_ == 0 && in_call_ &&
                 std::chrono::steady_clock::now() >= deadline_) {
        fired_ = true;
        why_ = "execution terminated after " + std::to_string(budget_.count()) +
               " ms (runaway budget)";
      }
    }
    if (fired_) *why = why_;
    return fired_;
  }

 private:
  const std::chrono::milliseconds budget_;
  std::mutex mutex_;
  bool in_call_ = false;
  bool stop_requested_ = false;
  bool fired_ = false;
  std::string why_;
  int paused_ = 0;
  std::chrono::steady_clock::time_point deadline_;
  std::chrono::steady_clock::duration remaining_{};
};

class WabtVm final : public Vm, private wabt_engine::CallControl {
 public:
  explicit WabtVm(const VmOptions& options)
      : options_(options),
        interp_(wabt_engine::Interpreter::create(options.max_memory_pages)),
        clock_(options.runaway_budget_ms) {}

  std::string_view engine_name() const override { return "wabt"; }
  std::string engine_version() const override { return wabt_version(); }
  Result<void> load(std::span<const uint8_t> bytecode) override;
  std::vector<ImportDesc> imports() const override {
    return info_ ? info_->imports : std::vector<ImportDesc>{};
  }
  std::vector<ExportDesc> exports() const override {
    return info_ ? info_->exports : std::vector<ExportDesc>{};
  }
  Result<void> link(const ImportResolver& resolver) override;
  Result<FunctionRef> find_function(std::string_view name, const FuncType& type) override;
  Result<void, VmError> call(FunctionRef function, std::span<const Value> args,
                             std::span<Value> results) override;
  std::span<uint8_t> memory() override;
  void terminate() override { clock_.request_stop(); }
  void pause_runaway_clock() override { clock_.pause(); }
  void resume_runaway_clock() override { clock_.resume(); }
  bool supports_stepping() const override { return true; }
  Result<void> request_step(StepRequest request, InstructionHook hook) override;
  Result<void> set_instruction_breakpoints(std::vector<uint32_t> offsets,
                                           InstructionHook hook) override;
  std::optional<std::string> function_name(uint32_t function_index) const override;
  std::optional<uint64_t> instructions_executed() const override {
    return interp_->instructions_executed();
  }

 private:
  struct ExportedFunction {
    std::string name;
    FuncType type;
    uint32_t function_index = 0;
  };

  // CallControl.
  bool should_stop(std::string* why) override { return clock_.expired(why); }
  StepPlan on_stop(const wabt_engine::StopState& state) override;

  wabt_engine::HostCallback bind(const ImportDesc& import, HostFunction function);
  Result<void, VmError> run(uint32_t function_index, const FuncType& type,
                            std::span<const Value> args, std::span<Value> results);
  std::optional<VmError> check_memory_limit();
  std::vector<WasmFrame> named(const std::vector<wabt_engine::CodeFrame>& frames) const;
  std::string name_of(uint32_t function_index) const;
  const ModuleWat* disassembly();

  VmOptions options_;
  std::unique_ptr<wabt_engine::Interpreter> interp_;
  std::optional<ModuleInfo> info_;
  std::vector<uint8_t> bytes_;  // for the disassembly, made on the first stop
  std::optional<ModuleWat> disassembly_;
  bool disassembly_failed_ = false;
  bool linked_ = false;
  bool link_failed_ = false;
  ExportedFunctions<ExportedFunction> functions_;  // indexed by FunctionRef::index
  uint32_t call_depth_ = 0;
  InstructionHook hook_;
  InstructionHook breakpoint_hook_;  // set_instruction_breakpoints'
  RunawayClock clock_;
};

std::optional<std::string> WabtVm::function_name(uint32_t function_index) const {
  return function_name_in(info_, function_index);
}

Result<void> WabtVm::load(std::span<const uint8_t> bytecode) {
  if (info_) return make_error("a module is already loaded");
  // read_module_info validates the module and keeps WABT's readers away from the malformed
  // modules they abort on; only then does the interpreter see the bytes.
  Result<ModuleInfo> info = read_module_info(bytecode);
  if (!info) return unexpected(info.error());
  std::string error = interp_->load(bytecode.data(), bytecode.size());
  if (!error.empty()) return make_error(error);
  info_ = std::move(*info);
  bytes_.assign(bytecode.begin(), bytecode.end());
  return {};
}

wabt_engine::HostCallback WabtVm::bind(const ImportDesc& import, HostFunction function) {
  return [import, function = std::move(function)](const Slot* args, size_t arg_count, Slot* results,
                                                  size_t result_count,
                                                  std::string* trap_message) -> bool {
    std::array<Value, kInlineValues> inline_args{};
    std::array<Value, kInlineValues> inline_results{};
    std::vector<Value> heap_args, heap_results;
    std::span<Value> in(inline_args.data(), std::min(arg_count, kInlineValues));
    std::span<Value> out(inline_results.data(), std::min(result_count, kInlineValues));
    if (arg_count > kInlineValues) {
      heap_args.resize(arg_count);
      in = heap_args;
    }
    if (result_count > kInlineValues) {
      heap_results.resize(result_count);
      out = heap_results;
    }
    for (size_t i = 0; i < arg_count; ++i) {
      in[i] = Value{import.type.params[i], args[i].bits};
    }
    for (size_t i = 0; i < result_count; ++i) out[i].type = import.type.results[i];
    std::optional<HostTrapRequest> trap = call_host_function(function, import, in, out);
    if (trap) {
      *trap_message = std::move(trap->message);
      return false;
    }
    for (size_t i = 0; i < result_count; ++i) results[i].bits = out[i].bits;
    return true;
  };
}

Result<void> WabtVm::link(const ImportResolver& resolver) {
  if (!info_) return make_error("link() before load()");
  if (linked_ || link_failed_) return make_error("the module is already linked");
  auto fail = [this](std::string message) -> Result<void> {
    link_failed_ = true;
    return make_error(std::move(message));
  };
  std::vector<wabt_engine::HostCallback> callbacks;
  ImportBinders binders;
  binders.function = [&](const ImportDesc& import, HostFunction function) -> Result<void> {
    callbacks.push_back(bind(import, std::move(function)));
    return {};
  };
  // The adapter makes the memory the module imports; its slot in the list stays empty.
  binders.memory = [&](const ImportDesc&) -> Result<void> {
    callbacks.emplace_back();
    return {};
  };
  const ModuleInfo::Memory* memory = info_->memories.empty() ? nullptr : &info_->memories.front();
  if (Result<void> bound =
          bind_imports(info_->imports, memory, options_.max_memory_pages, resolver, binders);
      !bound) {
    return fail(std::move(bound.error().message));
  }
  if (std::string error = interp_->instantiate(std::move(callbacks)); !error.empty()) {
    return fail(instantiation_failed(error));
  }
  if (info_->start_function) {
    // The adapter leaves the start function to us, so it runs under the runaway budget.
    Result<void, VmError> started = run(*info_->start_function, FuncType{}, {}, {});
    if (!started) return fail(instantiation_failed(started.error().message));
  }
  if (std::optional<VmError> over = check_memory_limit()) {
    return fail(instantiation_failed(over->message));
  }
  linked_ = true;
  return {};
}

Result<FunctionRef> WabtVm::find_function(std::string_view name, const FuncType& type) {
  if (!linked_) return make_error("find_function() before link()");
  return functions_.find(
      info_->exports, name, type,
      [&](const ExportDesc& desc, size_t position) -> Result<ExportedFunction> {
        if (position >= info_->export_indices.size()) {
          return make_error("export '" + std::string(name) + "' is not callable");
        }
        return ExportedFunction{std::string(name), desc.type, info_->export_indices[position]};
      });
}

Result<void, VmError> WabtVm::call(FunctionRef function, std::span<const Value> args,
                                   std::span<Value> results) {
  Result<const ExportedFunction*, VmError> resolved =
      functions_.resolve(function, args.size(), results.size());
  if (!resolved) return unexpected(std::move(resolved.error()));
  const ExportedFunction& target = **resolved;
  return run(target.function_index, target.type, args, results);
}

Result<void, VmError> WabtVm::run(uint32_t function_index, const FuncType& type,
                                  std::span<const Value> args, std::span<Value> results) {
  std::vector<Slot> in(args.size());
  for (size_t i = 0; i < args.size(); ++i) {
    in[i] = Slot{slot_type(type.params[i]), args[i].bits};
  }
  std::vector<Slot> out(type.results.size());
  const bool outermost = call_depth_ == 0;
  if (outermost) clock_.begin();
  ++call_depth_;
  CallOutcome outcome = interp_->call(function_index, in, out, *this);
  --call_depth_;
  if (outermost) {
    // A nested call stopped by the clock stops the whole call, even if the frames above it
    // returned before the next check.
    std::string why;
    if (outcome.fault == Fault::None && clock_.expired(&why)) {
      outcome.fault = Fault::Terminated;
      outcome.message = why;
    }
    clock_.end();
  }

  if (outcome.fault != Fault::None) {
    VmError error;
    switch (outcome.fault) {
      case Fault::Trap:
      case Fault::None:
        error.fault = VmFault::Trap;
        break;
      case Fault::HostTrap:
        error.fault = VmFault::HostTrap;
        break;
      case Fault::Terminated:
        error.fault = VmFault::Terminated;
        break;
    }
    error.message = std::move(outcome.message);
    if (error.fault != VmFault::Terminated) error.backtrace = named(outcome.backtrace);
    return unexpected(std::move(error));
  }
  for (size_t i = 0; i < type.results.size() && i < results.size(); ++i) {
    results[i] = Value{type.results[i], out[i].bits};
  }
  if (outermost) {
    if (std::optional<VmError> over = check_memory_limit()) return unexpected(std::move(*over));
  }
  return {};
}

std::span<uint8_t> WabtVm::memory() {
  if (link_failed_ || !interp_) return {};
  return {interp_->memory_data(), interp_->memory_size()};
}

std::optional<VmError> WabtVm::check_memory_limit() {
  // The interpreter caps the memory's maximum at the limit, so memory.grow past it returns -1;
  // this only catches a memory that got past the cap some other way.
  return check_memory_pages(interp_->memory_size(), options_.max_memory_pages);
}

std::string WabtVm::name_of(uint32_t function_index) const {
  std::string_view name = info_->function_name(function_index);
  if (!name.empty()) return std::string(name);
  // Like V8: a function the name section does not name goes by its export name.
  for (size_t i = 0; i < info_->exports.size() && i < info_->export_indices.size(); ++i) {
    if (info_->exports[i].kind == ExternKind::Function &&
        info_->export_indices[i] == function_index) {
      return info_->exports[i].name;
    }
  }
  return {};
}

std::vector<WasmFrame> WabtVm::named(const std::vector<wabt_engine::CodeFrame>& frames) const {
  std::vector<WasmFrame> out;
  out.reserve(frames.size());
  for (const wabt_engine::CodeFrame& frame : frames) {
    out.push_back(
        WasmFrame{frame.function_index, name_of(frame.function_index), frame.file_offset});
  }
  return out;
}

const ModuleWat* WabtVm::disassembly() {
  if (!disassembly_ && !disassembly_failed_) {
    Result<ModuleWat> wat = disassemble(bytes_);
    if (wat) {
      disassembly_ = std::move(*wat);
    } else {
      disassembly_failed_ = true;
    }
  }
  return disassembly_ ? &*disassembly_ : nullptr;
}

Result<void> WabtVm::request_step(StepRequest request, InstructionHook hook) {
  if (!info_) return make_error("request_step() before load()");
  hook_ = std::move(hook);
  interp_->set_step_plan(to_plan(request));
  return {};
}

Result<void> WabtVm::set_instruction_breakpoints(std::vector<uint32_t> offsets,
                                                 InstructionHook hook) {
  if (!info_) return make_error("set_instruction_breakpoints() before load()");
  breakpoint_hook_ = offsets.empty() ? nullptr : std::move(hook);
  interp_->set_breakpoints(offsets);
  return {};
}

StepPlan WabtVm::on_stop(const wabt_engine::StopState& state) {
  // A step's own hook first; a breakpoint met while running freely has only the breakpoints'.
  InstructionHook hook = hook_ ? hook_ : breakpoint_hook_;
  if (!hook || state.call_stack.empty()) return StepPlan{};
  WasmLocation location;
  location.call_stack = named(state.call_stack);
  const WasmFrame& current = location.call_stack.back();
  location.function_index = current.function_index;
  location.function_name = current.name;
  location.file_offset = current.code_offset;
  location.breakpoint = state.breakpoint;
  location.step_done = state.planned;
  for (const Slot& slot : state.locals) location.locals.push_back(to_value(slot));
  for (const Slot& slot : state.stack) location.stack.push_back(to_value(slot));
  location.local_names.assign(location.locals.size(), std::string());
  if (const ModuleWat* wat = disassembly()) {
    if (const WatInstruction* instruction = wat->instruction_at(current.code_offset)) {
      location.instruction = instruction->text;
    }
    if (const FunctionWat* function = wat->function(current.function_index)) {
      for (size_t i = 0; i < location.local_names.size() && i < function->local_names.size(); ++i) {
        location.local_names[i] = function->local_names[i];
      }
    }
  }
  // Time spent at a stop (a debugger waiting for the user) is not the filter's.
  clock_.pause();
  StepRequest next;
  try {
    next = hook(location);
  } catch (...) {
    next = StepRequest{};  // a failing hook must not unwind through the interpreter
  }
  clock_.resume();
  return to_plan(next);
}

}  // namespace

std::string wabt_version() {
  return WABT_VERSION_STRING;
}

Result<std::unique_ptr<Vm>> create_wabt_vm(const VmOptions& options) {
  if (Result<void> flags = refuse_engine_flags("wabt", options.engine_flags); !flags)
    return unexpected(flags.error());
  return std::unique_ptr<Vm>(std::make_unique<WabtVm>(options));
}

}  // namespace pwplay::host
