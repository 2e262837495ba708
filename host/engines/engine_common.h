// What the wasm engines (V8, WABT) do alike, whatever the engine: the checks before a call, the
// guard around host functions, and the wording of the errors they report, so that a module
// fails with the same message on each engine.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

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

// Runs the host function bound to `import`. C++ exceptions must not unwind through engine
// frames: one that escapes becomes a trap of the wasm caller.
std::optional<HostTrapRequest> call_host_function(const HostFunction& function,
                                                  const ImportDesc& import,
                                                  std::span<const Value> args,
                                                  std::span<Value> results);

}  // namespace pwplay::host
