#include "host/engines/native/elf_symbols.h"

#include <elf.h>

#include <cstring>

namespace pwplay::host::native {
namespace {

#if defined(__x86_64__)
constexpr uint16_t kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kMachine = EM_AARCH64;
#else
constexpr uint16_t kMachine = EM_NONE;
#endif

// Copies a T at `offset` if it lies inside the file (the file's bytes may be unaligned).
template <typename T>
bool read_at(std::span<const uint8_t> file, uint64_t offset, T& out) {
  if (offset > file.size() || sizeof(T) > file.size() - offset) return false;
  std::memcpy(&out, file.data() + offset, sizeof(T));
  return true;
}

}  // namespace

bool is_elf(std::span<const uint8_t> file) {
  return file.size() >= SELFMAG && std::memcmp(file.data(), ELFMAG, SELFMAG) == 0;
}

Result<ElfSymbols> read_elf_symbols(std::span<const uint8_t> file) {
  if (!is_elf(file)) return make_error("not an ELF shared object");
  Elf64_Ehdr header;
  if (!read_at(file, 0, header)) return make_error("truncated ELF header");
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_ident[EI_DATA] != ELFDATA2LSB) {
    return make_error("not a 64-bit little-endian ELF file");
  }
  if (header.e_type != ET_DYN) return make_error("not a shared object (build it with -shared)");
  if (header.e_machine != kMachine) {
    return make_error("built for another machine (ELF machine " + std::to_string(header.e_machine) +
                      ")");
  }
  if (header.e_shentsize != sizeof(Elf64_Shdr)) return make_error("unexpected section header size");

  Elf64_Shdr dynsym{};
  bool found = false;
  for (uint16_t i = 0; i < header.e_shnum && !found; ++i) {
    Elf64_Shdr section;
    if (!read_at(file, header.e_shoff + uint64_t{i} * sizeof(Elf64_Shdr), section)) {
      return make_error("truncated section headers");
    }
    if (section.sh_type == SHT_DYNSYM) {
      dynsym = section;
      found = true;
    }
  }
  if (!found) return make_error("no dynamic symbol table (.dynsym)");
  Elf64_Shdr strings;
  if (dynsym.sh_link >= header.e_shnum ||
      !read_at(file, header.e_shoff + uint64_t{dynsym.sh_link} * sizeof(Elf64_Shdr), strings) ||
      strings.sh_offset > file.size() || strings.sh_size > file.size() - strings.sh_offset) {
    return make_error("bad dynamic string table");
  }
  if (dynsym.sh_entsize != sizeof(Elf64_Sym)) return make_error("unexpected symbol size");

  ElfSymbols symbols;
  const uint64_t count = dynsym.sh_size / sizeof(Elf64_Sym);
  for (uint64_t i = 1; i < count; ++i) {  // entry 0 is the null symbol
    Elf64_Sym symbol;
    if (!read_at(file, dynsym.sh_offset + i * sizeof(Elf64_Sym), symbol)) {
      return make_error("truncated symbol table");
    }
    if (symbol.st_name >= strings.sh_size) continue;
    const char* begin =
        reinterpret_cast<const char*>(file.data() + strings.sh_offset) + symbol.st_name;
    const size_t max = strings.sh_size - symbol.st_name;
    const std::string name(begin, strnlen(begin, max));
    if (name.empty()) continue;
    const unsigned bind = ELF64_ST_BIND(symbol.st_info);
    const unsigned type = ELF64_ST_TYPE(symbol.st_info);
    const unsigned visibility = ELF64_ST_VISIBILITY(symbol.st_other);
    if (symbol.st_shndx == SHN_UNDEF) {
      symbols.undefined.push_back(name);
    } else if ((type == STT_FUNC || type == STT_GNU_IFUNC) &&
               (bind == STB_GLOBAL || bind == STB_WEAK) &&
               (visibility == STV_DEFAULT || visibility == STV_PROTECTED)) {
      symbols.functions.push_back(name);
    }
  }
  return symbols;
}

}  // namespace pwplay::host::native
