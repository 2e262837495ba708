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
#include "app/gui/core/workspace.h"
#include "app/gui/gui_main.h"
#include "app/gui/layout.h"
#include "app/gui/panels/command_palette.h"
#include "app/gui/panels/filter_panel.h"
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
  bool engine_idle() override { return worker_.idle(); }
  Result<ScreenshotInfo> capture(const std::string& path) override;

 private:
  void register_commands();  // app_commands.cc
  void apply_startup_options();
  void frame();
  void dispatch_shortcuts();
  void draw_menu_bar();
  void draw_about();
  int finish_automation();

  GuiOptions options_;
  PlatformWindow window_;  // first: destroyed last
  Workspace workspace_;
  Commands commands_;
  FilterPanel filter_panel_{workspace_};
  RequestPanel request_panel_{workspace_};
  ResultPanel result_panel_{workspace_};
  TracePanel trace_panel_{workspace_};
  StatusBar status_bar_;
  CommandPalette palette_;
  Layout layout_{{&filter_panel_, &request_panel_, &result_panel_, &trace_panel_, &status_bar_}};
  std::optional<AutomationRunner> automation_;
  std::shared_ptr<const Snapshot> snapshot_;
  bool quit_ = false;
  bool show_about_ = false;
  std::string pending_screenshot_;  // taken after this frame renders
  uint64_t frame_ = 0;
  EngineWorker worker_{&PlatformWindow::wake};  // last: its thread stops first
};

}  // namespace pwplay::gui
