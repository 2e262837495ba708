// The commands of a first run: open-sample (a sample and its request, from the welcome view),
// break-on-event (F9: a breakpoint on the event selected in the Trace tab), and the status
// bar's hint of what to try next, spelled with the keys the command table really binds.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "app/gui/core/command_table.h"
#include "app/gui/core/samples.h"
#include "app/gui/core/workspace.h"
#include "debugger/session.h"

namespace pwplay::gui {

// "Ctrl+Enter sends; F9 on an event breaks there; Ctrl+D debugs": each part only when its command
// (send, break-on-event, debug-send) is in the table with a key.
std::string next_steps_hint(const Commands& commands);

// The breakpoint target break-on-event sets for the selected event of the selected run: its
// callback or host call name, "trap" for a trap. Errors say what to select.
Result<std::string> selected_event_target(const Workspace& workspace, const Snapshot& snapshot);

struct FirstRunContext {
  // Where the samples are, looked up when open-sample runs (null or an error: none found).
  std::function<Result<SampleLocations>()> locations;
  // The Filter panel settings a sample starts from (the command line's flags).
  std::function<FilterSettings()> base_settings;
  // After a sample is opened (the app sets the status bar's hint and closes the welcome view).
  std::function<void()> on_sample_opened;
};

// Adds open-sample and break-on-event (which runs debug-break, which must be in the table).
// `workspace` and `session` must outlive `commands`.
void register_first_run_commands(Commands& commands, Workspace& workspace,
                                 debugger::Session& session, FirstRunContext context);

}  // namespace pwplay::gui
