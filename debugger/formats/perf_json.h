// The performance model's figures as JSON: one plugin's window (`pwplay serve --stats-json`, the
// app's automation log) and the parts `pwplay bench` shares (filter time and per-callback
// percentiles in microseconds).
#pragma once

#include <nlohmann/json.hpp>

#include "debugger/perf_model.h"

namespace pwplay::debugger {

// {"p50": .., "p90": .., "p99": .., "max": ..} in microseconds.
nlohmann::json latency_us_json(const host::Histogram& ns);
// {"proxy_on_request_headers": {"count": .., "p50_us": .., "p99_us": ..}, ...}
nlohmann::json callbacks_json(const PluginPerfView& view);
// Everything in a view: plugin, engine, requests, requests_per_s, filter_us, callbacks,
// host_calls_per_request, host_calls (rows), bytes_copied_per_request {host_to_vm, vm_to_host},
// abi_minimum_bytes_per_request {host_to_vm, vm_to_host}, allocations_per_request,
// instructions_per_request (engines that count), memory_bytes, peak_memory_bytes, memory_growth.
nlohmann::json perf_view_json(const PluginPerfView& view);

}  // namespace pwplay::debugger
