// V8Vm: the Vm interface on V8's C++ embedding API (libnode does not export the wasm C API).
// Modules are compiled with WasmModuleObject::Compile and instantiated through the JS
// WebAssembly.Instance constructor; host functions are FunctionTemplates; i64 crosses as BigInt.
#include "host/engines/v8/v8_vm.h"

#include <v8.h>

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <map>
#include <utility>

#include "host/engines/engine_common.h"
#include "host/engines/v8/runaway_watchdog.h"
#include "host/engines/v8/v8_platform.h"
#include "host/module_info.h"

namespace pwplay::host {
namespace {

using v8engine::RunawayWatchdog;
using v8engine::V8Platform;

constexpr int kMaxBacktraceFrames = 20;
// Foreground tasks (GC finalization, compilation callbacks) are pumped every this many
// outermost calls; they are rare and pumping on every call would cost a lock each time.
constexpr uint32_t kCallsPerTaskPump = 256;

// The values of one crossing. Up to kInline of them live on the stack, so the usual arities
// cost no allocation on the per-call path.
template <typename T, size_t kInline = 8>
class CrossingBuffer {
 public:
  explicit CrossingBuffer(size_t size) : size_(size) {
    if (size > kInline) heap_.resize(size);
  }
  T* data() { return size_ > kInline ? heap_.data() : inline_.data(); }
  std::span<T> span() { return {data(), size_}; }
  T& operator[](size_t i) { return data()[i]; }

 private:
  size_t size_;
  std::array<T, kInline> inline_{};
  std::vector<T> heap_;
};

v8::Local<v8::String> js_string(v8::Isolate* isolate, std::string_view text) {
  return v8::String::NewFromUtf8(isolate, text.data(), v8::NewStringType::kNormal,
                                 static_cast<int>(text.size()))
      .FromMaybe(v8::String::Empty(isolate));
}

std::string utf8(v8::Isolate* isolate, v8::Local<v8::Value> value) {
  v8::String::Utf8Value text(isolate, value);
  return *text ? std::string(*text, static_cast<size_t>(text.length())) : std::string();
}

v8::Local<v8::Value> to_js(v8::Isolate* isolate, ValType type, Value value) {
  switch (type) {
    case ValType::I32:
      return v8::Integer::New(isolate, value.as_i32());
    case ValType::I64:
      return v8::BigInt::New(isolate, static_cast<int64_t>(value.bits));
    case ValType::F32:
      return v8::Number::New(isolate, std::bit_cast<float>(value.as_u32()));
    case ValType::F64:
      return v8::Number::New(isolate, std::bit_cast<double>(value.bits));
  }
  return v8::Undefined(isolate);
}

// Wasm hands i32 to JS as Number and i64 as BigInt; anything else is a bug, reported as false.
bool from_js(v8::Local<v8::Context> context, v8::Local<v8::Value> js, ValType type, Value& out) {
  out.type = type;
  switch (type) {
    case ValType::I32: {
      if (js->IsInt32()) {
        out.bits = static_cast<uint32_t>(js.As<v8::Int32>()->Value());
        return true;
      }
      v8::Maybe<int32_t> v = js->Int32Value(context);
      out.bits = static_cast<uint32_t>(v.FromMaybe(0));
      return v.IsJust();
    }
    case ValType::I64:
      if (!js->IsBigInt()) return false;
      out.bits = js.As<v8::BigInt>()->Uint64Value();
      return true;
    case ValType::F32:
    case ValType::F64: {
      v8::Maybe<double> v = js->NumberValue(context);
      if (v.IsNothing()) return false;
      out.bits = type == ValType::F32 ? std::bit_cast<uint32_t>(static_cast<float>(v.FromJust()))
                                      : std::bit_cast<uint64_t>(v.FromJust());
      return true;
    }
  }
  return false;
}

struct IsolateDeleter {
  void operator()(v8::Isolate* isolate) const { V8Platform::instance().dispose_isolate(isolate); }
};

class V8Vm final : public Vm {
 public:
  explicit V8Vm(const VmOptions& options);
  ~V8Vm() override = default;

