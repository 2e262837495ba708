#include "app/gui/panels/filter_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <filesystem>

#include "app/gui/core/chain_model.h"
#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

float label_width() {
  return ImGui::CalcTextSize("Configuration").x + ImGui::GetStyle().ItemSpacing.x * 2;
}

// The VM configuration and environment variables: rarely set, so folded away.
void draw_vm_settings(FilterSettings& filter) {
  const float width = label_width();
  widgets::form_label("VM config", width);
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint("##vm_config", "vm_config.configuration", &filter.vm_configuration);
  ImGui::TextColored(style::muted(), "Environment variables");
  int remove = -1;
  for (size_t i = 0; i < filter.environment.size(); ++i) {
    auto& [name, value] = filter.environment[i];
    ImGui::PushID(static_cast<int>(i));
    const float half = (ImGui::GetContentRegionAvail().x - ImGui::GetFrameHeight() -
                        ImGui::GetStyle().ItemSpacing.x * 2) *
                       0.5f;
    ImGui::SetNextItemWidth(half);
    ImGui::InputTextWithHint("##env_name", "NAME", &name);
    ImGui::SameLine();
    ImGui::SetNextItemWidth(half);
    ImGui::InputTextWithHint("##env_value", "value", &value);
    ImGui::SameLine();
    if (ImGui::Button("x", ImVec2(ImGui::GetFrameHeight(), 0))) remove = static_cast<int>(i);
    ImGui::PopID();
  }
  if (remove >= 0) filter.environment.erase(filter.environment.begin() + remove);
  if (ImGui::SmallButton("+ variable")) filter.environment.emplace_back();
}

}  // namespace

void FilterPanel::draw(const Snapshot& snapshot, Commands& commands) {
  const bool chain = !workspace_.more_filters.empty();
  if (chain) {
    FilterSettings& filter = draw_chain(commands);
    ImGui::Separator();
    draw_settings(filter, commands);
  } else {
    selected_ = 0;
    draw_settings(workspace_.filter, commands);
  }
  draw_add(commands);
  ImGui::Separator();
  draw_status(snapshot);
}

FilterSettings& FilterPanel::draw_chain(Commands& commands) {
  const size_t count = 1 + workspace_.more_filters.size();
  selected_ = std::min(selected_, count - 1);
  ImGui::TextColored(style::muted(), "Chain: requests go down, responses come back up");
  ImGui::SameLine();
  if (ImGui::SmallButton("Load chain")) (void)commands.run("load", CommandSource::Button);
  const float button = ImGui::GetFrameHeight();
  for (size_t i = 0; i < count; ++i) {
    FilterSettings& settings = i == 0 ? workspace_.filter : workspace_.more_filters[i - 1].settings;
    bool enabled = i == 0 ? workspace_.filter_enabled : workspace_.more_filters[i - 1].enabled;
    const std::string position = std::to_string(i + 1);
    ImGui::PushID(static_cast<int>(i));
    if (ImGui::Checkbox("##enabled", &enabled))
      (void)commands.run("chain-enable", CommandSource::Button,
                         position + (enabled ? " on" : " off"));
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Run this filter (unchecked: skipped)");
    ImGui::SameLine();
    std::string name = std::filesystem::path(settings.wasm_path).filename().string();
    if (name.empty()) name = "(no module)";
    const std::string label = position + ". " + name + "  [" + settings.engine + "]";
    const float buttons = (button + ImGui::GetStyle().ItemSpacing.x) * 3;
    if (!enabled) ImGui::PushStyleColor(ImGuiCol_Text, style::muted());
    if (ImGui::Selectable(label.c_str(), selected_ == i, 0,
                          ImVec2(ImGui::GetContentRegionAvail().x - buttons, 0)))
      selected_ = i;
    if (!enabled) ImGui::PopStyleColor();
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", settings.wasm_path.c_str());
    ImGui::SameLine();
    if (i == 0) ImGui::BeginDisabled();
    if (ImGui::ArrowButton("##up", ImGuiDir_Up) &&
        commands.run("chain-move", CommandSource::Button, position + " up"))
      selected_ = i - 1;
    if (i == 0) ImGui::EndDisabled();
    ImGui::SameLine();
    if (i + 1 == count) ImGui::BeginDisabled();
    if (ImGui::ArrowButton("##down", ImGuiDir_Down) &&
        commands.run("chain-move", CommandSource::Button, position + " down"))
      selected_ = i + 1;
    if (i + 1 == count) ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("x", ImVec2(button, 0)))
      (void)commands.run("chain-remove", CommandSource::Button, position);
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Remove filter %s from the chain", position.c_str());
    ImGui::PopID();
  }
  const size_t now = 1 + workspace_.more_filters.size();
  selected_ = std::min(selected_, now - 1);
  return selected_ == 0 ? workspace_.filter : workspace_.more_filters[selected_ - 1].settings;
}

