#include "app/gui/panels/trace_panel.h"

#include <imgui.h>
#include <imgui_stdlib.h>

#include <algorithm>
#include <cctype>
#include <iterator>

#include "app/gui/style.h"
#include "app/gui/widgets.h"
#include "debugger/change_attribution.h"

namespace pwplay::gui {
namespace {

constexpr size_t kValueLimit = 80;  // argument values in the table and its text filter

ImVec4 kind_color(host::EventKind kind) {
  switch (kind) {
    case host::EventKind::Callback:
      return style::accent();
    case host::EventKind::HostCall:
      return style::theme() == Theme::Light ? ImVec4(0.05f, 0.50f, 0.45f, 1.0f)
                                            : ImVec4(0.45f, 0.85f, 0.80f, 1.0f);
    case host::EventKind::Copy:
      return style::theme() == Theme::Light ? ImVec4(0.50f, 0.25f, 0.75f, 1.0f)
                                            : ImVec4(0.78f, 0.60f, 0.95f, 1.0f);
    case host::EventKind::Log:
      return ImGui::GetStyleColorVec4(ImGuiCol_Text);
    case host::EventKind::Trap:
      return style::error();
    case host::EventKind::Memory:
      return style::warning();
    case host::EventKind::Lifecycle:
      return style::muted();
  }
  return style::muted();
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

std::string event_title(const host::TraceEvent& event) {
  std::string title = event.name;
  if (event.kind == host::EventKind::Callback && !event.phase.empty())
    title = (event.phase == "enter" ? "> " : "< ") + title;
  return title;
}

}  // namespace

TracePanel::TracePanel(Workspace& workspace) : Panel("Trace"), workspace_(workspace) {
  show_kind_.fill(true);
}

void TracePanel::refilter(const debugger::HistoryEntry& run) {
  if (filtered_run_ == run.id && filtered_kinds_ == show_kind_ && filtered_text_ == text_filter_)
    return;
  filtered_run_ = run.id;
  filtered_kinds_ = show_kind_;
  filtered_text_ = text_filter_;
  rows_.clear();
  kind_counts_.fill(0);
  plugins_.clear();
  if (!run.ran()) return;
  // The chain's filters in the order they first act (a column and a colour each, the same
  // colours the Result panel and the timeline give them).
  plugins_ = debugger::filters_in_order(run.trace);
  std::string needle = lower(text_filter_);
  const auto& trace = run.trace;
  for (size_t i = 0; i < trace.size(); ++i) {
    const host::TraceEvent& event = trace[i];
    auto kind = static_cast<size_t>(event.kind);
    if (kind < kKinds) ++kind_counts_[kind];
    if (kind >= kKinds || !show_kind_[kind]) continue;
    if (!needle.empty()) {
      std::string haystack =
          lower(event.name + " " + host::event_arguments(event, kValueLimit) + " " + event.result);
      if (haystack.find(needle) == std::string::npos) continue;
    }
    rows_.push_back(static_cast<uint32_t>(i));
  }
}

void TracePanel::draw(const Snapshot& snapshot, Commands&) {
  const debugger::HistoryEntry* run = workspace_.selected_run(snapshot);
  if (!run || !run->ran()) {
    ImGui::TextColored(style::muted(), run ? "This run has no trace: the filter did not start."
                                           : "No runs yet: the trace of each request shows here.");
    return;
  }
  refilter(*run);
  draw_toolbar(*run);

  const host::TraceEvent* selected = nullptr;
  if (workspace_.selection.event_seq) {
    for (const auto& event : run->trace)
      if (event.seq == *workspace_.selection.event_seq) selected = &event;
  }
  float avail = ImGui::GetContentRegionAvail().y;
  if (details_height_ <= 0.0f) details_height_ = ImGui::GetTextLineHeightWithSpacing() * 7.5f;
  float splitter = 6.0f;
  float table_height = selected ? avail - details_height_ - splitter : avail;
  table_height = std::max(table_height, ImGui::GetFrameHeight() * 3);
  if (ImGui::BeginChild("##trace_table", ImVec2(0, table_height), false)) draw_table(*run);
  ImGui::EndChild();
  if (selected) {
    float top = table_height;
    widgets::splitter("##trace_split", false, splitter, ImGui::GetContentRegionAvail().x, &top,
                      avail, ImGui::GetFrameHeight() * 3);
    details_height_ = avail - top - splitter;
    if (ImGui::BeginChild("##trace_details", ImVec2(0, 0), true)) draw_details(*selected);
    ImGui::EndChild();
  }
}

void TracePanel::draw_toolbar(const debugger::HistoryEntry& run) {
  for (size_t k = 0; k < kKinds; ++k) {
    auto kind = static_cast<host::EventKind>(k);
    if (kind_counts_[k] == 0) continue;
    std::string label = std::string(host::event_kind_name(kind)) + " " +
                        std::to_string(kind_counts_[k]) + "##kind" + std::to_string(k);
    ImGui::PushStyleColor(ImGuiCol_Text, kind_color(kind));
    ImGui::Checkbox(label.c_str(), &show_kind_[k]);
    ImGui::PopStyleColor();
    ImGui::SameLine();
  }
  // The text filter takes the rest of the row, or a row of its own when the kinds fill it.
  float count_width = ImGui::CalcTextSize("0000 / 0000").x + ImGui::GetStyle().ItemSpacing.x;
  float filter_width = ImGui::GetContentRegionAvail().x - count_width;
  if (filter_width < ImGui::GetFontSize() * 12) {
    ImGui::NewLine();
    filter_width = ImGui::GetContentRegionAvail().x - count_width;
  }
  ImGui::SetNextItemWidth(filter_width);
  ImGui::InputTextWithHint("##trace_filter", "filter: name, argument, result", &text_filter_);
  ImGui::SameLine();
  ImGui::TextColored(style::muted(), "%zu / %zu", rows_.size(), run.trace.size());
}

void TracePanel::draw_table(const debugger::HistoryEntry& run) {
  const auto& trace = run.trace;
  ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                          ImGuiTableFlags_ScrollY | ImGuiTableFlags_Resizable |
                          ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_Hideable;
  // A chain's trace gets a Filter column, each filter in its own colour.
  const bool chain = plugins_.size() > 1;
  const int o = chain ? 1 : 0;
  if (!ImGui::BeginTable(chain ? "##trace_chain" : "##trace", 6 + o, flags, ImVec2(0, 0))) return;
  ImGui::PushFont(style::mono());
  float digit = ImGui::CalcTextSize("0").x;
  ImGui::TableSetupScrollFreeze(0, 1);
  ImGui::TableSetupColumn("Seq", ImGuiTableColumnFlags_WidthFixed, digit * 5);
  if (chain) ImGui::TableSetupColumn("Filter", ImGuiTableColumnFlags_WidthFixed, digit * 14);
  ImGui::TableSetupColumn("Kind", ImGuiTableColumnFlags_WidthFixed, digit * 9);
  ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthFixed, digit * 24);
  ImGui::TableSetupColumn("Arguments", ImGuiTableColumnFlags_WidthStretch);
  ImGui::TableSetupColumn("Result", ImGuiTableColumnFlags_WidthFixed, digit * 14);
  ImGui::TableSetupColumn("Time", ImGuiTableColumnFlags_WidthFixed, digit * 9);
  ImGui::TableHeadersRow();

