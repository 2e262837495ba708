#include "app/gui/panels/module_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "app/gui/panels/code_gutter.h"
#include "app/gui/style.h"
#include "app/gui/widgets.h"
#include "host/trace.h"

namespace pwplay::gui {
namespace {

void key_value(const char* key, const std::string& value, const ImVec4* color = nullptr) {
  ImGui::TableNextRow();
  ImGui::TableSetColumnIndex(0);
  ImGui::TextColored(style::muted(), "%s", key);
  ImGui::TableSetColumnIndex(1);
  if (color)
    ImGui::TextColored(*color, "%s", value.c_str());
  else
    ImGui::TextUnformatted(value.c_str());
}

std::string function_label(const host::FunctionWat& function) {
  return function.name.empty() ? "func " + std::to_string(function.function_index)
                               : host::printable_text(function.name);
}

}  // namespace

ModulePanel::ModulePanel(ModuleModel& model, debugger::Session& session)
    : Panel("Module"), model_(model), session_(session) {}

void ModulePanel::draw(const Snapshot& snapshot, Commands& commands) {
  code_lines_.clear();
  if (snapshot.chain.size() > 1) {
    // Which filter of the chain to show.
    ImGui::AlignTextToFramePadding();
    ImGui::TextUnformatted("Filter");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(ImGui::CalcTextSize("M").x * 28);
    model_.filter_index = std::min(model_.filter_index, snapshot.chain.size() - 1);
    const auto& current = snapshot.chain[model_.filter_index];
    const std::string preview = std::to_string(model_.filter_index + 1) + ". " + current.name;
    if (ImGui::BeginCombo("##module_filter", preview.c_str())) {
      for (size_t i = 0; i < snapshot.chain.size(); ++i) {
        const std::string label = std::to_string(i + 1) + ". " + snapshot.chain[i].name;
        if (ImGui::Selectable(label.c_str(), i == model_.filter_index)) model_.filter_index = i;
      }
      ImGui::EndCombo();
    }
  }
  if (model_.wanted_path(snapshot).empty()) {
    ImGui::TextColored(style::muted(), "No filter loaded: load one to see its module.");
    return;
  }
  request_module(model_, session_);
  model_.apply(snapshot);
  const debugger::ModuleView* view = model_.view(snapshot);
  if (!view) {
    ImGui::TextColored(style::muted(), "Reading %s...",
                       std::filesystem::path(model_.wanted_path(snapshot)).filename().c_str());
    return;
  }
  if (!view->error.empty()) {
    widgets::wrapped_colored(style::error(), view->error);
    return;
  }
  const ImVec2 avail = ImGui::GetContentRegionAvail();
  if (overview_width_ <= 0) overview_width_ = std::max(avail.x * 0.42f, 200.0f);
  overview_width_ = std::clamp(overview_width_, 120.0f, std::max(avail.x - 160.0f, 120.0f));
  ImGui::BeginChild("##module_overview", ImVec2(overview_width_, avail.y));
  draw_overview(snapshot, *view);
  ImGui::EndChild();
  ImGui::SameLine(0, 0);
  widgets::splitter("##module_split", true, 6.0f, avail.y, &overview_width_, avail.x, 120.0f);
  ImGui::SameLine(0, 0);
  ImGui::BeginChild("##module_code", ImVec2(0, avail.y));
  draw_functions(*view);
  draw_code(*view, commands);
  ImGui::EndChild();
}

void ModulePanel::draw_overview(const Snapshot& snapshot, const debugger::ModuleView& view) {
  (void)snapshot;
  const host::ModuleInfo& info = *view.info;
  size_t non_abi_imports = 0;
  size_t non_abi_exports = 0;
  for (const auto& import : info.imports) non_abi_imports += host::is_abi_import(import) ? 0 : 1;
  for (const auto& e : info.exports) non_abi_exports += host::is_abi_export(e) ? 0 : 1;
  if (ImGui::BeginTable("##module_summary", 2, ImGuiTableFlags_SizingFixedFit)) {
    key_value("File", view.wasm_path);
    key_value("Size", widgets::format_bytes(info.size_bytes));
    if (!view.abi_version.empty()) {
      key_value("ABI version", view.abi_version);
    } else {
      const ImVec4 color = style::error();
      key_value("ABI version", "none usable: " + view.abi_error, &color);
    }
    key_value("Functions", std::to_string(info.imported_function_count) + " imported, " +
                               std::to_string(info.defined_function_count) + " defined");
    key_value("Name section", info.has_name_section() ? "yes" : "no");
    key_value("DWARF", info.has_dwarf() ? "yes" : "no");
    for (const auto& [field, value] : info.producers)
      key_value(("Producer: " + field).c_str(), host::printable_text(value));
    ImGui::EndTable();
  }
  const ImGuiTableFlags table_flags =
      ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersInnerV;
  const std::string imports_title = "Imports (" + std::to_string(info.imports.size()) + ", " +
                                    std::to_string(non_abi_imports) + " outside the ABI)###imports";
  if (ImGui::CollapsingHeader(imports_title.c_str(), ImGuiTreeNodeFlags_DefaultOpen) &&
      ImGui::BeginTable("##imports", 3, table_flags)) {
    for (const auto& import : info.imports) {
      const bool abi = host::is_abi_import(import);
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextColored(style::muted(), "%s", host::extern_kind_name(import.kind));
      ImGui::TableSetColumnIndex(1);
      const std::string name =
          host::printable_text(import.module) + "." + host::printable_text(import.name);
      if (abi)
        ImGui::TextUnformatted(name.c_str());
      else
        ImGui::TextColored(style::warning(), "%s", name.c_str());
      if (ImGui::IsItemHovered() && import.kind == host::ExternKind::Function)
        ImGui::SetTooltip("%s", host::to_string(import.type).c_str());
      ImGui::TableSetColumnIndex(2);
      if (!abi) ImGui::TextColored(style::warning(), "not in the ABI");
    }
    ImGui::EndTable();
  }
  const std::string exports_title = "Exports (" + std::to_string(info.exports.size()) + ", " +
                                    std::to_string(non_abi_exports) + " outside the ABI)###exports";
  if (ImGui::CollapsingHeader(exports_title.c_str(), ImGuiTreeNodeFlags_DefaultOpen) &&
      ImGui::BeginTable("##exports", 3, table_flags)) {
    for (const auto& e : info.exports) {
      const bool abi = host::is_abi_export(e);
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      ImGui::TextColored(style::muted(), "%s", host::extern_kind_name(e.kind));
      ImGui::TableSetColumnIndex(1);
      const std::string name = host::printable_text(e.name);
      if (abi)
        ImGui::TextUnformatted(name.c_str());
      else
        ImGui::TextColored(style::warning(), "%s", name.c_str());
      if (ImGui::IsItemHovered() && e.kind == host::ExternKind::Function)
        ImGui::SetTooltip("%s", host::to_string(e.type).c_str());
      ImGui::TableSetColumnIndex(2);
      if (!abi) ImGui::TextColored(style::warning(), "not in the ABI");
    }
    ImGui::EndTable();
  }
  const std::string sections_title =
      "Sections (" + std::to_string(info.sections.size()) + ")###sections";
  if (ImGui::CollapsingHeader(sections_title.c_str(), ImGuiTreeNodeFlags_DefaultOpen) &&
      ImGui::BeginTable("##sections", 3, table_flags)) {
    for (const auto& section : info.sections) {
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      if (section.id == 0)
        ImGui::TextColored(style::muted(), "custom");
      else
        ImGui::TextColored(style::muted(), "%u", static_cast<unsigned>(section.id));
      ImGui::TableSetColumnIndex(1);
      ImGui::TextUnformatted(host::printable_text(section.name).c_str());
      ImGui::TableSetColumnIndex(2);
      ImGui::Text("%s at 0x%zx", widgets::format_bytes(section.size).c_str(), section.offset);
    }
    ImGui::EndTable();
  }
}

void ModulePanel::draw_functions(const debugger::ModuleView& view) {
  const float avail = ImGui::GetContentRegionAvail().y;
  if (list_height_ <= 0) list_height_ = std::max(avail * 0.3f, 80.0f);
  list_height_ = std::clamp(list_height_, 60.0f, std::max(avail - 120.0f, 60.0f));
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint("##function_filter", "filter functions by name",
                           &model_.function_filter);
  const float list = list_height_ - ImGui::GetFrameHeightWithSpacing();
  if (ImGui::BeginTable("##functions", 3,
                        ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                            ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersOuterH,
                        ImVec2(0, std::max(list, 40.0f)))) {
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("#", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("function", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("size", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableHeadersRow();
    const auto functions = model_.functions(view);
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(functions.size()));
    while (clipper.Step()) {
      for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
        const host::FunctionWat& function = *functions[static_cast<size_t>(row)];
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextColored(style::muted(), "%u", function.function_index);
        ImGui::TableSetColumnIndex(1);
        ImGui::PushID(static_cast<int>(function.function_index));
        const bool selected = model_.selected() == function.function_index;
        if (ImGui::Selectable(function_label(function).c_str(), selected,
                              ImGuiSelectableFlags_SpanAllColumns))
          model_.select(function.function_index);
        ImGui::PopID();
        ImGui::TableSetColumnIndex(2);
        ImGui::TextColored(style::muted(), "%s", widgets::format_bytes(function.body_size).c_str());
      }
    }
    ImGui::EndTable();
  }
  widgets::splitter("##module_list_split", false, 6.0f, ImGui::GetContentRegionAvail().x,
                    &list_height_, avail, 60.0f);
}

void ModulePanel::draw_code(const debugger::ModuleView& view, Commands& commands) {
  ImGui::SetNextItemWidth(ImGui::GetContentRegionAvail().x * 0.45f);
  if (ImGui::InputTextWithHint("##module_search", "search the code (Enter)", &search_field_,
                               ImGuiInputTextFlags_EnterReturnsTrue)) {
    if (search_field_ == model_.search_text() && !model_.hits().empty())
      (void)commands.run("module-search-next", CommandSource::Button);
    else
      (void)commands.run("module-search", CommandSource::Button, search_field_);
    ImGui::SetKeyboardFocusHere(-1);
  }
  ImGui::SameLine();
  const bool have_hits = !model_.hits().empty();
  if (!have_hits) ImGui::BeginDisabled();
  if (ImGui::ArrowButton("##prev_hit", ImGuiDir_Up)) model_.next_hit(false);
  ImGui::SameLine();
  if (ImGui::ArrowButton("##next_hit", ImGuiDir_Down)) model_.next_hit(true);
  if (!have_hits) ImGui::EndDisabled();
  ImGui::SameLine();
  if (!model_.search_text().empty()) {
    if (have_hits)
      ImGui::Text("%zu of %zu", model_.current_hit() + 1, model_.hits().size());
    else
      ImGui::TextColored(style::warning(), "no hits");
  }
  const host::FunctionWat* function =
      model_.selected() && view.wat ? view.wat->function(*model_.selected()) : nullptr;
  if (!function) {
    ImGui::TextColored(style::muted(), "Pick a function above to see its code.");
    return;
  }
  const int scroll_to = model_.take_scroll_line();
  const std::vector<debugger::Breakpoint> breakpoints = session_.breakpoints();
  ImGui::PushFont(style::mono());
  ImGui::BeginChild("##wat", ImVec2(0, 0), true, ImGuiWindowFlags_HorizontalScrollbar);
  const size_t lines = module_listing_size(*function);
  const float line_height = ImGui::GetTextLineHeightWithSpacing();
  if (scroll_to >= 0)
    ImGui::SetScrollY(std::max(0.0f, scroll_to * line_height - ImGui::GetWindowHeight() * 0.4f));
  // The current hit's line, highlighted.
  std::optional<size_t> hit_line;
  if (have_hits && model_.hits()[model_.current_hit()].function_index == function->function_index)
    hit_line = model_.hits()[model_.current_hit()].line;
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(lines), line_height);
  while (clipper.Step()) {
    for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
      const size_t line = static_cast<size_t>(row);
      const std::string text = module_listing_line(*function, line);
      if (hit_line == line) {
        const ImVec2 min = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddRectFilled(
            min,
            ImVec2(min.x + ImGui::GetContentRegionAvail().x + ImGui::GetScrollMaxX() + 1000,
                   min.y + line_height),
            style::tint(style::accent(), 0.35f));
      }
      const std::optional<uint32_t> offset = module_listing_offset(*function, line);
      if (!offset) {
        ImGui::Dummy(ImVec2(ImGui::GetTextLineHeight(), ImGui::GetTextLineHeight()));
        ImGui::SameLine(0, 2);
        ImGui::TextColored(style::accent(), "%s", text.c_str());
        continue;
      }
      // An instruction: the gutter, then a line-wide selectable under the text; a click sets or
      // removes an instruction breakpoint.
      const BreakpointMark mark = breakpoint_mark(breakpoints, *offset);
      draw_breakpoint_gutter(mark);
      const float text_x = ImGui::GetCursorPosX();
      ImGui::PushID(row);
      char argument[16];
      std::snprintf(argument, sizeof(argument), "0x%x", *offset);
      if (ImGui::Selectable("##line", false, ImGuiSelectableFlags_AllowItemOverlap,
                            ImVec2(0, ImGui::GetTextLineHeight())))
        (void)commands.run("toggle-code-breakpoint", CommandSource::Button, argument);
      ImGui::PopID();
      code_lines_.push_back(code_line_from_item(*offset, mark, false));
      if (ImGui::IsItemHovered())
        ImGui::SetTooltip(
            "Click: %s a breakpoint at 0x%06x (stops Debug requests on the wabt "
            "engine)",
            mark == BreakpointMark::None ? "add" : "remove", *offset);
      ImGui::SameLine(text_x, 0);
      // The offset muted, the instruction plain.
      ImGui::TextColored(style::muted(), "%.10s", text.c_str());
      ImGui::SameLine(0, 0);
      ImGui::TextUnformatted(text.c_str() + 10);
    }
  }
  ImGui::EndChild();
  ImGui::PopFont();
}

}  // namespace pwplay::gui
