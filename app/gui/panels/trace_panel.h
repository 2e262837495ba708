// Trace panel: every event of the selected run (callbacks, host calls, copies, logs, traps,
// memory growth) in a table, filtered by kind and by text; the selected event's details below,
// with the bytes a copy carried.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/gui/core/workspace.h"
#include "app/gui/panel.h"
#include "host/trace.h"

namespace pwplay::gui {

class TracePanel : public Panel {
 public:
  explicit TracePanel(Workspace& workspace);
  void draw(const Snapshot& snapshot, Commands& commands) override;

  static constexpr size_t kKinds = 7;  // host::EventKind values

  // The rows drawn in the last frame, in window pixels, for the automation log (tests click
  // one): [{"seq", "kind", "name", "x", "y", "width", "height"}, ...]; [] when the tab is hidden.
  nlohmann::json drawn_rows() const;

 private:
  void refilter(const debugger::HistoryEntry& run);
  void draw_toolbar(const debugger::HistoryEntry& run);
  void draw_table(const debugger::HistoryEntry& run);
  void draw_details(const host::TraceEvent& event);

  Workspace& workspace_;
  std::array<bool, kKinds> show_kind_{};
  std::string text_filter_;
  float details_height_ = 0.0f;           // 0: not sized yet
  std::optional<uint64_t> revealed_seq_;  // the selection last scrolled into view

  // Rows shown, recomputed when the run or the filters change.
  uint64_t filtered_run_ = 0;
  std::array<bool, kKinds> filtered_kinds_{};
  std::string filtered_text_;
  std::vector<uint32_t> rows_;
  std::array<size_t, kKinds> kind_counts_{};
  std::vector<std::string> plugins_;  // the filters that acted in the run, in order

  struct DrawnRow {
    uint64_t seq = 0;
    host::EventKind kind{};
    std::string name;
    float x = 0, y = 0, width = 0, height = 0;
  };
  std::vector<DrawnRow> drawn_;
  int drawn_frame_ = -1;  // ImGui's frame count when drawn_ was filled
};

}  // namespace pwplay::gui