void FilterPanel::draw_settings(FilterSettings& filter, Commands& commands) {
  const float width = label_width();
  const float button_width = ImGui::CalcTextSize("Load").x + ImGui::GetStyle().FramePadding.x * 4;
  const float browse_width = ImGui::CalcTextSize("...").x + ImGui::GetStyle().FramePadding.x * 2;

  // The browser (open-filter) fills the first filter's module; later ones take a typed path.
  const bool browse = &filter == &workspace_.filter;
  widgets::form_label("Module", width);
  ImGui::SetNextItemWidth(-(button_width + ImGui::GetStyle().ItemSpacing.x +
                            (browse ? browse_width + ImGui::GetStyle().ItemSpacing.x : 0.0f)));
  bool enter = ImGui::InputTextWithHint("##wasm", "path/to/filter.wasm", &filter.wasm_path,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
  widgets::overflow_tooltip(filter.wasm_path);
  ImGui::SameLine();
  if (browse) {
    if (ImGui::Button("...", ImVec2(browse_width, 0)))
      (void)commands.run("open-filter", CommandSource::Button);
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("Browse for a filter (.wasm, .so) and load it");
    ImGui::SameLine();
  }
  // Load loads the whole chain; from a later filter's settings too.
  if (ImGui::Button("Load", ImVec2(button_width, 0)) || enter)
    (void)commands.run("load", CommandSource::Button);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Load (or reload) the module with the settings below");

  widgets::form_label("Configuration", width);
  ImGui::PushFont(style::mono());
  ImGui::InputTextMultiline("##config", &filter.configuration,
                            ImVec2(-FLT_MIN, ImGui::GetTextLineHeight() * 3.2f));
  ImGui::PopFont();
  const ConfigCheck check = check_configuration(filter.configuration);
  if (check.json) {
    ImGui::Dummy(ImVec2(width - ImGui::GetStyle().ItemSpacing.x, 0));
    ImGui::SameLine();
    if (!check.valid) {
      ImGui::TextColored(style::error(), "JSON: %s", check.error.c_str());
    } else {
      ImGui::TextColored(style::added(), "valid JSON");
      if (check.pretty != filter.configuration) {
        ImGui::SameLine();
        if (ImGui::SmallButton("Format")) filter.configuration = check.pretty;
      }
    }
  }

  widgets::form_label("Root id", width);
  float half = (ImGui::GetContentRegionAvail().x - ImGui::CalcTextSize("VM id").x -
                ImGui::GetStyle().ItemSpacing.x * 2) *
               0.5f;
  ImGui::SetNextItemWidth(half);
  ImGui::InputTextWithHint("##root_id", "(empty)", &filter.root_id);
  ImGui::SameLine();
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("VM id");
  ImGui::SameLine();
  ImGui::SetNextItemWidth(-FLT_MIN);
  ImGui::InputTextWithHint("##vm_id", "(empty)", &filter.vm_id);

  widgets::form_label("Engine", width);
  ImGui::SetNextItemWidth(ImGui::CalcTextSize("native").x * 2.2f);
  if (ImGui::BeginCombo("##engine", filter.engine.c_str())) {
    for (const char* engine : {"v8", "wabt", "native"})
      if (ImGui::Selectable(engine, filter.engine == engine)) filter.engine = engine;
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  widgets::help_marker(
      "v8: fast (the default). wabt: an interpreter that steps wasm instructions in the "
      "Debugger tab. native: a .so built from the same sources; a crash takes pwplay down.");
  ImGui::SameLine();
  ImGui::Checkbox("Fail open", &filter.fail_open);
  ImGui::SameLine();
  widgets::help_marker(
      "When the filter fails (trap, runaway loop, memory limit), let requests through "
      "instead of answering 503.");
  if (ImGui::TreeNode("VM configuration and environment")) {
    draw_vm_settings(filter);
    ImGui::TreePop();
  }
}

void FilterPanel::draw_add(Commands& commands) {
  if (!adding_) {
    if (ImGui::SmallButton("+ Add filter")) adding_ = focus_add_ = true;
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Add another filter after these: requests pass through them in order");
    return;
  }
  const float button_width = ImGui::CalcTextSize("Add").x + ImGui::GetStyle().FramePadding.x * 4;
  ImGui::SetNextItemWidth(-(button_width * 2 + ImGui::GetStyle().ItemSpacing.x * 2));
  if (focus_add_) ImGui::SetKeyboardFocusHere();
  focus_add_ = false;
  const bool enter = ImGui::InputTextWithHint("##add_filter", "path/to/next-filter.wasm",
                                              &add_path_, ImGuiInputTextFlags_EnterReturnsTrue);
  ImGui::SameLine();
  if ((ImGui::Button("Add", ImVec2(button_width, 0)) || enter) && !add_path_.empty()) {
    if (commands.run("chain-add", CommandSource::Button, add_path_)) {
      selected_ = workspace_.more_filters.size();
      add_path_.clear();
      adding_ = false;
    }
  }
  ImGui::SameLine();
  if (ImGui::Button("Cancel", ImVec2(button_width, 0))) adding_ = false;
}

void FilterPanel::draw_status(const Snapshot& snapshot) {
  const debugger::PluginInfo& plugin = snapshot.plugin;
  if (snapshot.state == debugger::SessionState::Running &&
      snapshot.activity.rfind("loading", 0) == 0) {
    ImGui::TextColored(style::muted(), "%s...", snapshot.activity.c_str());
  } else if (!plugin.error.empty()) {
    ImGui::TextColored(style::error(), "Could not load the filter");
    widgets::wrapped_colored(style::error(), plugin.error);
  } else if (plugin.loaded) {
    const bool chain = snapshot.chain.size() > 1;
    if (ImGui::BeginTable("##plugin", 2, ImGuiTableFlags_SizingFixedFit)) {
      auto row = [](const std::string& name, const std::string& value) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextColored(style::muted(), "%s", name.c_str());
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(value.c_str());
      };
      if (chain) {
        for (size_t i = 0; i < snapshot.chain.size(); ++i) {
          const auto& one = snapshot.chain[i];
          row(std::to_string(i + 1) + ". " + one.name,
              "ABI " + one.abi_version + ", " + one.engine + " " + one.engine_version);
        }
      } else {
        row("Plugin", plugin.name);
        row("ABI", plugin.abi_version);
        row("Engine", plugin.engine + " " + plugin.engine_version);
      }
      if (plugin.load_ns) row("Start-up", widgets::format_duration(plugin.load_ns));
      ImGui::EndTable();
    }
    if (workspace_.loaded_chain && *workspace_.loaded_chain != chain_specs(workspace_))
      ImGui::TextColored(style::warning(),
                         "Settings changed since the load: Send uses the new ones.");
  } else {
    ImGui::TextColored(style::muted(),
                       "No filter loaded. Type a .wasm path and press Load, browse with ..., "
                       "drop a file on the window, or pick a sample in File > Samples.");
  }
}

}  // namespace pwplay::gui
