// Small widgets the panels share: splitters for the fixed layout, a header table with diff
// highlighting, a read-only body view, a hex view of bytes, and value formatting (bytes as
// printable text: host::printable).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <imgui.h>

#include "debugger/message_diff.h"

namespace pwplay::gui {

using debugger::count_changes;
using debugger::HeaderChange;
using debugger::HeaderDiffCounts;
using debugger::HeaderDiffRow;

}  // namespace pwplay::gui

namespace pwplay::gui::widgets {

// The thickness of the layout's splitters, in pixels.
inline constexpr float kSplitter = 6.0f;

// A draggable bar between two areas. `vertical_bar`: the bar is vertical and moves along x.
// Returns true while dragging; `size1` is clamped so both sides keep at least `min_size`.
bool splitter(const char* id, bool vertical_bar, float thickness, float length, float* size1,
              float total, float min_size);

// Which filter made each row of a header table (debugger::RunChanges): `by_row` parallel to the
// rows ("" for none), `order` the run's filters, whose positions pick their colours.
struct RowFilters {
  const std::vector<std::string>* by_row = nullptr;
  const std::vector<std::string>* order = nullptr;
};

// Headers with the filter's changes: a marker column (+ ~ -), added rows green, changed rows
// yellow (the old value in a tooltip and struck through), removed rows red. With `filters`, the
// tooltip names the filter behind a change, and when the run has more than one filter a Filter
// column shows it in the filter's colour.
void header_table(const char* id, const std::vector<HeaderDiffRow>& rows, RowFilters filters = {});

// A body as text (read-only, selectable), or as a hex dump when it is not text.
void body_view(const char* id, const std::string& bytes, const ImVec2& size);

// Offsets, 16 bytes per row, ASCII column. `base_address` labels the first byte.
void hex_view(const char* id, std::string_view bytes, uint32_t base_address, const ImVec2& size);

// Wrapped text in a colour.
void wrapped_colored(const ImVec4& color, const std::string& text);
// After a text field: its whole text in a tooltip when the field is too narrow to show it.
void overflow_tooltip(const std::string& text);
// A "(?)" marker with a tooltip.
void help_marker(const char* text);

std::string format_duration(uint64_t ns);  // "850 ns", "12.4 us", "3.21 ms", "1.50 s"

// Where a span of a request's profile is drawn in a flame chart whose time 0 is at `origin`
// (`scale` pixels per ns, `row` pixels per nesting level): at least 2 pixels wide.
struct SpanRect {
  ImVec2 low, high;
};
SpanRect span_rect(uint64_t start_ns, uint64_t duration_ns, uint32_t depth, ImVec2 origin,
                   double scale, float row);
std::string format_bytes(uint64_t bytes);  // "512 B", "12.0 KiB"

}  // namespace pwplay::gui::widgets

namespace pwplay::gui::widgets {
// A form row's label: text aligned with the widget that follows on the same line at `width`.
void form_label(const char* text, float width);
}  // namespace pwplay::gui::widgets
