// The Filter panel's chain editor without a window: the filters in request order (the
// workspace's `filter` first, then `more_filters`), added, removed, moved and switched on or off,
// and the plugin specs a load takes from them; configuration text checked as JSON.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "app/gui/core/command_table.h"
#include "app/gui/core/workspace.h"
#include "debugger/session.h"

namespace pwplay::gui {

// Every filter of the chain in order, enabled or not.
std::vector<ChainFilter> chain_filters(const Workspace& workspace);
// Replaces the chain (the first entry becomes `filter`; an empty chain leaves an empty filter).
void set_chain_filters(Workspace& workspace, std::vector<ChainFilter> chain);
// The plugin specs of the enabled filters, in order: what Load and Send load.
std::vector<FilterSettings> chain_specs(const Workspace& workspace);

// The chain edits; `position` is 1-based as the panel numbers filters. Errors name the position
// and the chain's length.
// Adds a filter at the end (into the first slot while it has no module).
Result<void> chain_add(Workspace& workspace, std::string_view wasm_path);
Result<void> chain_remove(Workspace& workspace, size_t position);
Result<void> chain_move(Workspace& workspace, size_t position, bool up);
Result<void> chain_enable(Workspace& workspace, size_t position, bool enabled);

// A plugin configuration checked as JSON when it looks like JSON (starts with { or [).
struct ConfigCheck {
  bool json = false;   // it looks like JSON
  bool valid = true;   // parsed (always true for non-JSON text)
  std::string pretty;  // pretty-printed, when valid JSON
  std::string error;   // "line 3: ..." when it does not parse
  size_t line = 0;     // 1-based line of the error
};
ConfigCheck check_configuration(std::string_view text);

// chain-add PATH, chain-remove N, chain-move N up|down, chain-enable N on|off; each edits the
// workspace (the next Load or Send loads the chain as edited).
void register_chain_commands(Commands& commands, Workspace& workspace);

// The automation log's "chain": {"filters": [{"position", "wasm_path", "engine", "enabled"}]
// as edited, "loaded": the names of the loaded chain's plugins in order, "upstream_headers":
// the last run's upstream request headers as [name, value] pairs in order (null: none)}.
nlohmann::json summarize_chain(const Workspace& workspace, const Snapshot& snapshot);

}  // namespace pwplay::gui
