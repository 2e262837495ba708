#include "app/gui/core/memory_model.h"

#include <algorithm>
#include <bit>
#include <cctype>
#include <charconv>
#include <cstring>
#include <functional>

namespace pwplay::gui::memory {
namespace {

std::string hex32(uint64_t value) {
  char text[24];
  std::snprintf(text, sizeof(text), "0x%llx", static_cast<unsigned long long>(value));
  return text;
}

Region region_of(const debugger::MemoryRegion& region) {
  return Region{region.address, region.length, region.label, region.direction, region.seq, 0};
}

Region region_of(const host::TraceEvent& event) {
  return Region{event.address, event.length, event.label, event.direction, event.seq, 0};
}

void number_colours(std::vector<Region>& regions) {
  for (size_t i = 0; i < regions.size(); ++i) regions[i].colour = static_cast<uint32_t>(i);
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "deadbeef" as bytes; nullopt when the digits are odd in number or not hex.
std::optional<std::vector<uint8_t>> hex_bytes(std::string_view digits) {
  if (digits.empty() || digits.size() % 2 != 0) return std::nullopt;
  std::vector<uint8_t> bytes;
  for (size_t i = 0; i < digits.size(); i += 2) {
    int high = hex_digit(digits[i]), low = hex_digit(digits[i + 1]);
    if (high < 0 || low < 0) return std::nullopt;
    bytes.push_back(static_cast<uint8_t>(high * 16 + low));
  }
  return bytes;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

// Groups of hex digits separated by spaces ("de ad be ef"): their bytes, when every group has
// an even number of digits.
std::optional<std::vector<uint8_t>> spaced_hex(std::string_view text, size_t& groups) {
  std::vector<uint8_t> bytes;
  groups = 0;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && text[i] == ' ') ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ') ++i;
    if (start == i) break;
    auto group = hex_bytes(text.substr(start, i - start));
    if (!group) return std::nullopt;
    bytes.insert(bytes.end(), group->begin(), group->end());
    ++groups;
  }
  if (bytes.empty()) return std::nullopt;
  return bytes;
}

Result<ByteRange> check_selection(const MemoryImage& image, ByteRange selection) {
  if (selection.end <= selection.begin) return make_error("nothing is selected");
  if (selection.end > image.size())
    return make_error("the selection " + hex32(selection.begin) + ".." + hex32(selection.end) +
                      " runs past the end of memory (" + std::to_string(image.size()) + " bytes)");
  const size_t length = selection.end - selection.begin;
  if (length > kMaxCopyBytes)
    return make_error("the selection is " + std::to_string(length) +
                      " bytes; copying takes at most " + std::to_string(kMaxCopyBytes) +
                      " bytes (1 MiB)");
  if (!image.all_known(selection.begin, length))
    return make_error(
        "the selection holds bytes the trace did not record (only a pause has the "
        "whole memory)");
  return selection;
}

}  // namespace

// --- MemoryImage -------------------------------------------------------------------------------

bool MemoryImage::is_known(uint32_t address) const {
  if (address >= size()) return false;
  if (known.empty()) return true;
  auto it = std::upper_bound(known.begin(), known.end(), address,
                             [](uint32_t a, const ByteRange& r) { return a < r.begin; });
  return it != known.begin() && address < std::prev(it)->end;
}

bool MemoryImage::all_known(uint32_t address, size_t length) const {
  if (static_cast<uint64_t>(address) + length > size()) return false;
  if (known.empty() || length == 0) return true;
  auto it = std::upper_bound(known.begin(), known.end(), address,
                             [](uint32_t a, const ByteRange& r) { return a < r.begin; });
  return it != known.begin() && static_cast<uint64_t>(address) + length <= std::prev(it)->end;
}

// --- Sources -----------------------------------------------------------------------------------

MemoryImage image_of_pause(const debugger::PauseInfo& pause) {
  MemoryImage image;
  image.bytes = pause.memory ? pause.memory : std::make_shared<const std::vector<uint8_t>>();
  image.whole = true;
  return image;
}

std::vector<Region> regions_of_pause(const debugger::PauseInfo& pause) {
  std::vector<Region> regions;
  for (const auto& region : pause.event_regions) regions.push_back(region_of(region));
  for (const auto& region : pause.callback_regions) {
    bool listed = std::any_of(regions.begin(), regions.end(),
                              [&](const Region& r) { return r.seq == region.seq; });
    if (!listed) regions.push_back(region_of(region));
  }
  number_colours(regions);
  return regions;
}

MemoryImage image_of_copies(const std::vector<host::TraceEvent>& trace) {
  size_t size = 0;
  std::vector<ByteRange> ranges;
  for (const auto& event : trace) {
    if (event.kind != host::EventKind::Copy || event.preview.empty()) continue;
    const size_t end = static_cast<size_t>(event.address) + event.preview.size();
    if (end > UINT32_MAX) continue;
    size = std::max(size, end);
    ranges.push_back(ByteRange{event.address, static_cast<uint32_t>(end)});
  }
  auto bytes = std::make_shared<std::vector<uint8_t>>(size, 0);
  for (const auto& event : trace) {
    if (event.kind != host::EventKind::Copy || event.preview.empty()) continue;
    if (static_cast<size_t>(event.address) + event.preview.size() > size) continue;
    std::memcpy(bytes->data() + event.address, event.preview.data(), event.preview.size());
  }
  MemoryImage image;
  image.bytes = std::move(bytes);
  image.known = RangeSet(std::move(ranges)).ranges();
  image.whole = false;
  // Nothing copied: an empty image, not "everything known".
  if (image.known.empty()) image.bytes = std::make_shared<const std::vector<uint8_t>>();
  return image;
}

std::vector<Region> regions_of_trace(const std::vector<host::TraceEvent>& trace,
                                     std::optional<uint64_t> seq) {
  std::vector<Region> regions;
  if (seq) {
    auto it = std::find_if(trace.begin(), trace.end(),
                           [&](const host::TraceEvent& e) { return e.seq == *seq; });
    if (it != trace.end() && it->kind == host::EventKind::Copy) {
      regions.push_back(region_of(*it));
    } else if (it != trace.end()) {
      for (++it; it != trace.end() && it->kind == host::EventKind::Copy; ++it)
        regions.push_back(region_of(*it));
    }
  }
  if (regions.empty())
    for (const auto& event : trace)
      if (event.kind == host::EventKind::Copy) regions.push_back(region_of(event));
  number_colours(regions);
  return regions;
}

const Region* region_at(const std::vector<Region>& regions, uint32_t address) {
  const Region* found = nullptr;
  for (const auto& region : regions)
    if (address >= region.address && address - region.address < region.length &&
        (!found || region.seq >= found->seq))
      found = &region;
  return found;
}

// --- RangeSet ----------------------------------------------------------------------------------

RangeSet::RangeSet(std::vector<ByteRange> ranges) {
  std::erase_if(ranges, [](const ByteRange& r) { return r.end <= r.begin; });
  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.begin < b.begin; });
  for (const auto& range : ranges) {
    if (!ranges_.empty() && range.begin <= ranges_.back().end)
      ranges_.back().end = std::max(ranges_.back().end, range.end);
    else
      ranges_.push_back(range);
  }
}