  std::string_view engine_name() const override { return "v8"; }
  std::string engine_version() const override;
  Result<void> load(std::span<const uint8_t> bytecode) override;
  std::vector<ImportDesc> imports() const override;
  std::vector<ExportDesc> exports() const override;
  Result<void> link(const ImportResolver& resolver) override;
  Result<FunctionRef> find_function(std::string_view name, const FuncType& type) override;
  Result<void, VmError> call(FunctionRef function, std::span<const Value> args,
                             std::span<Value> results) override;
  std::span<uint8_t> memory() override;
  void terminate() override { watchdog_.request_stop(); }
  void pause_runaway_clock() override { watchdog_.pause_clock(); }
  void resume_runaway_clock() override { watchdog_.resume_clock(); }
  std::optional<std::string> function_name(uint32_t function_index) const override;

 private:
  // Enters the isolate and context for one entry point; opens a handle scope.
  class Entered {
   public:
    explicit Entered(V8Vm& vm)
        : isolate_scope_(vm.isolate()),
          handle_scope_(vm.isolate()),
          context_(vm.context_.Get(vm.isolate())),
          context_scope_(context_) {}
    v8::Local<v8::Context> context() const { return context_; }

   private:
    v8::Isolate::Scope isolate_scope_;
    v8::HandleScope handle_scope_;
    v8::Local<v8::Context> context_;
    v8::Context::Scope context_scope_;
  };

  // Brackets one entry into wasm (a call, or instantiation running the start function).
  // Only the outermost entry is timed: nested calls from host functions share its budget.
  class WasmEntry {
   public:
    explicit WasmEntry(V8Vm& vm) : vm_(vm), outermost_(vm.call_depth_ == 0) {
      if (outermost_) vm_.watchdog_.begin_call();
      ++vm_.call_depth_;
    }
    ~WasmEntry() { finish(); }
    // Ends the entry; for the outermost one, lets the isolate run again if it was stopped.
    void finish() {
      if (finished_) return;
      finished_ = true;
      --vm_.call_depth_;
      vm_.memory_stale_ = true;
      if (outermost_ && vm_.watchdog_.end_call() != RunawayWatchdog::StopReason::None) {
        // The watchdog may also have fired just as the call returned; cancelling clears a
        // pending termination request so the next call does not stop at its first instruction.
        vm_.isolate()->CancelTerminateExecution();
      }
    }
    bool outermost() const { return outermost_; }

   private:
    V8Vm& vm_;
    bool outermost_;
    bool finished_ = false;
  };

  struct HostBinding {
    V8Vm* vm;
    ImportDesc import;
    HostFunction function;
  };

  struct ExportedFunction {
    std::string name;
    FuncType type;
    v8::Global<v8::Function> function;
  };

  static void host_trampoline(const v8::FunctionCallbackInfo<v8::Value>& info);

  v8::Isolate* isolate() const { return isolate_.get(); }
  // link() without the clean-up on failure.
  Result<void> instantiate(const ImportResolver& resolver);
  void throw_host_trap(std::string message);
  // What went wrong in the entry `try_catch` guarded. Captures the stop reason before the
  // entry is finished.
  VmError fault_from(v8::TryCatch& try_catch);
  std::vector<WasmFrame> backtrace_of(v8::Local<v8::Value> exception);
  std::optional<VmError> check_memory_limit();
  Result<v8::Local<v8::Object>> create_imported_memory(v8::Local<v8::Context> context,
                                                       v8::Local<v8::Object> webassembly,
                                                       const ImportDesc& import);

  VmOptions options_;
  std::unique_ptr<v8::ArrayBuffer::Allocator> allocator_;
  std::unique_ptr<v8::Isolate, IsolateDeleter> isolate_;
  // Handles below must be released before the isolate is disposed: keep them after it.
  v8::Global<v8::Context> context_;
  v8::Global<v8::WasmModuleObject> module_;
  v8::Global<v8::Object> exports_;
  v8::Global<v8::WasmMemoryObject> memory_object_;
  v8::Global<v8::Value> host_trap_exception_;
  std::string host_trap_message_;

