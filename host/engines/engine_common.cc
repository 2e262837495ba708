#include "host/engines/engine_common.h"

#include <exception>

namespace pwplay::host {
namespace {

// Reads an unsigned LEB128 of at most 5 bytes at `pos`; nullopt when it runs off the end.
std::optional<uint64_t> read_leb(std::span<const uint8_t> bytes, size_t& pos) {
  uint64_t value = 0;
  for (int shift = 0; shift < 35; shift += 7) {
    if (pos >= bytes.size()) return std::nullopt;
    const uint8_t byte = bytes[pos++];
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

// `value` in exactly `length` LEB128 bytes (padded with continuation bytes).
void write_leb(std::vector<uint8_t>& out, uint64_t value, size_t length) {
  for (size_t i = 0; i < length; ++i) {
    out.push_back(static_cast<uint8_t>((value & 0x7f) | (i + 1 < length ? 0x80 : 0)));
    value >>= 7;
  }
}

size_t leb_length(uint64_t value) {
  size_t length = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++length;
  }
  return length;
}

}  // namespace

CappedModule cap_memory_maximum(std::span<const uint8_t> module, uint32_t max_pages) {
  constexpr uint8_t kMemorySection = 5;
  constexpr uint8_t kHasMaximum = 0x01;
  constexpr uint8_t kMemory64 = 0x04;
  size_t pos = 8;  // after the magic and version
  while (pos < module.size()) {
    const uint8_t id = module[pos];
    const size_t size_pos = pos + 1;
    size_t payload = size_pos;
    std::optional<uint64_t> size = read_leb(module, payload);
    if (!size || *size > module.size() - payload) return {};
    const size_t section_end = payload + *size;
    if (id != kMemorySection) {
      pos = section_end;
      continue;
    }
    size_t p = payload;
    std::optional<uint64_t> count = read_leb(module, p);
    if (!count || *count == 0 || p >= section_end) return {};
    const size_t flags_pos = p;
    const uint8_t flags = module[p++];
    if (flags & kMemory64) return {};
    std::optional<uint64_t> min = read_leb(module, p);
    if (!min || *min > max_pages) return {};
    const size_t after_min = p;
    auto copy = [&](std::vector<uint8_t>& out, size_t from, size_t to) {
      out.insert(out.end(), module.begin() + static_cast<ptrdiff_t>(from),
                 module.begin() + static_cast<ptrdiff_t>(to));
    };
    CappedModule capped;
    if (flags & kHasMaximum) {
      std::optional<uint64_t> max = read_leb(module, p);
      if (!max || *max <= max_pages || p > section_end) return {};
      // The same number of bytes: nothing moves.
      copy(capped.bytes, 0, after_min);
      write_leb(capped.bytes, max_pages, p - after_min);
      copy(capped.bytes, p, module.size());
      capped.shifted_from = capped.bytes.size();
      return capped;
    }
    // No maximum: add one, which makes the section (and perhaps its size field) longer.
    const size_t added = leb_length(max_pages);
    const uint64_t new_size = *size + added;
    copy(capped.bytes, 0, size_pos);
    write_leb(capped.bytes, new_size, leb_length(new_size));
    copy(capped.bytes, payload, flags_pos);
    capped.bytes.push_back(static_cast<uint8_t>(flags | kHasMaximum));
    copy(capped.bytes, flags_pos + 1, after_min);
    write_leb(capped.bytes, max_pages, added);
    copy(capped.bytes, after_min, section_end);
    capped.shifted_from = capped.bytes.size();
    capped.shift = capped.bytes.size() - section_end;
    copy(capped.bytes, section_end, module.size());
    return capped;
  }
  return {};
}

std::string describe_pages(uint64_t pages) {
  return std::to_string(pages) + " pages (" + std::to_string(pages * kWasmPageSize / 1024) +
         " KiB)";
}

std::string memory_over_limit_message(std::string_view what, uint64_t pages, uint64_t limit) {
  return std::string(what) + " needs " + describe_pages(pages) + ", over the limit of " +
         describe_pages(limit);
}

std::optional<VmError> check_memory_pages(size_t memory_bytes, uint32_t max_pages) {
  const size_t pages = memory_bytes / kWasmPageSize;
  if (pages <= max_pages) return std::nullopt;
  return VmError{VmFault::MemoryLimit,
                 "memory grew to " + describe_pages(pages) + ", over the limit of " +
                     describe_pages(max_pages),
                 {}};
}

Result<void> refuse_engine_flags(std::string_view engine, std::span<const std::string> flags) {
  if (flags.empty()) return {};
  return make_error("engine flag " + flags.front() + " not recognized by " + std::string(engine) +
                    " (it takes no flags)");
}

std::string unsupported_import_message(const ImportDesc& import) {
  return "unsupported import kind (" + std::string(extern_kind_name(import.kind)) +
         "): " + import.module + "." + import.name;
}

std::string bad_signature_message(std::string_view name, const FuncType& wanted,
                                  const FuncType& declared) {
  return "Bad function signature for export '" + std::string(name) + "': expected " +
         to_string(wanted) + ", got " + to_string(declared);
}

VmError invalid_function_ref_error() {
  return VmError{VmFault::MissingFunction, "call through an invalid function reference", {}};
}

std::optional<VmError> check_call_arity(std::string_view name, const FuncType& type,
                                        size_t arg_count, size_t result_count) {
  if (arg_count == type.params.size() && result_count >= type.results.size()) return std::nullopt;
  return VmError{VmFault::MissingFunction,
                 "call of '" + std::string(name) + "' " + to_string(type) + " with " +
                     std::to_string(arg_count) + " argument(s) and room for " +
                     std::to_string(result_count) + " result(s)",
                 {}};
}

Result<void> bind_imports(std::span<const ImportDesc> imports, const ModuleInfo::Memory* memory,
                          uint32_t max_pages, const ImportResolver& resolver,
                          const ImportBinders& binders) {
  for (const ImportDesc& import : imports) {
    switch (import.kind) {
      case ExternKind::Function: {
        std::optional<HostFunction> function = resolver(import);
        if (!function) return make_error("missing import: " + import.module + "." + import.name);
        if (Result<void> bound = binders.function(import, std::move(*function)); !bound) {
          return bound;
        }
        break;
      }
      case ExternKind::Memory: {
        // A memory import is the module's memory: read_module_info lists it in `memories`.
        if (memory == nullptr || !binders.memory) {
          return make_error(unsupported_import_message(import));
        }
        if (memory->min_pages > max_pages) {
          return make_error(memory_over_limit_message(
              "memory import " + import.module + "." + import.name, memory->min_pages, max_pages));
        }
        if (Result<void> bound = binders.memory(import); !bound) return bound;
        break;
      }
      default:
        return make_error(unsupported_import_message(import));
    }
  }
  if (memory != nullptr && !memory->imported && memory->min_pages > max_pages) {
    return make_error(memory_over_limit_message("memory", memory->min_pages, max_pages));
  }
  return {};
}

std::string instantiation_failed(std::string_view why) {
  return "instantiation failed: " + std::string(why);
}

std::optional<std::string> function_name_in(const std::optional<ModuleInfo>& info,
                                            uint32_t function_index) {
  if (!info) return std::nullopt;
  std::string_view name = info->function_name(function_index);
  if (name.empty()) return std::nullopt;
  return std::string(name);
}

std::optional<HostTrapRequest> call_host_function(const HostFunction& function,
                                                  const ImportDesc& import,
                                                  std::span<const Value> args,
                                                  std::span<Value> results) {
  try {
    return function(args, results);
  } catch (const std::exception& e) {
    return HostTrapRequest{"host function " + import.module + "." + import.name +
                           " threw: " + e.what()};
  } catch (...) {
    return HostTrapRequest{"host function " + import.module + "." + import.name +
                           " threw an unknown exception"};
  }
}

}  // namespace pwplay::host
