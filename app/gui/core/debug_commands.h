// The desktop app's debug-* commands, built from the debugger's verb table (debugger/commands.h):
// one command per verb, id "debug-<name>", with the label, menu and default shortcut the app adds
// on top from one small list (kDebugMenu in debug_commands.cc). Each runs its verb against the
// session and writes the line and the answer to the Debugger tab's console.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "app/gui/core/command_table.h"
#include "app/gui/core/debug_console.h"
#include "debugger/commands.h"

namespace pwplay::gui {

// What the app lends the verbs. Session and console outlive the command table.
struct DebugFrontEnd {
  debugger::Session* session = nullptr;
  DebugConsole* console = nullptr;
  // The verbs' context: the app fills in its hooks (the Request panel's request, loading the
  // Filter panel's settings). Its wait is zero: the app never blocks on a verb, the console shows
  // pauses and ends as they come (DebugConsole::observe).
  debugger::VerbContext context{.wait = std::chrono::milliseconds(0)};
  std::function<std::string()> selected_run;  // `replay` without an argument: the selected run
  std::function<void()> show;                 // brings the Debugger tab forward
  std::function<void()> quit;                 // `quit`: what leaving the debugger means here
};

// "debug-<name>".
std::string debug_command_id(const debugger::Verb& verb);

// Adds a debug-<name> command for every verb of the table, and toggle-code-breakpoint [OFFSET]
// (the code views' click: deletes the instruction breakpoint at OFFSET or adds one).
void add_debug_commands(Commands& commands, DebugFrontEnd front_end);

// A line typed in the console: its verb's command runs with the rest of the line as argument (an
// unknown verb is answered in the console). Commands refused by the table (not available now)
// say so in the console too.
Result<void> run_console_line(Commands& commands, DebugConsole& console, std::string_view line);

}  // namespace pwplay::gui
