#include "host/wasm_instructions.h"

#include <wabt/binary-reader.h>

namespace pwplay::host {

wabt::Features wasm_features() {
  wabt::Features features;
  features.enable_mutable_globals();
  features.enable_sign_extension();
  features.enable_sat_float_to_int();
  features.enable_bulk_memory();
  features.enable_multi_value();
  features.enable_reference_types();
  return features;
}

wabt::ReadBinaryOptions wasm_read_options(wabt::Stream* log_stream) {
  return wabt::ReadBinaryOptions(wasm_features(), log_stream, /*read_debug_names=*/true,
                                 /*stop_on_first_error=*/true,
                                 /*fail_on_custom_section_error=*/false);
}

wabt::Result InstructionWalker::BeginFunctionBody(wabt::Index index, wabt::Offset size) {
  FunctionCode code;
  code.function_index = index;
  code.body_offset = static_cast<uint32_t>(state->offset);
  code.body_size = static_cast<uint32_t>(size);
  functions.push_back(std::move(code));
  in_body_ = true;
  return wabt::Result::Ok;
}

wabt::Result InstructionWalker::EndFunctionBody(wabt::Index) {
  in_body_ = false;
  return wabt::Result::Ok;
}

wabt::Result InstructionWalker::OnOpcode(wabt::Opcode opcode) {
  if (in_body_ && !functions.empty()) {
    // The reader has just consumed the opcode: step back over its (canonical) encoding, as
    // wasm-objdump does.
    functions.back().offsets.push_back(static_cast<uint32_t>(state->offset - opcode.GetLength()));
    functions.back().opcodes.push_back(opcode);
    functions.back().ordinals.push_back(opcode_count);
  }
  ++opcode_count;
  return wabt::Result::Ok;
}

wabt::Result read_instructions(const uint8_t* data, size_t size, InstructionWalker& walker,
                               wabt::Stream* log_stream) {
  return wabt::ReadBinary(data, size, &walker, wasm_read_options(log_stream));
}

}  // namespace pwplay::host
