// The memory view's state on the UI thread, without a window: which bytes it shows (the pause's
// memory, else the selected run's copies), the cursor and selection, go-to and search, and what
// the memory-* commands and the panel do to them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/gui/core/memory_model.h"
#include "app/gui/core/snapshot.h"
#include "app/gui/core/workspace.h"

namespace pwplay::gui::memory {

class ViewState {
 public:
  // Follows the session: a pause shows its whole memory and regions; otherwise the selected
  // run's copies, with the selected event's regions. The growth history is the selected run's.
  // Cheap when the source did not change.
  void observe(const Snapshot& snapshot, const Workspace& workspace);

  const MemoryImage& image() const { return image_; }
  const std::vector<Region>& regions() const { return regions_; }
  const RangeSet& changed() const { return changed_; }
  const std::vector<Growth>& growth() const { return growth_; }
  uint64_t growth_run() const { return growth_run_; }  // the run growth() is of (0: none)
  // "pause #3 (session): the whole linear memory", "run #2: the bytes its copies carried".
  const std::string& source() const { return source_; }
  uint64_t pause_id() const { return pause_id_; }

  std::optional<uint32_t> cursor() const { return cursor_; }
  // [begin, end) from the anchor to the cursor, both included; nullopt without a cursor.
  std::optional<ByteRange> selection() const;
  // Moves the cursor (past the end: clamped); `extend` keeps the anchor (shift-click).
  void set_cursor(uint32_t address, bool extend = false);
  void select(ByteRange range);
  // The address the grid should bring into view on its next frame (taken once).
  std::optional<uint32_t> take_scroll() {
    auto target = scroll_to_;
    scroll_to_.reset();
    return target;
  }

  // The commands' work; errors say why nothing moved.
  Result<void> go_to(std::string_view text);
  Result<void> follow_pointer();
  // Finds every match, then moves to the first at or after the cursor.
  Result<void> search(std::string_view text);
  Result<void> search_next(bool forward);
  // `which`: a 1-based index into regions(), or part of a label (case-insensitive).
  Result<void> select_region(std::string_view which);
  Result<std::string> copy(bool as_hex) const;

  const std::vector<uint32_t>& hits() const { return hits_; }
  const std::string& search_text() const { return search_text_; }

  // The panel's fields (commands run from menus and keys use them when given no argument).
  std::string goto_field;
  std::string search_field;
  // The last command's outcome, shown under the toolbar.
  std::string message;
  bool message_is_error = false;

 private:
  void reset_for_new_source();

  std::string key_;  // what the current image came from
  MemoryImage image_;
  std::vector<Region> regions_;
  RangeSet changed_;
  std::vector<Growth> growth_;
  uint64_t growth_run_ = 0;
  std::string source_;
  uint64_t pause_id_ = 0;
  std::optional<uint32_t> cursor_;
  std::optional<uint32_t> anchor_;
  std::optional<uint32_t> scroll_to_;
  std::vector<uint8_t> pattern_;
  std::string search_text_;
  std::vector<uint32_t> hits_;
};

}  // namespace pwplay::gui::memory
