// The dynamic symbols of a native filter (an ELF shared object): what it defines (its exports)
// and what it expects the host to define (its imports), read from the file without loading it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abi/result.h"

namespace pwplay::host::native {

struct ElfSymbols {
  // Functions the library exports: global or weak, default or protected visibility.
  std::vector<std::string> functions;
  // Symbols the library leaves to others (the host, libc, libstdc++).
  std::vector<std::string> undefined;
};

bool is_elf(std::span<const uint8_t> file);

// Reads the .dynsym table of a 64-bit little-endian shared object for this machine. Every offset
// is bounds-checked: a malformed file is an error, never a crash.
Result<ElfSymbols> read_elf_symbols(std::span<const uint8_t> file);

}  // namespace pwplay::host::native
