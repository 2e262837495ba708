// The memory view's toolbar: what is shown and its size, go-to, search with next/previous,
// follow the pointer at the cursor, copy the selection; the last command's outcome under it.
#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cfloat>
#include <string>
#include <vector>

#include "app/gui/panels/memory/memory_panel.h"
#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {

// The filter's memory size over time (the performance samples, about one a second) as a small
// plot, with the current and peak sizes.
void MemoryPanel::draw_size_history(const Snapshot& snapshot) {
  if (!snapshot.perf || snapshot.perf->views.empty()) return;
  const auto& views = snapshot.perf->views;
  const std::string plugin = snapshot.pause ? snapshot.pause->plugin : views.front().plugin;
  size_t index = 0;
  for (size_t i = 0; i < views.size(); ++i)
    if (views[i].plugin == plugin) index = i;
  const auto& view = views[index];
  ImGui::SameLine(0, 16);
  ImGui::TextColored(style::muted(), "size %s, peak %s",
                     widgets::format_bytes(view.memory_bytes).c_str(),
                     widgets::format_bytes(view.peak_memory_bytes).c_str());
  for (const auto& series : snapshot.perf->series) {
    if (series.plugin != view.plugin || series.memory_bytes.size() < 2) continue;
    std::vector<float> points(series.memory_bytes.begin(), series.memory_bytes.end());
    ImGui::SameLine();
    ImGui::PlotLines("##size", points.data(), static_cast<int>(points.size()), 0, nullptr, 0.0f,
                     FLT_MAX, ImVec2(ImGui::GetFontSize() * 8, ImGui::GetTextLineHeight()));
    if (ImGui::IsItemHovered())
      ImGui::SetTooltip("Linear memory over the last %.0f s (the Performance tab has more)",
                        series.seconds.back() - series.seconds.front());
    break;
  }
}

void MemoryPanel::draw_toolbar(const Snapshot& snapshot, Commands& commands) {
  const memory::MemoryImage& image = view_.image();
  ImGui::TextColored(style::muted(), "%s", view_.source().c_str());
  draw_size_history(snapshot);
  if (!view_.growth().empty()) {
    const auto& last = view_.growth().back();
    ImGui::SameLine(0, 16);
    ImGui::TextColored(style::warning(), "grew %zu time(s) in run #%llu, last %s -> %s (%s)",
                       view_.growth().size(), static_cast<unsigned long long>(view_.growth_run()),
                       widgets::format_bytes(last.from_bytes).c_str(),
                       widgets::format_bytes(last.to_bytes).c_str(),
                       last.callback.empty() ? "load" : last.callback.c_str());
    if (ImGui::IsItemHovered()) {
      ImGui::BeginTooltip();
      for (const auto& growth : view_.growth())
        ImGui::Text("#%llu  %s -> %s  in %s", static_cast<unsigned long long>(growth.seq),
                    widgets::format_bytes(growth.from_bytes).c_str(),
                    widgets::format_bytes(growth.to_bytes).c_str(),
                    growth.callback.empty() ? "load" : growth.callback.c_str());
      ImGui::EndTooltip();
    }
  }
  if (image.empty()) return;

  const float field = ImGui::GetFontSize() * 8;
  ImGui::SetNextItemWidth(field);
  if (ImGui::InputTextWithHint("##goto", "address", &view_.goto_field,
                               ImGuiInputTextFlags_EnterReturnsTrue))
    (void)commands.run("memory-goto", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::Button("Go")) (void)commands.run("memory-goto", CommandSource::Button);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Go to an address: 0x1f0, 1f0h or 496 (Ctrl+G)");
  ImGui::SameLine();
  if (ImGui::Button("-> ptr")) (void)commands.run("memory-follow-pointer", CommandSource::Button);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Follow the u32 at the cursor as a pointer");
  ImGui::SameLine(0, 16);
  ImGui::SetNextItemWidth(field * 1.4f);
  if (ImGui::InputTextWithHint("##search", "text or de ad be ef", &view_.search_field,
                               ImGuiInputTextFlags_EnterReturnsTrue))
    (void)commands.run("memory-search", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::Button("Find")) (void)commands.run("memory-search", CommandSource::Button);
  if (ImGui::IsItemHovered())
    ImGui::SetTooltip("Text, or hex bytes (\"de ad be ef\", 0xdeadbeef); text: or hex: forces it");
  ImGui::SameLine();
  ImGui::BeginDisabled(view_.hits().empty());
  if (ImGui::ArrowButton("##previous", ImGuiDir_Left))
    (void)commands.run("memory-search-previous", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::ArrowButton("##next", ImGuiDir_Right))
    (void)commands.run("memory-search-next", CommandSource::Button);
  ImGui::EndDisabled();
  if (!view_.search_text().empty()) {
    ImGui::SameLine();
    const auto& hits = view_.hits();
    const auto at =
        view_.cursor() ? std::find(hits.begin(), hits.end(), *view_.cursor()) : hits.end();
    if (at != hits.end())
      ImGui::TextColored(style::muted(), "%zu of %zu%s", static_cast<size_t>(at - hits.begin()) + 1,
                         hits.size(), hits.size() >= memory::kMaxSearchHits ? "+" : "");
    else
      ImGui::TextColored(style::muted(), "%zu match(es)%s", hits.size(),
                         hits.size() >= memory::kMaxSearchHits ? "+" : "");
  }
  ImGui::SameLine(0, 16);
  if (ImGui::Button("Copy hex")) (void)commands.run("memory-copy-hex", CommandSource::Button);
  ImGui::SameLine();
  if (ImGui::Button("Copy text")) (void)commands.run("memory-copy-text", CommandSource::Button);

  if (auto selection = view_.selection()) {
    ImGui::TextColored(style::muted(), "cursor 0x%08x", *view_.cursor());
    if (selection->end - selection->begin > 1) {
      ImGui::SameLine();
      ImGui::TextColored(style::muted(), " selected 0x%x..0x%x (%u bytes, shift-click extends)",
                         selection->begin, selection->end - 1, selection->end - selection->begin);
    }
  }
  if (!view_.changed().ranges().empty()) {
    ImGui::SameLine(0, 16);
    ImGui::TextColored(ImGui::ColorConvertU32ToFloat4(memory_colours::changed()),
                       "%llu byte(s) changed since the previous pause",
                       static_cast<unsigned long long>(view_.changed().bytes()));
  }
  if (!view_.message.empty()) {
    ImGui::SameLine(0, 16);
    ImGui::TextColored(view_.message_is_error ? style::error() : style::muted(), "%s",
                       view_.message.c_str());
  }
}

}  // namespace pwplay::gui
