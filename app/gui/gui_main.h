// The desktop app's entry point: its command-line options (`pwplay [FILTER.wasm] [...]` with no
// subcommand) and run_gui(), which opens the window and returns the process exit code.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "abi/result.h"
#include "debugger/plugin_spec.h"

namespace pwplay::app {
class PluginFlags;
}

namespace pwplay::gui {

struct GuiOptions {
  std::string filter;   // FILTER.wasm: put in the Filter panel and loaded at start
  std::string request;  // REQ.json: opened in the request editor at start
  // The filter's settings from the plugin options (--engine, --config, --plugin-config,
  // --envoy-config, --warmup-ms, ...): filled by resolve_gui_plugin after the parse.
  debugger::PluginSpec plugin;
  std::string window_size;  // "WxH"
  std::string automation;   // SCRIPT.json
  std::string automation_log;
  std::string screenshot;                 // PNG written after --run-command's
  int frames = 0;                         // frames rendered before the screenshot
  std::vector<std::string> run_commands;  // "ID" or "ID=ARG", in order
  bool no_ini = false;                    // do not read or write the layout file
  // Without a filter: the add_header sample is loaded with its request (else the welcome view
  // shows). --no-sample starts empty; automation runs start empty unless --first-run.
  bool no_sample = false;
  bool first_run = false;
  std::string samples_dir;        // --samples-dir: where the built samples are (default: found)
  std::string lesson;             // --lesson ID: open the app at this lesson
  bool automation_check = false;  // --automation-check: play every step of --lesson, then exit
  std::string lessons_dir;        // --lessons-dir: the lesson files (default: assets/lessons)
  // --list-commands[=FORMAT]: print the command table ("" or "text", "json") and exit.
  std::optional<std::string> list_commands;
};

// Registers the desktop app's options on the main (subcommand-less) command line; the plugin
// options (the same as `pwplay debug`'s) land in `plugin_flags`, which must outlive the parse.
void add_gui_options(CLI::App& app, GuiOptions& options, app::PluginFlags& plugin_flags);

// Fills `options.plugin` (and `options.filter` when a config names the module) from the plugin
// options. Errors name the file or flag at fault; a config with several filters is refused, as
// the app debugs one filter.
Result<void> resolve_gui_plugin(GuiOptions& options, const app::PluginFlags& plugin_flags);

// Opens the desktop app; returns the exit code (1 when no window or OpenGL context can be had).
int run_gui(const GuiOptions& options);

// Prints the command table in `options.list_commands`'s format to stdout without opening a
// window (no display needed); returns the exit code (2 for an unknown format).
int list_gui_commands(const GuiOptions& options);

}  // namespace pwplay::gui
