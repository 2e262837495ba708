#include "app/gui/core/session_commands.h"

#include <string>
#include <vector>

#include "app/gui/core/chain_model.h"

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
  std::vector<FilterSettings> specs = chain_specs(workspace);
  if (specs.empty()) return make_error("every filter of the chain is switched off");
  for (size_t i = 0; i < specs.size(); ++i)
    if (specs[i].wasm_path.empty())
      return make_error("filter " + std::to_string(i + 1) + " of the chain has no module path");
  if (auto ok = not_paused(session); !ok) return ok;
  // One filter loads as before; a chain loads every enabled filter in order.
  if (specs.size() == 1)
    session.load_in_background(specs.front());
  else
    session.load_in_background(specs);
  workspace.loaded_filter = workspace.filter;
  workspace.loaded_chain = std::move(specs);
  return {};
}

Result<void> ensure_filter(debugger::Session& session, Workspace& workspace) {
  if (workspace.filter.wasm_path.empty()) return make_error("no filter: load a .wasm file first");
  if (workspace.loaded_chain == chain_specs(workspace)) {
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
