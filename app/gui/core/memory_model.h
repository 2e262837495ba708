// The memory view's model, without a window: the bytes shown (a pause's whole linear memory, or
// what the selected run's copies carried), the labelled regions, the data inspector's values at a
// cursor, go-to, pointers, search and copying a selection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/pairs.h"
#include "abi/result.h"
#include "debugger/session.h"

namespace pwplay::gui::memory {

// Bytes copied as hex or text at most; larger selections are refused (docs/reliability.md,
// "Limits").
inline constexpr size_t kMaxCopyBytes = 1024 * 1024;
// Matches one search counts at most; the view says "N+" past it.
inline constexpr size_t kMaxSearchHits = 100000;
// The data inspector's C string stops here when no NUL comes first.
inline constexpr size_t kCStringLimit = 256;

// [begin, end) in linear memory.
struct ByteRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool operator==(const ByteRange&) const = default;
};

// The bytes a memory view shows. A pause carries the whole linear memory; a finished run only
// the first bytes of each copy (the trace's previews), so there only `known` ranges are real.
struct MemoryImage {
  std::shared_ptr<const std::vector<uint8_t>> bytes;
  std::vector<ByteRange> known;  // sorted, disjoint; empty means every byte is known
  bool whole = true;             // `bytes` is the whole linear memory (a pause)

  size_t size() const { return bytes ? bytes->size() : 0; }
  bool empty() const { return size() == 0; }
  uint8_t at(uint32_t address) const { return (*bytes)[address]; }
  // In range and known.
  bool is_known(uint32_t address) const;
  bool all_known(uint32_t address, size_t length) const;
};

// A copy between host and VM memory, as the view highlights it.
struct Region {
  uint32_t address = 0;
  uint32_t length = 0;
  std::string label;  // "request headers, 5 pairs", "value of :path"
  host::CopyDirection direction = host::CopyDirection::HostToVm;
  uint64_t seq = 0;     // the copy event
  uint32_t colour = 0;  // index into the view's palette, one per region in order
};

// The pause's memory snapshot (shared, not copied).
MemoryImage image_of_pause(const debugger::PauseInfo& pause);
// The regions of a pause: the event's copies, then the callback's others.
std::vector<Region> regions_of_pause(const debugger::PauseInfo& pause);
// Previews of every copy event in `trace`, at their addresses.
MemoryImage image_of_copies(const std::vector<host::TraceEvent>& trace);
// The copies that belong to the event `seq`: the copy itself, or those a host call or callback
// recorded right after it; every copy of the trace when `seq` is unset or has none.
std::vector<Region> regions_of_trace(const std::vector<host::TraceEvent>& trace,
                                     std::optional<uint64_t> seq);
// The region that holds `address`; of overlapping ones the latest copy (highest seq), since it
// overwrote the others.
const Region* region_at(const std::vector<Region>& regions, uint32_t address);

// Sorted, merged ranges with a fast lookup (changed bytes, search hits).
class RangeSet {
 public:
  RangeSet() = default;
  explicit RangeSet(std::vector<ByteRange> ranges);
  bool contains(uint32_t address) const;
  const std::vector<ByteRange>& ranges() const { return ranges_; }
  uint64_t bytes() const;

 private:
  std::vector<ByteRange> ranges_;
};
RangeSet changed_bytes(const debugger::PauseInfo& pause);

// --- The data inspector ------------------------------------------------------------------------

// Little-endian integer of `width` bytes (1, 2, 4, 8) at `address`; nullopt past the end or over
// unknown bytes.
std::optional<uint64_t> read_le(const MemoryImage& image, uint32_t address, size_t width);

struct Leb128 {
  uint64_t value = 0;  // the unsigned value, or the signed one's bits
  size_t length = 0;   // bytes it took
};
// At most 10 bytes (64 bits). Errors: runs past the memory, over 10 bytes, unknown bytes.
Result<Leb128> read_uleb128(const MemoryImage& image, uint32_t address);
Result<Leb128> read_sleb128(const MemoryImage& image, uint32_t address);

struct CString {
  std::string text;         // without the NUL
  bool terminated = false;  // a NUL ended it (else the limit or the memory did)
};
Result<CString> read_cstring(const MemoryImage& image, uint32_t address,
                             size_t limit = kCStringLimit);

// A header map in the ABI's pairs encoding starting at `address`.
struct PairsBlock {
  uint32_t count = 0;
  std::vector<std::pair<uint32_t, uint32_t>> sizes;  // key and value lengths
  abi::HeaderPairs pairs;
  size_t length = 0;  // the block's bytes
};
// Errors start with "not a pairs block: " and say why (count over the limit, past the end of
// memory, a missing NUL, ...).
Result<PairsBlock> read_pairs(const MemoryImage& image, uint32_t address);

// One line of the data inspector: type, value as text, or why there is none.
struct InspectorRow {
  std::string type;   // "u8", "i32", "f64", "uleb128", "C string", ...
  std::string value;  // "", when `error` says why
  std::string error;
};
std::vector<InspectorRow> inspect(const MemoryImage& image, uint32_t cursor);

// --- Navigation, search, copy ------------------------------------------------------------------

// "0x1f0", "1f0h" or "496": an address below `size`. Errors name the text and the range.
Result<uint32_t> parse_address(std::string_view text, size_t size);
// The u32 at `cursor` read as an address; errors when it cannot be read or points past the end.
Result<uint32_t> follow_pointer(const MemoryImage& image, uint32_t cursor);

// What a search looks for: "de ad be ef" or "0xdeadbeef" are bytes (two hex digits a byte, at
// least two bytes when spaced), "hex:ab" and "text:de ad" force the reading, anything else is
// text.
struct SearchPattern {
  std::vector<uint8_t> bytes;
  bool hex = false;
};
Result<SearchPattern> parse_search(std::string_view text);
// Addresses where `pattern` starts, over known bytes only, in order, at most `limit`.
std::vector<uint32_t> find_all(const MemoryImage& image, const std::vector<uint8_t>& pattern,
                               size_t limit = kMaxSearchHits);
// The hit after (or before) `from`, wrapping around; nullopt when there is none.
std::optional<uint32_t> next_hit(const std::vector<uint32_t>& hits, uint32_t from, bool forward);

// The selection [begin, end) as "de ad be ef", or as text (control bytes as \xNN). Errors: out
// of range, unknown bytes, over kMaxCopyBytes.
Result<std::string> copy_hex(const MemoryImage& image, ByteRange selection);
Result<std::string> copy_text(const MemoryImage& image, ByteRange selection);

// --- Size and growth ---------------------------------------------------------------------------

struct Growth {
  uint64_t seq = 0;
  uint64_t from_bytes = 0;
  uint64_t to_bytes = 0;
  std::string callback;  // the callback it grew in ("" when unknown)
};
// The Memory events of a trace, oldest first.
std::vector<Growth> growth_history(const std::vector<host::TraceEvent>& trace);

}  // namespace pwplay::gui::memory
