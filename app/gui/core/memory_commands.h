// The memory view's commands (show-memory, memory-goto, memory-follow-pointer, memory-search and
// its next/previous, memory-select-region, memory-copy-hex/-text) and what the automation log
// reports of the view, without a window: menus, keys, the palette and scripts reach the view's
// state through them.
#pragma once

#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "app/gui/core/command_table.h"
#include "app/gui/core/memory_state.h"
#include "app/gui/core/workspace.h"
#include "debugger/session.h"

namespace pwplay::gui {

struct MemoryCommandHooks {
  std::function<void()> show_tab;                         // the Memory tab to the front
  std::function<void(const std::string&)> set_clipboard;  // copies go there
};

// Each command first brings `view` up to date with the session's latest snapshot, so a script
// may run one right after a wait, before the tab was ever drawn.
void register_memory_commands(Commands& commands, memory::ViewState& view,
                              debugger::Session& session, Workspace& workspace,
                              MemoryCommandHooks hooks);

// {"cursor", "selection": [begin, end], "size", "source", "regions", "changed_bytes", "hits",
//  "inspector": {"u8": ..., "u32": ..., ...}} for the automation log.
nlohmann::json summarize_memory(const memory::ViewState& view);

}  // namespace pwplay::gui
