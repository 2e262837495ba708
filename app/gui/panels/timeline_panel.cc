#include "app/gui/panels/timeline_panel.h"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>

#include "app/gui/style.h"
#include "app/gui/widgets.h"
#include "debugger/change_attribution.h"

namespace pwplay::gui {
namespace {

// Colours by kind: callbacks one colour, host calls by what they touch.
struct KindColour {
  const char* label;
  ImVec4 colour;
};
const KindColour kCallback{"callback", ImVec4(0.31f, 0.55f, 0.86f, 1.0f)};
const KindColour kHostKinds[] = {
    {"headers", ImVec4(0.86f, 0.59f, 0.27f, 1.0f)},
    {"body", ImVec4(0.62f, 0.44f, 0.82f, 1.0f)},
    {"log", ImVec4(0.36f, 0.70f, 0.42f, 1.0f)},
    {"callout", ImVec4(0.85f, 0.36f, 0.38f, 1.0f)},
    {"shared", ImVec4(0.27f, 0.68f, 0.68f, 1.0f)},
    {"property", ImVec4(0.78f, 0.72f, 0.30f, 1.0f)},
    {"other call", ImVec4(0.55f, 0.57f, 0.62f, 1.0f)},
};

const KindColour& kind_of(const ProfileSpan& span) {
  if (span.callback) return kCallback;
  std::string_view name = span.name;
  auto has = [name](std::string_view part) { return name.find(part) != std::string_view::npos; };
  if (has("header")) return kHostKinds[0];
  if (has("buffer") || has("body")) return kHostKinds[1];
  if (has("log")) return kHostKinds[2];
  if (has("http_call") || has("grpc") || has("dispatch")) return kHostKinds[3];
  if (has("shared") || has("queue")) return kHostKinds[4];
  if (has("property")) return kHostKinds[5];
  return kHostKinds[6];
}

// One swatch and label per kind, wrapping onto a new line when the panel is narrow.
void legend() {
  const float size = ImGui::GetTextLineHeight() * 0.7f;
  auto swatch = [size](const KindColour& kind, bool first) {
    const float width = size + 4 + ImGui::CalcTextSize(kind.label).x;
    if (!first) {
      ImGui::SameLine(0, 12);
      if (ImGui::GetContentRegionAvail().x < width) ImGui::NewLine();
    }
    ImVec2 at = ImGui::GetCursorScreenPos();
    at.y += (ImGui::GetTextLineHeight() - size) * 0.5f;
    ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + size, at.y + size),
                                              ImGui::GetColorU32(kind.colour));
    ImGui::Dummy(ImVec2(size, ImGui::GetTextLineHeight()));
    ImGui::SameLine(0, 4);
    ImGui::TextColored(style::muted(), "%s", kind.label);
  };
  swatch(kCallback, true);
  for (const KindColour& kind : kHostKinds) swatch(kind, false);
}

// A chain's legend: a swatch per filter in its colour (the Trace tab's and Result panel's).
void filter_legend(const std::vector<std::string>& filters) {
  const float size = ImGui::GetTextLineHeight() * 0.7f;
  ImGui::TextColored(style::muted(), "filters:");
  for (size_t position = 0; position < filters.size(); ++position) {
    const std::string label = std::to_string(position + 1) + " " + filters[position];
    ImGui::SameLine(0, 12);
    if (ImGui::GetContentRegionAvail().x < size + 4 + ImGui::CalcTextSize(label.c_str()).x)
      ImGui::NewLine();
    ImVec2 at = ImGui::GetCursorScreenPos();
    at.y += (ImGui::GetTextLineHeight() - size) * 0.5f;
    ImGui::GetWindowDrawList()->AddRectFilled(at, ImVec2(at.x + size, at.y + size),
                                              ImGui::GetColorU32(style::filter_color(position)));
    ImGui::Dummy(ImVec2(size, ImGui::GetTextLineHeight()));
    ImGui::SameLine(0, 4);
    ImGui::TextColored(style::filter_color(position), "%s", label.c_str());
  }
}

// A bar's colour in a chain: its filter's, host calls a little darker than callbacks.
ImVec4 filter_bar_colour(const ProfileSpan& span, const std::vector<std::string>& filters) {
  const auto at = std::find(filters.begin(), filters.end(), span.plugin);
  ImVec4 colour = style::filter_color(static_cast<size_t>(at - filters.begin()));
  if (!span.callback) colour = ImVec4(colour.x * 0.7f, colour.y * 0.7f, colour.z * 0.7f, 1.0f);
  return colour;
}

}  // namespace

