// What the engines (V8, WABT, native) do alike, whatever the engine: binding imports at link,
// finding exports, the checks before a call, the guard around host functions, and the wording of
// the errors they report, so that a module fails with the same message on each engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/module_info.h"
#include "host/vm.h"

namespace pwplay::host {

inline constexpr size_t kWasmPageSize = 64 * 1024;

// "17 pages (1088 KiB)".
std::string describe_pages(uint64_t pages);

// "<what> needs N pages (...), over the limit of M pages (...)": a memory too large to link.
std::string memory_over_limit_message(std::string_view what, uint64_t pages, uint64_t limit);

// The MemoryLimit error when a memory of `memory_bytes` is past `max_pages`; nullopt otherwise.
std::optional<VmError> check_memory_pages(size_t memory_bytes, uint32_t max_pages);

// The link error for an import of a kind the engines cannot provide (tables, globals, tags).
std::string unsupported_import_message(const ImportDesc& import);

// The error find_function returns when export `name` is declared with another signature.
std::string bad_signature_message(std::string_view name, const FuncType& wanted,
                                  const FuncType& declared);

VmError invalid_function_ref_error();

// The error for calling `name` (of `type`) with `arg_count` arguments and room for
// `result_count` results, or nullopt when the arities fit.
std::optional<VmError> check_call_arity(std::string_view name, const FuncType& type,
                                        size_t arg_count, size_t result_count);

// The entry of an engine's table of exported functions (each with `name` and `type`) that
// `function` refers to, once the reference and the arities are checked.
template <typename Functions>
Result<const typename Functions::value_type*, VmError> resolve_call(const Functions& functions,
                                                                    FunctionRef function,
                                                                    size_t arg_count,
                                                                    size_t result_count) {
  if (!function.valid() || function.index >= functions.size()) {
    return unexpected(invalid_function_ref_error());
  }
  const auto& target = functions[function.index];
  if (std::optional<VmError> error =
          check_call_arity(target.name, target.type, arg_count, result_count)) {
    return unexpected(std::move(*error));
  }
  return &target;
}

// The exported functions a Vm has handed out FunctionRefs for, each resolved once. `Entry` is the
// engine's record of one export, with at least `name` and `type`. A deque, so that entries stay
// put: find_function from a host function may add one while an outer call still uses its own.
template <typename Entry>
class ExportedFunctions {
 public:
  // find_function() as every engine answers it: an invalid ref when `exports` has no function
  // `name`, the "Bad function signature" error when it has one of another type, the same ref
  // each time for the same name. The first time, `make(desc, position)` (the export and its
  // position in `exports`) builds the engine's entry, or fails with an error.
  template <typename Make>
  Result<FunctionRef> find(std::span<const ExportDesc> exports, std::string_view name,
                           const FuncType& type, Make&& make) {
    size_t position = 0;
    while (position < exports.size() && exports[position].name != name) ++position;
    if (position == exports.size()) return FunctionRef{};
    const ExportDesc& desc = exports[position];
    if (desc.kind != ExternKind::Function) return FunctionRef{};
    if (desc.type != type) return make_error(bad_signature_message(name, type, desc.type));
    if (auto it = refs_.find(name); it != refs_.end()) return FunctionRef{it->second};
    Result<Entry> entry = std::forward<Make>(make)(desc, position);
    if (!entry) return unexpected(std::move(entry.error()));
    const auto index = static_cast<uint32_t>(entries_.size());
    entries_.push_back(std::move(*entry));
    refs_.emplace(std::string(name), index);
    return FunctionRef{index};
  }

  // The entry `function` refers to, for call(), once the reference and the arities are checked.
  Result<const Entry*, VmError> resolve(FunctionRef function, size_t arg_count,
                                        size_t result_count) const {
    return resolve_call(entries_, function, arg_count, result_count);
  }

 private:
  std::deque<Entry> entries_;
  std::map<std::string, uint32_t, std::less<>> refs_;
};

// How an engine binds what link() resolved: a host function for a function import, its memory
// for a memory import. Either may fail with an error naming the import.
struct ImportBinders {
  std::function<Result<void>(const ImportDesc& import, HostFunction function)> function;
  std::function<Result<void>(const ImportDesc& import)> memory;
};

// The part of link() every engine does alike, before it instantiates: each import in order, a
// function resolved through `resolver` ("missing import: env.f" when it is not), a memory checked
// against `max_pages`, any other kind refused; then the module's own memory (`memory`, null when
// the module has none) checked against the limit too.
Result<void> bind_imports(std::span<const ImportDesc> imports, const ModuleInfo::Memory* memory,
                          uint32_t max_pages, const ImportResolver& resolver,
                          const ImportBinders& binders);

// The error for engine flags given to an engine that takes none (wabt, native): "engine flag X
// not recognized by wabt (it takes no flags)"; ok when `flags` is empty.
Result<void> refuse_engine_flags(std::string_view engine, std::span<const std::string> flags);

// A module with the maximum of the memory it defines lowered to a limit, for engines that take
// the maximum from the module's bytes (V8): memory.grow past the limit then returns -1 inside
// the VM. Adding a maximum the module did not declare makes the bytes after the memory section
// move; `original_offset` maps a code offset in the new bytes back to the module's own.
struct CappedModule {
  std::vector<uint8_t> bytes;  // empty: the module needs no change (use it as it is)
  size_t shifted_from = 0;     // offsets at or after this (in `bytes`) moved by `shift`
  size_t shift = 0;
  uint32_t original_offset(uint32_t offset) const {
    return offset >= shifted_from ? static_cast<uint32_t>(offset - shift) : offset;
  }
};

// Caps the maximum of the module's own memory 0 at `max_pages` (the module's smaller maximum
// stays). An imported memory is left alone (the engine creates it with the cap), as is a memory
// whose minimum is already over the limit (linking refuses it). Malformed sections are left to
// the engine to report.
CappedModule cap_memory_maximum(std::span<const uint8_t> module, uint32_t max_pages);

// "instantiation failed: <why>": the start function trapped, or left memory over the limit.
std::string instantiation_failed(std::string_view why);

// A function's name from the name section of `info`; nullopt before load() or when unnamed.
std::optional<std::string> function_name_in(const std::optional<ModuleInfo>& info,
                                            uint32_t function_index);

// Runs the host function bound to `import`. C++ exceptions must not unwind through engine
// frames: one that escapes becomes a trap of the wasm caller.
std::optional<HostTrapRequest> call_host_function(const HostFunction& function,
                                                  const ImportDesc& import,
                                                  std::span<const Value> args,
                                                  std::span<Value> results);

}  // namespace pwplay::host