bool RangeSet::contains(uint32_t address) const {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), address,
                             [](uint32_t a, const ByteRange& r) { return a < r.begin; });
  return it != ranges_.begin() && address < std::prev(it)->end;
}

uint64_t RangeSet::bytes() const {
  uint64_t total = 0;
  for (const auto& range : ranges_) total += range.end - range.begin;
  return total;
}

RangeSet changed_bytes(const debugger::PauseInfo& pause) {
  std::vector<ByteRange> ranges;
  ranges.reserve(pause.changed_ranges.size());
  for (const auto& [begin, end] : pause.changed_ranges) ranges.push_back(ByteRange{begin, end});
  return RangeSet(std::move(ranges));
}

// --- The data inspector ------------------------------------------------------------------------

std::optional<uint64_t> read_le(const MemoryImage& image, uint32_t address, size_t width) {
  if (width == 0 || width > 8 || !image.all_known(address, width)) return std::nullopt;
  uint64_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= static_cast<uint64_t>(image.at(static_cast<uint32_t>(address + i))) << (8 * i);
  return value;
}

namespace {

// Reads a LEB128's bytes; `signed_value` sign-extends from the last byte's bit 6.
Result<Leb128> read_leb128(const MemoryImage& image, uint32_t address, bool signed_value) {
  Leb128 out;
  unsigned shift = 0;
  for (size_t i = 0; i < 10; ++i) {
    const uint64_t at = static_cast<uint64_t>(address) + i;
    if (at >= image.size())
      return make_error("runs past the end of memory after " + std::to_string(i) + " bytes");
    if (!image.is_known(static_cast<uint32_t>(at)))
      return make_error("byte " + hex32(at) + " was not recorded");
    const uint8_t byte = image.at(static_cast<uint32_t>(at));
    if (shift < 64) out.value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    shift += 7;
    if ((byte & 0x80) == 0) {
      out.length = i + 1;
      if (signed_value && shift < 64 && (byte & 0x40)) out.value |= ~uint64_t{0} << shift;
      return out;
    }
  }
  return make_error("longer than 10 bytes (more than 64 bits)");
}

std::string float_text(double value) {
  char text[48];
  std::snprintf(text, sizeof(text), "%.9g", value);
  return text;
}

}  // namespace

