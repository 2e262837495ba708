// pwplay: a playground and debugger for proxy-wasm filters. Without a subcommand it opens the
// desktop app; the subcommands run the same engine headless.
#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>

#include "app/cli/commands.h"
#include "app/cli/plugin_args.h"
#include "app/gui/gui_main.h"

int main(int argc, char** argv) {
  CLI::App app{"pwplay: a playground and debugger for proxy-wasm filters"};
  app.set_version_flag("--version", "pwplay 0.1.0");
  int exit_code = pwplay::app::kExitOk;
  pwplay::app::add_run_command(app, exit_code);
  pwplay::app::add_inspect_command(app, exit_code);
  pwplay::app::add_test_command(app, exit_code);
  pwplay::app::add_serve_command(app, exit_code);
  pwplay::app::add_debug_command(app, exit_code);
  // Start-up diagnosis.
  pwplay::app::add_check_command(app, exit_code);
  pwplay::app::add_export_command(app, exit_code);
  pwplay::app::add_bench_command(app, exit_code);
  pwplay::app::add_lessons_command(app, exit_code);
  pwplay::gui::GuiOptions gui_options;
  pwplay::app::PluginFlags gui_plugin_flags;
  pwplay::gui::add_gui_options(app, gui_options, gui_plugin_flags);
  app.require_subcommand(0, 1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : pwplay::app::kExitUsage;
  }
  if (app.get_subcommands().empty()) {
    // The command table is data: listing it needs no window.
    if (gui_options.list_commands) return pwplay::gui::list_gui_commands(gui_options);
    const char* display = std::getenv("DISPLAY");
    const char* wayland = std::getenv("WAYLAND_DISPLAY");
    if ((!display || !*display) && (!wayland || !*wayland)) {
      std::fprintf(
          stderr,
          "pwplay: no display found (DISPLAY is not set), so the desktop app cannot open.\n"
          "Use the headless commands instead, for example:\n"
          "  pwplay run FILTER.wasm --request REQ.json [--json]\n"
          "  pwplay inspect FILTER.wasm\n"
          "See 'pwplay --help' for all commands.\n");
      return pwplay::app::kExitError;
    }
    if (auto plugin = pwplay::gui::resolve_gui_plugin(gui_options, gui_plugin_flags); !plugin) {
      std::fprintf(stderr, "pwplay: %s\n", plugin.error().message.c_str());
      return pwplay::app::kExitUsage;
    }
    return pwplay::gui::run_gui(gui_options);
  }
  return exit_code;
}
