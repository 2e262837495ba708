// GuiApp: the desktop app. It owns the window, the debugger session (the one engine thread), the
// workspace, the command table and the panels, and runs the frame loop: read the session's latest
// snapshot, play automation steps, dispatch shortcuts, draw the menu bar and the layout, render.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "app/gui/core/automation.h"
#include "app/gui/core/chain_model.h"
#include "app/gui/core/command_table.h"
#include "app/gui/core/lesson_runner.h"
#include "app/gui/core/memory_state.h"
#include "app/gui/core/module_model.h"
#include "app/gui/core/recent.h"
#include "app/gui/core/run_comparison.h"
#include "app/gui/core/session_commands.h"
#include "app/gui/core/ui_state.h"
#include "app/gui/core/workspace.h"
#include "app/gui/gui_main.h"
#include "app/gui/layout.h"
#include "app/gui/panels/command_palette.h"
#include "app/gui/panels/debug_view.h"
#include "app/gui/panels/debugger_panel.h"
#include "app/gui/panels/file_dialog.h"
#include "app/gui/panels/filter_panel.h"
#include "app/gui/panels/help_windows.h"
#include "app/gui/panels/inspector_tabs.h"
#include "app/gui/panels/learn_panel.h"
#include "app/gui/panels/logs_panel.h"
#include "app/gui/panels/memory/memory_panel.h"
#include "app/gui/panels/module_panel.h"
#include "app/gui/panels/perf/perf_panel.h"
#include "app/gui/panels/project_window.h"
#include "app/gui/panels/request_panel.h"
#include "app/gui/panels/result_panel.h"
#include "app/gui/panels/status_bar.h"
#include "app/gui/panels/timeline_panel.h"
#include "app/gui/panels/trace_panel.h"
#include "app/gui/panels/welcome_window.h"
#include "app/gui/platform_window.h"

namespace pwplay::gui {

// Where the app looks for the built samples (--samples-dir, beside the executable, the source
// tree it was built from, the working directory): firstrun.cc.
SampleSearch sample_search(const GuiOptions& options);

class GuiApp : public AutomationHost {
 public:
  GuiApp(GuiOptions options, std::optional<AutomationScript> script);
  ~GuiApp() override;

  int run();

  // AutomationHost.
  Commands& commands() override { return commands_; }
  std::shared_ptr<const Snapshot> snapshot() override { return session_.snapshot(); }
  bool engine_idle() override {
    return session_.snapshot()->state != debugger::SessionState::Running;
  }
  Result<ScreenshotInfo> capture(const std::string& path) override;
  nlohmann::json ui_state() override;
  bool lesson_busy() override { return lessons_.running(); }
  Result<void> check_lesson() override;

 private:
  // The command table, one function per menu (app_commands.cc).
  void register_commands();
  void register_file_commands();
  void register_run_commands();
  void register_debug_commands();
  void register_view_commands();
  void register_help_commands();
  void register_scripting_commands();
  // First run, the welcome view, open-file, recent files and help (firstrun.cc).
  void register_firstrun_commands();
  // The lessons of assets/lessons and their commands (learn.cc).
  void register_lessons();
  // What a lesson's check reads: the automation log's sections, as they are now.
  nlohmann::json lesson_state();
  void start_first_run();
  void refresh_welcome();
  void open_dropped_files();
  void after_frame();
  void apply_startup_options();
  // Rebuilds fonts and theme when the ini file or a command changed them (between frames).
  void apply_appearance();
  void update_ui_state();
  // The automation log's sections besides the snapshot: module, chain, lesson, debugger,
  // comparison (a lesson's check reads them too).
  nlohmann::json log_sections(const Snapshot& snapshot);
  // The log's ui: open panels, the Result tab, the clipboard (gui_app.cc).
  void add_view_fields(nlohmann::json& ui);
  void frame();
  void dispatch_shortcuts();
  void draw_menu_bar();
  void draw_comparison();
  Result<void> debug_listen(std::string_view address);
  int finish_automation();

  GuiOptions options_;
  PlatformWindow window_;  // first: destroyed last
  Workspace workspace_;
  Commands commands_;
  // The one engine: its thread runs every load and request (Send and Debug request alike) and
  // owns the history, the trace store and the breakpoints; each publish wakes the frame loop.
  // Destroyed before the window, after the panels that refer to it.
  debugger::Session session_{debugger::SessionOptions{.on_publish = &PlatformWindow::wake,
                                                      .clock_follows_wall_time = true}};
  FilterPanel filter_panel_{workspace_};
  RequestPanel request_panel_{workspace_};
  ResultPanel result_panel_{workspace_};
  TracePanel trace_panel_{workspace_};
  DebugView debug_view_{session_};
  DebuggerPanel debugger_panel_{debug_view_};
  PerfPanel perf_panel_{workspace_};
  memory::ViewState memory_view_;
  MemoryPanel memory_panel_{memory_view_, workspace_};
  ModuleModel module_model_;
  ModulePanel module_panel_{module_model_, session_};
  LogsPanel logs_panel_{workspace_};
  TimelinePanel timeline_panel_{workspace_};
  LessonRunner lessons_;
  LearnPanel learn_panel_{lessons_};
  // One slot per InspectorTab: Trace, Debugger, Memory (the memory view's panel is also in
  // debug_view_'s memory box), Module, Performance, Logs.
  InspectorTabs inspector_{
      {&trace_panel_, &debugger_panel_, &memory_panel_, &module_panel_, &perf_panel_, &logs_panel_},
      debugger_panel_};
  StatusBar status_bar_;
  CommandPalette palette_;
  FileDialogWindow file_dialog_{workspace_};
  ProjectWindow project_window_{workspace_};
  Layout layout_{{&filter_panel_, &request_panel_, &result_panel_, &timeline_panel_, &inspector_,
                  &debug_view_, &status_bar_, &learn_panel_}};
  Layout::Appearance applied_;  // the fonts and theme built last
  float content_scale_ = 1.0f;  // the monitor's
  UiState ui_;
  std::optional<AutomationRunner> automation_;
  std::shared_ptr<const Snapshot> snapshot_;
  bool quit_ = false;
  // First run and the welcome view: the samples found (looked up again when the view opens),
  // the recent files, the Help windows.
  WelcomeModel welcome_model_;
  WelcomeWindow welcome_{welcome_model_};
  RecentStore recent_;
  std::string remembered_filter_;  // the last loaded filter put in the recent list
  HelpWindows help_;
  std::optional<RunComparison> comparison_;  // shown in a window until closed
  bool show_comparison_ = false;
  bool comparison_drawn_ = false;   // the Compare runs window was drawn this frame
  std::string pending_screenshot_;  // taken after this frame renders
  uint64_t frame_ = 0;
};

}  // namespace pwplay::gui
