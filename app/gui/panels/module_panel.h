// Module panel (the inspector's Module tab): what `pwplay inspect` knows of the loaded filter —
// ABI version, imports and exports with those outside the ABI flagged, sections, producers,
// name section and DWARF — and the disassembly of a chosen function with its file offsets, a
// function list with a filter and a text search that jumps between hits. A click on an instruction
// sets or removes an instruction breakpoint there.
#pragma once

#include "app/gui/core/module_model.h"
#include "app/gui/panel.h"
#include "app/gui/panels/code_gutter.h"
#include "debugger/session.h"

namespace pwplay::gui {

class ModulePanel : public Panel {
 public:
  ModulePanel(ModuleModel& model, debugger::Session& session);
  void draw(const Snapshot& snapshot, Commands& commands) override;
  // The listing's instruction lines drawn last frame, for the automation log.
  nlohmann::json code_lines() const { return code_lines_json(code_lines_); }

 private:
  void draw_overview(const Snapshot& snapshot, const debugger::ModuleView& view);
  void draw_functions(const debugger::ModuleView& view);
  void draw_code(const debugger::ModuleView& view, Commands& commands);

  ModuleModel& model_;
  debugger::Session& session_;
  std::string search_field_;  // the search box, run on Enter
  float overview_width_ = 0.0f;
  float list_height_ = 0.0f;
  std::vector<CodeLine> code_lines_;
};

}  // namespace pwplay::gui
