// NativeVm: runs a native filter (an ELF shared object built from the same sources as the wasm
// filter) behind the Vm interface.
//
// How the filter reaches the host functions: the SDK's `extern "C"` host-function declarations
// (samples/cpp/sdk/pwplay_sdk.h) stay undefined in the .so, exactly like wasm imports. This file
// defines them as C functions with the same names and native types, and the pwplay executable
// exports them to the dynamic loader (host/engines/native/host_symbols.list, attached to every
// executable that links pwplay_host), so dlopen binds the filter's references to them. Nothing
// in the SDK is native-specific, the filter's imports can be read from its ELF symbol table
// before loading it, and the pointer conventions live in one place (the functions below): a
// pointer or size crosses as a full 64-bit Value, which AbiHost reads with all its bits and
// resolves through Vm::translate (the identity here) instead of a wasm bounds check. Those
// functions find the VM they act for through a thread-local set for the duration of each call
// into the filter: filters must call host functions from the thread the host called them on.
//
// Isolation: dlopen loads a path once per process, so each NativeVm writes the bytes to a fresh
// temporary file (removed as soon as it is loaded) and opens that with RTLD_LOCAL: every plugin
// gets its own copy of the filter's globals. dlmopen(LM_ID_NEWLM) would isolate more (a separate
// libc) but cannot see the executable's host functions and is limited to 16 namespaces.
//
// Calls: exports are called through function pointers with uint64_t parameters and result, which
// the x86-64 and AArch64 calling conventions make equivalent for the ABI's integer and pointer
// types (i32 results are masked to 32 bits; the allocator's result is a full pointer). A host
// function asked to trap (HostTrapRequest) cannot unwind native code: it returns
// InternalFailure to the filter, and the call into the filter reports the trap when it returns.
#include "host/engines/native/native_vm.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <optional>

#include "abi/enums.h"
#include "abi/functions.h"
#include "host/engines/engine_common.h"
#include "host/engines/native/elf_symbols.h"

