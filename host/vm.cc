#include "host/vm.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace pwplay::host {

Result<void> check_vm_options(const VmOptions& options) {
  if (options.max_memory_pages == 0)
    return make_error("max_memory_pages must be at least 1 (got 0)");
  if (options.max_memory_pages > kMaxMemoryPagesLimit)
    return make_error("max_memory_pages must be at most " + std::to_string(kMaxMemoryPagesLimit) +
                      " pages (4 GiB) (got " + std::to_string(options.max_memory_pages) + ")");
  return {};
}

std::string_view val_type_name(ValType type) {
  switch (type) {
    case ValType::I32:
      return "i32";
    case ValType::I64:
      return "i64";
    case ValType::F32:
      return "f32";
    case ValType::F64:
      return "f64";
  }
  return "?";
}

std::string to_string(const Value& value) {
  char text[48];
  switch (value.type) {
    case ValType::I32:
      std::snprintf(text, sizeof(text), "i32:%d", value.as_i32());
      break;
    case ValType::I64:
      std::snprintf(text, sizeof(text), "i64:%lld",
                    static_cast<long long>(static_cast<int64_t>(value.bits)));
      break;
    case ValType::F32: {
      float f = 0;
      const auto bits = static_cast<uint32_t>(value.bits);
      std::memcpy(&f, &bits, sizeof(f));
      std::snprintf(text, sizeof(text), "f32:%g", static_cast<double>(f));
      break;
    }
    case ValType::F64: {
      double d = 0;
      std::memcpy(&d, &value.bits, sizeof(d));
      std::snprintf(text, sizeof(text), "f64:%g", d);
      break;
    }
  }
  return text;
}

std::string to_string(const FuncType& type) {
  auto list = [](const std::vector<ValType>& types, bool parens) {
    std::string out = parens ? "(" : "";
    for (size_t i = 0; i < types.size(); ++i) {
      if (i > 0) out += ", ";
      out += val_type_name(types[i]);
    }
    if (parens) out += ")";
    return out;
  };
  // A single result reads without parentheses: "(i32, i32) -> i32"; none or many keep them.
  return list(type.params, true) + " -> " + list(type.results, type.results.size() != 1);
}

std::string_view vm_fault_name(VmFault fault) {
  switch (fault) {
    case VmFault::None:
      return "none";
    case VmFault::Trap:
      return "trap";
    case VmFault::Terminated:
      return "terminated";
    case VmFault::MemoryLimit:
      return "memory limit";
    case VmFault::HostTrap:
      return "host trap";
    case VmFault::MissingFunction:
      return "missing function";
  }
  return "?";
}

uint8_t* bounds_checked(std::span<uint8_t> memory, uint64_t address, uint64_t size) {
  if (address > memory.size() || size > memory.size() - address) return nullptr;
  static uint8_t empty_access;  // a zero-size access into an empty memory
  return memory.data() ? memory.data() + address : &empty_access;
}

const char* extern_kind_name(ExternKind kind) {
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
  return "unknown";
}

}  // namespace pwplay::host
