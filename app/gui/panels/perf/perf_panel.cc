#include "app/gui/panels/perf/perf_panel.h"

#include <algorithm>
#include <string>

#include <imgui.h>

#include "app/gui/core/perf_commands.h"
#include "app/gui/panels/perf/perf_views.h"
#include "app/gui/widgets.h"

namespace pwplay::gui {

void PerfPanel::draw_toolbar(const debugger::PerfState* perf, Commands& commands) {
  const auto window = perf ? perf->window : debugger::PerfWindow::Last10s;
  const char* labels[] = {"Last 10 s", "Last 60 s", "Since reset"};
  const debugger::PerfWindow windows[] = {debugger::PerfWindow::Last10s,
                                          debugger::PerfWindow::Last60s,
                                          debugger::PerfWindow::SinceReset};
  for (size_t i = 0; i < 3; ++i) {
    if (i) ImGui::SameLine();
    if (ImGui::RadioButton(labels[i], window == windows[i]))
      (void)commands.run("perf-window", CommandSource::Button,
                         debugger::perf_window_name(windows[i]));
  }
  ImGui::SameLine();
  if (ImGui::Button("Reset")) (void)commands.run("perf-reset", CommandSource::Button);
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("Start the \"since reset\" window now");
  if (perf && perf->views.size() > 1) {
    ImGui::SameLine();
    ImGui::SetNextItemWidth(260);
    plugin_ = std::min(plugin_, perf->views.size() - 1);
    const auto name = [&](size_t i) {
      return perf->views[i].plugin + " [" + perf->views[i].engine + "]";
    };
    if (ImGui::BeginCombo("Plugin", name(plugin_).c_str())) {
      for (size_t i = 0; i < perf->views.size(); ++i)
        if (ImGui::Selectable(name(i).c_str(), i == plugin_)) plugin_ = i;
      ImGui::EndCombo();
    }
  }
}

void PerfPanel::draw_summary(const debugger::PluginPerfView& view) {
  ImGui::Text("%s [%s]: %llu requests in %.0f s, %.1f req/s; filter p50 %s p99 %s per request",
              view.plugin.c_str(), view.engine.c_str(),
              static_cast<unsigned long long>(view.requests), view.seconds, view.requests_per_s,
              widgets::format_duration(view.filter_ns.percentile(0.5)).c_str(),
              widgets::format_duration(view.filter_ns.percentile(0.99)).c_str());
  if (!view.loads.empty()) {
    const auto& load = view.loads.back();
    ImGui::Text("Load: compile %s, instantiate %s, start-up %s (%zu load(s))",
                widgets::format_duration(load.compile_ns).c_str(),
                widgets::format_duration(load.instantiate_ns).c_str(),
                widgets::format_duration(load.startup_ns).c_str(), view.loads.size());
  }
  if (view.instructions_per_request) {
    ImGui::SameLine();
    ImGui::Text("  %.0f instructions per request", *view.instructions_per_request);
  }
}

void PerfPanel::draw_leak_check(const Snapshot& snapshot, Commands& commands) {
  const auto& leak = snapshot.leak_check;
  const bool running = leak && leak->running;
  ImGui::SetNextItemWidth(110);
  ImGui::InputInt("requests", &leak_requests_, 100, 1000);
  leak_requests_ = std::clamp(leak_requests_, static_cast<int>(kMinLeakRequests),
                              static_cast<int>(kMaxLeakRequests));
  ImGui::SameLine();
  ImGui::BeginDisabled(running);
  if (ImGui::Button("Leak check"))
    (void)commands.run("perf-leak-check", CommandSource::Button, std::to_string(leak_requests_));
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled))
    ImGui::SetTooltip(
        "Send the composer's request this many times and judge whether linear "
        "memory keeps growing");
  if (!leak) return;
  ImGui::SameLine();
  if (running) {
    const float done =
        leak->total ? static_cast<float>(leak->done) / static_cast<float>(leak->total) : 0;
    const std::string text = std::to_string(leak->done) + " / " + std::to_string(leak->total);
    ImGui::ProgressBar(done, ImVec2(200, 0), text.c_str());
    ImGui::SameLine();
    if (ImGui::Button("Cancel")) (void)commands.run("perf-leak-cancel", CommandSource::Button);
  } else if (leak->verdict) {
    const auto& verdict = *leak->verdict;
    const ImVec4 color = verdict.leak ? ImVec4(1.0f, 0.45f, 0.4f, 1) : ImVec4(0.5f, 0.9f, 0.5f, 1);
    ImGui::TextColored(
        color, "%s%s: %s per 1000 requests after %llu requests%s%s",
        debugger::verdict_name(verdict), leak->cancelled ? " (cancelled)" : "",
        widgets::format_bytes(static_cast<uint64_t>(verdict.growth_bytes_per_1000_requests))
            .c_str(),
        static_cast<unsigned long long>(verdict.after_warmup_requests),
        verdict.callback.empty() ? "" : ", in ", verdict.callback.c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", verdict.reason.c_str());
  } else {
    ImGui::TextColored(ImVec4(1.0f, 0.7f, 0.3f, 1), "no verdict: %s", leak->error.c_str());
  }
  if (leak->samples.size() >= 2) {
    std::vector<double> xs, ys;
    for (const auto& s : leak->samples) {
      xs.push_back(static_cast<double>(s.requests));
      ys.push_back(static_cast<double>(s.memory_bytes));
    }
    const int hover = perf::line_plot(
        "leak", xs, ys, ImVec2(ImGui::GetContentRegionAvail().x, 40),
        [](double v) { return widgets::format_bytes(static_cast<uint64_t>(v)); }, {},
        IM_COL32(240, 120, 110, 255));
    if (hover >= 0)
      ImGui::SetTooltip(
          "after %.0f requests: %s", xs[static_cast<size_t>(hover)],
          widgets::format_bytes(static_cast<uint64_t>(ys[static_cast<size_t>(hover)])).c_str());
  }
}