namespace pwplay::host {
namespace {

// Every host function native filters can import (ABI 0.2.1).
#define PWPLAY_NATIVE_HOST_FUNCTIONS(X) \
  X(proxy_log)                          \
  X(proxy_get_log_level)                \
  X(proxy_get_current_time_nanoseconds) \
  X(proxy_set_tick_period_milliseconds) \
  X(proxy_set_effective_context)        \
  X(proxy_done)                         \
  X(proxy_get_buffer_bytes)             \
  X(proxy_get_buffer_status)            \
  X(proxy_set_buffer_bytes)             \
  X(proxy_get_header_map_pairs)         \
  X(proxy_set_header_map_pairs)         \
  X(proxy_get_header_map_value)         \
  X(proxy_add_header_map_value)         \
  X(proxy_replace_header_map_value)     \
  X(proxy_remove_header_map_value)      \
  X(proxy_get_header_map_size)          \
  X(proxy_continue_stream)              \
  X(proxy_close_stream)                 \
  X(proxy_send_local_response)          \
  X(proxy_get_status)                   \
  X(proxy_http_call)                    \
  X(proxy_grpc_call)                    \
  X(proxy_grpc_stream)                  \
  X(proxy_grpc_send)                    \
  X(proxy_grpc_cancel)                  \
  X(proxy_grpc_close)                   \
  X(proxy_set_shared_data)              \
  X(proxy_get_shared_data)              \
  X(proxy_register_shared_queue)        \
  X(proxy_resolve_shared_queue)         \
  X(proxy_enqueue_shared_queue)         \
  X(proxy_dequeue_shared_queue)         \
  X(proxy_define_metric)                \
  X(proxy_increment_metric)             \
  X(proxy_record_metric)                \
  X(proxy_get_metric)                   \
  X(proxy_get_property)                 \
  X(proxy_set_property)                 \
  X(proxy_call_foreign_function)

enum class HostSlot : uint8_t {
#define PWPLAY_SLOT(name) name,
  PWPLAY_NATIVE_HOST_FUNCTIONS(PWPLAY_SLOT)
#undef PWPLAY_SLOT
      Count
};

constexpr std::string_view kHostNames[] = {
#define PWPLAY_NAME(name) #name,
    PWPLAY_NATIVE_HOST_FUNCTIONS(PWPLAY_NAME)
#undef PWPLAY_NAME
};
static_assert(std::size(kHostNames) == static_cast<size_t>(HostSlot::Count));

constexpr uint32_t kInternalFailure = static_cast<uint32_t>(abi::Status::InternalFailure);
constexpr uint32_t kUnimplemented = static_cast<uint32_t>(abi::Status::Unimplemented);
constexpr size_t kMaxParams = 8;

FuncType type_of(const abi::Signature& signature) {
  FuncType type;
  for (char c : signature.params) type.params.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  for (char c : signature.results) type.results.push_back(c == 'I' ? ValType::I64 : ValType::I32);
  return type;
}

uint64_t invoke(void* address, size_t count, const uint64_t* a) {
  using U = uint64_t;
  switch (count) {
    case 0:
      return reinterpret_cast<U (*)()>(address)();
    case 1:
      return reinterpret_cast<U (*)(U)>(address)(a[0]);
    case 2:
      return reinterpret_cast<U (*)(U, U)>(address)(a[0], a[1]);
    case 3:
      return reinterpret_cast<U (*)(U, U, U)>(address)(a[0], a[1], a[2]);
    case 4:
      return reinterpret_cast<U (*)(U, U, U, U)>(address)(a[0], a[1], a[2], a[3]);
    case 5:
      return reinterpret_cast<U (*)(U, U, U, U, U)>(address)(a[0], a[1], a[2], a[3], a[4]);
    case 6:
      return reinterpret_cast<U (*)(U, U, U, U, U, U)>(address)(a[0], a[1], a[2], a[3], a[4], a[5]);
    case 7:
      return reinterpret_cast<U (*)(U, U, U, U, U, U, U)>(address)(a[0], a[1], a[2], a[3], a[4],
                                                                   a[5], a[6]);
    case 8:
      return reinterpret_cast<U (*)(U, U, U, U, U, U, U, U)>(address)(a[0], a[1], a[2], a[3], a[4],
                                                                      a[5], a[6], a[7]);
  }
  return 0;
}

class NativeVm;
// The VM whose filter is running on this thread (innermost call).
thread_local NativeVm* t_current = nullptr;

class NativeVm final : public Vm {
 public:
  explicit NativeVm(const VmOptions& options) : options_(options) {}
  ~NativeVm() override {
    if (handle_) dlclose(handle_);  // runs the filter's static destructors
  }

  std::string_view engine_name() const override { return "native"; }
  std::string engine_version() const override { return native_engine_version(); }
  Result<void> load(std::span<const uint8_t> bytecode) override;
  std::vector<ImportDesc> imports() const override { return imports_; }
  std::vector<ExportDesc> exports() const override { return exports_; }
  Result<void> link(const ImportResolver& resolver) override;
  Result<FunctionRef> find_function(std::string_view name, const FuncType& type) override;
  Result<void, VmError> call(FunctionRef function, std::span<const Value> args,
                             std::span<Value> results) override;
  // Native code has no linear memory: its addresses are the host's.
  std::span<uint8_t> memory() override { return {}; }
  // Native code cannot be stopped safely: the runaway budget does not apply.
  void terminate() override {}
  std::optional<std::string> function_name(uint32_t) const override { return std::nullopt; }
  uint8_t* translate(uint64_t address, uint64_t size) override {
    static uint8_t empty_access;
    if (address == 0) return size == 0 ? &empty_access : nullptr;
    return reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(address));
  }
  uint32_t pointer_size() const override { return 8; }

  uint32_t host_call(HostSlot slot, std::initializer_list<Value> args);

 private:
  struct ExportedFunction {
    std::string name;
    FuncType type;
    void* address = nullptr;
    bool returns_pointer = false;
  };

