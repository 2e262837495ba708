#include "app/gui/panels/result_panel.h"

#include <imgui.h>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "abi/enums.h"
#include "app/gui/panels/logs_panel.h"
#include "app/gui/style.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {
namespace {

std::string run_title(const debugger::HistoryEntry& run) {
  std::string title = "#" + std::to_string(run.id) + "  " + run.request.request.method + " " +
                      run.request.request.path + "  ->  ";
  if (!run.ran())
    title += "not loaded";
  else if (run.report.response)
    title += std::to_string(run.report.response->status);
  else if (run.report.reset)
    title += "reset";
  else
    title += "incomplete";
  return title;
}

ImVec4 status_color(uint32_t status) {
  if (status >= 500) return style::error();
  if (status >= 400) return style::warning();
  return style::added();
}

void diff_counts_line(const debugger::AttributedRows& diff,
                      const std::vector<std::string>& filters) {
  HeaderDiffCounts counts = count_changes(diff.rows);
  if (counts.added + counts.changed + counts.removed == 0) {
    ImGui::TextColored(style::muted(), "headers unchanged by the filter");
    return;
  }
  ImGui::TextColored(style::muted(), "filter changes:");
  ImGui::SameLine();
  ImGui::TextColored(style::added(), "%d added", counts.added);
  ImGui::SameLine();
  ImGui::TextColored(style::changed(), "%d changed", counts.changed);
  ImGui::SameLine();
  ImGui::TextColored(style::removed(), "%d removed", counts.removed);
  if (filters.size() < 2) return;
  // A chain: how many of them each filter made, in its colour.
  for (size_t position = 0; position < filters.size(); ++position) {
    const auto made = std::count(diff.filters.begin(), diff.filters.end(), filters[position]);
    if (made == 0) continue;
    ImGui::SameLine(0, 12);
    ImGui::TextColored(style::filter_color(position), "%s: %d", filters[position].c_str(),
                       static_cast<int>(made));
  }
}

// The body re-indented when it is a JSON object or array, else "".
std::string pretty_json(const std::string& body) {
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || (body[first] != '{' && body[first] != '[')) return {};
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded()) return {};
  return json.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool tab(const char* label, int index, int& requested) {
  ImGuiTabItemFlags flags = requested == index ? ImGuiTabItemFlags_SetSelected : 0;
  bool open = ImGui::BeginTabItem(label, nullptr, flags);
  if (requested == index) requested = -1;
  return open;
}

}  // namespace

void ResultPanel::refresh(const debugger::HistoryEntry& run) {
  if (cached_run_ == run.id) return;
  cached_run_ = run.id;
  upstream_pretty_.clear();
  response_pretty_.clear();
  changes_ = debugger::run_changes(run);
  if (!run.ran()) return;
  const host::RunReport& report = run.report;
  if (report.upstream_request) upstream_pretty_ = pretty_json(report.upstream_request->body);
  if (report.response) response_pretty_ = pretty_json(report.response->body);
}

void ResultPanel::draw(const Snapshot& snapshot, Commands& commands) {
  const debugger::HistoryEntry* run = workspace_.selected_run(snapshot);
  draw_history(snapshot, run, commands);
  if (!run) {
    ImGui::Spacing();
    ImGui::TextColored(style::muted(), "No runs yet. Load a filter, then Send a request.");
    return;
  }
  refresh(*run);
  draw_summary(*run);
  if (!run->ran()) return;

  int& requested = workspace_.selection.result_tab;
  if (ImGui::BeginTabBar("##result_tabs")) {
    if (tab("Upstream request", kUpstream, requested)) {
      shown_tab_ = kUpstream;
      draw_upstream(*run);
      ImGui::EndTabItem();
    }
    if (tab("Response", kResponse, requested)) {
      shown_tab_ = kResponse;
      draw_response(*run);
      ImGui::EndTabItem();
    }
    std::string logs = "Logs (" + std::to_string(run->logs.size()) + ")###logs";
    if (tab(logs.c_str(), kLogs, requested)) {
      shown_tab_ = kLogs;
      LogsPanel::draw_logs(*run);
      ImGui::EndTabItem();
    }
    ImGui::EndTabBar();
  }
}

