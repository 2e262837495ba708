// What the app's Run and Debug commands ask of the debugger session, without a window: load the
// Filter panel's settings, and send a request through them (plain, or to debug), loading them
// first when they changed. Nothing here waits for the engine thread.
#pragma once

#include <cstdint>

#include "abi/result.h"
#include "app/gui/core/workspace.h"
#include "debugger/session.h"

namespace pwplay::gui {

// Queues a load of the Filter panel's settings (always: Load re-reads the module). Refused while
// the debugger is paused.
Result<void> load_filter(debugger::Session& session, Workspace& workspace);

// Queues a load when the Filter panel's settings differ from the last load queued, or when that
// load failed; nothing when the session has them already.
Result<void> ensure_filter(debugger::Session& session, Workspace& workspace);

// Sends `request` through the Filter panel's settings (loading them first when needed) and makes
// the Result panel follow it. Pausing::Off is Send, Pausing::On is Debug request. Refused while
// the debugger is paused. Returns the run's id.
Result<uint64_t> send_request(debugger::Session& session, Workspace& workspace,
                              debugger::RequestFile request, debugger::Pausing pausing);

}  // namespace pwplay::gui