  VmOptions options_;
  std::vector<uint8_t> bytes_;
  bool loaded_ = false;
  std::vector<ImportDesc> imports_;
  std::vector<ExportDesc> exports_;
  std::array<HostFunction, static_cast<size_t>(HostSlot::Count)> host_functions_;
  void* handle_ = nullptr;
  ExportedFunctions<ExportedFunction> functions_;  // indexed by FunctionRef::index
  // One entry per call into the filter in progress: the trap a host function asked for.
  std::vector<std::optional<std::string>> pending_traps_;
};

std::optional<HostSlot> slot_of(std::string_view name) {
  for (size_t i = 0; i < std::size(kHostNames); ++i) {
    if (kHostNames[i] == name) return static_cast<HostSlot>(i);
  }
  return std::nullopt;
}

Result<void> NativeVm::load(std::span<const uint8_t> bytecode) {
  if (loaded_) return make_error("a module is already loaded");
  if (bytecode.size() >= 4 && bytecode[0] == 0 && bytecode[1] == 'a' && bytecode[2] == 's' &&
      bytecode[3] == 'm') {
    return make_error(
        "this is a wasm module; the native engine loads a shared object (.so) built from the same "
        "sources (see docs/engines.md)");
  }
  Result<native::ElfSymbols> symbols = native::read_elf_symbols(bytecode);
  if (!symbols) return make_error("invalid native filter: " + symbols.error().message);

  // Imports: the ABI host functions the filter leaves undefined.
  for (const std::string& name : symbols->undefined) {
    if (!slot_of(name)) continue;
    const abi::HostFunctionSpec* spec = abi::find_host_function(name);
    if (!spec) continue;
    imports_.push_back(ImportDesc{"env", name, ExternKind::Function, type_of(spec->signature)});
  }
  // Exports: the ABI's callbacks, markers and allocator among the filter's functions; typed by
  // the ABI version the markers declare (native symbols carry no types).
  std::vector<std::string> names;
  for (const std::string& name : symbols->functions) {
    if (abi::is_abi_export(name)) names.push_back(name);
  }
  abi::AbiVersion version = abi::AbiVersion::v0_2_1;
  if (Result<abi::AbiVersion> detected = abi::detect_abi_version(names)) version = *detected;
  for (const std::string& name : names) {
    if (name.starts_with("proxy_abi_version_")) {
      exports_.push_back(ExportDesc{name, ExternKind::Function, FuncType{}});
    } else if (const abi::CallbackSpec* spec = abi::find_callback(name, version)) {
      exports_.push_back(ExportDesc{name, ExternKind::Function, type_of(spec->signature)});
    }
  }
  bytes_.assign(bytecode.begin(), bytecode.end());
  loaded_ = true;
  return {};
}

Result<void> NativeVm::link(const ImportResolver& resolver) {
  if (!loaded_) return make_error("link() before load()");
  if (handle_) return make_error("the module is already linked");
  ImportBinders binders;
  binders.function = [&](const ImportDesc& import, HostFunction function) -> Result<void> {
    host_functions_[static_cast<size_t>(*slot_of(import.name))] = std::move(function);
    return {};
  };
  // Native filters have no linear memory: bind_imports refuses a memory import.
  if (Result<void> bound =
          bind_imports(imports_, nullptr, options_.max_memory_pages, resolver, binders);
      !bound) {
    return bound;
  }

  // A private copy of the file, so that this VM gets its own globals (see the file comment).
  std::error_code ec;
  std::filesystem::path directory = std::filesystem::temp_directory_path(ec);
  if (ec) directory = "/tmp";
  std::string path = (directory / "pwplay-native-XXXXXX.so").string();
  const int fd = mkstemps(path.data(), 3);
  if (fd < 0) return make_error("cannot create a temporary file for the native filter");
  size_t written = 0;
  while (written < bytes_.size()) {
    const ssize_t n = ::write(fd, bytes_.data() + written, bytes_.size() - written);
    if (n <= 0) break;
    written += static_cast<size_t>(n);
  }
  ::close(fd);
  if (written != bytes_.size()) {
    ::unlink(path.c_str());
    return make_error("cannot write the native filter to " + path);
  }
  // Static constructors run inside dlopen and may call host functions.
  NativeVm* saved = t_current;
  t_current = this;
  pending_traps_.emplace_back();
  handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  std::optional<std::string> trap = std::move(pending_traps_.back());
  pending_traps_.pop_back();
  t_current = saved;
  ::unlink(path.c_str());
  if (!handle_) {
    const char* reason = dlerror();
    std::string message =
        std::string("cannot load the native filter: ") + (reason ? reason : "dlopen failed");
    if (message.find("undefined symbol: proxy_") != std::string::npos) {
      message +=
          " (the executable must export pwplay's host functions: link it with "
          "pwplay_host, whose link options carry host/engines/native/host_symbols.list)";
    }
    return make_error(message);
  }
  if (trap) return make_error(instantiation_failed(*trap));
  return {};
}

Result<FunctionRef> NativeVm::find_function(std::string_view name, const FuncType& type) {
  if (!handle_) return make_error("find_function() before link()");
  return functions_.find(
      exports_, name, type, [&](const ExportDesc&, size_t) -> Result<ExportedFunction> {
        if (type.params.size() > kMaxParams || type.results.size() > 1) {
          return make_error("export '" + std::string(name) +
                            "' has a signature native calls cannot make");
        }
        dlerror();
        void* address = dlsym(handle_, std::string(name).c_str());
        if (!address) return make_error("export '" + std::string(name) + "' is not callable");
        return ExportedFunction{std::string(name), type, address,
                                name == "proxy_on_memory_allocate" || name == "malloc"};
      });
}

Result<void, VmError> NativeVm::call(FunctionRef function, std::span<const Value> args,
                                     std::span<Value> results) {
  auto resolved = functions_.resolve(function, args.size(), results.size());
  if (!resolved) return unexpected(std::move(resolved.error()));
  const ExportedFunction& target = **resolved;
  const FuncType& type = target.type;
  uint64_t raw[kMaxParams] = {};
  for (size_t i = 0; i < args.size(); ++i) raw[i] = args[i].bits;

  NativeVm* saved = t_current;
  t_current = this;
  pending_traps_.emplace_back();
  const uint64_t returned = invoke(target.address, args.size(), raw);
  std::optional<std::string> trap = std::move(pending_traps_.back());
  pending_traps_.pop_back();
  t_current = saved;

  if (trap) return unexpected(VmError{VmFault::HostTrap, std::move(*trap), {}});
  if (!type.results.empty()) {
    const bool wide = target.returns_pointer || type.results[0] == ValType::I64;
    results[0] = Value{type.results[0], wide ? returned : (returned & 0xffffffffu)};
  }
  return {};
}

uint32_t NativeVm::host_call(HostSlot slot, std::initializer_list<Value> args) {
  HostFunction& function = host_functions_[static_cast<size_t>(slot)];
  if (!function) return kUnimplemented;
  Value result = Value::i32(0);
  std::optional<HostTrapRequest> trap;
  try {
    trap =
        function(std::span<const Value>(args.begin(), args.size()), std::span<Value>(&result, 1));
  } catch (const std::exception& e) {
    trap = HostTrapRequest{"host function env." + std::string(kHostNames[size_t(slot)]) +
                           " threw: " + e.what()};
  } catch (...) {
    trap = HostTrapRequest{"host function env." + std::string(kHostNames[size_t(slot)]) +
                           " threw an unknown exception"};
  }
  if (trap) {
    if (!pending_traps_.empty() && !pending_traps_.back()) {
      pending_traps_.back() = std::move(trap->message);
    }
    return kInternalFailure;
  }
  return result.as_u32();
}

// --- The host functions, as native filters call them ----------------------------------------

Value u32(uint32_t value) {
  return Value::i32(value);
}
// Pointers and sizes are i32 in the ABI's wasm signatures; here they carry all 64 bits.
Value ptr(const void* address) {
  return Value{ValType::I32, static_cast<uint64_t>(reinterpret_cast<uintptr_t>(address))};
}
Value word(size_t value) {
  return Value{ValType::I32, static_cast<uint64_t>(value)};
}
Value i64(uint64_t value) {
  return Value::i64(value);
}

uint32_t call_host(HostSlot slot, std::initializer_list<Value> args) {
  // A host function called outside a call into the filter (from a thread the filter started).
  if (!t_current) return kInternalFailure;
  return t_current->host_call(slot, args);
}

}  // namespace

