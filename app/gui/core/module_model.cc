#include "app/gui/core/module_model.h"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "host/header_map.h"

namespace pwplay::gui {
namespace {

bool contains_folded(std::string_view haystack, const std::string& folded_needle) {
  return host::to_lower(haystack).find(folded_needle) != std::string::npos;
}

}  // namespace

size_t module_listing_size(const host::FunctionWat& function) {
  // The header, the locals (when any), every instruction, the closing parenthesis.
  return 2 + (function.locals.empty() ? 0 : 1) + function.instructions.size();
}

std::optional<uint32_t> module_listing_offset(const host::FunctionWat& function, size_t line) {
  const size_t first = 1 + (function.locals.empty() ? 0 : 1);
  if (line < first || line - first >= function.instructions.size()) return std::nullopt;
  return function.instructions[line - first].offset;
}

std::string module_listing_line(const host::FunctionWat& function, size_t line) {
  if (line == 0) return function.header;
  size_t at = line - 1;
  if (!function.locals.empty()) {
    if (at == 0) return "              " + function.locals;
    --at;
  }
  if (at < function.instructions.size()) {
    const host::WatInstruction& instruction = function.instructions[at];
    char offset[24];
    std::snprintf(offset, sizeof offset, "0x%08x  ", instruction.offset);
    return offset + std::string(2 * instruction.depth, ' ') + instruction.text;
  }
  return at == function.instructions.size() ? ")" : "";
}

std::string ModuleModel::wanted_path(const Snapshot& snapshot) const {
  if (filter_index < snapshot.chain.size()) return snapshot.chain[filter_index].wasm_path;
  // After a failed load too: the module may show why (an import no proxy implements).
  return snapshot.plugin.wasm_path;
}

std::optional<std::string> ModuleModel::read_needed(const Snapshot& snapshot) {
  const std::string path = wanted_path(snapshot);
  if (path.empty() || view(snapshot)) return std::nullopt;
  if (requested_path_ == path && requested_build_ == snapshot.plugin.build) return std::nullopt;
  requested_path_ = path;
  requested_build_ = snapshot.plugin.build;
  return path;
}

const debugger::ModuleView* ModuleModel::view(const Snapshot& snapshot) const {
  const auto& module = snapshot.module;
  if (!module || module->build != snapshot.plugin.build) return nullptr;
  if (module->wasm_path != wanted_path(snapshot)) return nullptr;
  return module.get();
}

std::vector<const host::FunctionWat*> ModuleModel::functions(
    const debugger::ModuleView& view) const {
  std::vector<const host::FunctionWat*> out;
  if (!view.wat) return out;
  const std::string needle = host::to_lower(function_filter);
  for (const host::FunctionWat& function : view.wat->functions) {
    const std::string name =
        function.name.empty() ? std::to_string(function.function_index) : function.name;
    if (needle.empty() || contains_folded(name, needle)) out.push_back(&function);
  }
  return out;
}

void ModuleModel::select(uint32_t function_index, size_t line) {
  selected_ = function_index;
  scroll_line_ = static_cast<int>(line);
}

Result<void> ModuleModel::select_function(const Snapshot& snapshot,
                                          std::string_view name_or_index) {
  const debugger::ModuleView* module = view(snapshot);
  if (!module || !module->wat) {
    pending_function_ = std::string(name_or_index);
    return {};
  }
  pending_function_.reset();
  const host::FunctionWat* function = module->wat->find(name_or_index);
  if (!function)
    return make_error("module-function: no defined function '" + std::string(name_or_index) +
                      "' in " + module->wasm_path +
                      " (give a name from the function list or a function index)");
  select(function->function_index, 0);
  return {};
}

void ModuleModel::run_search(const debugger::ModuleView& view) {
  hits_.clear();
  current_hit_ = 0;
  if (search_text_.empty() || !view.wat) return;
  const std::string needle = host::to_lower(search_text_);
  for (const host::FunctionWat& function : view.wat->functions) {
    const size_t lines = module_listing_size(function);
    for (size_t line = 0; line < lines; ++line)
      if (contains_folded(module_listing_line(function, line), needle))
        hits_.push_back({function.function_index, line});
  }
  // The first hit at or after the selected function, so that searching keeps the place.
  for (size_t i = 0; i < hits_.size() && selected_; ++i) {
    if (hits_[i].function_index >= *selected_) {
      current_hit_ = i;
      break;
    }
  }
  if (!hits_.empty()) select(hits_[current_hit_].function_index, hits_[current_hit_].line);
}

Result<void> ModuleModel::search(const Snapshot& snapshot, std::string_view text) {
  search_text_ = std::string(text);
  const debugger::ModuleView* module = view(snapshot);
  if (!module) {
    pending_search_ = true;
    hits_.clear();
    return {};
  }
  pending_search_ = false;
  run_search(*module);
  return {};
}

void ModuleModel::next_hit(bool forward) {
  if (hits_.empty()) return;
  current_hit_ = forward ? (current_hit_ + 1) % hits_.size()
                         : (current_hit_ + hits_.size() - 1) % hits_.size();
  select(hits_[current_hit_].function_index, hits_[current_hit_].line);
}

void ModuleModel::apply(const Snapshot& snapshot) {
  if (!pending_function_ && !pending_search_) return;
  const debugger::ModuleView* module = view(snapshot);
  if (!module) return;
  if (pending_function_) {
    const std::string name = *pending_function_;
    (void)select_function(snapshot, name);
    pending_function_.reset();
  }
  if (pending_search_) {
    pending_search_ = false;
    run_search(*module);
  }
}

int ModuleModel::take_scroll_line() {
  const int line = scroll_line_;
  scroll_line_ = -1;
  return line;
}

nlohmann::json summarize_module(const ModuleModel& model, const Snapshot& snapshot) {
  const debugger::ModuleView* module = model.view(snapshot);
  if (!module) return nullptr;
  nlohmann::json out;
  out["path"] = module->wasm_path;
  out["error"] = module->error.empty() ? nlohmann::json(nullptr) : nlohmann::json(module->error);
  out["abi_version"] =
      module->abi_version.empty() ? nlohmann::json(nullptr) : nlohmann::json(module->abi_version);
  if (module->info) {
    nlohmann::json non_abi_imports = nlohmann::json::array();
    for (const auto& import : module->info->imports)
      if (!host::is_abi_import(import))
        non_abi_imports.push_back(import.module + "." + import.name);
    nlohmann::json non_abi_exports = nlohmann::json::array();
    for (const auto& e : module->info->exports)
      if (!host::is_abi_export(e)) non_abi_exports.push_back(e.name);
    out["imports"] = module->info->imports.size();
    out["exports"] = module->info->exports.size();
    out["non_abi_imports"] = std::move(non_abi_imports);
    out["non_abi_exports"] = std::move(non_abi_exports);
    out["sections"] = module->info->sections.size();
    out["name_section"] = module->info->has_name_section();
    out["dwarf"] = module->info->has_dwarf();
  }
  out["functions"] = module->wat ? module->wat->functions.size() : 0;
  const host::FunctionWat* function =
      module->wat && model.selected() ? module->wat->function(*model.selected()) : nullptr;
  out["function"] =
      function ? nlohmann::json(function->name.empty() ? std::to_string(function->function_index)
                                                       : function->name)
               : nlohmann::json(nullptr);
  out["function_index"] =
      function ? nlohmann::json(function->function_index) : nlohmann::json(nullptr);
  out["search"] = model.search_text();
  out["search_hits"] = model.hits().size();
  if (!model.hits().empty()) {
    const ModuleHit& hit = model.hits()[model.current_hit()];
    const host::FunctionWat* hit_function = module->wat->function(hit.function_index);
    out["current_hit"] = {
        {"index", model.current_hit()},
        {"line", hit.line},
        {"text", hit_function ? module_listing_line(*hit_function, hit.line) : std::string()}};
  } else {
    out["current_hit"] = nullptr;
  }
  return out;
}

void request_module(ModuleModel& model, debugger::Session& session) {
  if (auto path = model.read_needed(*session.snapshot())) session.read_module_in_background(*path);
}

void register_module_commands(Commands& commands, ModuleModel& model, debugger::Session& session,
                              std::function<void()> show_tab) {
  auto show = [&model, &session, show_tab]() -> Result<void> {
    if (show_tab) show_tab();
    auto snapshot = session.snapshot();
    if (model.wanted_path(*snapshot).empty())
      return make_error("no filter is loaded: load one to see its module");
    request_module(model, session);
    return {};
  };
  commands.add({"show-module", "Module", "View", {}, "", false, [show](std::string_view) {
                  return show();
                }});
  commands.add({"module-function",
                "Show a function of the module",
                "",
                {},
                "a function name or index",
                true,
                [show, &model, &session](std::string_view arg) -> Result<void> {
                  if (auto shown = show(); !shown) return shown;
                  return model.select_function(*session.snapshot(), arg);
                }});
  commands.add({"module-search",
                "Search the module's code",
                "",
                {},
                "text (empty: clear)",
                true,
                [show, &model, &session](std::string_view arg) -> Result<void> {
                  if (auto shown = show(); !shown) return shown;
                  return model.search(*session.snapshot(), arg);
                }});
  commands.add({"module-search-next",
                "Next search hit in the module",
                "",
                {},
                "",
                false,
                [show, &model](std::string_view) -> Result<void> {
                  if (auto shown = show(); !shown) return shown;
                  if (model.hits().empty()) return make_error("no search hits: search first");
                  model.next_hit();
                  return {};
                }});
}

}  // namespace pwplay::gui
