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

nlohmann::json summarize_pause(const debugger::PauseInfo* pause) {
  if (!pause) return nullptr;
  nlohmann::json shown = {
      {"id", pause->id},
      {"reason", pause->reason},
      {"where", host::pause_point_name(pause->where)},
      {"breakpoint", pause->breakpoint ? nlohmann::json(*pause->breakpoint) : nlohmann::json()},
      {"event", pause->event.name},
      {"stream", pause->stream_id}};
  shown["wasm"] = pause->wasm ? nlohmann::json{{"offset", pause->wasm->file_offset},
                                               {"function", pause->wasm->function_name},
                                               {"instruction", pause->wasm->instruction}}
                              : nlohmann::json(nullptr);
  return shown;
}

}  // namespace

nlohmann::json summarize_debugger(const Snapshot& snapshot, const DebugConsole* console) {
  nlohmann::json breakpoints = nlohmann::json::array();
  for (const debugger::Breakpoint& breakpoint : snapshot.breakpoints)
    breakpoints.push_back({{"id", breakpoint.id},
                           {"text", debugger::describe(breakpoint)},
                           {"kind", std::string(debugger::breakpoint_kind_name(breakpoint.kind))},
                           {"target", breakpoint.target},
                           {"condition", breakpoint.condition_text},
                           {"enabled", breakpoint.enabled},
                           {"hits", breakpoint.hits},
                           {"ignore_count", breakpoint.ignore_count},
                           {"temporary", breakpoint.temporary}});
  nlohmann::json injections = nlohmann::json::array();
  for (const auto& [hostcall, status] : snapshot.injections)
    injections.push_back(hostcall + " " + abi::name(status));
  nlohmann::json out = {{"state", state_name(snapshot.state)},
                        {"paused", snapshot.pause != nullptr},
                        {"pause", summarize_pause(snapshot.pause.get())},
                        {"breakpoints", std::move(breakpoints)},
                        {"injections", std::move(injections)},
                        {"fail_allocations", snapshot.fail_allocations},
                        {"proxy_port", snapshot.proxy_port ? nlohmann::json(*snapshot.proxy_port)
                                                           : nlohmann::json(nullptr)},
                        {"watching", snapshot.watching},
                        {"reload_count", snapshot.reload_count}};
  if (console) {
    nlohmann::json lines = nlohmann::json::array();
    const auto& transcript = console->lines();
    size_t first = transcript.size() > kConsoleLines ? transcript.size() - kConsoleLines : 0;
    for (size_t i = first; i < transcript.size(); ++i) lines.push_back(transcript[i].text);
    out["console"] = std::move(lines);
  }
  return out;
}

}  // namespace pwplay::gui
