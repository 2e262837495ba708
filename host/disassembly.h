// Disassembly: a module's functions as WAT text with the .wasm file offset of every
// instruction. `pwplay inspect --wat` prints it, the debugger highlights the line of an offset,
// the WABT engine names the instruction it stopped at.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"

namespace pwplay::host {

struct WatInstruction {
  uint32_t offset = 0;  // file offset of the opcode
  uint32_t depth = 0;   // block nesting, for indentation
  std::string text;     // "local.get $ptr", "call $inner_fault", "end"
};

struct FunctionWat {
  uint32_t function_index = 0;  // imports first
  std::string name;             // from the name section; "" when unnamed
  std::string header;           // "(func $malloc (type $t0) (param $size i32) (result i32)"
  std::string locals;           // "(local $ptr i32) (local $end i32)"; "" without locals
  // Every instruction in file order, the function's final `end` last. Names are WABT's
  // (GenerateNames + ApplyNames): the name section's where it has one, generated otherwise.
  std::vector<WatInstruction> instructions;
  std::vector<std::string> local_names;  // by local index, params first; "" when unnamed
  uint32_t body_offset = 0;              // file range of the body
  uint32_t body_size = 0;
};

struct ModuleWat {
  uint32_t imported_function_count = 0;
  std::vector<FunctionWat> functions;  // defined functions, in order

  // By function index; nullptr for imports and out of range.
  const FunctionWat* function(uint32_t function_index) const;
  // By name ("malloc" or "$malloc") or by function index ("12"); nullptr when unknown.
  const FunctionWat* find(std::string_view name_or_index) const;
  // The instruction whose opcode is at `file_offset`, or nullptr.
  const WatInstruction* instruction_at(uint32_t file_offset) const;
};

// The instructions of `function` around the one at `file_offset`: up to `before` earlier and
// `after` later ones, in order. Empty when no instruction of the function starts there.
std::span<const WatInstruction> instructions_around(const FunctionWat& function,
                                                    uint32_t file_offset, size_t before,
                                                    size_t after);

// Validates the module (through read_module_info) and disassembles every defined function.
Result<ModuleWat> disassemble(std::span<const uint8_t> bytes);

// The function as text, one instruction per line after its file offset:
//   (func $add (type $t0) (param $a i32) (param $b i32) (result i32)
//     0x0000004e  local.get $a
//     ...
std::string format_function_wat(const FunctionWat& function);

}  // namespace pwplay::host
