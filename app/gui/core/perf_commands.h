// The Performance panel's commands (show-performance, perf-window, perf-reset, perf-leak-check,
// perf-leak-cancel) and what the automation log reports of the panel, without a window: menus,
// keys, the palette and scripts reach the session's performance model through them.
#pragma once

#include <cstdint>
#include <functional>

#include <nlohmann/json.hpp>

#include "app/gui/core/command_table.h"
#include "app/gui/core/workspace.h"
#include "debugger/session.h"

namespace pwplay::gui {

// Requests a leak check sends when no count is given (the panel's field starts there too).
inline constexpr uint64_t kDefaultLeakRequests = 2000;
// Fewer gives too few samples to judge; more would hold the engine thread for hours
// (docs/reliability.md, "Limits").
inline constexpr uint64_t kMinLeakRequests = 10;
inline constexpr uint64_t kMaxLeakRequests = 1'000'000;

// Starts a leak check of the request composer's request, loading the Filter panel's settings
// first when needed. Errors: paused, a check already running, a bad count or request.
Result<void> start_leak_check(debugger::Session& session, Workspace& workspace, uint64_t count);

// Adds the commands; `show_tab` brings the Performance tab to the front.
void register_perf_commands(Commands& commands, debugger::Session& session, Workspace& workspace,
                            std::function<void()> show_tab);

// {"window", "samples", "requests", "requests_per_s", "plugins": [...], "leak_verdict", ...}.
nlohmann::json summarize_performance(const Snapshot& snapshot);

}  // namespace pwplay::gui
