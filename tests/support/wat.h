// Test support: compiles WebAssembly text into a binary module, so tests keep their modules
// inline and readable.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace pwplay::test {

// Parses, resolves, validates and encodes `wat_text` (with a name section). On failure, fails the
// current test with WABT's error text (it throws, which GoogleTest reports and which ends the
// test).
std::vector<uint8_t> wat_to_wasm(std::string_view wat_text);

}  // namespace pwplay::test