Result<Leb128> read_uleb128(const MemoryImage& image, uint32_t address) {
  return read_leb128(image, address, false);
}

Result<Leb128> read_sleb128(const MemoryImage& image, uint32_t address) {
  return read_leb128(image, address, true);
}

Result<CString> read_cstring(const MemoryImage& image, uint32_t address, size_t limit) {
  if (address >= image.size()) return make_error("past the end of memory");
  CString out;
  for (size_t i = 0; i < limit; ++i) {
    const uint64_t at = static_cast<uint64_t>(address) + i;
    if (at >= image.size() || !image.is_known(static_cast<uint32_t>(at))) break;
    const char c = static_cast<char>(image.at(static_cast<uint32_t>(at)));
    if (c == '\0') {
      out.terminated = true;
      break;
    }
    out.text.push_back(c);
  }
  return out;
}

Result<PairsBlock> read_pairs(const MemoryImage& image, uint32_t address) {
  auto fail = [](const std::string& why) { return make_error("not a pairs block: " + why); };
  auto count = read_le(image, address, 4);
  if (!count) return fail("no 4-byte count at " + hex32(address));
  if (*count > abi::kMaxPairsCount)
    return fail("count " + std::to_string(*count) + " is over the limit of " +
                std::to_string(abi::kMaxPairsCount));
  PairsBlock block;
  block.count = static_cast<uint32_t>(*count);
  uint64_t length = 4 + 8 * static_cast<uint64_t>(block.count);
  if (static_cast<uint64_t>(address) + length > image.size())
    return fail("the sizes of " + std::to_string(block.count) +
                " pairs run past the end of memory");
  for (uint32_t i = 0; i < block.count; ++i) {
    auto key = read_le(image, address + 4 + 8 * i, 4);
    auto value = read_le(image, address + 8 + 8 * i, 4);
    if (!key || !value)
      return fail("the sizes of pair " + std::to_string(i) + " run past the end of memory");
    block.sizes.emplace_back(static_cast<uint32_t>(*key), static_cast<uint32_t>(*value));
    length += *key + *value + 2;
  }
  if (length > abi::kMaxPairsBytes)
    return fail(std::to_string(length) + " bytes is over the limit of " +
                std::to_string(abi::kMaxPairsBytes));
  if (!image.all_known(address, length))
    return fail("its " + std::to_string(length) + " bytes run past the end of memory");
  std::span<const uint8_t> bytes(image.bytes->data() + address, length);
  auto pairs = abi::decode_pairs(bytes);
  if (!pairs) return fail(pairs.error().message);
  block.pairs = std::move(*pairs);
  block.length = length;
  return block;
}

