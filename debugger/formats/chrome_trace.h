// A trace as Chrome's trace event format: the JSON object that Perfetto's UI
// (ui.perfetto.dev) and chrome://tracing open. Callbacks and host calls become complete events
// ("X") nested by time, so a request reads as a flame chart; copies, logs, traps and lifecycle
// milestones become instants ("i") with their arguments; linear memory becomes a counter ("C").
// One process per plugin, one thread per HTTP stream (thread 0: root-context work). `pwplay run
// --trace-out`, the debugger's `export-trace` and the app's Export trace write it.
#pragma once

#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "debugger/trace_store.h"
#include "host/trace.h"

namespace pwplay::debugger {

// {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}; `ts` and `dur` in
// microseconds since the host environment started.
nlohmann::json chrome_trace(std::span<const host::TraceEvent> events);

// Writes chrome_trace(events) to `path` (atomically: an existing file stays whole on failure).
Result<void> write_chrome_trace(const std::string& path, std::span<const host::TraceEvent> events);

// Writes every event `store` keeps (a debugging session's trace) to `path`; the number of events
// written. An empty store is an error, so that no empty file is left behind.
Result<size_t> export_chrome_trace(const TraceStore& store, const std::string& path);

}  // namespace pwplay::debugger
