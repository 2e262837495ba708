// The runtime interface: what the ABI host needs from a WebAssembly engine. V8, the WABT
// interpreter and the native engine (host/engines/<name>/) implement it; engine-neutral code
// (host functions, filter chain, debugger) only ever sees these types.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"

namespace pwplay::host {

enum class ValType : uint8_t { I32, I64, F32, F64 };

std::string_view val_type_name(ValType type);

// A wasm value. Stored as raw bits so it is trivially copyable and cheap to pass.
struct Value {
  ValType type = ValType::I32;
  uint64_t bits = 0;

  static Value i32(uint32_t v) { return {ValType::I32, v}; }
  static Value i64(uint64_t v) { return {ValType::I64, v}; }
  uint32_t as_u32() const { return static_cast<uint32_t>(bits); }
  int32_t as_i32() const { return static_cast<int32_t>(static_cast<uint32_t>(bits)); }
  uint64_t as_u64() const { return bits; }
  bool operator==(const Value&) const = default;
};

struct FuncType {
  std::vector<ValType> params;
  std::vector<ValType> results;
  bool operator==(const FuncType&) const = default;
};

// "(i32, i32) -> i32": used in link errors and in the inspector.
std::string to_string(const FuncType& type);
// "i32:-1", "i64:42", "f32:1.5": a value as debuggers show it (integers signed).
std::string to_string(const Value& value);

enum class ExternKind : uint8_t { Function, Table, Memory, Global, Tag };
// "function", "table", "memory", "global", "tag": as `pwplay inspect` and the Module tab name it.
const char* extern_kind_name(ExternKind kind);

struct ImportDesc {
  std::string module;
  std::string name;
  ExternKind kind = ExternKind::Function;
  FuncType type;  // only for functions
};

struct ExportDesc {
  std::string name;
  ExternKind kind = ExternKind::Function;
  FuncType type;  // only for functions
};

// One wasm frame of a trap backtrace. `name` comes from the module's name section when present.
struct WasmFrame {
  uint32_t function_index = 0;
  std::string name;          // empty when unknown
  uint32_t code_offset = 0;  // byte offset in the .wasm file, 0 when unknown
};

// Why a call into the VM did not return normally.
enum class VmFault : uint8_t {
  None,
  Trap,             // unreachable, out-of-bounds access, division by zero, stack overflow, ...
  Terminated,       // stopped by terminate(): the runaway budget ran out or the user aborted
  MemoryLimit,      // memory.grow past the configured limit (reported when it caused a trap)
  HostTrap,         // a host function asked to trap (e.g. proc_exit, restricted call)
  MissingFunction,  // the export does not exist or has the wrong type
};

std::string_view vm_fault_name(VmFault fault);

struct VmError {
  VmFault fault = VmFault::Trap;
  std::string message;
  std::vector<WasmFrame> backtrace;  // innermost first
};

// What a host function tells the engine when it cannot return normally.
struct HostTrapRequest {
  std::string message;
};

// A host function as the engine calls it. `args` match the import's declared params; the
// function writes exactly one value per declared result. Returning a HostTrapRequest makes the
// engine trap the wasm caller (used for proc_exit and calls a phase does not allow).
using HostFunction = std::function<std::optional<HostTrapRequest>(std::span<const Value> args,
                                                                  std::span<Value> results)>;

// Called by link() for each function import. Returning nullopt leaves the import unresolved,
// which fails linking with a "missing import: module.name" error.
using ImportResolver = std::function<std::optional<HostFunction>(const ImportDesc& import)>;

// The largest linear memory limit a Vm accepts: 65,536 pages of 64 KiB, all of wasm32's 4 GiB.
inline constexpr uint32_t kMaxMemoryPagesLimit = 65536;

struct VmOptions {
  // Wall-clock budget for one call into the VM; past it the call is terminated. 0 = unlimited
  // (for embedders and tests only: user-facing settings refuse 0).
  uint32_t runaway_budget_ms = 1000;
  // Linear memory limit in 64 KiB pages (1 GiB by default, as proxy-wasm-cpp-host), 1 to
  // kMaxMemoryPagesLimit. memory.grow past it (or past the module's declared maximum) returns
  // -1 inside the VM, on every wasm engine.
  uint32_t max_memory_pages = 16384;
  // Engine-specific flags, e.g. V8's "--liftoff-only" or "--no-liftoff".
  std::vector<std::string> engine_flags;
};

// Where a wasm thread stands at an instruction boundary, for engines that can step (WABT).
struct WasmLocation {
  uint32_t function_index = 0;
  std::string function_name;             // from the name section; "" when unknown
  uint32_t file_offset = 0;              // of the instruction about to run, in the .wasm file
  std::string instruction;               // its text, e.g. "i32.add", "local.get 2", "call $f"
  std::vector<Value> locals;             // parameters first
  std::vector<std::string> local_names;  // "" when unknown
  std::vector<Value> stack;              // the current frame's operand stack, bottom first
  std::vector<WasmFrame> call_stack;     // outermost first; the last is the current function
  bool breakpoint = false;  // at an instruction breakpoint (set_instruction_breakpoints)
  bool step_done = false;   // the requested step (request_step) ends here
};

// Where to stop next when stepping wasm instructions.
struct StepRequest {
  enum class Kind : uint8_t {
    Run,          // stop stepping: run freely
    Instruction,  // the next instruction, entering calls
    Over,         // the next instruction in this function (calls run through)
    Out,          // the first instruction after the current function returns
    ToOffset,     // the instruction at `offset` (a .wasm file offset)
  };
  Kind kind = Kind::Run;
  uint32_t offset = 0;
};

// Called on the VM thread at each stop; it may block (a debugger waiting for a command) and
// returns where to stop next.
using InstructionHook = std::function<StepRequest(const WasmLocation& location)>;

// `memory.data() + address` when `size` bytes at `address` lie inside `memory`, else nullptr. A
// zero-size access in bounds gets a non-null pointer even into an empty memory.
uint8_t* bounds_checked(std::span<uint8_t> memory, uint64_t address, uint64_t size);

// Opaque handle of an exported function, resolved once and called many times.
struct FunctionRef {
  uint32_t index = UINT32_MAX;
  bool valid() const { return index != UINT32_MAX; }
};

// A WebAssembly engine instance holding one module instance.
// Life cycle: load() -> link() (instantiates; runs the start section) -> find_function()/call().
// All methods except terminate() must be called from the thread that created the Vm.
class Vm {
 public:
  virtual ~Vm() = default;