void PerfPanel::draw(const Snapshot& snapshot, Commands& commands) {
  const debugger::PerfState* perf = snapshot.perf.get();
  draw_toolbar(perf, commands);
  draw_leak_check(snapshot, commands);
  ImGui::Separator();
  if (!perf || perf->views.empty()) {
    ImGui::TextDisabled(
        "No figures yet: load a filter and send requests (Send, replay, or "
        "curl/wrk through the app's proxy)");
    return;
  }
  plugin_ = std::min(plugin_, perf->views.size() - 1);
  const debugger::PluginPerfView& view = perf->views[plugin_];
  const debugger::PerfSeries* series = nullptr;
  for (const auto& s : perf->series)
    if (s.plugin == view.plugin && s.engine == view.engine) series = &s;
  draw_summary(view);
  if (const debugger::HistoryEntry* run = workspace_.selected_run(snapshot)) {
    if (run->id != profile_run_) {
      profile_ = request_profile(*run);
      profile_run_ = run->id;
    }
  }
  if (!ImGui::BeginChild("perf_views")) {
    ImGui::EndChild();
    return;
  }
  // Two columns: the plots on top, then callbacks and the request profile on the left, the
  // copies and the host-call table on the right.
  if (ImGui::BeginTable("perf_grid", 2, ImGuiTableFlags_SizingStretchSame)) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    perf::throughput_view(series, 66);
    ImGui::TableNextColumn();
    perf::memory_view(series, view, 66);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    perf::callbacks_view(view, callback_);
    ImGui::Spacing();
    perf::request_profile_view(profile_, profile_run_);
    ImGui::TableNextColumn();
    perf::copies_view(view);
    ImGui::Spacing();
    perf::host_calls_view(view);
    ImGui::EndTable();
  }
  ImGui::EndChild();
}

}  // namespace pwplay::gui
