// ModuleView: what the app's Module tab shows of a loaded filter — the module's shape
// (host/module_info.h), its ABI version and the disassembly of every function — read once per
// build on the session's engine thread, so that no front end parses a module while it draws.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "abi/enums.h"
#include "abi/result.h"
#include "host/disassembly.h"
#include "host/module_info.h"

namespace pwplay::debugger {

struct ModuleView {
  uint32_t build = 0;       // the plugin build it was read from
  std::string wasm_path;    // the module file
  std::string error;        // why it could not be read; the rest is then empty
  std::string abi_version;  // "0.2.1"; empty when the exports name no usable version
  std::string abi_error;    // why there is none
  std::shared_ptr<const host::ModuleInfo> info;
  std::shared_ptr<const host::ModuleWat> wat;
};

// Reads the module's shape, its ABI version and its disassembly. Errors say why the module
// cannot be read (not wasm, invalid).
Result<ModuleView> read_module_view(std::span<const uint8_t> bytes);

// The ABI version the module's function exports mark, as the host detects it at load.
Result<abi::AbiVersion> detect_abi_version(const host::ModuleInfo& info);

}  // namespace pwplay::debugger
