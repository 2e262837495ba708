// Fuzz target: module loading and inspection. The module reader (host/module_info.h), the
// disassembler (host/disassembly.h) and, in builds with the WABT engine, instantiation (its start
// section runs under a short runaway budget; every imported function traps).
#include <cstdlib>
#include <span>

#include "fuzz_support.h"
#include "host/disassembly.h"
#include "host/module_info.h"
#include "host/vm.h"

namespace {

void inspect(std::span<const uint8_t> bytes) {
  auto info = pwplay::host::read_module_info(bytes);
  if (!info) return;
  // Every lookup the engines and the inspector make, over the whole index space and past it.
  const uint32_t functions = info->imported_function_count + info->defined_function_count;
  for (uint32_t i = 0; i <= functions; ++i) (void)info->function_name(i);
  for (const auto& body : info->function_bodies) {
    auto found = info->function_at_offset(body.offset);
    if (body.size > 0 && !found) std::abort();  // a body's first byte lies in that body
    (void)info->function_at_offset(body.offset + body.size);
  }
  for (const auto& desc : info->exports) (void)info->find_export(desc.name);

  auto wat = pwplay::host::disassemble(bytes);
  if (!wat) return;
  for (const auto& function : wat->functions) {
    (void)pwplay::host::format_function_wat(function);
    (void)wat->find(function.name);
    (void)wat->find(std::to_string(function.function_index));
    for (const auto& instruction : function.instructions) {
      if (wat->instruction_at(instruction.offset) == nullptr) std::abort();
      (void)pwplay::host::instructions_around(function, instruction.offset, 3, 3);
    }
  }
}

#ifdef PWPLAY_ENGINE_WABT
void instantiate(std::span<const uint8_t> bytes) {
  pwplay::host::VmOptions options;
  options.runaway_budget_ms = 100;
  options.max_memory_pages = 64;  // 4 MiB: a fuzzed module's memory stays small
  auto vm = pwplay::host::create_vm("wabt", options);
  if (!vm) std::abort();
  if (!(*vm)->load(bytes)) return;
  (void)(*vm)->imports();
  (void)(*vm)->exports();
  auto linked = (*vm)->link([](const pwplay::host::ImportDesc&) {
    return std::optional<pwplay::host::HostFunction>(
        [](std::span<const pwplay::host::Value>, std::span<pwplay::host::Value>) {
          return std::optional<pwplay::host::HostTrapRequest>(
              pwplay::host::HostTrapRequest{"imported functions trap while fuzzing"});
        });
  });
  if (!linked) return;
  (void)(*vm)->memory();
}
#endif

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  inspect(bytes);
#ifdef PWPLAY_ENGINE_WABT
  instantiate(bytes);
#endif
  return 0;
}
