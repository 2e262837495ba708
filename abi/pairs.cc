#include "abi/pairs.h"

#include <cstring>
#include <string_view>

namespace pwplay::abi {
namespace {

uint32_t read_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void write_u32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}

}  // namespace

size_t encoded_pairs_size(const HeaderPairs& pairs) {
  size_t size = 4;
  for (const auto& [key, value] : pairs) size += 8 + key.size() + 1 + value.size() + 1;
  return size;
}

void encode_pairs_into(const HeaderPairs& pairs, std::span<uint8_t> out) {
  uint8_t* p = out.data();
  write_u32(p, static_cast<uint32_t>(pairs.size()));
  p += 4;
  for (const auto& [key, value] : pairs) {
    write_u32(p, static_cast<uint32_t>(key.size()));
    write_u32(p + 4, static_cast<uint32_t>(value.size()));
    p += 8;
  }
  for (const auto& [key, value] : pairs) {
    std::memcpy(p, key.data(), key.size());
    p += key.size();
    *p++ = 0;
    std::memcpy(p, value.data(), value.size());
    p += value.size();
    *p++ = 0;
  }
}

std::vector<uint8_t> encode_pairs(const HeaderPairs& pairs) {
  std::vector<uint8_t> out(encoded_pairs_size(pairs));
  encode_pairs_into(pairs, out);
  return out;
}

Result<HeaderPairs> decode_pairs(std::span<const uint8_t> bytes) {
  HeaderPairs pairs;
  if (bytes.empty() || (bytes.size() == 1 && bytes[0] == 0)) return pairs;
  if (bytes.size() > kMaxPairsBytes)
    return make_error("header map of " + std::to_string(bytes.size()) +
                      " bytes is over the 1 MiB limit");
  if (bytes.size() < 4)
    return make_error("header map of " + std::to_string(bytes.size()) +
                      " bytes is too short for its 4-byte pair count");
  const uint32_t count = read_u32(bytes.data());
  if (count > kMaxPairsCount)
    return make_error("header map declares " + std::to_string(count) +
                      " pairs, over the limit of 1024");
  const size_t table_end = 4 + static_cast<size_t>(count) * 8;
  if (table_end > bytes.size())
    return make_error("header map declares " + std::to_string(count) +
                      " pairs but its length table is truncated");
  pairs.reserve(count);
  size_t pos = table_end;
  for (uint32_t i = 0; i < count; ++i) {
    const size_t key_len = read_u32(bytes.data() + 4 + i * 8);
    const size_t value_len = read_u32(bytes.data() + 8 + i * 8);
    if (pos + key_len + 1 > bytes.size() || pos + key_len + 1 + value_len + 1 > bytes.size())
      return make_error("header map pair " + std::to_string(i) + " runs past the end (offset " +
                        std::to_string(pos) + ")");
    if (bytes[pos + key_len] != 0 || bytes[pos + key_len + 1 + value_len] != 0)
      return make_error("header map pair " + std::to_string(i) + " is not NUL-terminated (offset " +
                        std::to_string(pos) + ")");
    const char* base = reinterpret_cast<const char*>(bytes.data());
    pairs.emplace_back(std::string(base + pos, key_len),
                       std::string(base + pos + key_len + 1, value_len));
    pos += key_len + 1 + value_len + 1;
  }
  if (pos != bytes.size())
    return make_error("header map has " + std::to_string(bytes.size() - pos) +
                      " trailing bytes after its last pair");
  return pairs;
}

}  // namespace pwplay::abi
