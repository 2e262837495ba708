#include "debugger/perf_model.h"

#include <algorithm>
#include <utility>

namespace pwplay::debugger {

std::string_view perf_window_name(PerfWindow window) {
  switch (window) {
    case PerfWindow::Last10s:
      return "10s";
    case PerfWindow::Last60s:
      return "60s";
    case PerfWindow::SinceReset:
      return "reset";
  }
  return "reset";
}

std::optional<PerfWindow> parse_perf_window(std::string_view text) {
  for (PerfWindow w : {PerfWindow::Last10s, PerfWindow::Last60s, PerfWindow::SinceReset})
    if (perf_window_name(w) == text) return w;
  return std::nullopt;
}

PerfModel::PerfModel(double keep_seconds) : keep_seconds_(keep_seconds) {}

void PerfModel::sample(std::vector<host::PluginPerfSnapshot> snapshots) {
  Sample sample;
  for (const auto& s : snapshots) sample.at_ns = std::max(sample.at_ns, s.taken_ns);
  sample.plugins = std::move(snapshots);
  samples_.push_back(std::move(sample));
  const auto keep_ns = static_cast<uint64_t>(keep_seconds_ * 1e9);
  // Keep one sample at or past the keep time, so a full-length window has its start.
  while (samples_.size() > 2 && samples_.back().at_ns - samples_[1].at_ns >= keep_ns)
    samples_.pop_front();
}

void PerfModel::reset() {
  if (!samples_.empty()) baseline_ = samples_.back();
}

const std::vector<host::PluginPerfSnapshot>* PerfModel::latest() const {
  return samples_.empty() ? nullptr : &samples_.back().plugins;
}

const host::PluginPerfSnapshot* PerfModel::find(const Sample& sample, const std::string& plugin,
                                                const std::string& engine) const {
  for (const auto& s : sample.plugins)
    if (s.plugin == plugin && s.engine == engine) return &s;
  return nullptr;
}

std::vector<PluginPerfView> PerfModel::view(PerfWindow window) const {
  std::vector<PluginPerfView> out;
  if (samples_.empty()) return out;
  const Sample& now = samples_.back();
  // The window's start: the newest sample at least the window's length old (or the oldest
  // kept), never before the reset point.
  const Sample* start = baseline_ ? &*baseline_ : nullptr;
  if (window != PerfWindow::SinceReset) {
    const uint64_t length_ns =
        window == PerfWindow::Last10s ? 10'000'000'000ull : 60'000'000'000ull;
    const Sample* candidate = &samples_.front();
    for (const Sample& s : samples_)
      if (now.at_ns - s.at_ns >= length_ns) candidate = &s;
    if (!start || candidate->at_ns > start->at_ns) start = candidate;
  }
  for (const auto& plugin : now.plugins) {
    const host::PluginPerfSnapshot* older =
        start && start != &now ? find(*start, plugin.plugin, plugin.engine) : nullptr;
    PluginPerfView view = difference(plugin, older);
    // A plugin with no reading at the start counts from the start of its counters: the window
    // is then as long as the readings go back.
    if (start && !older && start != &now)
      view.seconds = static_cast<double>(now.at_ns - start->at_ns) / 1e9;
    if (view.seconds > 0) view.requests_per_s = static_cast<double>(view.requests) / view.seconds;
    out.push_back(std::move(view));
  }
  return out;
}

PluginPerfView PerfModel::difference(const host::PluginPerfSnapshot& now,
                                     const host::PluginPerfSnapshot* older) {
  PluginPerfView view;
  view.plugin = now.plugin;
  view.engine = now.engine;
  const uint64_t from_ns = older ? older->taken_ns : 0;
  view.seconds = static_cast<double>(now.taken_ns - std::min(now.taken_ns, from_ns)) / 1e9;
  view.requests = now.requests - (older ? older->requests : 0);
  if (view.seconds > 0) view.requests_per_s = static_cast<double>(view.requests) / view.seconds;
  view.filter_ns = older ? now.filter_ns.minus(older->filter_ns) : now.filter_ns;
  for (size_t i = 0; i < now.callbacks.size(); ++i) {
    host::Histogram latency =
        older ? now.callbacks[i].minus(older->callbacks[i]) : now.callbacks[i];
    if (latency.count == 0) continue;
    view.callbacks.push_back(
        {std::string(host::PluginPerfSnapshot::callback_name(i)), std::move(latency)});
  }
  uint64_t host_ns = 0;
  for (size_t i = 0; i < now.host_calls.size(); ++i) {
    host::HostCallStats stats = now.host_calls[i];
    if (older && i < older->host_calls.size()) {
      const host::HostCallStats& o = older->host_calls[i];
      stats.calls -= std::min(stats.calls, o.calls);
      stats.ns -= std::min(stats.ns, o.ns);
      stats.bytes_in -= std::min(stats.bytes_in, o.bytes_in);
      stats.bytes_out -= std::min(stats.bytes_out, o.bytes_out);
    }
    if (stats.calls == 0) continue;
    host_ns += stats.ns;
    HostCallRow row;
    row.name = std::string(host::PluginPerfSnapshot::host_call_name(i));
    row.calls = stats.calls;
    row.ns = stats.ns;
    row.bytes_in = stats.bytes_in;
    row.bytes_out = stats.bytes_out;
    view.host_calls.push_back(std::move(row));
  }
  const double requests = static_cast<double>(view.requests);
  for (HostCallRow& row : view.host_calls) {
    row.time_share = host_ns ? static_cast<double>(row.ns) / static_cast<double>(host_ns) : 0;
    row.per_request = requests > 0 ? static_cast<double>(row.calls) / requests : 0;
  }
  std::stable_sort(view.host_calls.begin(), view.host_calls.end(),
                   [](const HostCallRow& a, const HostCallRow& b) { return a.ns > b.ns; });
  auto delta = [&](uint64_t host::RequestTally::*field) {
    uint64_t value =
        now.totals.*field - (older ? std::min(now.totals.*field, older->totals.*field) : 0);
    return requests > 0 ? static_cast<double>(value) / requests : 0.0;
  };
  view.host_calls_per_request = delta(&host::RequestTally::host_calls);
  view.bytes_in_per_request = delta(&host::RequestTally::bytes_in);
  view.bytes_out_per_request = delta(&host::RequestTally::bytes_out);
  view.min_bytes_in_per_request = delta(&host::RequestTally::min_bytes_in);
  view.min_bytes_out_per_request = delta(&host::RequestTally::min_bytes_out);
  view.copies_per_request =
      delta(&host::RequestTally::copies_in) + delta(&host::RequestTally::copies_out);
  view.allocations_per_request = delta(&host::RequestTally::allocations);
  if (now.counts_instructions)
    view.instructions_per_request = delta(&host::RequestTally::instructions);
  view.memory_bytes = now.memory_bytes;
  view.peak_memory_bytes = now.peak_memory_bytes;
  for (const auto& growth : now.growth)
    if (!older || growth.at_ns > older->taken_ns) view.growth.push_back(growth);
  view.loads = now.loads;
  return view;
}

std::vector<PerfSeries> PerfModel::series() const {
  std::vector<PerfSeries> out;
  if (samples_.empty()) return out;
  const uint64_t origin = samples_.front().at_ns;
  for (const auto& plugin : samples_.back().plugins) {
    PerfSeries series;
    series.plugin = plugin.plugin;
    series.engine = plugin.engine;
    const host::PluginPerfSnapshot* previous = nullptr;
    uint64_t previous_at = 0;
    for (const Sample& sample : samples_) {
      const host::PluginPerfSnapshot* s = find(sample, plugin.plugin, plugin.engine);
      if (!s) continue;
      double rate = 0;
      if (previous && sample.at_ns > previous_at)
        rate = static_cast<double>(s->requests - std::min(s->requests, previous->requests)) /
               (static_cast<double>(sample.at_ns - previous_at) / 1e9);
      series.seconds.push_back(static_cast<double>(sample.at_ns - origin) / 1e9);
      series.requests_per_s.push_back(rate);
      series.memory_bytes.push_back(static_cast<double>(s->memory_bytes));
      previous = s;
      previous_at = sample.at_ns;
    }
    out.push_back(std::move(series));
  }
  return out;
}

}  // namespace pwplay::debugger
