#include "app/gui/core/chain_model.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <utility>

namespace pwplay::gui {
namespace {

Result<void> check_position(const std::vector<ChainFilter>& chain, size_t position) {
  if (position >= 1 && position <= chain.size()) return {};
  return make_error("no filter " + std::to_string(position) + ": the chain has " +
                    std::to_string(chain.size()) + (chain.size() == 1 ? " filter" : " filters"));
}

// "N" or "N REST": the 1-based position and what follows it.
Result<std::pair<size_t, std::string>> parse_position(std::string_view command,
                                                      std::string_view arg) {
  const size_t space = arg.find(' ');
  std::string_view number = arg.substr(0, space);
  size_t position = 0;
  auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), position);
  if (number.empty() || ec != std::errc() || end != number.data() + number.size())
    return make_error(std::string(command) + ": expected a filter position (1, 2, ...), got '" +
                      std::string(arg) + "'");
  std::string rest = space == std::string_view::npos ? "" : std::string(arg.substr(space + 1));
  while (!rest.empty() && rest.front() == ' ') rest.erase(rest.begin());
  return std::pair{position, rest};
}

}  // namespace

std::vector<ChainFilter> chain_filters(const Workspace& workspace) {
  std::vector<ChainFilter> chain;
  chain.push_back({workspace.filter, workspace.filter_enabled});
  chain.insert(chain.end(), workspace.more_filters.begin(), workspace.more_filters.end());
  return chain;
}

void set_chain_filters(Workspace& workspace, std::vector<ChainFilter> chain) {
  if (chain.empty()) {
    // The first slot stays, empty, with the engine the user chose.
    FilterSettings empty;
    empty.engine = workspace.filter.engine;
    workspace.filter = std::move(empty);
    workspace.filter_enabled = true;
    workspace.more_filters.clear();
    return;
  }
  workspace.filter = std::move(chain.front().settings);
  workspace.filter_enabled = chain.front().enabled;
  workspace.more_filters.assign(std::make_move_iterator(chain.begin() + 1),
                                std::make_move_iterator(chain.end()));
}

std::vector<FilterSettings> chain_specs(const Workspace& workspace) {
  std::vector<FilterSettings> specs;
  for (const ChainFilter& filter : chain_filters(workspace))
    if (filter.enabled) specs.push_back(filter.settings);
  return specs;
}

Result<void> chain_add(Workspace& workspace, std::string_view wasm_path) {
  if (wasm_path.empty()) return make_error("chain-add: give the path of a .wasm file");
  if (workspace.filter.wasm_path.empty() && workspace.more_filters.empty()) {
    workspace.filter.wasm_path = std::string(wasm_path);
    return {};
  }
  ChainFilter added;
  added.settings.wasm_path = std::string(wasm_path);
  added.settings.engine = workspace.filter.engine;  // the engine the chain runs on so far
  workspace.more_filters.push_back(std::move(added));
  return {};
}

Result<void> chain_remove(Workspace& workspace, size_t position) {
  auto chain = chain_filters(workspace);
  if (auto ok = check_position(chain, position); !ok) return ok;
  chain.erase(chain.begin() + static_cast<std::ptrdiff_t>(position - 1));
  set_chain_filters(workspace, std::move(chain));
  return {};
}

Result<void> chain_move(Workspace& workspace, size_t position, bool up) {
  auto chain = chain_filters(workspace);
  if (auto ok = check_position(chain, position); !ok) return ok;
  const size_t from = position - 1;
  if (up ? from == 0 : from + 1 == chain.size())
    return make_error("filter " + std::to_string(position) + " is already " +
                      (up ? "first" : "last"));
  std::swap(chain[from], chain[up ? from - 1 : from + 1]);
  set_chain_filters(workspace, std::move(chain));
  return {};
}

Result<void> chain_enable(Workspace& workspace, size_t position, bool enabled) {
  auto chain = chain_filters(workspace);
  if (auto ok = check_position(chain, position); !ok) return ok;
  chain[position - 1].enabled = enabled;
  set_chain_filters(workspace, std::move(chain));
  return {};
}

