#include "debugger/formats/perf_json.h"

#include <cmath>

namespace pwplay::debugger {

namespace {
// Microseconds with three decimals: enough for nanosecond counters, short in files.
double us(double ns) {
  return std::round(ns) / 1000.0;
}
double rounded(double value) {
  return std::round(value * 1000.0) / 1000.0;
}
}  // namespace

nlohmann::json latency_us_json(const host::Histogram& ns) {
  return {{"p50", us(static_cast<double>(ns.percentile(0.5)))},
          {"p90", us(static_cast<double>(ns.percentile(0.9)))},
          {"p99", us(static_cast<double>(ns.percentile(0.99)))},
          {"max", us(static_cast<double>(ns.max))}};
}

nlohmann::json callbacks_json(const PluginPerfView& view) {
  nlohmann::json out = nlohmann::json::object();
  for (const CallbackRow& row : view.callbacks)
    out[row.name] = {{"count", row.latency_ns.count},
                     {"p50_us", us(static_cast<double>(row.latency_ns.percentile(0.5)))},
                     {"p99_us", us(static_cast<double>(row.latency_ns.percentile(0.99)))}};
  return out;
}

nlohmann::json perf_view_json(const PluginPerfView& view) {
  nlohmann::json out;
  out["plugin"] = view.plugin;
  out["engine"] = view.engine;
  out["seconds"] = rounded(view.seconds);
  out["requests"] = view.requests;
  out["requests_per_s"] = rounded(view.requests_per_s);
  out["filter_us"] = latency_us_json(view.filter_ns);
  out["callbacks"] = callbacks_json(view);
  out["host_calls_per_request"] = rounded(view.host_calls_per_request);
  nlohmann::json rows = nlohmann::json::array();
  for (const HostCallRow& row : view.host_calls)
    rows.push_back({{"name", row.name},
                    {"calls", row.calls},
                    {"per_request", rounded(row.per_request)},
                    {"time_us", us(static_cast<double>(row.ns))},
                    {"time_share", rounded(row.time_share)},
                    {"bytes_host_to_vm", row.bytes_in},
                    {"bytes_vm_to_host", row.bytes_out}});
  out["host_calls"] = std::move(rows);
  out["bytes_copied_per_request"] = {{"host_to_vm", rounded(view.bytes_in_per_request)},
                                     {"vm_to_host", rounded(view.bytes_out_per_request)}};
  out["abi_minimum_bytes_per_request"] = {{"host_to_vm", rounded(view.min_bytes_in_per_request)},
                                          {"vm_to_host", rounded(view.min_bytes_out_per_request)}};
  out["copies_per_request"] = rounded(view.copies_per_request);
  out["allocations_per_request"] = rounded(view.allocations_per_request);
  if (view.instructions_per_request)
    out["instructions_per_request"] = rounded(*view.instructions_per_request);
  out["memory_bytes"] = view.memory_bytes;
  out["peak_memory_bytes"] = view.peak_memory_bytes;
  nlohmann::json growth = nlohmann::json::array();
  for (const host::MemoryGrowth& g : view.growth)
    growth.push_back({{"at_s", rounded(static_cast<double>(g.at_ns) / 1e9)},
                      {"from_bytes", g.from_bytes},
                      {"to_bytes", g.to_bytes},
                      {"requests", g.requests},
                      {"callback", g.callback}});
  out["memory_growth"] = std::move(growth);
  if (!view.loads.empty()) {
    const host::LoadTiming& load = view.loads.back();
    out["last_load"] = {{"ok", load.ok},
                        {"compile_ms", rounded(static_cast<double>(load.compile_ns) / 1e6)},
                        {"instantiate_ms", rounded(static_cast<double>(load.instantiate_ns) / 1e6)},
                        {"startup_ms", rounded(static_cast<double>(load.startup_ns) / 1e6)}};
  }
  return out;
}

}  // namespace pwplay::debugger
