// The header-map "pairs" encoding used by proxy_get/set_header_map_pairs, local responses,
// HTTP and gRPC callouts: u32 count, (key_len, value_len) u32 pairs, then NUL-terminated bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "abi/result.h"

namespace pwplay::abi {

// An ordered header map; repeated names keep their order. Values may hold any bytes.
using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

// Limits the host enforces on encoded maps, as proxy-wasm-cpp-host does.
inline constexpr size_t kMaxPairsBytes = 1024 * 1024;
inline constexpr size_t kMaxPairsCount = 1024;

// Exact encoded size of `pairs`.
size_t encoded_pairs_size(const HeaderPairs& pairs);

// Encodes `pairs`; an empty map encodes as 4 zero bytes.
std::vector<uint8_t> encode_pairs(const HeaderPairs& pairs);
// Encodes into `out` (exactly encoded_pairs_size bytes).
void encode_pairs_into(const HeaderPairs& pairs, std::span<uint8_t> out);

// Decodes a module-provided buffer. Accepts the three empty forms (size 0, 4 zero bytes, a single
// 0 byte). Errors say what is wrong and where: over the limits, truncated, missing NUL, trailing
// bytes after the last pair.
Result<HeaderPairs> decode_pairs(std::span<const uint8_t> bytes);

}  // namespace pwplay::abi
