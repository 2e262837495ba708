// GuiApp: the desktop app. It owns the window, the engine thread, the workspace, the command
// table and the panels, and runs the frame loop: read the latest snapshot, play automation
// steps, dispatch shortcuts, draw the menu bar and the layout, render.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "app/gui/core/automation.h"
#include "app/gui/core/command_table.h"
#include "app/gui/core/engine_worker.h"
#include "app/gui/core/run_comparison.h"
#include "app/gui/core/workspace.h"
#include "app/gui/gui_main.h"
#include "app/gui/layout.h"
#include "app/gui/panels/command_palette.h"
#include "app/gui/panels/debugger_panel.h"
#include "app/gui/panels/filter_panel.h"
#include "app/gui/panels/inspector_tabs.h"
#include "app/gui/panels/request_panel.h"
#include "app/gui/panels/result_panel.h"
#include "app/gui/panels/status_bar.h"
#include "app/gui/panels/trace_panel.h"
#include "app/gui/platform_window.h"

namespace pwplay::gui {

class GuiApp : public AutomationHost {
 public:
  GuiApp(GuiOptions options, std::optional<AutomationScript> script);
  ~GuiApp() override;

  int run();

  // AutomationHost.
  Commands& commands() override { return commands_; }
  std::shared_ptr<const Snapshot> snapshot() override { return worker_.snapshot(); }
  // Idle also means the debugger session is not running a request (paused counts as settled).
  bool engine_idle() override {
    return worker_.idle() && session_.state() != debugger::Session::State::Running;
  }
  Result<ScreenshotInfo> capture(const std::string& path) override;

 private:
  // The command table, one function per menu (app_commands.cc).
  void register_commands();
  void register_file_commands();
  void register_run_commands();
  void register_debug_commands();
  void register_view_commands();
  void register_help_commands();
  void register_scripting_commands();
  void apply_startup_options();
  void frame();
  void dispatch_shortcuts();
  void draw_menu_bar();
  void draw_about();
  void draw_comparison();
  // Requests the debugger session finished become runs in the history (Result and Trace panels).
  void collect_debugged_runs();
  // Sends `request` (default: the Request panel's) through the debugger session.
  Result<void> debug_send(std::optional<debugger::RequestFile> request = std::nullopt);
  // Loads the Filter panel's settings into the session if they changed since its last load.
  Result<void> debug_load();
  Result<void> debug_listen(std::string_view address);
  int finish_automation();

  GuiOptions options_;
  PlatformWindow window_;  // first: destroyed last
  Workspace workspace_;
  Commands commands_;
  debugger::Session session_;  // the debugger: its own engine thread, breakpoints, pauses
  std::optional<FilterSettings> debug_settings_;  // what the session has loaded
  uint64_t debug_runs_seen_ = 0;                  // session history_count() already collected
  uint64_t last_debug_run_ = 0;                   // the last session history id collected
  FilterPanel filter_panel_{workspace_};
  RequestPanel request_panel_{workspace_};
  ResultPanel result_panel_{workspace_};
  TracePanel trace_panel_{workspace_};
  DebuggerPanel debugger_panel_{session_};
  InspectorTabs inspector_{trace_panel_, debugger_panel_};
  StatusBar status_bar_;
  CommandPalette palette_;
  Layout layout_{{&filter_panel_, &request_panel_, &result_panel_, &inspector_, &status_bar_}};
  std::optional<AutomationRunner> automation_;
  std::shared_ptr<const Snapshot> snapshot_;
  bool quit_ = false;
  bool show_about_ = false;
  std::optional<RunComparison> comparison_;  // shown in a window until closed
  bool show_comparison_ = false;
  std::string pending_screenshot_;  // taken after this frame renders
  uint64_t frame_ = 0;
  EngineWorker worker_{&PlatformWindow::wake};  // last: its thread stops first
};

}  // namespace pwplay::gui
