#include "app/gui/panels/filter_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {

void FilterPanel::draw(const Snapshot& snapshot, Commands& commands) {
  FilterSettings& filter = workspace_.filter;
  const float label_width =
      ImGui::CalcTextSize("Configuration").x + ImGui::GetStyle().ItemSpacing.x * 2;
  const float button_width = ImGui::CalcTextSize("Load").x + ImGui::GetStyle().FramePadding.x * 4;
  const float browse_width = ImGui::CalcTextSize("...").x + ImGui::GetStyle().FramePadding.x * 2;

  widgets::form_label("Module", label_width);
  ImGui::SetNextItemWidth(-(button_width + browse_width + ImGui::GetStyle().ItemSpacing.x * 2));
  bool enter = ImGui::InputTextWithHint("##wasm", "path/to/filter.wasm", &filter.wasm_path,
                                        ImGuiInputTextFlags_EnterReturnsTrue);
  widgets::overflow_tooltip(filter.wasm_path);
  ImGui::SameLine();
  if (ImGui::Button("...", ImVec2(browse_width, 0)))
    (void)commands.run("open-filter", CommandSource::Button);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Browse for a filter (.wasm, .so) and load it");
  ImGui::SameLine();
  if (ImGui::Button("Load", ImVec2(button_width, 0)) || enter)
    (void)commands.run("load", CommandSource::Button);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Load (or reload) the module with the settings below");

  widgets::form_label("Configuration", label_width);
  ImGui::PushFont(style::mono());
  ImGui::InputTextMultiline("##config", &filter.configuration,
                            ImVec2(-FLT_MIN, ImGui::GetTextLineHeight() * 3.2f));
  ImGui::PopFont();

  widgets::form_label("Root id", label_width);
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

  widgets::form_label("Engine", label_width);
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

  ImGui::Separator();
  const debugger::PluginInfo& plugin = snapshot.plugin;
  if (snapshot.state == debugger::SessionState::Running &&
      snapshot.activity.rfind("loading", 0) == 0) {
    ImGui::TextColored(style::muted(), "%s...", snapshot.activity.c_str());
  } else if (!plugin.error.empty()) {
    ImGui::TextColored(style::error(), "Could not load the filter");
    widgets::wrapped_colored(style::error(), plugin.error);
  } else if (plugin.loaded) {
    if (ImGui::BeginTable("##plugin", 2, ImGuiTableFlags_SizingFixedFit)) {
      auto row = [](const char* name, const std::string& value) {
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        ImGui::TextColored(style::muted(), "%s", name);
        ImGui::TableSetColumnIndex(1);
        ImGui::TextUnformatted(value.c_str());
      };
      row("Plugin", plugin.name);
      row("ABI", plugin.abi_version);
      row("Engine", plugin.engine + " " + plugin.engine_version);
      if (plugin.load_ns) row("Start-up", widgets::format_duration(plugin.load_ns));
      ImGui::EndTable();
    }
    if (workspace_.loaded_filter != filter)
      ImGui::TextColored(style::warning(),
                         "Settings changed since the load: Send uses the new ones.");
  } else {
    ImGui::TextColored(style::muted(),
                       "No filter loaded. Type a .wasm path and press Load, browse with ..., "
                       "drop a file on the window, or pick a sample in File > Samples.");
  }
}

}  // namespace pwplay::gui
