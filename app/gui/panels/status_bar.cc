#include "app/gui/panels/status_bar.h"

#include <imgui.h>

#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

constexpr float kGap = 12;  // either side of a separator, and before the right side

void separator() {
  ImGui::SameLine(0, kGap);
  ImGui::TextColored(style::muted(), "|");
  ImGui::SameLine(0, kGap);
}

}  // namespace

void StatusBar::draw(const Snapshot& snapshot, Commands& commands) {
  const debugger::PluginInfo& plugin = snapshot.plugin;
  if (plugin.loaded) {
    ImGui::Text("%s %s", plugin.engine.c_str(), plugin.engine_version.c_str());
    separator();
    ImGui::Text("ABI %s", plugin.abi_version.c_str());
    separator();
    ImGui::TextUnformatted(plugin.name.c_str());
  } else if (!plugin.error.empty()) {
    ImGui::TextColored(style::error(), "filter not loaded");
  } else {
    ImGui::TextColored(style::muted(), "no filter");
  }
  separator();
  if (const debugger::HistoryEntry* run = snapshot.last()) {
    if (!run->ran()) {
      ImGui::TextColored(style::error(), "last run #%llu: not loaded",
                         static_cast<unsigned long long>(run->id));
    } else {
      const auto& report = run->report;
      ImGui::Text("last run #%llu: %s, %s in the filter", static_cast<unsigned long long>(run->id),
                  report.response ? std::to_string(report.response->status).c_str() : "no response",
                  widgets::format_duration(run->stats.filter_ns).c_str());
      if (run->failure) {
        ImGui::SameLine();
        ImGui::TextColored(style::error(), "(filter failed)");
      }
    }
    separator();
    ImGui::Text("%zu run%s", snapshot.history.size(), snapshot.history.size() == 1 ? "" : "s");
  } else {
    ImGui::TextColored(style::muted(), "no runs");
  }
  // Right side: engine activity, and where the palette is.
  std::string right = "engine idle";
  if (snapshot.state == debugger::SessionState::Running)
    right = (snapshot.activity.empty() ? std::string("working") : snapshot.activity) + "...";
  else if (snapshot.state == debugger::SessionState::Paused)
    right = "paused in the debugger";  // the Debugger tab says where and why
  const bool busy = snapshot.state != debugger::SessionState::Idle;
  const Command* palette = commands.find("command-palette");
  if (palette && !palette->shortcut.empty())
    right += "   " + format_shortcut(palette->shortcut) + ": commands";
  const float width = ImGui::CalcTextSize(right.c_str()).x;
  const float right_x = ImGui::GetWindowContentRegionMax().x - width;

  // The hint gives up its last tips ("A; B; C") rather than run under the right side.
  const float hint_x = ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x + 2 * kGap +
                       ImGui::CalcTextSize("|").x;  // after separator()
  std::string hint = hint_;
  while (!hint.empty() && hint_x + ImGui::CalcTextSize(hint.c_str()).x + 2 * kGap > right_x) {
    const size_t cut = hint.rfind("; ");
    hint = cut == std::string::npos ? std::string() : hint.substr(0, cut);
  }
  if (!hint.empty()) {
    separator();
    ImGui::TextColored(style::accent(), "%s", hint.c_str());
  }
  ImGui::SameLine(std::max(ImGui::GetItemRectMax().x - ImGui::GetWindowPos().x + kGap, right_x));
  ImGui::TextColored(busy ? style::warning() : style::muted(), "%s", right.c_str());
}

}  // namespace pwplay::gui
