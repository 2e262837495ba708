#include "debugger/module_view.h"

#include <string>
#include <utility>
#include <vector>

#include "abi/enums.h"
#include "abi/functions.h"

namespace pwplay::debugger {

Result<abi::AbiVersion> detect_abi_version(const host::ModuleInfo& info) {
  std::vector<std::string> export_names;
  for (const auto& e : info.exports)
    if (e.kind == host::ExternKind::Function) export_names.push_back(e.name);
  return abi::detect_abi_version(export_names);
}

Result<ModuleView> read_module_view(std::span<const uint8_t> bytes) {
  auto info = host::read_module_info(bytes);
  if (!info) return unexpected(info.error());
  auto wat = host::disassemble(bytes);
  if (!wat) return unexpected(wat.error());
  ModuleView view;
  if (auto version = detect_abi_version(*info))
    view.abi_version = abi::name(*version);
  else
    view.abi_error = version.error().message;
  view.info = std::make_shared<const host::ModuleInfo>(std::move(*info));
  view.wat = std::make_shared<const host::ModuleWat>(std::move(*wat));
  return view;
}

}  // namespace pwplay::debugger
