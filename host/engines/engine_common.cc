#include "host/engines/engine_common.h"

#include <exception>

namespace pwplay::host {
namespace {

std::string_view import_kind_name(ExternKind kind) {
  switch (kind) {
    case ExternKind::Function:
      return "function";
    case ExternKind::Table:
      return "table";
    case ExternKind::Memory:
      return "memory";
    case ExternKind::Global:
      return "global";
    case ExternKind::Tag:
      return "tag";
  }
  return "?";
}

}  // namespace

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

std::string unsupported_import_message(const ImportDesc& import) {
  return "unsupported import kind (" + std::string(import_kind_name(import.kind)) +
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
