// Where each instruction of a module's code starts in the .wasm file, read with WABT's binary
// reader. The disassembler pairs these offsets with WAT lines; the WABT engine pairs them with
// the interpreter's own code offsets. This header compiles as C++17 as well as C++20: the WABT
// engine's interpreter adapter, built as C++17, includes it (see host/engines/wabt/).
#pragma once

#include <wabt/binary-reader-nop.h>
#include <wabt/feature.h>
#include <wabt/stream.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace pwplay::host {

// The proposals that toolchains for proxy-wasm filters emit (Rust, C++/Emscripten, TinyGo,
// AssemblyScript). SIMD stays on as in WABT's defaults. Every WABT reader in pwplay uses this
// set, so that two readers of the same bytes see the same instructions.
wabt::Features wasm_features();

// The code of one defined function.
struct FunctionCode {
  uint32_t function_index = 0;  // in the function index space (imports first)
  uint32_t body_offset = 0;     // file offset of the body (its local declarations)
  uint32_t body_size = 0;
  // File offset of each instruction's opcode, in file order; the function's final `end` is last.
  std::vector<uint32_t> offsets;
  std::vector<wabt::Opcode> opcodes;  // the instruction at each offset
  // For each instruction, its position among every opcode the reader reported (constant
  // expressions of globals and segments included): lines up two readers of the same bytes.
  std::vector<size_t> ordinals;
};

// Collects FunctionCode for every defined function. Use with wabt::ReadBinary, or through
// read_instructions().
class InstructionWalker : public wabt::BinaryReaderNop {
 public:
  std::vector<FunctionCode> functions;  // defined functions, in order
  size_t opcode_count = 0;              // every opcode reported so far

  wabt::Result BeginFunctionBody(wabt::Index index, wabt::Offset size) override;
  wabt::Result EndFunctionBody(wabt::Index index) override;
  wabt::Result OnOpcode(wabt::Opcode opcode) override;

 private:
  bool in_body_ = false;
};

// Reads the code of a module that read_module_info() accepted (WABT's readers abort on some
// malformed modules: check them first). `log_stream`, when set, receives WABT's reader log: a
// caller can count its writes to line up this read with another reader's (the WABT engine does).
wabt::Result read_instructions(const uint8_t* data, size_t size, InstructionWalker& walker,
                               wabt::Stream* log_stream = nullptr);

// The binary reader options every pwplay reader uses (names read, custom section errors
// tolerated), with an optional log stream.
wabt::ReadBinaryOptions wasm_read_options(wabt::Stream* log_stream = nullptr);

}  // namespace pwplay::host
