#include "app/gui/core/debugger_log.h"

#include "abi/enums.h"
#include "debugger/breakpoints.h"

namespace pwplay::gui {
namespace {

const char* state_name(debugger::SessionState state) {
  switch (state) {
    case debugger::SessionState::Idle:
      return "idle";
    case debugger::SessionState::Running:
      return "running";
    case debugger::SessionState::Paused:
      return "paused";
  }
  return "idle";
}

}  // namespace

nlohmann::json summarize_debugger(const Snapshot& snapshot, const DebugConsole& console) {
  nlohmann::json breakpoints = nlohmann::json::array();
  for (const debugger::Breakpoint& breakpoint : snapshot.breakpoints)
    breakpoints.push_back({{"id", breakpoint.id},
                           {"text", debugger::describe(breakpoint)},
                           {"enabled", breakpoint.enabled},
                           {"hits", breakpoint.hits},
                           {"ignore_count", breakpoint.ignore_count},
                           {"temporary", breakpoint.temporary}});
  nlohmann::json injections = nlohmann::json::array();
  for (const auto& [hostcall, status] : snapshot.injections)
    injections.push_back(hostcall + " " + abi::name(status));
  nlohmann::json lines = nlohmann::json::array();
  const auto& transcript = console.lines();
  size_t first = transcript.size() > kConsoleLines ? transcript.size() - kConsoleLines : 0;
  for (size_t i = first; i < transcript.size(); ++i) lines.push_back(transcript[i].text);
  return {{"state", state_name(snapshot.state)},
          {"paused", snapshot.pause != nullptr},
          {"breakpoints", std::move(breakpoints)},
          {"injections", std::move(injections)},
          {"fail_allocations", snapshot.fail_allocations},
          {"proxy_port",
           snapshot.proxy_port ? nlohmann::json(*snapshot.proxy_port) : nlohmann::json(nullptr)},
          {"watching", snapshot.watching},
          {"reload_count", snapshot.reload_count},
          {"console", std::move(lines)}};
}

}  // namespace pwplay::gui