  std::optional<ModuleInfo> info_;
  CappedModule offsets_;  // how the compiled bytes' code offsets map back to the module's
  bool linked_ = false;
  std::vector<std::unique_ptr<HostBinding>> host_functions_;
  ExportedFunctions<ExportedFunction> functions_;  // indexed by FunctionRef::index

  std::span<uint8_t> memory_;
  bool memory_stale_ = true;
  uint32_t call_depth_ = 0;
  uint32_t calls_since_pump_ = 0;

  // Last: stopped (its thread joined) before anything it could touch is destroyed.
  RunawayWatchdog watchdog_;
};

V8Vm::V8Vm(const VmOptions& options)
    : options_(options),
      allocator_(v8::ArrayBuffer::Allocator::NewDefaultAllocator()),
      isolate_([this] {
        v8::Isolate::CreateParams params;
        params.array_buffer_allocator = allocator_.get();
        return v8::Isolate::New(params);
      }()),
      watchdog_(std::chrono::milliseconds(options.runaway_budget_ms),
                [isolate = isolate_.get()] { isolate->TerminateExecution(); }) {
  // No promises or async code run here: explicit microtasks spare every call a checkpoint.
  isolate()->SetMicrotasksPolicy(v8::MicrotasksPolicy::kExplicit);
  // Makes V8 record a stack trace (with wasm frames and code offsets) in every Error it
  // creates, traps included, so backtraces are available to the TryCatch.
  isolate()->SetCaptureStackTraceForUncaughtExceptions(true, kMaxBacktraceFrames,
                                                       v8::StackTrace::kDetailed);
  v8::Isolate::Scope isolate_scope(isolate());
  v8::HandleScope handle_scope(isolate());
  context_.Reset(isolate(), v8::Context::New(isolate()));
}

std::string V8Vm::engine_version() const {
  return v8_engine_version();
}

}  // namespace

std::string v8_engine_version() {
  // "10.2.154.26-node.37" -> "10.2.154".
  std::string_view full = v8::V8::GetVersion();
  size_t end = 0;
  for (int dots = 0; end < full.size(); ++end) {
    if (full[end] == '.' && ++dots == 3) break;
    if (full[end] != '.' && (full[end] < '0' || full[end] > '9')) break;
  }
  return std::string(full.substr(0, end));
}

namespace {

Result<void> V8Vm::load(std::span<const uint8_t> bytecode) {
  if (info_) return make_error("a module is already loaded");
  Result<ModuleInfo> info = read_module_info(bytecode);
  if (!info) return unexpected(info.error());

  Entered entered(*this);
  v8::TryCatch try_catch(isolate());
  // V8 takes a module's memory maximum from its bytes: lowering it there to the Vm's limit makes
  // memory.grow past the limit return -1 inside the VM.
  CappedModule capped = cap_memory_maximum(bytecode, options_.max_memory_pages);
  std::span<const uint8_t> compiled =
      capped.bytes.empty() ? bytecode : std::span<const uint8_t>(capped.bytes);
  v8::Local<v8::WasmModuleObject> module;
  if (!v8::WasmModuleObject::Compile(isolate(), {compiled.data(), compiled.size()})
           .ToLocal(&module)) {
    std::string reason = try_catch.HasCaught() ? utf8(isolate(), try_catch.Exception())
                                               : std::string("compilation failed");
    return make_error("invalid wasm: " + reason);
  }
  module_.Reset(isolate(), module);
  capped.bytes.clear();
  capped.bytes.shrink_to_fit();
  offsets_ = capped;
  info_ = std::move(*info);
  V8Platform::instance().pump_tasks(isolate());
  return {};
}

std::vector<ImportDesc> V8Vm::imports() const {
  return info_ ? info_->imports : std::vector<ImportDesc>{};
}

std::vector<ExportDesc> V8Vm::exports() const {
  return info_ ? info_->exports : std::vector<ExportDesc>{};
}

std::optional<std::string> V8Vm::function_name(uint32_t function_index) const {
  return function_name_in(info_, function_index);
}

Result<v8::Local<v8::Object>> V8Vm::create_imported_memory(v8::Local<v8::Context> context,
                                                           v8::Local<v8::Object> webassembly,
                                                           const ImportDesc& import) {
  const std::string what = "memory import " + import.module + "." + import.name;
  const ModuleInfo::Memory& declared = info_->memories.front();  // checked by bind_imports
  const uint64_t limit = options_.max_memory_pages;
  // Capping the maximum at the Vm's limit makes memory.grow past it return -1, as for a
  // module that declares that maximum; a smaller maximum than declared still links.
  const uint64_t maximum = std::min(declared.max_pages.value_or(limit), limit);
  v8::Local<v8::Object> descriptor = v8::Object::New(isolate());
  v8::Local<v8::Value> ctor_value;
  v8::Local<v8::Object> memory;
  v8::TryCatch try_catch(isolate());
  bool ok = descriptor
                ->Set(context, js_string(isolate(), "initial"),
                      v8::Number::New(isolate(), static_cast<double>(declared.min_pages)))
                .FromMaybe(false) &&
            descriptor
                ->Set(context, js_string(isolate(), "maximum"),
                      v8::Number::New(isolate(), static_cast<double>(maximum)))
                .FromMaybe(false) &&
            webassembly->Get(context, js_string(isolate(), "Memory")).ToLocal(&ctor_value) &&
            ctor_value->IsFunction();
  v8::Local<v8::Value> argv[] = {descriptor};
  if (ok) ok = ctor_value.As<v8::Function>()->NewInstance(context, 1, argv).ToLocal(&memory);
  if (!ok || !memory->IsWasmMemoryObject()) {
    return make_error("cannot create " + what + ": " +
                      (try_catch.HasCaught() ? utf8(isolate(), try_catch.Exception())
                                             : std::string("WebAssembly.Memory unavailable")));
  }
  return memory;
}

Result<void> V8Vm::link(const ImportResolver& resolver) {
  if (!info_) return make_error("link() before load()");
  if (linked_) return make_error("the module is already linked");
  Result<void> linked = instantiate(resolver);
  if (!linked) {
    // memory() of a Vm that failed to link stays empty, even if an imported memory was made.
    memory_object_.Reset();
    exports_.Reset();
    memory_stale_ = true;
  }
  return linked;
}

Result<void> V8Vm::instantiate(const ImportResolver& resolver) {
  Entered entered(*this);
  v8::Local<v8::Context> context = entered.context();
  v8::Local<v8::Value> webassembly_value;
  if (!context->Global()
           ->Get(context, js_string(isolate(), "WebAssembly"))
           .ToLocal(&webassembly_value) ||
      !webassembly_value->IsObject()) {
    return make_error("V8 has no WebAssembly object");
  }
  v8::Local<v8::Object> webassembly = webassembly_value.As<v8::Object>();

  v8::Local<v8::Object> import_object = v8::Object::New(isolate());
  std::map<std::string, v8::Local<v8::Object>, std::less<>> namespaces;
  // Files `value` under import_object[module][name], as WebAssembly.Instance expects it.
  auto add_import = [&](const ImportDesc& import, v8::Local<v8::Value> value) -> Result<void> {
    auto it = namespaces.find(import.module);
    if (it == namespaces.end()) {
      it = namespaces.emplace(import.module, v8::Object::New(isolate())).first;
      if (!import_object->Set(context, js_string(isolate(), import.module), it->second)
               .FromMaybe(false)) {
        return make_error("cannot build the import object");
      }
    }
    if (!it->second->Set(context, js_string(isolate(), import.name), value).FromMaybe(false)) {
      return make_error("cannot build the import object");
    }
    return {};
  };
  ImportBinders binders;
  binders.function = [&](const ImportDesc& import, HostFunction function) -> Result<void> {
    auto& binding = host_functions_.emplace_back(
        std::make_unique<HostBinding>(HostBinding{this, import, std::move(function)}));
    v8::Local<v8::FunctionTemplate> tmpl = v8::FunctionTemplate::New(
        isolate(), &V8Vm::host_trampoline, v8::External::New(isolate(), binding.get()),
        v8::Local<v8::Signature>(), 0, v8::ConstructorBehavior::kThrow);
    v8::Local<v8::Function> fn;
    if (!tmpl->GetFunction(context).ToLocal(&fn)) {
      return make_error("cannot create host function " + import.module + "." + import.name);
    }
    fn->SetName(js_string(isolate(), import.name));
    return add_import(import, fn);
  };
  binders.memory = [&](const ImportDesc& import) -> Result<void> {
    Result<v8::Local<v8::Object>> memory = create_imported_memory(context, webassembly, import);
    if (!memory) return unexpected(memory.error());
    memory_object_.Reset(isolate(), memory->As<v8::WasmMemoryObject>());
    return add_import(import, *memory);
  };
  const ModuleInfo::Memory* declared = info_->memories.empty() ? nullptr : &info_->memories.front();
  if (Result<void> bound =
          bind_imports(info_->imports, declared, options_.max_memory_pages, resolver, binders);
      !bound) {
    return bound;
  }

  v8::Local<v8::Value> instance_ctor;
  if (!webassembly->Get(context, js_string(isolate(), "Instance")).ToLocal(&instance_ctor) ||
      !instance_ctor->IsFunction()) {
    return make_error("V8 has no WebAssembly.Instance");
  }
  v8::Local<v8::Value> argv[] = {module_.Get(isolate()), import_object};
  v8::Local<v8::Object> instance;
  {
    v8::TryCatch try_catch(isolate());
    WasmEntry entry(*this);  // instantiation runs the start function
    // A trap in the start function can leave V8 returning the bare receiver with the exception
    // caught: both count as failure.
    if (!instance_ctor.As<v8::Function>()->NewInstance(context, 2, argv).ToLocal(&instance) ||
        try_catch.HasCaught() || try_catch.HasTerminated()) {
      VmError error = fault_from(try_catch);
      entry.finish();
      return make_error(instantiation_failed(error.message));
    }
  }

  v8::Local<v8::Value> exports;
  if (!instance->Get(context, js_string(isolate(), "exports")).ToLocal(&exports) ||
      !exports->IsObject()) {
    return make_error("the instance has no exports object");
  }
  exports_.Reset(isolate(), exports.As<v8::Object>());

  if (!info_->memories.empty() && info_->memories.front().exported &&
      !info_->memories.front().imported) {
    v8::Local<v8::Value> memory;
    const std::string& name = info_->memories.front().export_name;
    if (!exports.As<v8::Object>()->Get(context, js_string(isolate(), name)).ToLocal(&memory) ||
        !memory->IsWasmMemoryObject()) {
      return make_error("exported memory '" + name + "' is not a WebAssembly.Memory");
    }
    memory_object_.Reset(isolate(), memory.As<v8::WasmMemoryObject>());
  }
  // A module whose memory is neither imported nor exported has no memory reachable from the
  // embedding API: memory() stays empty for it.

  memory_stale_ = true;
  if (std::optional<VmError> over = check_memory_limit()) {  // the start function may grow it
    return make_error(instantiation_failed(over->message));
  }
  linked_ = true;
  V8Platform::instance().pump_tasks(isolate());
  return {};
}

Result<FunctionRef> V8Vm::find_function(std::string_view name, const FuncType& type) {
  if (!linked_) return make_error("find_function() before link()");
  return functions_.find(
      info_->exports, name, type, [&](const ExportDesc& desc, size_t) -> Result<ExportedFunction> {
        Entered entered(*this);
        v8::Local<v8::Value> value;
        if (!exports_.Get(isolate())
                 ->Get(entered.context(), js_string(isolate(), name))
                 .ToLocal(&value) ||
            !value->IsFunction()) {
          return make_error("export '" + std::string(name) + "' is not callable");
        }
        return ExportedFunction{std::string(name), desc.type,
                                v8::Global<v8::Function>(isolate(), value.As<v8::Function>())};
      });
}

Result<void, VmError> V8Vm::call(FunctionRef function, std::span<const Value> args,
                                 std::span<Value> results) {
  Result<const ExportedFunction*, VmError> resolved =
      functions_.resolve(function, args.size(), results.size());
  if (!resolved) return unexpected(std::move(resolved.error()));
  const ExportedFunction& target = **resolved;
  const FuncType& type = target.type;

  Entered entered(*this);
  v8::Local<v8::Context> context = entered.context();
  CrossingBuffer<v8::Local<v8::Value>> argv(args.size());
  for (size_t i = 0; i < args.size(); ++i) argv[i] = to_js(isolate(), type.params[i], args[i]);

  v8::TryCatch try_catch(isolate());
  WasmEntry entry(*this);
  v8::Local<v8::Value> returned;
  if (!target.function.Get(isolate())
           ->Call(context, v8::Undefined(isolate()), static_cast<int>(args.size()), argv.data())
           .ToLocal(&returned)) {
    VmError error = fault_from(try_catch);
    return unexpected(std::move(error));
  }
  entry.finish();

  bool converted = true;
  if (type.results.size() == 1) {
    converted = from_js(context, returned, type.results[0], results[0]);
  } else if (type.results.size() > 1) {
    converted = returned->IsArray();
    for (uint32_t i = 0; converted && i < type.results.size(); ++i) {
      v8::Local<v8::Value> element;
      converted = returned.As<v8::Array>()->Get(context, i).ToLocal(&element) &&
                  from_js(context, element, type.results[i], results[i]);
    }
  }
  if (!converted) {
    return unexpected(VmError{VmFault::Trap, "unexpected results from '" + target.name + "'", {}});
  }

  if (entry.outermost()) {
    if (std::optional<VmError> over = check_memory_limit()) return unexpected(std::move(*over));
    if (++calls_since_pump_ >= kCallsPerTaskPump) {
      calls_since_pump_ = 0;
      V8Platform::instance().pump_tasks(isolate());
    }
  }
  return {};
}

std::span<uint8_t> V8Vm::memory() {
  if (!memory_stale_) return memory_;
  memory_stale_ = false;
  memory_ = {};
  if (memory_object_.IsEmpty()) return memory_;
  v8::Isolate::Scope isolate_scope(isolate());
  v8::HandleScope handle_scope(isolate());
  // Growing replaces the ArrayBuffer (and may move the data), so ask for the current one.
  v8::Local<v8::ArrayBuffer> buffer = memory_object_.Get(isolate())->Buffer();
  memory_ = {static_cast<uint8_t*>(buffer->Data()), buffer->ByteLength()};
  return memory_;
}

std::optional<VmError> V8Vm::check_memory_limit() {
  // V8 itself caps every memory at kMaxMemoryPages: only smaller limits need checking.
  if (options_.max_memory_pages >= v8engine::kMaxMemoryPages) return std::nullopt;
  return check_memory_pages(memory().size(), options_.max_memory_pages);
}

void V8Vm::throw_host_trap(std::string message) {
  // While a termination unwinds, throwing would replace the uncatchable termination exception.
  if (isolate()->IsExecutionTerminating()) return;
  v8::Local<v8::Value> exception = v8::Exception::Error(js_string(isolate(), message));
  host_trap_exception_.Reset(isolate(), exception);
  host_trap_message_ = std::move(message);
  isolate()->ThrowException(exception);
}

VmError V8Vm::fault_from(v8::TryCatch& try_catch) {
  VmError error;
  if (try_catch.HasTerminated() || !try_catch.HasCaught()) {
    error.fault = VmFault::Terminated;
    switch (watchdog_.stop_reason()) {
      case RunawayWatchdog::StopReason::Budget:
        error.message = "execution terminated after " + std::to_string(watchdog_.budget().count()) +
                        " ms (runaway budget)";
        break;
      case RunawayWatchdog::StopReason::Request:
        error.message = "terminated by request";
        break;
      case RunawayWatchdog::StopReason::None:
        error.message = "execution terminated";
        break;
    }
    return error;
  }
  v8::Local<v8::Value> exception = try_catch.Exception();
  error.backtrace = backtrace_of(exception);
  if (!host_trap_exception_.IsEmpty() &&
      host_trap_exception_.Get(isolate())->StrictEquals(exception)) {
    error.fault = VmFault::HostTrap;
    error.message = std::move(host_trap_message_);
    host_trap_message_.clear();
    host_trap_exception_.Reset();
    return error;
  }
  error.fault = VmFault::Trap;
  error.message = utf8(isolate(), exception);
  if (error.message.empty()) error.message = "unknown exception";
  return error;
}

std::vector<WasmFrame> V8Vm::backtrace_of(v8::Local<v8::Value> exception) {
  std::vector<WasmFrame> frames;
  v8::Local<v8::StackTrace> trace = v8::Exception::GetStackTrace(exception);
  if (trace.IsEmpty()) return frames;
  const int count = std::min(trace->GetFrameCount(), kMaxBacktraceFrames);
  for (int i = 0; i < count; ++i) {
    v8::Local<v8::StackFrame> frame = trace->GetFrame(isolate(), static_cast<uint32_t>(i));
    if (!frame->IsWasm()) continue;
    WasmFrame out;
    // For wasm frames V8 reports the byte offset in the module as a 1-based column.
    const int column = frame->GetColumn();
    out.code_offset = column > 0 ? offsets_.original_offset(static_cast<uint32_t>(column - 1)) : 0;
    if (std::optional<uint32_t> index = info_->function_at_offset(out.code_offset)) {
      out.function_index = *index;
      out.name = info_->function_name(*index);
    }
    if (out.name.empty()) {
      // V8 names wasm functions "$name" from the name section.
      std::string name = utf8(isolate(), frame->GetFunctionName());
      if (!name.empty() && name.front() == '$') name.erase(0, 1);
      out.name = std::move(name);
    }
    frames.push_back(std::move(out));
  }
  return frames;
}

void V8Vm::host_trampoline(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* binding = static_cast<HostBinding*>(info.Data().As<v8::External>()->Value());
  V8Vm& vm = *binding->vm;
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  vm.memory_stale_ = true;  // wasm ran since memory() last looked: it may have grown

  const FuncType& type = binding->import.type;
  CrossingBuffer<Value> args(type.params.size());
  CrossingBuffer<Value> results(type.results.size());
  for (size_t i = 0; i < type.params.size(); ++i) {
    v8::Local<v8::Value> arg = static_cast<int>(i) < info.Length()
                                   ? info[static_cast<int>(i)]
                                   : v8::Undefined(isolate).As<v8::Value>();
    if (!from_js(context, arg, type.params[i], args[i])) {
      vm.throw_host_trap("bad argument " + std::to_string(i) + " for host function " +
                         binding->import.module + "." + binding->import.name);
      return;
    }
  }
  for (size_t i = 0; i < type.results.size(); ++i) results[i].type = type.results[i];

  std::optional<HostTrapRequest> trap =
      call_host_function(binding->function, binding->import, args.span(), results.span());
  if (trap) {
    vm.throw_host_trap(std::move(trap->message));
    return;
  }

  if (type.results.size() == 1) {
    if (type.results[0] == ValType::I32) {
      info.GetReturnValue().Set(results[0].as_i32());
    } else {
      info.GetReturnValue().Set(to_js(isolate, type.results[0], results[0]));
    }
  } else if (type.results.size() > 1) {
    CrossingBuffer<v8::Local<v8::Value>> values(type.results.size());
    for (size_t i = 0; i < type.results.size(); ++i) {
      values[i] = to_js(isolate, type.results[i], results[i]);
    }
    info.GetReturnValue().Set(v8::Array::New(isolate, values.data(), type.results.size()));
  }
}

}  // namespace

Result<std::unique_ptr<Vm>> create_v8_vm(const VmOptions& options) {
  V8Platform& platform = V8Platform::instance();
  // Engine flags are process-wide in V8: they apply to every Vm compiled from now on.
  if (Result<void> flags = platform.set_flags(options.engine_flags); !flags)
    return unexpected(flags.error());
  return std::unique_ptr<Vm>(std::make_unique<V8Vm>(options));
}

}  // namespace pwplay::host