ConfigCheck check_configuration(std::string_view text) {
  ConfigCheck check;
  const size_t first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos || (text[first] != '{' && text[first] != '[')) return check;
  check.json = true;
  try {
    check.pretty = nlohmann::json::parse(text).dump(2);
  } catch (const nlohmann::json::parse_error& error) {
    check.valid = false;
    // The byte the parser stopped at (1-based, one past the end at end of input).
    const size_t at = std::min(error.byte == 0 ? 0 : error.byte - 1, text.size());
    check.line = 1;
    for (size_t i = 0; i < at; ++i)
      if (text[i] == '\n') ++check.line;
    std::string what = error.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    if (const size_t colon = what.find(": "); colon != std::string::npos)
      what = what.substr(colon + 2);
    check.error = "line " + std::to_string(check.line) + ": " + what;
  }
  return check;
}

void register_chain_commands(Commands& commands, Workspace& workspace) {
  Workspace& ws = workspace;
  commands.add({"chain-add",
                "Add a filter to the chain",
                "",
                {},
                "PATH of a .wasm file",
                true,
                [&ws](std::string_view arg) { return chain_add(ws, arg); }});
  commands.add({"chain-remove",
                "Remove a filter from the chain",
                "",
                {},
                "N (1 is the first)",
                true,
                [&ws](std::string_view arg) -> Result<void> {
                  auto parsed = parse_position("chain-remove", arg);
                  if (!parsed) return unexpected(parsed.error());
                  return chain_remove(ws, parsed->first);
                }});
  commands.add({"chain-move",
                "Move a filter in the chain",
                "",
                {},
                "N up|down",
                true,
                [&ws](std::string_view arg) -> Result<void> {
                  auto parsed = parse_position("chain-move", arg);
                  if (!parsed) return unexpected(parsed.error());
                  if (parsed->second != "up" && parsed->second != "down")
                    return make_error("chain-move: expected 'N up' or 'N down', got '" +
                                      std::string(arg) + "'");
                  return chain_move(ws, parsed->first, parsed->second == "up");
                }});
  commands.add({"chain-enable",
                "Switch a filter of the chain on or off",
                "",
                {},
                "N on|off",
                true,
                [&ws](std::string_view arg) -> Result<void> {
                  auto parsed = parse_position("chain-enable", arg);
                  if (!parsed) return unexpected(parsed.error());
                  if (parsed->second != "on" && parsed->second != "off")
                    return make_error("chain-enable: expected 'N on' or 'N off', got '" +
                                      std::string(arg) + "'");
                  return chain_enable(ws, parsed->first, parsed->second == "on");
                }});
}

nlohmann::json summarize_chain(const Workspace& workspace, const Snapshot& snapshot) {
  nlohmann::json out = nlohmann::json::array();
  size_t position = 1;
  for (const ChainFilter& filter : chain_filters(workspace)) {
    out.push_back({{"position", position++},
                   {"wasm_path", filter.settings.wasm_path},
                   {"engine", filter.settings.engine},
                   {"enabled", filter.enabled}});
  }
  nlohmann::json loaded = nlohmann::json::array();
  for (const debugger::PluginInfo& plugin : snapshot.chain) loaded.push_back(plugin.name);
  // The last run's upstream request headers as pairs, in order: what each filter added shows
  // where it ran.
  nlohmann::json upstream = nullptr;
  const debugger::HistoryEntry* run = snapshot.last();
  if (run && run->ran() && run->report.upstream_request) {
    upstream = nlohmann::json::array();
    for (const auto& [name, value] : run->report.upstream_request->headers)
      upstream.push_back({name, value});
  }
  return {{"filters", std::move(out)},
          {"loaded", std::move(loaded)},
          {"upstream_headers", std::move(upstream)}};
}

}  // namespace pwplay::gui
