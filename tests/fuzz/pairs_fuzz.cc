// Fuzz target: the header-pairs decoder (abi/pairs.h), which reads buffers a module wrote. A
// decoded map must encode to a buffer that decodes to the same map.
#include <cstdlib>
#include <span>

#include "abi/pairs.h"
#include "fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto decoded = pwplay::abi::decode_pairs(std::span<const uint8_t>(data, size));
  if (!decoded) {
    if (decoded.error().message.empty()) std::abort();  // every refusal says why
    return 0;
  }
  std::vector<uint8_t> encoded = pwplay::abi::encode_pairs(*decoded);
  if (encoded.size() != pwplay::abi::encoded_pairs_size(*decoded)) std::abort();
  auto again = pwplay::abi::decode_pairs(encoded);
  if (!again || *again != *decoded) std::abort();
  return 0;
}
