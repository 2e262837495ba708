// ModuleInfo: the shape of a wasm module (imports, exports, memories, names, sections), read
// without instantiating it. Engines use it for typed imports/exports and trap backtraces; the
// inspector shows it as is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/result.h"
#include "host/vm.h"

namespace pwplay::host {

struct ModuleInfo {
  size_t size_bytes = 0;
  std::vector<ImportDesc> imports;       // in import-section order, FuncType set for functions
  std::vector<ExportDesc> exports;       // in export-section order, FuncType set for functions
  std::vector<uint32_t> export_indices;  // per export: the index in its kind's index space

  struct Memory {
    uint64_t min_pages = 0;
    std::optional<uint64_t> max_pages;
    bool imported = false;
    bool exported = false;
    std::string export_name;  // the first export of this memory; empty when not exported
  };
  std::vector<Memory> memories;  // by memory index (imports first)

  uint32_t imported_function_count = 0;
  uint32_t defined_function_count = 0;
  // By function index (imports first); "" when the name section does not name the function.
  std::vector<std::string> function_names;

  // Where a defined function's body (locals + code) lies in the file, by defined-function index
  // (function index - imported_function_count). Engines report code offsets inside these ranges.
  struct FunctionBody {
    uint32_t offset = 0;
    uint32_t size = 0;
  };
  std::vector<FunctionBody> function_bodies;

  struct CustomSection {
    std::string name;
    size_t size = 0;    // payload bytes, name included (the section header's size)
    size_t offset = 0;  // file offset of the payload
    bool dwarf() const { return name.starts_with(".debug_"); }
  };
  std::vector<CustomSection> custom_sections;  // in file order

  // Every section as the file lays it out, standard and custom: "type", "code", "name", ...
  struct Section {
    uint8_t id = 0;     // 0 for custom sections
    std::string name;   // the standard section's name, or the custom section's own
    size_t offset = 0;  // file offset of the payload
    size_t size = 0;    // payload bytes
  };
  std::vector<Section> sections;

  // The "producers" custom section: (field, "name version") pairs such as
  // ("processed-by", "clang 14.0.6"), in section order.
  std::vector<std::pair<std::string, std::string>> producers;

  struct Table {
    std::string element_type;  // "funcref", "externref"
    uint64_t min = 0;
    std::optional<uint64_t> max;
    bool imported = false;
  };
  std::vector<Table> tables;  // by table index (imports first)

  struct Global {
    std::string type;  // "i32", ...
    bool is_mutable = false;
    bool imported = false;
    std::string init;  // defined globals: "i32.const 4096", "global.get 0"; "" when other
  };
  std::vector<Global> globals;  // by global index (imports first)

  struct DataSegment {
    bool active = true;  // copied into memory at instantiation (else passive)
    uint32_t memory_index = 0;
    std::string offset;  // active: "i32.const 1024", "global.get 1"
    size_t size = 0;
  };
  std::vector<DataSegment> data_segments;

  bool has_start_section = false;
  std::optional<uint32_t> start_function;  // function index named by the start section

  uint32_t type_count = 0;
  uint32_t table_count = 0;   // imported + defined
  uint32_t global_count = 0;  // imported + defined
  uint32_t data_segment_count = 0;
  uint32_t elem_segment_count = 0;

  // Whether a "name" custom section, or DWARF (.debug_*) sections, are present.
  bool has_name_section() const;
  bool has_dwarf() const;

  // Function name by function index; "" when unknown or out of range.
  std::string_view function_name(uint32_t function_index) const;
  // The function whose body contains `code_offset` (a file offset), if any.
  std::optional<uint32_t> function_at_offset(uint32_t code_offset) const;
  // The export called `name`, or nullptr.
  const ExportDesc* find_export(std::string_view name) const;
};

// Whether an import or export is part of the proxy-wasm ABI (abi/functions.h's tables for any
// version, WASI, the memory and the linker's conventional exports) rather than specific to one
// host: `pwplay inspect` and the app's Module tab flag the others.
bool is_abi_import(const ImportDesc& import);
bool is_abi_export(const ExportDesc& e);

// The standard name of section `id` ("type", "import", ..., "data_count"); "unknown" past them.
std::string_view section_name(uint8_t id);

// Reads and validates a binary module. Errors say what is wrong and where:
// "not a wasm module (bad magic)", "invalid wasm module: <reason> at offset 0x1f".
Result<ModuleInfo> read_module_info(std::span<const uint8_t> bytes);

}  // namespace pwplay::host
