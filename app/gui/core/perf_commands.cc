#include "app/gui/core/perf_commands.h"

#include <charconv>
#include <string>

#include "app/gui/core/session_commands.h"

namespace pwplay::gui {

using nlohmann::json;

Result<void> start_leak_check(debugger::Session& session, Workspace& workspace, uint64_t count) {
  if (count < kMinLeakRequests || count > kMaxLeakRequests)
    return make_error("perf-leak-check: the number of requests must be between " +
                      std::to_string(kMinLeakRequests) + " and " +
                      std::to_string(kMaxLeakRequests) + ", got " + std::to_string(count));
  auto snapshot = session.snapshot();
  if (snapshot->state == debugger::SessionState::Paused)
    return make_error("the debugger is paused: continue, finish or abort the request first");
  if (snapshot->leak_check && snapshot->leak_check->running)
    return make_error("a leak check is already running: cancel it first");
  auto request = workspace.build_request();
  if (!request) return unexpected(request.error());
  if (auto loaded = ensure_filter(session, workspace); !loaded) return loaded;
  session.leak_check(std::move(*request), count);
  return {};
}

void register_perf_commands(Commands& commands, debugger::Session& session, Workspace& workspace,
                            std::function<void()> show_tab) {
  commands.add({"show-performance", "Performance", "View", *parse_shortcut("Ctrl+Alt+5"), "", false,
                [show_tab](std::string_view) -> Result<void> {
                  show_tab();
                  return {};
                }});
  commands.add({"perf-window",
                "Performance window",
                "",
                {},
                "10s | 60s | reset",
                true,
                [&session](std::string_view arg) -> Result<void> {
                  auto window = debugger::parse_perf_window(arg);
                  if (!window)
                    return make_error("perf-window: expected 10s, 60s or reset, got '" +
                                      std::string(arg) + "'");
                  session.set_perf_window(*window);
                  return {};
                }});
  commands.add({"perf-reset",
                "Reset performance counters",
                "View",
                {},
                "",
                false,
                [&session](std::string_view) -> Result<void> {
                  session.reset_perf();
                  return {};
                }});
  commands.add({"perf-leak-check",
                "Leak check",
                "Run",
                {},
                "requests (default 2000)",
                false,
                [&session, &workspace](std::string_view arg) -> Result<void> {
                  uint64_t count = kDefaultLeakRequests;
                  if (!arg.empty()) {
                    auto [end, error] = std::from_chars(arg.data(), arg.data() + arg.size(), count);
                    if (error != std::errc() || end != arg.data() + arg.size())
                      return make_error("perf-leak-check: expected a number of requests, got '" +
                                        std::string(arg) + "'");
                  }
                  return start_leak_check(session, workspace, count);
                }});
  commands.add({"perf-leak-cancel",
                "Cancel leak check",
                "Run",
                {},
                "",
                false,
                [&session](std::string_view) -> Result<void> {
                  session.cancel_leak_check();
                  return {};
                },
                [&session] {
                  auto leak = session.snapshot()->leak_check;
                  return leak && leak->running;
                }});
}

json summarize_performance(const Snapshot& snapshot) {
  json out;
  const auto& perf = snapshot.perf;
  out["window"] = perf ? std::string(debugger::perf_window_name(perf->window)) : "10s";
  out["samples"] = perf ? perf->samples : 0;
  uint64_t requests = 0;
  double per_s = 0;
  json plugins = json::array();
  if (perf) {
    for (const auto& view : perf->views) {
      requests += view.requests;
      per_s += view.requests_per_s;
      plugins.push_back(
          {{"plugin", view.plugin},
           {"engine", view.engine},
           {"requests", view.requests},
           {"requests_per_s", view.requests_per_s},
           {"filter_p99_us", static_cast<double>(view.filter_ns.percentile(0.99)) / 1000.0},
           {"callbacks", view.callbacks.size()},
           {"host_calls", view.host_calls.size()},
           {"memory_bytes", view.memory_bytes},
           // What each request copies between host and VM, against the ABI's minimum (each
           // piece of data once), and how often the host asks the module to allocate.
           {"bytes_in_per_request", view.bytes_in_per_request},
           {"bytes_out_per_request", view.bytes_out_per_request},
           {"min_bytes_in_per_request", view.min_bytes_in_per_request},
           {"copies_per_request", view.copies_per_request},
           {"allocations_per_request", view.allocations_per_request},
           {"instructions_per_request",
            view.instructions_per_request ? json(*view.instructions_per_request) : json(nullptr)}});
    }
  }
  out["requests"] = requests;
  out["requests_per_s"] = per_s;
  out["plugins"] = std::move(plugins);
  const auto& leak = snapshot.leak_check;
  out["leak_verdict"] =
      leak && leak->verdict ? json(debugger::verdict_name(*leak->verdict)) : json(nullptr);
  if (leak) {
    out["leak_check"] = {{"running", leak->running},
                         {"done", leak->done},
                         {"total", leak->total},
                         {"cancelled", leak->cancelled},
                         {"error", leak->error}};
    if (leak->verdict)
      out["leak_check"]["growth_bytes_per_1000_requests"] =
          leak->verdict->growth_bytes_per_1000_requests;
  }
  return out;
}

}  // namespace pwplay::gui
