// What the AbiHost rooms (host/abi_host*.cc) share and nobody else needs: the per-call scratch
// state and small helpers for statuses, trace text and header pairs. Private to those files.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/enums.h"
#include "abi/pairs.h"
#include "abi/result.h"
#include "host/abi_host.h"
#include "host/header_map.h"
#include "host/trace.h"
#include "host/vm.h"

namespace pwplay::host {

struct AbiHost::HostCallState {
  std::span<const Value> args;
  size_t function_index = 0;  // in abi::host_functions(), for the perf counters
  bool tracing = false;
  std::vector<TraceField> notes;
  std::vector<TraceEvent> copies;
  std::optional<std::string> trap;

  uint32_t a(size_t i) const { return args[i].as_u32(); }
  uint64_t a64(size_t i) const { return args[i].as_u64(); }
  // A pointer or size argument: all 64 bits, since the native engine passes host addresses and
  // size_t values (wasm engines pass zero-extended i32s, so this equals a(i) for them).
  uint64_t p(size_t i) const { return args[i].as_u64(); }
  void note(std::string name, std::string value) {
    if (tracing) notes.push_back({std::move(name), std::move(value)});
  }
};

namespace abi_host_detail {

// A host function's i32 result: a proxy-wasm status or a WASI errno.
constexpr uint32_t S(abi::Status status) {
  return static_cast<uint32_t>(status);
}
constexpr uint32_t E(abi::WasiErrno errno_value) {
  return static_cast<uint32_t>(errno_value);
}

// (Bytes in trace notes: host::printable, host/trace.h.)

// Eight bytes, little-endian: how numeric properties and u64 results are laid out.
inline std::string encode_u64(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// Header pairs serialized by the module (the ABI's pairs encoding) read from a byte view.
inline Result<abi::HeaderPairs> decode_pairs_from(std::string_view bytes) {
  return abi::decode_pairs(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

// The first value of `key` (case-insensitive) in pairs that are not a HeaderMap.
inline std::optional<std::string_view> first_value(const abi::HeaderPairs& pairs,
                                                   std::string_view key) {
  for (const auto& [name, value] : pairs)
    if (iequals(name, key)) return std::string_view(value);
  return std::nullopt;
}

}  // namespace abi_host_detail
}  // namespace pwplay::host
