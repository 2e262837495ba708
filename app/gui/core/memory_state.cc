#include "app/gui/core/memory_state.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace pwplay::gui::memory {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string size_text(size_t bytes) {
  if (bytes >= 1024 * 1024)
    return std::to_string(bytes / (1024 * 1024)) + "." +
           std::to_string((bytes % (1024 * 1024)) * 10 / (1024 * 1024)) + " MiB";
  if (bytes >= 1024) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " B";
}

}  // namespace

void ViewState::observe(const Snapshot& snapshot, const Workspace& workspace) {
  const debugger::HistoryEntry* run = workspace.selected_run(snapshot);
  const auto& selection = workspace.selection;
  std::string key;
  if (snapshot.pause)
    key = "pause:" + std::to_string(snapshot.pause->id);
  else if (run)
    key = "run:" + std::to_string(run->id) + ":" +
          (selection.event_seq ? std::to_string(*selection.event_seq) : "-");
  if (run) key += "/growth:" + std::to_string(run->id);
  if (key == key_) return;
  const bool same_image =
      !snapshot.pause && run && key_.starts_with("run:" + std::to_string(run->id) + ":");
  key_ = key;
  growth_ = run && run->ran() ? growth_history(run->trace) : std::vector<Growth>{};
  growth_run_ = run ? run->id : 0;
  if (snapshot.pause) {
    const auto& pause = *snapshot.pause;
    image_ = image_of_pause(pause);
    regions_ = regions_of_pause(pause);
    changed_ = changed_bytes(pause);
    pause_id_ = pause.id;
    source_ = "pause #" + std::to_string(pause.id) + " (" + pause.worker + ", " + pause.plugin +
              "): the whole linear memory, " + size_text(image_.size());
  } else if (run && run->ran()) {
    if (!same_image) image_ = image_of_copies(run->trace);
    regions_ = regions_of_trace(run->trace, selection.event_seq);
    changed_ = RangeSet();
    pause_id_ = 0;
    source_ = "run #" + std::to_string(run->id) +
              ": the bytes its copies carried (the first 64 of each; pause to see all memory)";
  } else {
    image_ = MemoryImage{};
    regions_.clear();
    changed_ = RangeSet();
    pause_id_ = 0;
    source_ = "nothing to show: send a request, or pause one (Debug request)";
  }
  reset_for_new_source();
}

void ViewState::reset_for_new_source() {
  // The cursor stays where it was (the same address is worth comparing across pauses) unless it
  // fell off the end; with no cursor yet, the first region is the interesting place.
  if (cursor_ && *cursor_ >= image_.size()) cursor_.reset();
  if (!cursor_ && !regions_.empty() && regions_.front().address < image_.size()) {
    cursor_ = regions_.front().address;
    scroll_to_ = cursor_;
  }
  if (!cursor_ && !image_.empty()) cursor_ = 0;
  anchor_ = cursor_;
  // Search hits belong to the old bytes: search again on the new ones.
  if (!pattern_.empty()) hits_ = find_all(image_, pattern_);
}

std::optional<ByteRange> ViewState::selection() const {
  if (!cursor_) return std::nullopt;
  const uint32_t anchor = anchor_.value_or(*cursor_);
  return ByteRange{std::min(anchor, *cursor_), std::max(anchor, *cursor_) + 1};
}

void ViewState::set_cursor(uint32_t address, bool extend) {
  if (image_.empty()) return;
  address = std::min<uint32_t>(address, static_cast<uint32_t>(image_.size() - 1));
  if (!extend || !anchor_) anchor_ = address;
  cursor_ = address;
}

void ViewState::select(ByteRange range) {
  if (image_.empty() || range.end <= range.begin) return;
  const auto last = static_cast<uint32_t>(image_.size() - 1);
  anchor_ = std::min(range.begin, last);
  cursor_ = std::min(range.end - 1, last);
}

Result<void> ViewState::go_to(std::string_view text) {
  if (image_.empty()) return make_error("memory-goto: no memory to show (pause a request first)");
  auto address = parse_address(text, image_.size());
  if (!address) return unexpected(address.error());
  set_cursor(*address);
  scroll_to_ = *address;
  return {};
}

Result<void> ViewState::follow_pointer() {
  if (!cursor_) return make_error("memory-follow-pointer: no cursor (no memory to show)");
  auto target = memory::follow_pointer(image_, *cursor_);
  if (!target) return unexpected(target.error());
  set_cursor(*target);
  scroll_to_ = *target;
  return {};
}

Result<void> ViewState::search(std::string_view text) {
  auto pattern = parse_search(text);
  if (!pattern) return unexpected(pattern.error());
  pattern_ = std::move(pattern->bytes);
  search_text_ = std::string(text);
  hits_ = find_all(image_, pattern_);
  if (hits_.empty())
    return make_error("memory-search: '" + search_text_ + "' is not in the " +
                      (image_.whole ? "memory" : "recorded copies"));
  // The first match at or after the cursor.
  const uint32_t from = cursor_.value_or(0);
  auto it = std::lower_bound(hits_.begin(), hits_.end(), from);
  const uint32_t hit = it == hits_.end() ? hits_.front() : *it;
  select(ByteRange{hit, static_cast<uint32_t>(hit + pattern_.size())});
  cursor_ = hit;  // the match's first byte, with the match selected
  anchor_ = static_cast<uint32_t>(hit + pattern_.size() - 1);
  scroll_to_ = hit;
  return {};
}

Result<void> ViewState::search_next(bool forward) {
  if (pattern_.empty()) return make_error("memory-search: search for something first");
  auto hit = next_hit(hits_, cursor_.value_or(0), forward);
  if (!hit) return make_error("memory-search: '" + search_text_ + "' has no match");
  cursor_ = *hit;
  anchor_ = static_cast<uint32_t>(*hit + pattern_.size() - 1);
  scroll_to_ = *hit;
  return {};
}

Result<void> ViewState::select_region(std::string_view which) {
  if (regions_.empty()) return make_error("memory-select-region: no copied regions to select");
  const Region* found = nullptr;
  size_t index = 0;
  auto [end, error] = std::from_chars(which.data(), which.data() + which.size(), index);
  if (!which.empty() && error == std::errc() && end == which.data() + which.size()) {
    if (index < 1 || index > regions_.size())
      return make_error("memory-select-region: region " + std::string(which) +
                        " does not exist (1.." + std::to_string(regions_.size()) + ")");
    found = &regions_[index - 1];
  } else {
    const std::string needle = lower(which);
    for (const auto& region : regions_)
      if (lower(region.label).find(needle) != std::string::npos) {
        found = &region;
        break;
      }
    if (!found)
      return make_error("memory-select-region: no region's label holds '" + std::string(which) +
                        "'");
  }
  if (found->address >= image_.size())
    return make_error("memory-select-region: '" + found->label + "' lies past the end of memory");
  select(ByteRange{found->address, found->address + std::max<uint32_t>(found->length, 1)});
  cursor_ = found->address;
  anchor_ = std::min<uint32_t>(found->address + std::max<uint32_t>(found->length, 1) - 1,
                               static_cast<uint32_t>(image_.size() - 1));
  scroll_to_ = found->address;
  return {};
}

Result<std::string> ViewState::copy(bool as_hex) const {
  auto range = selection();
  if (!range) return make_error("nothing is selected");
  return as_hex ? copy_hex(image_, *range) : copy_text(image_, *range);
}

}  // namespace pwplay::gui::memory
