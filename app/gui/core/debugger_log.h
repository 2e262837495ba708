// The automation log's "debugger" object: what the Debugger tab shows (breakpoints, faults, the
// proxy, hot reload) and the console's transcript, so GUI tests can check a debug-* command by
// what it did and answered.
#pragma once

#include <nlohmann/json.hpp>

#include "app/gui/core/debug_console.h"
#include "app/gui/core/snapshot.h"

namespace pwplay::gui {

// {"state": "idle|running|paused", "paused": bool, "pause": {"id", "reason", "where",
//  "breakpoint", "event", "stream", "wasm": {"offset", "function", "instruction"} | null} | null,
//  "breakpoints": [{"id", "text", "kind", "target", "condition", "enabled", "hits",
//  "ignore_count", "temporary"}], "injections": ["HOSTCALL STATUS", ...], "fail_allocations",
//  "proxy_port" (null when stopped), "watching", "reload_count", "console": [the transcript's
//  last kConsoleLines lines, as shown: "(pwplay) info", ...]}. Without a console (each
//  screenshot's state in the automation log), no "console".
nlohmann::json summarize_debugger(const Snapshot& snapshot, const DebugConsole* console);

inline constexpr size_t kConsoleLines = 400;

}  // namespace pwplay::gui
