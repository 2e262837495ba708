// The Memory tab of the inspector: hex and ASCII over the whole linear memory at a pause (or the
// selected run's copies), regions highlighted by meaning with a legend, changed bytes, the data
// inspector at the cursor, go-to, search and copy. The state lives in memory::ViewState (no ImGui).
#pragma once

#include <cstdint>
#include <optional>

#include <imgui.h>
#include <nlohmann/json.hpp>

#include "app/gui/core/memory_state.h"
#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"

namespace pwplay::gui {

class MemoryPanel : public Panel {
 public:
  MemoryPanel(memory::ViewState& view, Workspace& workspace)
      : Panel("Memory"), view_(view), workspace_(workspace) {}
  void draw(const Snapshot& snapshot, Commands& commands) override;

  std::optional<uint32_t> cursor() const { return view_.cursor(); }

  // Where the grid drew its rows in the last frame, in window pixels: a byte's cell is at
  // (byte_x + column * cell_width (+ gap after column 7 of 16), rows_y + row * row_height),
  // with column = address % bytes_per_row.
  struct GridGeometry {
    bool drawn = false;
    float byte_x = 0;
    float ascii_x = 0;
    float rows_y = 0;
    float cell_width = 0;  // one byte's column, "xx "
    float char_width = 0;
    float row_height = 0;
    uint64_t first_row = 0;  // the row shown at the top (address / bytes_per_row)
    uint32_t visible_rows = 0;
    int bytes_per_row = 16;
  };
  const GridGeometry& geometry() const { return geometry_; }
  // The geometry for the automation log ({"byte_x", "rows_y", ..., "first_address"}).
  nlohmann::json geometry_json() const;

 private:
  // One file each under panels/memory/.
  void draw_toolbar(const Snapshot& snapshot, Commands& commands);  // memory_toolbar.cc
  void draw_size_history(const Snapshot& snapshot);                 // memory_toolbar.cc
  void draw_grid(float width, float height);                        // hex_grid.cc
  void draw_inspector();                                            // data_inspector.cc
  void draw_regions(Commands& commands);                            // regions_legend.cc
  float grid_width(int columns) const;                              // hex_grid.cc

  memory::ViewState& view_;
  Workspace& workspace_;
  uint64_t top_row_ = 0;  // the grid's scroll position, in rows (float pixels lose 64 MB)
  int columns_ = 16;      // bytes a row: 16, or 8 in a panel too narrow for 16
  bool dragging_ = false;
  GridGeometry geometry_;
};

namespace memory_colours {
// The colour of region `index` (a palette that cycles), and of changed bytes.
ImU32 region(uint32_t index, float alpha = 1.0f);
ImU32 changed(float alpha = 1.0f);
}  // namespace memory_colours

}  // namespace pwplay::gui