void TimelinePanel::draw(const Snapshot& snapshot, Commands& commands) {
  const debugger::HistoryEntry* run = workspace_.selected_run(snapshot);
  if (!run || !run->ran()) {
    ImGui::TextColored(style::muted(), "No run selected: the timeline of a request shows here.");
    return;
  }
  if (profiled_run_ != run->id) {
    profile_ = request_profile(*run);
    filters_ = debugger::filters_in_order(run->trace);
    profiled_run_ = run->id;
  }
  if (profile_.spans.empty()) {
    ImGui::TextColored(style::muted(), "Run #%llu called no callback.",
                       static_cast<unsigned long long>(run->id));
    return;
  }
  ImGui::Text("Run #%llu: %zu spans in %s", static_cast<unsigned long long>(run->id),
              profile_.spans.size(), widgets::format_duration(profile_.total_ns).c_str());
  const bool chain = filters_.size() > 1;
  if (chain)
    filter_legend(filters_);
  else
    legend();

  const float row = ImGui::GetTextLineHeight() + 6;
  const float axis = ImGui::GetTextLineHeight() + 4;
  const float width = std::max(100.0f, ImGui::GetContentRegionAvail().x);
  const float bars = row * static_cast<float>(profile_.max_depth + 1);
  const float height = std::max(bars + axis + 4, ImGui::GetContentRegionAvail().y);
  const ImVec2 at = ImGui::GetCursorScreenPos();
  ImGui::InvisibleButton("timeline", ImVec2(width, height));
  const bool hovered = ImGui::IsItemHovered();
  const bool clicked = ImGui::IsItemClicked(ImGuiMouseButton_Left);
  const ImVec2 mouse = ImGui::GetIO().MousePos;
  ImDrawList* draw = ImGui::GetWindowDrawList();
  draw->AddRectFilled(at, ImVec2(at.x + width, at.y + height),
                      ImGui::GetColorU32(ImGuiCol_FrameBg));

  // Time axis: about one tick per 120 px, on round durations.
  const double total = static_cast<double>(std::max<uint64_t>(profile_.total_ns, 1));
  const double scale = static_cast<double>(width) / total;
  const double raw_step = total * 120.0 / width;
  double step = std::pow(10.0, std::floor(std::log10(raw_step)));
  for (double nice : {2.0, 5.0, 10.0})
    if (step < raw_step) step = std::pow(10.0, std::floor(std::log10(raw_step))) * nice;
  const ImU32 tick = ImGui::GetColorU32(ImGuiCol_Border);
  const ImU32 muted = ImGui::GetColorU32(style::muted());
  for (double t = 0; t <= total; t += step) {
    const float x = at.x + static_cast<float>(t * scale);
    draw->AddLine(ImVec2(x, at.y), ImVec2(x, at.y + height - axis), tick);
    draw->AddText(ImVec2(x + 3, at.y + height - axis + 1), muted,
                  widgets::format_duration(static_cast<uint64_t>(t)).c_str());
  }

  const auto& selected = workspace_.selection.event_seq;
  const ProfileSpan* under = nullptr;
  for (const auto& span : profile_.spans) {
    const auto [low, high] =
        widgets::span_rect(span.start_ns, span.duration_ns, span.depth, at, scale, row);
    const float x0 = low.x, x1 = high.x, y0 = low.y;
    const ImVec4 colour = chain ? filter_bar_colour(span, filters_) : kind_of(span).colour;
    draw->AddRectFilled(low, high, ImGui::GetColorU32(colour), 2.0f);
    if (selected && *selected == span.seq)
      draw->AddRect(ImVec2(low.x - 1, low.y - 1), ImVec2(high.x + 1, high.y + 1),
                    ImGui::GetColorU32(ImGuiCol_Text), 2.0f, 0, 2.0f);
    const ImVec2 text = ImGui::CalcTextSize(span.name.c_str());
    if (text.x + 6 < x1 - x0)
      draw->AddText(ImVec2(x0 + 3, y0 + 2), IM_COL32(255, 255, 255, 255), span.name.c_str());
    if (hovered && mouse.x >= low.x && mouse.x <= high.x && mouse.y >= low.y && mouse.y <= high.y)
      under = &span;
  }
  if (!under) return;
  ImGui::SetTooltip("%s %s%s%s\n%s, at +%s\nclick: select it in the Trace tab",
                    under->callback ? "callback" : "host call", under->name.c_str(),
                    chain ? " in " : "", chain ? under->plugin.c_str() : "",
                    widgets::format_duration(under->duration_ns).c_str(),
                    widgets::format_duration(under->start_ns).c_str());
  if (clicked)
    (void)commands.run("select-event", CommandSource::Button, std::to_string(under->seq));
}

}  // namespace pwplay::gui