void ResultPanel::draw_history(const Snapshot& snapshot, const debugger::HistoryEntry* run,
                               Commands& commands) {
  Selection& selection = workspace_.selection;
  ImGui::AlignTextToFramePadding();
  ImGui::TextUnformatted("Run");
  ImGui::SameLine();
  float right = ImGui::CalcTextSize("Follow latest").x + ImGui::GetFrameHeight() +
                ImGui::CalcTextSize("Clear").x + ImGui::GetStyle().FramePadding.x * 2 +
                ImGui::GetStyle().ItemSpacing.x * 3;
  ImGui::SetNextItemWidth(-right);
  std::string preview = run ? run_title(*run) : std::string("(none)");
  if (ImGui::BeginCombo("##run", preview.c_str())) {
    for (auto it = snapshot.history.rbegin(); it != snapshot.history.rend(); ++it) {
      const debugger::HistoryEntry& item = **it;
      std::string label = run_title(item);
      if (ImGui::Selectable(label.c_str(), run && run->id == item.id)) {
        selection.run_id = item.id;
        selection.follow_latest = item.id == snapshot.history.back()->id;
        selection.event_seq.reset();
      }
    }
    ImGui::EndCombo();
  }
  ImGui::SameLine();
  ImGui::Checkbox("Follow latest", &selection.follow_latest);
  ImGui::SameLine();
  if (snapshot.history.empty()) ImGui::BeginDisabled();
  if (ImGui::Button("Clear")) (void)commands.run("clear-history", CommandSource::Button);
  if (snapshot.history.empty()) ImGui::EndDisabled();
}

void ResultPanel::draw_summary(const debugger::HistoryEntry& run) {
  if (!run.ran()) {
    ImGui::TextColored(style::error(), "The filter could not start:");
    widgets::wrapped_colored(style::error(), run.error);
    return;
  }
  const host::RunReport& report = run.report;
  if (report.response) {
    ImGui::TextColored(status_color(report.response->status), "%u", report.response->status);
    if (report.local_response) {
      ImGui::SameLine();
      ImGui::TextColored(style::warning(), "local response");
    }
  } else if (report.reset) {
    ImGui::TextColored(style::error(), "stream reset: %s", report.reset_reason.c_str());
  } else {
    ImGui::TextColored(style::warning(), "no response");
  }
  ImGui::SameLine(0, 16);
  ImGui::TextColored(style::muted(),
                     "%s in the filter, %llu callbacks, %llu host calls, %llu copies",
                     widgets::format_duration(run.stats.filter_ns).c_str(),
                     static_cast<unsigned long long>(run.stats.callbacks),
                     static_cast<unsigned long long>(run.stats.host_calls),
                     static_cast<unsigned long long>(run.stats.copies));
  if (report.stalled)
    widgets::wrapped_colored(style::warning(), "Incomplete: " + report.stall_reason);
  if (!report.upstream_error.empty())
    widgets::wrapped_colored(style::error(),
                             "No answer from the upstream: " + report.upstream_error);
  if (run.failure) {
    const host::PluginFailure& failure = *run.failure;
    widgets::wrapped_colored(style::error(),
                             "Filter failure in " + failure.callback + ": " + failure.message);
    // The engine's message usually carries the backtrace already.
    bool has_backtrace = failure.message.find("backtrace") != std::string::npos;
    if (!has_backtrace) {
      for (const auto& frame : failure.backtrace) {
        ImGui::TextColored(style::muted(), "    at %s (function %u, offset 0x%x)",
                           frame.name.empty() ? "?" : frame.name.c_str(), frame.function_index,
                           frame.code_offset);
      }
    }
  }
}

