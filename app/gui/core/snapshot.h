// What the desktop app shows: the debugger session's snapshot (published by its engine thread,
// immutable, runs shared between snapshots) and the Filter panel's settings. The UI reads one
// snapshot per frame and never touches the host or the VM.
#pragma once

#include <string>

#include "debugger/session.h"

namespace pwplay::gui {

// How to load the filter: what the Filter panel edits and every Load / Send carries — the same
// plugin spec the command line and project files describe.
using FilterSettings = debugger::PluginSpec;

using Snapshot = debugger::SessionSnapshot;

}  // namespace pwplay::gui