std::vector<InspectorRow> inspect(const MemoryImage& image, uint32_t cursor) {
  std::vector<InspectorRow> rows;
  // Why `width` bytes at the cursor cannot be read: the end of memory, or bytes the trace did
  // not record (a run's copies).
  auto unreadable = [&](size_t width) -> std::string {
    return static_cast<uint64_t>(cursor) + width > image.size() ? "past the end"
                                                                : "bytes not recorded";
  };
  auto add_int = [&](const char* type, size_t width, bool is_signed) {
    InspectorRow row{type, "", ""};
    auto value = read_le(image, cursor, width);
    if (!value) {
      row.error = unreadable(width);
    } else if (!is_signed) {
      row.value = std::to_string(*value);
    } else {
      const unsigned shift = static_cast<unsigned>(64 - 8 * width);
      const auto sign_extended = static_cast<int64_t>(*value << shift) >> shift;
      row.value = std::to_string(sign_extended);
    }
    rows.push_back(std::move(row));
  };
  add_int("u8", 1, false);
  add_int("i8", 1, true);
  add_int("u16", 2, false);
  add_int("i16", 2, true);
  add_int("u32", 4, false);
  add_int("i32", 4, true);
  add_int("u64", 8, false);
  add_int("i64", 8, true);
  {
    InspectorRow row{"f32", "", ""};
    if (auto bits = read_le(image, cursor, 4))
      row.value = float_text(std::bit_cast<float>(static_cast<uint32_t>(*bits)));
    else
      row.error = unreadable(4);
    rows.push_back(std::move(row));
  }
  {
    InspectorRow row{"f64", "", ""};
    if (auto bits = read_le(image, cursor, 8))
      row.value = float_text(std::bit_cast<double>(*bits));
    else
      row.error = unreadable(8);
    rows.push_back(std::move(row));
  }
  auto add_leb = [&](const char* type, bool is_signed) {
    InspectorRow row{type, "", ""};
    auto leb = is_signed ? read_sleb128(image, cursor) : read_uleb128(image, cursor);
    if (!leb) {
      row.error = leb.error().message;
    } else {
      row.value = (is_signed ? std::to_string(static_cast<int64_t>(leb->value))
                             : std::to_string(leb->value)) +
                  " (" + std::to_string(leb->length) + " byte" + (leb->length == 1 ? "" : "s") +
                  ")";
    }
    rows.push_back(std::move(row));
  };
  add_leb("uleb128", false);
  add_leb("sleb128", true);
  {
    InspectorRow row{"C string", "", ""};
    auto text = read_cstring(image, cursor);
    if (!text)
      row.error = text.error().message;
    else
      row.value = "\"" + host::printable(text->text, kCStringLimit) + "\"" +
                  (text->terminated ? "" : " (no NUL)");
    rows.push_back(std::move(row));
  }
  {
    InspectorRow row{"pairs", "", ""};
    auto block = read_pairs(image, cursor);
    if (!block) {
      row.error = block.error().message;
    } else {
      row.value = std::to_string(block->count) + (block->count == 1 ? " pair, " : " pairs, ") +
                  std::to_string(block->length) + " bytes";
      for (const auto& [key, value] : block->pairs)
        row.value += "\n" + host::printable(key, 80) + ": " + host::printable(value, 80);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// --- Navigation, search, copy ------------------------------------------------------------------

Result<uint32_t> parse_address(std::string_view text, size_t size) {
  std::string_view digits = trim(text);
  const std::string shown(digits);
  int base = 10;
  if (digits.size() > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X')) {
    digits.remove_prefix(2);
    base = 16;
  } else if (digits.size() > 1 && (digits.back() == 'h' || digits.back() == 'H')) {
    digits.remove_suffix(1);
    base = 16;
  }
  uint64_t value = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size())
    return make_error("memory-goto: expected an address (0x1f0, 1f0h or 496), got '" + shown + "'");
  if (value >= size)
    return make_error("memory-goto: address " + hex32(value) + " is out of range: memory is " +
                      std::to_string(size) + " bytes (0x0.." + hex32(size == 0 ? 0 : size - 1) +
                      ")");
  return static_cast<uint32_t>(value);
}

Result<uint32_t> follow_pointer(const MemoryImage& image, uint32_t cursor) {
  auto value = read_le(image, cursor, 4);
  if (!value) return make_error("memory-follow-pointer: no u32 at " + hex32(cursor));
  if (*value >= image.size())
    return make_error("memory-follow-pointer: the u32 at " + hex32(cursor) + " is " +
                      hex32(*value) + ", past the end of memory (" + std::to_string(image.size()) +
                      " bytes)");
  return static_cast<uint32_t>(*value);
}

Result<SearchPattern> parse_search(std::string_view text) {
  SearchPattern pattern;
  if (text.starts_with("text:")) {
    text.remove_prefix(5);
    pattern.bytes.assign(text.begin(), text.end());
  } else if (text.starts_with("hex:")) {
    std::string_view rest = trim(text.substr(4));
    if (rest.starts_with("0x") || rest.starts_with("0X")) rest.remove_prefix(2);
    size_t groups = 0;
    auto bytes = spaced_hex(rest, groups);
    if (!bytes)
      return make_error("memory-search: '" + std::string(text) +
                        "' is not hex bytes (two digits a byte, as in hex:de ad be ef)");
    pattern.bytes = std::move(*bytes);
    pattern.hex = true;
  } else {
    std::string_view trimmed = trim(text);
    size_t groups = 0;
    std::optional<std::vector<uint8_t>> bytes;
    if (trimmed.size() > 2 && (trimmed.starts_with("0x") || trimmed.starts_with("0X")))
      bytes = hex_bytes(trimmed.substr(2));
    else if (auto spaced = spaced_hex(trimmed, groups); spaced && groups >= 2)
      bytes = std::move(spaced);
    if (bytes) {
      pattern.bytes = std::move(*bytes);
      pattern.hex = true;
    } else {
      pattern.bytes.assign(text.begin(), text.end());
    }
  }
  if (pattern.bytes.empty()) return make_error("memory-search: nothing to search for");
  return pattern;
}

std::vector<uint32_t> find_all(const MemoryImage& image, const std::vector<uint8_t>& pattern,
                               size_t limit) {
  std::vector<uint32_t> hits;
  if (pattern.empty() || image.size() < pattern.size()) return hits;
  const uint8_t* data = image.bytes->data();
  const uint8_t* end = data + image.size();
  std::boyer_moore_horspool_searcher searcher(pattern.begin(), pattern.end());
  const uint8_t* at = data;
  while (hits.size() < limit) {
    at = std::search(at, end, searcher);
    if (at == end) break;
    const auto address = static_cast<uint32_t>(at - data);
    if (image.all_known(address, pattern.size())) hits.push_back(address);
    ++at;
  }
  return hits;
}

std::optional<uint32_t> next_hit(const std::vector<uint32_t>& hits, uint32_t from, bool forward) {
  if (hits.empty()) return std::nullopt;
  if (forward) {
    auto it = std::upper_bound(hits.begin(), hits.end(), from);
    return it == hits.end() ? hits.front() : *it;
  }
  auto it = std::lower_bound(hits.begin(), hits.end(), from);
  return it == hits.begin() ? hits.back() : *std::prev(it);
}

Result<std::string> copy_hex(const MemoryImage& image, ByteRange selection) {
  auto checked = check_selection(image, selection);
  if (!checked) return unexpected(checked.error());
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve((selection.end - selection.begin) * 3);
  for (uint32_t a = selection.begin; a < selection.end; ++a) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[image.at(a) >> 4]);
    out.push_back(kDigits[image.at(a) & 15]);
  }
  return out;
}

Result<std::string> copy_text(const MemoryImage& image, ByteRange selection) {
  auto checked = check_selection(image, selection);
  if (!checked) return unexpected(checked.error());
  std::string_view bytes(reinterpret_cast<const char*>(image.bytes->data()) + selection.begin,
                         selection.end - selection.begin);
  return host::printable_text(bytes);
}

// --- Size and growth ---------------------------------------------------------------------------

std::vector<Growth> growth_history(const std::vector<host::TraceEvent>& trace) {
  std::vector<Growth> out;
  std::string callback;
  for (const auto& event : trace) {
    if (event.kind == host::EventKind::Callback) callback = event.name;
    if (event.kind != host::EventKind::Memory) continue;
    Growth growth;
    growth.seq = event.seq;
    growth.callback = callback;
    for (const auto& field : event.args) {
      uint64_t pages = 0;
      std::from_chars(field.value.data(), field.value.data() + field.value.size(), pages);
      if (field.name == "from_pages") growth.from_bytes = pages * 65536;
      if (field.name == "to_pages") growth.to_bytes = pages * 65536;
    }
    out.push_back(std::move(growth));
  }
  return out;
}

}  // namespace pwplay::gui::memory
