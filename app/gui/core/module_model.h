// ModuleModel: the Module tab's state without a window — which filter of the chain it shows,
// the function list's filter, the selected function and a text search over the disassembly with
// its hits — over the session's ModuleView (read once per build on the engine thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "app/gui/core/command_table.h"
#include "app/gui/core/snapshot.h"
#include "debugger/module_view.h"

namespace pwplay::gui {

// One line of a search hit: the function and its line in the function's listing (0 is the
// header, 1.. the instructions).
struct ModuleHit {
  uint32_t function_index = 0;
  size_t line = 0;
};

class ModuleModel {
 public:
  // The chain position (0-based) of the filter whose module the tab shows.
  size_t filter_index = 0;
  std::string function_filter;  // the function list's filter (a substring of the name)

  // The module file to show: the chosen filter's of the loaded chain, else the last load's
  // (loaded or not); "" when none.
  std::string wanted_path(const Snapshot& snapshot) const;
  // The path to ask the session to read (read_module_in_background) when the snapshot holds no
  // view of the wanted module and build yet; nullopt when it does or the read was asked for.
  std::optional<std::string> read_needed(const Snapshot& snapshot);
  // The snapshot's view when it is the wanted module's, else null.
  const debugger::ModuleView* view(const Snapshot& snapshot) const;

  // Selects a defined function by name or index. Before the view arrives the choice waits for
  // it (apply() makes it); with a view, an unknown function is an error naming it.
  Result<void> select_function(const Snapshot& snapshot, std::string_view name_or_index);
  // Searches every function's listing (case-insensitive) and jumps to the first hit; an empty
  // text clears the search. Waits for the view as select_function does.
  Result<void> search(const Snapshot& snapshot, std::string_view text);
  // Selects a defined function by index (the function list's click), scrolled to `line`.
  void select(uint32_t function_index, size_t line = 0);
  // Goes to the next (or previous) hit, wrapping around.
  void next_hit(bool forward = true);
  // Once per frame: applies a selection or search that waited for the view.
  void apply(const Snapshot& snapshot);

  // The defined functions whose name contains function_filter (case-insensitive), in order.
  std::vector<const host::FunctionWat*> functions(const debugger::ModuleView& view) const;

  std::optional<uint32_t> selected() const { return selected_; }
  const std::string& search_text() const { return search_text_; }
  const std::vector<ModuleHit>& hits() const { return hits_; }
  size_t current_hit() const { return current_hit_; }
  // The listing line the view should scroll to once (a new selection or hit); -1: none.
  int take_scroll_line();

 private:
  void run_search(const debugger::ModuleView& view);

  std::optional<uint32_t> selected_;
  std::string search_text_;
  std::vector<ModuleHit> hits_;
  size_t current_hit_ = 0;
  int scroll_line_ = -1;
  std::optional<std::string> pending_function_;
  bool pending_search_ = false;
  std::string requested_path_;  // the last read asked for, with its build
  uint32_t requested_build_ = 0;
};

// The line of `function`'s listing as the tab shows it: the header, then "0x0000004e  text"
// indented by block depth.
std::string module_listing_line(const host::FunctionWat& function, size_t line);
size_t module_listing_size(const host::FunctionWat& function);
// The .wasm file offset of the instruction on listing line `line`; none for the header, the
// locals and the closing line.
std::optional<uint32_t> module_listing_offset(const host::FunctionWat& function, size_t line);

// The automation log's "module": {"path", "error", "abi_version", "imports", "exports",
// "non_abi_imports", "non_abi_exports", "sections", "name_section", "dwarf", "functions",
// "function", "function_index", "search", "search_hits", "current_hit": {"index", "line",
// "text"}} (null before the wanted module was read).
nlohmann::json summarize_module(const ModuleModel& model, const Snapshot& snapshot);

// Asks the session to read the wanted module when the snapshot does not hold it yet.
void request_module(ModuleModel& model, debugger::Session& session);

// show-module, module-function NAME|INDEX, module-search TEXT, module-search-next; each brings
// the Module tab to the front (`show_tab`) and has the session read the module when needed.
void register_module_commands(Commands& commands, ModuleModel& model, debugger::Session& session,
                              std::function<void()> show_tab);

}  // namespace pwplay::gui
