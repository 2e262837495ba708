// The desktop app's entry point: its command-line options (`pwplay [FILTER.wasm] [...]` with no
// subcommand) and run_gui(), which opens the window and returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace pwplay::gui {

struct GuiOptions {
  std::string filter;   // FILTER.wasm: put in the Filter panel and loaded at start
  std::string request;  // REQ.json: opened in the request editor at start
  std::string config;   // plugin configuration
  std::string root_id;
  std::string vm_id;
  bool fail_open = false;
  std::string window_size;  // "WxH"
  std::string automation;   // SCRIPT.json
  std::string automation_log;
  std::string screenshot;                 // PNG written after --run-command's
  int frames = 0;                         // frames rendered before the screenshot
  std::vector<std::string> run_commands;  // "ID" or "ID=ARG", in order
  bool no_ini = false;                    // do not read or write the layout file
};

// Registers the desktop app's options on the main (subcommand-less) command line.
void add_gui_options(CLI::App& app, GuiOptions& options);

// Opens the desktop app; returns the exit code (1 when no window or OpenGL context can be had).
int run_gui(const GuiOptions& options);

}  // namespace pwplay::gui
