#include "app/gui/core/session_commands.h"

namespace pwplay::gui {
namespace {

Result<void> not_paused(const debugger::Session& session) {
  if (session.snapshot()->state == debugger::SessionState::Paused)
    return make_error("the debugger is paused: continue, finish or abort the request first");
  return {};
}

}  // namespace

Result<void> load_filter(debugger::Session& session, Workspace& workspace) {
  if (workspace.filter.wasm_path.empty())
    return make_error("no filter: type the path of a .wasm file first");
  if (auto ok = not_paused(session); !ok) return ok;
  session.load_in_background(workspace.filter);
  workspace.loaded_filter = workspace.filter;
  return {};
}

Result<void> ensure_filter(debugger::Session& session, Workspace& workspace) {
  if (workspace.filter.wasm_path.empty()) return make_error("no filter: load a .wasm file first");
  if (workspace.loaded_filter == workspace.filter) {
    // The same settings: load again only when that load is over and failed (the user may have
    // fixed the file since). A load still queued shows as a running engine.
    auto snapshot = session.snapshot();
    if (snapshot->plugin.loaded || snapshot->state != debugger::SessionState::Idle) return {};
  }
  return load_filter(session, workspace);
}

Result<uint64_t> send_request(debugger::Session& session, Workspace& workspace,
                              debugger::RequestFile request, debugger::Pausing pausing) {
  if (auto ok = not_paused(session); !ok) return unexpected(ok.error());
  if (auto loaded = ensure_filter(session, workspace); !loaded) return unexpected(loaded.error());
  workspace.selection.follow_latest = true;
  return session.send(std::move(request), "desktop app", pausing);
}

}  // namespace pwplay::gui