void ResultPanel::draw_upstream(const debugger::HistoryEntry& run) {
  const host::RunReport& report = run.report;
  if (!ImGui::BeginChild("##upstream", ImVec2(0, 0), false)) {
    ImGui::EndChild();
    return;
  }
  for (const auto& refused : report.refused_local_replies)
    widgets::wrapped_colored(style::error(),
                             "The filter's local response failed (not sent): " + refused);
  if (!report.upstream_request) {
    ImGui::TextColored(style::muted(), report.local_response
                                           ? "The upstream received nothing: the filter "
                                             "answered locally."
                                           : "The upstream received nothing.");
  } else {
    const host::MessageView& request = *report.upstream_request;
    ImGui::PushFont(style::mono());
    ImGui::Text("%s %s", request.method.c_str(), request.path.c_str());
    ImGui::PopFont();
    if (request.method != report.client_request.method ||
        request.path != report.client_request.path) {
      ImGui::SameLine();
      ImGui::TextColored(style::changed(), "(client sent %s %s)",
                         report.client_request.method.c_str(), report.client_request.path.c_str());
    }
    ImGui::SameLine(0, 16);
    diff_counts_line(changes_.request, changes_.filters);
    widgets::header_table("##upstream_headers", changes_.request.rows,
                          {&changes_.request.filters, &changes_.filters});
    ImGui::Spacing();
    ImGui::TextUnformatted("Body");
    if (request.body != report.client_request.body) {
      ImGui::SameLine();
      ImGui::TextColored(style::changed(), "changed by the filter (client sent %s)",
                         widgets::format_bytes(report.client_request.body.size()).c_str());
    }
    draw_body("##upstream_body", request.body, upstream_pretty_);
  }
  ImGui::EndChild();
}

void ResultPanel::draw_response(const debugger::HistoryEntry& run) {
  const host::RunReport& report = run.report;
  if (!ImGui::BeginChild("##response", ImVec2(0, 0), false)) {
    ImGui::EndChild();
    return;
  }
  if (!report.response) {
    ImGui::TextColored(style::muted(), "The client received no response.");
  } else {
    const host::MessageView& response = *report.response;
    ImGui::PushFont(style::mono());
    ImGui::TextColored(status_color(response.status), "%u", response.status);
    ImGui::PopFont();
    if (report.local_reply && !report.local_reply->details.empty()) {
      ImGui::SameLine();
      ImGui::TextColored(style::muted(), "(%s)", report.local_reply->details.c_str());
    }
    ImGui::SameLine(0, 16);
    diff_counts_line(changes_.response, changes_.filters);
    widgets::header_table("##response_headers", changes_.response.rows,
                          {&changes_.response.filters, &changes_.filters});
    ImGui::Spacing();
    ImGui::TextUnformatted("Body");
    if (report.upstream_response && !report.local_response &&
        report.upstream_response->body != response.body) {
      ImGui::SameLine();
      ImGui::TextColored(style::changed(), "changed by the filter (upstream sent %s)",
                         widgets::format_bytes(report.upstream_response->body.size()).c_str());
    }
    draw_body("##response_body", response.body, response_pretty_);
  }
  ImGui::EndChild();
}

void ResultPanel::draw_body(const char* id, const std::string& body, const std::string& pretty) {
  if (!pretty.empty()) {
    ImGui::SameLine(ImGui::GetContentRegionMax().x - ImGui::CalcTextSize("Pretty JSON").x -
                    ImGui::GetFrameHeight() - ImGui::GetStyle().ItemInnerSpacing.x);
    ImGui::Checkbox("Pretty JSON", &pretty_json_);
  }
  const std::string& shown = pretty.empty() || !pretty_json_ ? body : pretty;
  widgets::body_view(
      id, shown,
      ImVec2(-FLT_MIN, std::max(ImGui::GetContentRegionAvail().y, ImGui::GetTextLineHeight() * 4)));
}

}  // namespace pwplay::gui
