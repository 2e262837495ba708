// The desktop app's command-line options; compiled into every build, with or without the GUI.
#include "app/gui/gui_main.h"

#include "app/cli/plugin_args.h"
#include "debugger/chain_run.h"

namespace pwplay::gui {

void add_gui_options(CLI::App& app, GuiOptions& options, app::PluginFlags& plugin_flags) {
  const char* group = "Desktop app (no subcommand)";
  app.add_option("filter", options.filter,
                 "Filter module (.wasm) to load in the desktop app; optional when "
                 "--plugin-config or --envoy-config names it")
      ->group(group);
  app.add_option("--request", options.request, "Request file (REQ.json) for the request editor")
      ->group(group);
  // The filter's settings, spelled as in `pwplay debug`.
  app::add_plugin_options(&app, plugin_flags, app::MaxMemoryPagesOption::Offer);
  app::add_envoy_config_option(&app, plugin_flags);
  plugin_flags.offer_warmup(&app);
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
                 "After the --run-command's (or a lesson's --automation-check), save a PNG of the "
                 "window and exit")
      ->group(group);
  app.add_option("--frames", options.frames, "Frames to render before --screenshot")
      ->check(CLI::Range(0, 100000))
      ->group(group);
  app.add_flag("--no-ini", options.no_ini,
               "Do not read or write the saved layout and the recent files")
      ->group(group);
  app.add_flag("--no-sample", options.no_sample,
               "Without a filter, start empty instead of with the add_header sample")
      ->group(group);
  app.add_flag("--first-run", options.first_run,
               "With --automation or --run-command: start as an interactive run does (the "
               "sample, or the welcome view), not empty")
      ->group(group);
  app.add_option_function<std::string>(
         "--list-commands",
         [&options](const std::string& format) { options.list_commands = format; },
         "Print the command table (id, menu, shortcut, label, argument; tab-separated, or JSON "
         "with =json) and exit; needs no display")
      ->expected(0, 1)
      ->type_name("[=json]")
      ->group(group);
  app.add_option("--lesson", options.lesson,
                 "Open the app at this lesson (its id, e.g. 01-request-life, or number; "
                 "`pwplay lessons` lists them)")
      ->group(group);
  app.add_flag("--automation-check", options.automation_check,
               "With --lesson: run every step's commands, check each step, then exit (0 only "
               "when every check held; stderr names the step that failed); with --screenshot, a "
               "PNG of the window at the end")
      ->group(group);
  app.add_option("--lessons-dir", options.lessons_dir,
                 "Folder of lesson files (default: assets/lessons beside the executable or in "
                 "the source tree)")
      ->group(group);
  app.add_option("--samples-dir", options.samples_dir,
                 "Where the built samples are (default: ../samples next to the executable)")
      ->group(group);
}

Result<void> resolve_gui_plugin(GuiOptions& options, const app::PluginFlags& plugin_flags) {
  if (options.filter.empty() && !plugin_flags.names_config_file()) {
    // No filter yet: the app opens empty, with the flags kept for the filter the user loads.
    auto spec = plugin_flags.spec("");
    if (!spec) return unexpected(spec.error());
    options.plugin = std::move(*spec);
    return {};
  }
  auto chain = plugin_flags.chain(options.filter, "pwplay");
  if (!chain) return unexpected(chain.error());
  if (chain->plugins.size() != 1)
    return make_error("the desktop app debugs one filter, and the config holds " +
                      std::to_string(chain->plugins.size()) +
                      ": give a config with one Wasm filter, or run the chain with "
                      "`pwplay run` or `pwplay serve`");
  options.plugin = std::move(chain->plugins.front());
  // The bootstrap's route and cluster, as the filter reads them, unless --property set them.
  debugger::add_site_defaults({chain->route_name, chain->cluster_name}, options.plugin);
  options.filter = options.plugin.wasm_path;
  return {};
}

}  // namespace pwplay::gui
