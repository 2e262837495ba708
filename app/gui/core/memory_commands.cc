#include "app/gui/core/memory_commands.h"

#include <algorithm>
#include <memory>

namespace pwplay::gui {

using nlohmann::json;

namespace {

// Runs `action` on the view brought up to date, shows the tab and keeps the outcome as the
// view's message line.
template <typename Action>
std::function<Result<void>(std::string_view)> on_view(
    memory::ViewState& view, debugger::Session& session, Workspace& workspace,
    std::shared_ptr<const MemoryCommandHooks> hooks, Action action) {
  return [&view, &session, &workspace, hooks, action](std::string_view arg) -> Result<void> {
    view.observe(*session.snapshot(), workspace);
    if (hooks->show_tab) hooks->show_tab();
    Result<void> done = action(arg);
    view.message = done ? std::string() : done.error().message;
    view.message_is_error = !done;
    return done;
  };
}

}  // namespace

void register_memory_commands(Commands& commands, memory::ViewState& view,
                              debugger::Session& session, Workspace& workspace,
                              MemoryCommandHooks hooks_in) {
  // The handlers outlive this call: the hooks live in the table's closures.
  auto hooks = std::make_shared<const MemoryCommandHooks>(std::move(hooks_in));
  auto command = [&](std::string id, std::string label, std::string menu, std::string shortcut,
                     std::string arg_help, auto action) {
    Shortcut keys = shortcut.empty() ? Shortcut{} : *parse_shortcut(shortcut);
    commands.add({std::move(id), std::move(label), std::move(menu), keys, std::move(arg_help),
                  false, on_view(view, session, workspace, hooks, action)});
  };
  command("show-memory", "Memory", "View", "", "",
          [](std::string_view) -> Result<void> { return {}; });
  command("memory-goto", "Go to address", "", "Ctrl+G",
          "ADDR: 0x1f0, 1f0h or 496 (default: the field)", [&view](std::string_view arg) {
            return view.go_to(arg.empty() ? std::string_view(view.goto_field) : arg);
          });
  command("memory-follow-pointer", "Follow the u32 at the cursor as a pointer", "", "", "",
          [&view](std::string_view) { return view.follow_pointer(); });
  command("memory-search", "Search memory", "", "", "TEXT or HEX bytes (default: the field)",
          [&view](std::string_view arg) {
            return view.search(arg.empty() ? std::string_view(view.search_field) : arg);
          });
  command("memory-search-next", "Next match in memory", "", "", "",
          [&view](std::string_view) { return view.search_next(true); });
  command("memory-search-previous", "Previous match in memory", "", "", "",
          [&view](std::string_view) { return view.search_next(false); });
  command("memory-select-region", "Select a copied region", "", "",
          "N (1-based, as the legend lists them) or part of a label (default: the first)",
          [&view](std::string_view arg) {
            return view.select_region(arg.empty() ? std::string_view("1") : arg);
          });
  command("memory-copy-hex", "Copy the selected bytes as hex", "", "", "",
          [&view, hooks](std::string_view) -> Result<void> {
            auto text = view.copy(true);
            if (!text) return make_error("memory-copy-hex: " + text.error().message);
            if (hooks->set_clipboard) hooks->set_clipboard(*text);
            return {};
          });
  command("memory-copy-text", "Copy the selected bytes as text", "", "", "",
          [&view, hooks](std::string_view) -> Result<void> {
            auto text = view.copy(false);
            if (!text) return make_error("memory-copy-text: " + text.error().message);
            if (hooks->set_clipboard) hooks->set_clipboard(*text);
            return {};
          });
}

json summarize_memory(const memory::ViewState& view) {
  json out;
  out["cursor"] = view.cursor() ? json(*view.cursor()) : json(nullptr);
  if (auto selection = view.selection())
    out["selection"] = json::array({selection->begin, selection->end});
  else
    out["selection"] = nullptr;
  out["size"] = view.image().size();
  out["whole"] = view.image().whole;
  out["source"] = view.source();
  out["pause"] = view.pause_id();
  json regions = json::array();
  for (const auto& region : view.regions())
    regions.push_back(
        {{"address", region.address}, {"length", region.length}, {"label", region.label}});
  out["regions"] = std::move(regions);
  // The label of the copied region the selection covers exactly (memory-select-region, or a
  // click on the legend), for checks such as "the request headers are selected".
  out["selected_region"] = nullptr;
  if (auto selection = view.selection())
    for (const auto& region : view.regions())
      if (selection->begin == region.address &&
          selection->end == region.address + std::max<uint32_t>(region.length, 1)) {
        out["selected_region"] = region.label;
        break;
      }
  out["changed_bytes"] = view.changed().bytes();
  out["hits"] = view.hits().size();
  out["growth"] = view.growth().size();
  json inspector = json::object();
  if (view.cursor())
    for (const auto& row : memory::inspect(view.image(), *view.cursor()))
      inspector[row.type] = row.error.empty() ? json(row.value) : json(nullptr);
  out["inspector"] = std::move(inspector);
  out["message"] = view.message;
  return out;
}

}  // namespace pwplay::gui
