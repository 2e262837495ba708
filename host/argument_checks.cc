#include "host/argument_checks.h"

#include <cstdio>
#include <string_view>

namespace pwplay::host {
namespace {

// Out-pointers below this address that equal a size argument are most likely that size.
constexpr uint64_t kLowAddress = 1024;

std::vector<std::string_view> split_names(std::string_view names) {
  std::vector<std::string_view> out;
  while (!names.empty()) {
    const size_t comma = names.find(',');
    out.push_back(names.substr(0, comma));
    names = comma == std::string_view::npos ? std::string_view() : names.substr(comma + 1);
  }
  return out;
}

bool is_out_pointer(std::string_view name) {
  return name.starts_with("ret_");
}

// How many bytes the host writes through an out-pointer.
uint64_t out_width(std::string_view name) {
  return name == "ret_time" || name == "ret_resolution" || name == "ret_offset" ? 8 : 4;
}

// The size parameter of input `name`, e.g. key -> key_size, path -> path_len.
int size_index(const std::vector<std::string_view>& names, std::string_view name) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == std::string(name) + "_size" || names[i] == std::string(name) + "_len")
      return static_cast<int>(i);
  return -1;
}

std::string hex(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

}  // namespace

std::vector<std::string> suspicious_arguments(const abi::HostFunctionSpec& spec,
                                              std::span<const uint64_t> args) {
  std::vector<std::string> warnings;
  const std::vector<std::string_view> names = split_names(spec.param_names);
  const bool proxy = spec.module == abi::ImportModule::Env;
  for (size_t i = 0; i < names.size() && i < args.size(); ++i) {
    const std::string_view out = names[i];
    if (!is_out_pointer(out)) continue;
    const std::string name(out);
    const uint64_t address = args[i];
    if (address == 0) {
      warnings.push_back(name +
                         " is a null pointer: the host writes the result at address 0, over "
                         "whatever the module keeps there");
      continue;
    }
    if (proxy && address % 4 != 0)
      warnings.push_back(name + " (" + hex(address) +
                         ") is not 4-byte aligned: an out-pointer to a word usually is; a "
                         "miscomputed address?");
    const uint64_t width = out_width(out);
    for (size_t j = 0; j < names.size() && j < args.size(); ++j) {
      if (is_out_pointer(names[j])) continue;
      const int size_at = size_index(names, names[j]);
      if (size_at < 0 || static_cast<size_t>(size_at) >= args.size()) continue;
      const uint64_t begin = args[j];
      const uint64_t size = args[static_cast<size_t>(size_at)];
      if (size == 0 || address >= begin + size || address + width <= begin) continue;
      warnings.push_back(name + " (" + hex(address) + ") overlaps the input " +
                         std::string(names[j]) + " (" + hex(begin) + ", " + std::to_string(size) +
                         " bytes): the result overwrites what the call reads");
    }
    if (!proxy || address >= kLowAddress) continue;
    for (size_t j = 0; j < names.size() && j < args.size(); ++j) {
      const std::string_view other = names[j];
      if (is_out_pointer(other) || args[j] != address) continue;
      if (!other.ends_with("size") && !other.ends_with("_len")) continue;
      warnings.push_back(name + " is " + std::to_string(address) + ", the same as " +
                         std::string(other) +
                         ": a size passed where the host expects the address to write to "
                         "(the host writes at address " +
                         std::to_string(address) + ")");
      break;
    }
  }
  return warnings;
}

}  // namespace pwplay::host
