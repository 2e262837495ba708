// Debug view: what a paused stream is doing, laid out so that everything is in sight at once:
// the stepping toolbar, the code around the wasm instruction (the whole function, the current
// line marked; a click on a line sets or removes an instruction breakpoint there, its context menu
// runs to it, on the WABT engine), the ABI and wasm frames, locals
// and operand stack, the decoded event, the memory regions copied, and the memory view's slot.
// The debug layout puts it in the centre; in the normal layout the Debugger tab shows the same
// sections one under another.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "app/gui/panel.h"
#include "app/gui/panels/code_gutter.h"
#include "debugger/session.h"

namespace pwplay::gui {

class DebugView : public Panel {
 public:
  // Fractions of the view the splitters give the code (width), the top row (height) and the
  // event and regions (width of the bottom row, the memory taking the rest); the layout saves
  // them in its ini section.
  struct Sizes {
    float code_width = 0.56f;
    float top_height = 0.52f;
    float event_width = 0.32f;
  };

  explicit DebugView(debugger::Session& session);
  // The grid (the debug layout's centre).
  void draw(const Snapshot& snapshot, Commands& commands) override;
  // The same sections one under another, collapsible (the Debugger tab in the normal layout).
  void draw_stacked(const debugger::PauseInfo& pause, Commands& commands);

  // Where the memory view goes in the grid (the Memory tab's panel); nullptr: the regions' bytes.
  void set_memory_panel(Panel* panel) { memory_panel_ = panel; }

  // Continue, Step, Next, Step instruction, Finish, Abort (and Debug request when not paused).
  static void draw_toolbar(const Snapshot& snapshot, Commands& commands);

  // The code lines drawn last frame ([] when no code was shown), for the automation log.
  nlohmann::json code_lines() const { return code_lines_json(code_lines_); }

  Sizes sizes;

 private:
  void observe(const debugger::PauseInfo& pause);
  void draw_event(const debugger::PauseInfo& pause);
  void draw_frames(const debugger::PauseInfo& pause);
  void draw_locals(const host::WasmLocation& wasm);
  // `whole`: the whole function in a scrolled child; else a few lines around the instruction.
  void draw_code(const host::WasmLocation& location, Commands& commands, bool whole);
  // At an ABI event (no instruction known): the code of the callback being run, if the module
  // names it.
  void draw_callback_code(const debugger::PauseInfo& pause, Commands& commands);
  // The lines of `function`; `current` marks (and scrolls to) the paused instruction.
  void draw_function(const host::FunctionWat& function, std::optional<uint32_t> current,
                     Commands& commands, bool whole);
  void draw_regions(const debugger::PauseInfo& pause, bool with_bytes);
  void draw_region_bytes(const debugger::PauseInfo& pause);

  debugger::Session& session_;
  Panel* memory_panel_ = nullptr;
  uint64_t pause_id_ = 0;
  int selected_region_ = 0;
  uint32_t scrolled_to_ = UINT32_MAX;  // the instruction the code view last scrolled to
  std::vector<CodeLine> code_lines_;
};

}  // namespace pwplay::gui
