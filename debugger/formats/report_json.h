// JSON forms of run results and trace events: the `pwplay run --json` output, and what scenario
// reports and project files embed. Field names are part of the public interface: extend only.
#pragma once

#include <nlohmann/json.hpp>

#include "debugger/runner.h"
#include "host/local_run.h"
#include "host/trace.h"

namespace pwplay::debugger {

nlohmann::json trace_event_to_json(const host::TraceEvent& event);
nlohmann::json request_view_to_json(const host::MessageView& message);
nlohmann::json response_view_to_json(const host::MessageView& message);
nlohmann::json run_result_to_json(const RunResult& result);
// `startup`: {"ok", and when it failed "phase", "error", "fault", "backtrace"; "logs", "trace"}.
nlohmann::json startup_to_json(const StartupResult& startup);
// {"request": {...} | null, "response": {...} | null}: header and trailer changes (added,
// changed with old_value, removed) and which body bytes changed, per direction.
nlohmann::json stream_diff_to_json(const host::RunReport& report);

}  // namespace pwplay::debugger
