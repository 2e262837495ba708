// Test support: the function types and host-function results that the VM tests (wasm_vm,
// wabt_stepping, wabt_instructions) look functions up by and return.
#pragma once

#include <cstddef>
#include <optional>

#include "host/vm.h"

namespace pwplay::host::vm_types {

inline constexpr size_t kPage = 64 * 1024;  // a wasm page
inline const FuncType kI32ToI32{{ValType::I32}, {ValType::I32}};
// What a host function returns to let its caller carry on (no trap).
inline const std::optional<HostTrapRequest> kReturn;

}  // namespace pwplay::host::vm_types
