// The Performance panel's views, one file each (perf_panel.cc composes them): requests/s over
// time, per-callback latency bars with a histogram, the host-call table, bytes copied against the
// ABI minimum, linear memory over time, and one request's profile. Each draws one plugin's
// figures from the snapshot with ImGui's draw lists; none touches the engine.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include <imgui.h>

#include "app/gui/core/perf_profile.h"
#include "debugger/perf_state.h"

namespace pwplay::gui::perf {

// A line plot of `ys` over `xs` in a box `size` wide and high, with the y axis from 0 to the
// largest value; `marks` are x positions drawn as vertical markers. Returns the index of the
// point under the mouse, or -1. `label(y)` formats the axis and the hover text.
int line_plot(const char* id, const std::vector<double>& xs, const std::vector<double>& ys,
              ImVec2 size, const std::function<std::string(double)>& label,
              const std::vector<double>& marks = {}, ImU32 color = IM_COL32(90, 170, 250, 255));

void throughput_view(const debugger::PerfSeries* series, float height);
// `selected`: the callback whose histogram shows (by name; set by a click on its bar).
void callbacks_view(const debugger::PluginPerfView& view, std::string& selected);
void host_calls_view(const debugger::PluginPerfView& view);
void copies_view(const debugger::PluginPerfView& view);
void memory_view(const debugger::PerfSeries* series, const debugger::PluginPerfView& view,
                 float height);
void request_profile_view(const RequestProfile& profile, uint64_t run_id);

}  // namespace pwplay::gui::perf
