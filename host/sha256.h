// SHA-256 (FIPS 180-4) of a byte string, for checking a module against the digest its config
// names (Istio's WasmPlugin spec.sha256). Small and dependency-free; not meant for bulk hashing.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace pwplay::host {

std::array<uint8_t, 32> sha256(std::span<const uint8_t> bytes);
// The digest as 64 lower-case hex digits.
std::string sha256_hex(std::span<const uint8_t> bytes);

}  // namespace pwplay::host
