// The desktop app's command-line options; compiled into every build, with or without the GUI.
#include "app/gui/gui_main.h"

namespace pwplay::gui {

void add_gui_options(CLI::App& app, GuiOptions& options) {
  const char* group = "Desktop app (no subcommand)";
  app.add_option("filter", options.filter, "Filter module (.wasm) to load in the desktop app")
      ->group(group);
  app.add_option("--request", options.request, "Request file (REQ.json) for the request editor")
      ->group(group);
  app.add_option("--config", options.config, "Plugin configuration (a string)")->group(group);
  app.add_option("--root-id", options.root_id, "Root id (Envoy root_id)")->group(group);
  app.add_option("--vm-id", options.vm_id, "VM id (Envoy vm_config.vm_id)")->group(group);
  app.add_flag("--fail-open", options.fail_open, "Let requests through when the filter fails")
      ->group(group);
  app.add_option("--window-size", options.window_size, "Window size, WxH (default 1280x800)")
      ->group(group);
  app.add_option("--automation", options.automation,
                 "Play an automation script (SCRIPT.json, see docs/gui.md), then exit")
      ->group(group);
  app.add_option("--automation-log", options.automation_log,
                 "Write the automation log (commands run, final state) to this JSON file")
      ->group(group);
  app.add_option("--run-command", options.run_commands,
                 "Run a command from the command table at start (ID or ID=ARG; repeatable)")
      ->group(group);
  app.add_option("--screenshot", options.screenshot,
                 "After the --run-command's, save a PNG of the window and exit")
      ->group(group);
  app.add_option("--frames", options.frames, "Frames to render before --screenshot")
      ->check(CLI::Range(0, 100000))
      ->group(group);
  app.add_flag("--no-ini", options.no_ini, "Do not read or write the saved layout")->group(group);
}

}  // namespace pwplay::gui