  Selection& selection = workspace_.selection;
  // A selection made elsewhere (a command, another panel) scrolls into view once.
  bool reveal = selection.event_seq != revealed_seq_;
  revealed_seq_ = selection.event_seq;
  int reveal_row = -1;
  if (reveal && selection.event_seq) {
    for (size_t r = 0; r < rows_.size(); ++r)
      if (trace[rows_[r]].seq == *selection.event_seq) reveal_row = static_cast<int>(r);
  }
  drawn_.clear();
  drawn_frame_ = ImGui::GetFrameCount();
  ImGuiListClipper clipper;
  clipper.Begin(static_cast<int>(rows_.size()));
  if (reveal_row >= 0) clipper.ForceDisplayRangeByIndices(reveal_row, reveal_row + 1);
  while (clipper.Step()) {
    for (int r = clipper.DisplayStart; r < clipper.DisplayEnd; ++r) {
      const host::TraceEvent& event = trace[rows_[static_cast<size_t>(r)]];
      ImVec4 color = kind_color(event.kind);
      ImGui::TableNextRow();
      ImGui::TableSetColumnIndex(0);
      bool is_selected = selection.event_seq && *selection.event_seq == event.seq;
      char id[32];
      std::snprintf(id, sizeof(id), "%llu##ev", static_cast<unsigned long long>(event.seq));
      if (ImGui::Selectable(
              id, is_selected,
              ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap)) {
        if (is_selected)
          selection.event_seq.reset();
        else
          selection.event_seq = event.seq;
        revealed_seq_ = selection.event_seq;  // clicked rows are in view already
      }
      if (r == reveal_row) ImGui::SetScrollHereY(0.3f);
      const ImVec2 row_min = ImGui::GetItemRectMin();
      const ImVec2 row_size = ImGui::GetItemRectSize();
      drawn_.push_back(DrawnRow{event.seq, event.kind, event.name, row_min.x, row_min.y, row_size.x,
                                row_size.y});
      if (chain) {
        ImGui::TableSetColumnIndex(1);
        const auto at = std::find(plugins_.begin(), plugins_.end(), event.plugin);
        ImGui::TextColored(style::filter_color(static_cast<size_t>(at - plugins_.begin())), "%s",
                           event.plugin.c_str());
      }
      ImGui::TableSetColumnIndex(1 + o);
      ImGui::TextColored(color, "%s", host::event_kind_name(event.kind));
      ImGui::TableSetColumnIndex(2 + o);
      float indent = static_cast<float>(event.depth) * digit * 2;
      if (indent > 0) ImGui::SetCursorPosX(ImGui::GetCursorPosX() + indent);
      ImGui::TextColored(color, "%s", event_title(event).c_str());
      ImGui::TableSetColumnIndex(3 + o);
      std::string args = host::event_arguments(event, kValueLimit);
      ImGui::TextUnformatted(args.c_str());
      if (ImGui::IsItemHovered() && ImGui::CalcTextSize(args.c_str()).x > ImGui::GetColumnWidth()) {
        ImGui::BeginTooltip();
        ImGui::PushTextWrapPos(ImGui::GetFontSize() * 40);
        ImGui::TextUnformatted(args.c_str());
        ImGui::PopTextWrapPos();
        ImGui::EndTooltip();
      }
      ImGui::TableSetColumnIndex(4 + o);
      if (!event.result.empty())
        ImGui::TextColored(event.injected || !event.warnings.empty()
                               ? style::warning()
                               : ImGui::GetStyleColorVec4(ImGuiCol_Text),
                           "%s%s", event.result.c_str(), event.warnings.empty() ? "" : " (!)");
      ImGui::TableSetColumnIndex(5 + o);
      if (event.duration_ns)
        ImGui::TextColored(style::muted(), "%s",
                           widgets::format_duration(event.duration_ns).c_str());
    }
  }
  ImGui::PopFont();
  ImGui::EndTable();
}

void TracePanel::draw_details(const host::TraceEvent& event) {
  ImGui::TextColored(kind_color(event.kind), "%s", host::event_kind_name(event.kind));
  ImGui::SameLine();
  ImGui::Text("#%llu  %s", static_cast<unsigned long long>(event.seq), event_title(event).c_str());
  ImGui::SameLine(0, 16);
  ImGui::TextColored(style::muted(), "context %u, root %u, stream %llu, depth %u, at %s",
                     event.context_id, event.root_context_id,
                     static_cast<unsigned long long>(event.stream_id), event.depth,
                     widgets::format_duration(event.start_ns).c_str());
  if (event.kind == host::EventKind::Copy) {
    ImGui::Text("%s, %u bytes at 0x%x%s%s",
                event.direction == host::CopyDirection::HostToVm ? "host -> VM memory"
                                                                 : "VM memory -> host",
                event.length, event.address, event.label.empty() ? "" : ": ", event.label.c_str());
    if (event.preview.size() < event.length)
      ImGui::TextColored(style::muted(), "first %zu bytes:", event.preview.size());
    size_t rows = std::max<size_t>(1, (event.preview.size() + 15) / 16);
    ImGui::PushFont(style::mono());
    float height =
        static_cast<float>(std::min<size_t>(rows, 8)) * ImGui::GetTextLineHeightWithSpacing() +
        ImGui::GetStyle().WindowPadding.y * 2;
    ImGui::PopFont();
    widgets::hex_view("##preview", event.preview, event.address, ImVec2(0, height));
    return;
  }
  ImGui::PushFont(style::mono());
  for (const auto& field : event.args)
    ImGui::Text("%s = %s", field.name.c_str(), host::printable(field.value, 2000).c_str());
  if (!event.result.empty())
    ImGui::Text("result = %s%s", event.result.c_str(), event.injected ? " (injected)" : "");
  if (event.duration_ns)
    ImGui::Text("took %s", widgets::format_duration(event.duration_ns).c_str());
  ImGui::PopFont();
  // Suspicious arguments (a null or misplaced out-pointer), each with why.
  for (const auto& warning : event.warnings)
    ImGui::TextColored(style::warning(), "warning: %s", warning.c_str());
}

nlohmann::json TracePanel::drawn_rows() const {
  nlohmann::json rows = nlohmann::json::array();
  // Rows of an earlier frame (the tab hidden since) are not where a click would land.
  if (drawn_frame_ + 1 < ImGui::GetFrameCount()) return rows;
  for (const DrawnRow& row : drawn_)
    rows.push_back({{"seq", row.seq},
                    {"kind", host::event_kind_name(row.kind)},
                    {"name", row.name},
                    {"x", row.x},
                    {"y", row.y},
                    {"width", row.width},
                    {"height", row.height}});
  return rows;
}

}  // namespace pwplay::gui
