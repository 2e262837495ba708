// Debugger panel: breakpoints at the ABI level, a "Debug request" that sends the Request panel's
// request through the debugger session, and, while the filter is paused, what it is doing: the
// reason and event, the ABI frames (and the wasm location after a step into instructions), the
// memory regions copied between host and VM, and the paused VM's memory around the selected one
// (drawn by the DebugView, which the debug layout puts in the centre instead).
// Its console shows what the debugger's verbs answered and takes any verb typed as in
// `pwplay debug`. It reads the session's snapshot and acts only through the debug-* commands.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "app/gui/core/debug_console.h"
#include "app/gui/panel.h"
#include "app/gui/panels/debug_view.h"
#include "debugger/session.h"

namespace pwplay::gui {

class DebuggerPanel : public Panel {
 public:
  // `view` draws the pause's sections in the tab while the layout is normal.
  explicit DebuggerPanel(DebugView& view);
  void draw(const Snapshot& snapshot, Commands& commands) override;

  // True once per new pause: the panel that hosts this one brings it to the front.
  bool take_new_pause(const Snapshot& snapshot);

  // Set by the layout: in the debug layout the centre shows the pause, the tab does not.
  bool pause_in_centre = false;

  // The console's transcript, which the debug-* commands write to.
  DebugConsole& console() { return console_; }

 private:
  void draw_breakpoints(const Snapshot& snapshot, Commands& commands);
  void draw_controls(const Snapshot& snapshot, Commands& commands);
  void draw_proxy_and_faults(const Snapshot& snapshot, Commands& commands);
  void draw_console(Commands& commands);

  DebugView& view_;
  std::string new_breakpoint_;
  std::string listen_address_ = "127.0.0.1:8080";
  std::string new_fault_;
  std::string last_error_;  // of the last proxy or fault command run from here
  std::shared_ptr<const debugger::PauseInfo> pause_;  // the snapshot's pause (held for a frame)
  uint64_t announced_pause_ = 0;
  DebugConsole console_;
  std::string console_line_;
  uint64_t console_shown_ = 0;   // the console version last scrolled to
  float console_height_ = 0.0f;  // with its input line; 0: not sized yet
  bool refocus_console_ = false;
};

}  // namespace pwplay::gui