std::string native_engine_version() {
  return std::string("glibc ") + gnu_get_libc_version();
}

std::vector<std::string_view> native_host_function_names() {
  return {std::begin(kHostNames), std::end(kHostNames)};
}

Result<std::unique_ptr<Vm>> create_native_vm(const VmOptions& options) {
  if (Result<void> flags = refuse_engine_flags("native", options.engine_flags); !flags)
    return unexpected(flags.error());
  return std::unique_ptr<Vm>(std::make_unique<NativeVm>(options));
}

}  // namespace pwplay::host

// Defined here, in the file that create_native_vm() lives in, so that linking any engine pulls
// them out of the static library; exported through host_symbols.list. Native types follow the
// SDK's declarations (32-bit start/length/timeout arguments are read from their low 32 bits).
#define PWPLAY_NATIVE_HOST extern "C" __attribute__((visibility("default"), used)) uint32_t

namespace {
using pwplay::host::call_host;
using pwplay::host::HostSlot;
using pwplay::host::i64;
using pwplay::host::ptr;
using pwplay::host::u32;
using pwplay::host::word;
}  // namespace

PWPLAY_NATIVE_HOST proxy_log(uint32_t level, const char* message, size_t size) {
  return call_host(HostSlot::proxy_log, {u32(level), ptr(message), word(size)});
}
PWPLAY_NATIVE_HOST proxy_get_log_level(uint32_t* level) {
  return call_host(HostSlot::proxy_get_log_level, {ptr(level)});
}
PWPLAY_NATIVE_HOST proxy_get_current_time_nanoseconds(uint64_t* time) {
  return call_host(HostSlot::proxy_get_current_time_nanoseconds, {ptr(time)});
}
PWPLAY_NATIVE_HOST proxy_set_tick_period_milliseconds(uint32_t period) {
  return call_host(HostSlot::proxy_set_tick_period_milliseconds, {u32(period)});
}
PWPLAY_NATIVE_HOST proxy_set_effective_context(uint32_t context_id) {
  return call_host(HostSlot::proxy_set_effective_context, {u32(context_id)});
}
PWPLAY_NATIVE_HOST proxy_done() {
  return call_host(HostSlot::proxy_done, {});
}
PWPLAY_NATIVE_HOST proxy_get_buffer_bytes(uint32_t type, uint32_t start, uint32_t max_size,
                                          char** data, size_t* size) {
  return call_host(HostSlot::proxy_get_buffer_bytes,
                   {u32(type), u32(start), u32(max_size), ptr(data), ptr(size)});
}
PWPLAY_NATIVE_HOST proxy_get_buffer_status(uint32_t type, size_t* size, uint32_t* flags) {
  return call_host(HostSlot::proxy_get_buffer_status, {u32(type), ptr(size), ptr(flags)});
}
PWPLAY_NATIVE_HOST proxy_set_buffer_bytes(uint32_t type, uint32_t start, uint32_t size,
                                          const char* data, size_t data_size) {
  return call_host(HostSlot::proxy_set_buffer_bytes,
                   {u32(type), u32(start), u32(size), ptr(data), word(data_size)});
}
PWPLAY_NATIVE_HOST proxy_get_header_map_pairs(uint32_t type, char** pairs, size_t* size) {
  return call_host(HostSlot::proxy_get_header_map_pairs, {u32(type), ptr(pairs), ptr(size)});
}
PWPLAY_NATIVE_HOST proxy_set_header_map_pairs(uint32_t type, const char* pairs, size_t size) {
  return call_host(HostSlot::proxy_set_header_map_pairs, {u32(type), ptr(pairs), word(size)});
}
PWPLAY_NATIVE_HOST proxy_get_header_map_value(uint32_t type, const char* key, size_t key_size,
                                              char** value, size_t* value_size) {
  return call_host(HostSlot::proxy_get_header_map_value,
                   {u32(type), ptr(key), word(key_size), ptr(value), ptr(value_size)});
}
PWPLAY_NATIVE_HOST proxy_add_header_map_value(uint32_t type, const char* key, size_t key_size,
                                              const char* value, size_t value_size) {
  return call_host(HostSlot::proxy_add_header_map_value,
                   {u32(type), ptr(key), word(key_size), ptr(value), word(value_size)});
}
PWPLAY_NATIVE_HOST proxy_replace_header_map_value(uint32_t type, const char* key, size_t key_size,
                                                  const char* value, size_t value_size) {
  return call_host(HostSlot::proxy_replace_header_map_value,
                   {u32(type), ptr(key), word(key_size), ptr(value), word(value_size)});
}
PWPLAY_NATIVE_HOST proxy_remove_header_map_value(uint32_t type, const char* key, size_t key_size) {
  return call_host(HostSlot::proxy_remove_header_map_value, {u32(type), ptr(key), word(key_size)});
}
PWPLAY_NATIVE_HOST proxy_get_header_map_size(uint32_t type, size_t* size) {
  return call_host(HostSlot::proxy_get_header_map_size, {u32(type), ptr(size)});
}
PWPLAY_NATIVE_HOST proxy_continue_stream(uint32_t stream_type) {
  return call_host(HostSlot::proxy_continue_stream, {u32(stream_type)});
}
PWPLAY_NATIVE_HOST proxy_close_stream(uint32_t stream_type) {
  return call_host(HostSlot::proxy_close_stream, {u32(stream_type)});
}
PWPLAY_NATIVE_HOST proxy_send_local_response(uint32_t status, const char* details,
                                             size_t details_size, const char* body,
                                             size_t body_size, const char* headers,
                                             size_t headers_size, int32_t grpc_status) {
  return call_host(HostSlot::proxy_send_local_response,
                   {u32(status), ptr(details), word(details_size), ptr(body), word(body_size),
                    ptr(headers), word(headers_size), u32(static_cast<uint32_t>(grpc_status))});
}
PWPLAY_NATIVE_HOST proxy_get_status(uint32_t* code, char** message, size_t* message_size) {
  return call_host(HostSlot::proxy_get_status, {ptr(code), ptr(message), ptr(message_size)});
}
PWPLAY_NATIVE_HOST proxy_http_call(const char* upstream, size_t upstream_size, const char* headers,
                                   size_t headers_size, const char* body, size_t body_size,
                                   const char* trailers, size_t trailers_size, uint32_t timeout_ms,
                                   uint32_t* token) {
  return call_host(
      HostSlot::proxy_http_call,
      {ptr(upstream), word(upstream_size), ptr(headers), word(headers_size), ptr(body),
       word(body_size), ptr(trailers), word(trailers_size), u32(timeout_ms), ptr(token)});
}
PWPLAY_NATIVE_HOST proxy_grpc_call(const char* upstream, size_t upstream_size, const char* service,
                                   size_t service_size, const char* method, size_t method_size,
                                   const char* metadata, size_t metadata_size, const char* message,
                                   size_t message_size, uint32_t timeout_ms, uint32_t* token) {
  return call_host(HostSlot::proxy_grpc_call,
                   {ptr(upstream), word(upstream_size), ptr(service), word(service_size),
                    ptr(method), word(method_size), ptr(metadata), word(metadata_size),
                    ptr(message), word(message_size), u32(timeout_ms), ptr(token)});
}
PWPLAY_NATIVE_HOST proxy_grpc_stream(const char* upstream, size_t upstream_size,
                                     const char* service, size_t service_size, const char* method,
                                     size_t method_size, const char* metadata, size_t metadata_size,
                                     uint32_t* token) {
  return call_host(HostSlot::proxy_grpc_stream, {ptr(upstream), word(upstream_size), ptr(service),
                                                 word(service_size), ptr(method), word(method_size),
                                                 ptr(metadata), word(metadata_size), ptr(token)});
}
PWPLAY_NATIVE_HOST proxy_grpc_send(uint32_t token, const char* message, size_t size,
                                   uint32_t end_stream) {
  return call_host(HostSlot::proxy_grpc_send,
                   {u32(token), ptr(message), word(size), u32(end_stream)});
}
PWPLAY_NATIVE_HOST proxy_grpc_cancel(uint32_t token) {
  return call_host(HostSlot::proxy_grpc_cancel, {u32(token)});
}
PWPLAY_NATIVE_HOST proxy_grpc_close(uint32_t token) {
  return call_host(HostSlot::proxy_grpc_close, {u32(token)});
}
PWPLAY_NATIVE_HOST proxy_set_shared_data(const char* key, size_t key_size, const char* value,
                                         size_t value_size, uint32_t cas) {
  return call_host(HostSlot::proxy_set_shared_data,
                   {ptr(key), word(key_size), ptr(value), word(value_size), u32(cas)});
}
PWPLAY_NATIVE_HOST proxy_get_shared_data(const char* key, size_t key_size, char** value,
                                         size_t* value_size, uint32_t* cas) {
  return call_host(HostSlot::proxy_get_shared_data,
                   {ptr(key), word(key_size), ptr(value), ptr(value_size), ptr(cas)});
}
PWPLAY_NATIVE_HOST proxy_register_shared_queue(const char* name, size_t name_size,
                                               uint32_t* queue_id) {
  return call_host(HostSlot::proxy_register_shared_queue,
                   {ptr(name), word(name_size), ptr(queue_id)});
}
PWPLAY_NATIVE_HOST proxy_resolve_shared_queue(const char* vm_id, size_t vm_id_size,
                                              const char* name, size_t name_size,
                                              uint32_t* queue_id) {
  return call_host(HostSlot::proxy_resolve_shared_queue,
                   {ptr(vm_id), word(vm_id_size), ptr(name), word(name_size), ptr(queue_id)});
}
PWPLAY_NATIVE_HOST proxy_enqueue_shared_queue(uint32_t queue_id, const char* value,
                                              size_t value_size) {
  return call_host(HostSlot::proxy_enqueue_shared_queue,
                   {u32(queue_id), ptr(value), word(value_size)});
}
PWPLAY_NATIVE_HOST proxy_dequeue_shared_queue(uint32_t queue_id, char** value, size_t* value_size) {
  return call_host(HostSlot::proxy_dequeue_shared_queue,
                   {u32(queue_id), ptr(value), ptr(value_size)});
}
PWPLAY_NATIVE_HOST proxy_define_metric(uint32_t type, const char* name, size_t name_size,
                                       uint32_t* metric_id) {
  return call_host(HostSlot::proxy_define_metric,
                   {u32(type), ptr(name), word(name_size), ptr(metric_id)});
}
PWPLAY_NATIVE_HOST proxy_increment_metric(uint32_t metric_id, int64_t offset) {
  return call_host(HostSlot::proxy_increment_metric,
                   {u32(metric_id), i64(static_cast<uint64_t>(offset))});
}
PWPLAY_NATIVE_HOST proxy_record_metric(uint32_t metric_id, uint64_t value) {
  return call_host(HostSlot::proxy_record_metric, {u32(metric_id), i64(value)});
}
PWPLAY_NATIVE_HOST proxy_get_metric(uint32_t metric_id, uint64_t* value) {
  return call_host(HostSlot::proxy_get_metric, {u32(metric_id), ptr(value)});
}
PWPLAY_NATIVE_HOST proxy_get_property(const char* path, size_t path_size, char** value,
                                      size_t* value_size) {
  return call_host(HostSlot::proxy_get_property,
                   {ptr(path), word(path_size), ptr(value), ptr(value_size)});
}
PWPLAY_NATIVE_HOST proxy_set_property(const char* path, size_t path_size, const char* value,
                                      size_t value_size) {
  return call_host(HostSlot::proxy_set_property,
                   {ptr(path), word(path_size), ptr(value), word(value_size)});
}
PWPLAY_NATIVE_HOST proxy_call_foreign_function(const char* name, size_t name_size, const char* args,
                                               size_t args_size, char** results,
                                               size_t* results_size) {
  return call_host(
      HostSlot::proxy_call_foreign_function,
      {ptr(name), word(name_size), ptr(args), word(args_size), ptr(results), ptr(results_size)});
}
