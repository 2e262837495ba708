// What the desktop app shows: the debugger session's snapshot (published by its engine thread,
// immutable, runs shared between snapshots) and the Filter panel's settings. The UI reads one
// snapshot per frame and never touches the host or the VM.
#pragma once

#include <string>

#include "debugger/session.h"

namespace pwplay::gui {

// How to load the filter: what the Filter panel edits and every Load / Send carries.
struct FilterSettings {
  std::string wasm_path;
  std::string configuration;  // plugin configuration (Envoy "configuration")
  std::string root_id;
  std::string vm_id;
  bool fail_open = false;
  std::string engine = "v8";

  bool operator==(const FilterSettings&) const = default;
};

using Snapshot = debugger::SessionSnapshot;

}  // namespace pwplay::gui