  // "v8", "wabt", "native".
  virtual std::string_view engine_name() const = 0;
  // e.g. "10.2.154".
  virtual std::string engine_version() const = 0;

  // Compiles the module. Errors name what is wrong ("invalid wasm: ...").
  virtual Result<void> load(std::span<const uint8_t> bytecode) = 0;

  // Module shape, valid after load().
  virtual std::vector<ImportDesc> imports() const = 0;
  virtual std::vector<ExportDesc> exports() const = 0;

  // Resolves every import through `resolver` and instantiates the module (running its start
  // section, if any). A missing import or a type mismatch is an error naming the import.
  virtual Result<void> link(const ImportResolver& resolver) = 0;

  // Finds an exported function with exactly `type`. Returns an invalid ref when the export is
  // missing; an error when it exists with another signature ("Bad function signature").
  virtual Result<FunctionRef> find_function(std::string_view name, const FuncType& type) = 0;

  // Calls an exported function. `results` must have room for the function's results.
  // A trap, a terminated runaway loop, or a host trap come back as VmError.
  virtual Result<void, VmError> call(FunctionRef function, std::span<const Value> args,
                                     std::span<Value> results) = 0;

  // The instance's linear memory. The span is invalidated by any call into the VM (memory may
  // grow and move): fetch it again after each call. Empty when the module has no memory.
  virtual std::span<uint8_t> memory() = 0;

  // Stops the running call as soon as possible. Safe to call from any thread.
  virtual void terminate() = 0;

  // Stops and restarts the runaway clock of the running call, so that time spent paused at a
  // debugger breakpoint (inside a host call) does not count against the budget. Calls nest.
  virtual void pause_runaway_clock() {}
  virtual void resume_runaway_clock() {}

  // Instruction stepping, for engines that can (the WABT interpreter). After request_step, the
  // running call (or the next one) stops where `request` says and calls `hook` there.
  virtual bool supports_stepping() const { return false; }
  virtual Result<void> request_step(StepRequest request, InstructionHook hook) {
    (void)request;
    (void)hook;
    return make_error(std::string(engine_name()) +
                      " cannot step wasm instructions; use the wabt engine");
  }
  // Instruction breakpoints (.wasm file offsets): every call stops there and calls `hook` (with
  // WasmLocation::breakpoint set), until they are replaced; an empty list removes them. The hook
  // is kept apart from request_step's, which clearing a step does not touch.
  virtual Result<void> set_instruction_breakpoints(std::vector<uint32_t> offsets,
                                                   InstructionHook hook) {
    (void)hook;
    if (offsets.empty()) return {};
    return make_error(std::string(engine_name()) +
                      " cannot stop at wasm instructions; use the wabt engine");
  }

  // Wasm instructions this instance has executed since load (the start function and every call,
  // nested ones included), counted exactly; nullopt on engines that cannot count (V8, native).
  // WABT counts the instructions of its interpreter's code, in which `block`, `loop` and `end`
  // compile to nothing and a few instructions gain a helper (reserving a function's locals on
  // entry, dropping values before a branch or a return).
  virtual std::optional<uint64_t> instructions_executed() const { return std::nullopt; }

  // Function names from the module's name section, by function index (imports included).
  virtual std::optional<std::string> function_name(uint32_t function_index) const = 0;

  // Host memory holding `size` bytes at `address`, an address as the module passes it to host
  // functions; nullptr when out of bounds. Wasm engines: an offset into memory(),
  // bounds-checked. The native engine: the address itself, unchecked (a native filter runs in
  // the host process and is trusted; the one exception to bounds checks).
  virtual uint8_t* translate(uint64_t address, uint64_t size) {
    return bounds_checked(memory(), address, size);
  }
  // Bytes of a pointer or size_t in the module's memory: 4 for wasm32, 8 for native filters.
  virtual uint32_t pointer_size() const { return 4; }
};

// The engine factory (host/engine_factory.cc), over the engines this build has (each a CMake
// option, PWPLAY_ENGINE_V8 / _WABT / _NATIVE). Creates the engine named `engine` ("v8", "wabt",
// "native"). An engine left out of the build is an error naming the built ones ("engine 'v8' is
// not built into this pwplay; built: wabt, native"); an unknown name lists them too.
// The options are checked first: a memory limit of 0 or over kMaxMemoryPagesLimit pages and an
// engine flag the engine does not recognize are errors.
Result<std::unique_ptr<Vm>> create_vm(std::string_view engine, const VmOptions& options);

// The check create_vm makes of the engine-neutral options: "max_memory_pages must be at least 1
// (got 0)", "... at most 65536 pages (4 GiB) (got 70000)".
Result<void> check_vm_options(const VmOptions& options);

// Engines this build has, in order of preference.
std::vector<std::string> available_engines();

// The version of an engine without creating a VM ("10.2.154", "1.0.32", "glibc 2.36"); "" when
// unknown or not built.
std::string engine_version(std::string_view engine);

}  // namespace pwplay::host
