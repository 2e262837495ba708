// `pwplay serve --stats-every SECONDS` and `--stats-json FILE`: every interval, one line on stdout
// (requests/s, each filter's p50/p99, host calls and bytes copied per request, memory) and one
// JSON object appended to the file, from the host's performance counters (host/perf_stats.h)
// through the debugger's performance model.
#pragma once

#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "host/perf_stats.h"
#include "host/proxy/proxy.h"

namespace pwplay::app {

// One interval's reading: the plugins' counters and the proxy thread's own figures.
struct ServeReading {
  std::vector<host::PluginPerfSnapshot> plugins;
  uint64_t at_ns = 0;          // HostEnv::elapsed_ns()
  uint64_t thread_cpu_ns = 0;  // CPU time of the proxy thread so far
  uint64_t requests = 0;       // ProxyStats::requests_total
};

// Takes a reading on the proxy thread (waits for it); nullopt when the proxy has stopped.
std::optional<ServeReading> take_serve_reading(host::proxy::Proxy& server);

// The JSON object of one interval: {"time", "interval_s", "requests", "requests_per_s",
// "proxy_us_per_request", "plugins": [perf_view_json...]}.
nlohmann::json serve_stats_json(const ServeReading& now, const ServeReading& before,
                                const std::string& utc_time);
// The line of one interval.
std::string serve_stats_line(const ServeReading& now, const ServeReading& before);

// Appends one line of JSON per interval to a file, flushed each time so a reader can follow it.
class StatsJsonFile {
 public:
  // Opens `path` for appending; the error names the file.
  static Result<StatsJsonFile> open(const std::string& path);
  Result<void> append(const nlohmann::json& object);

 private:
  struct Close {
    void operator()(std::FILE* file) const { std::fclose(file); }
  };
  std::string path_;
  std::unique_ptr<std::FILE, Close> file_;
};

}  // namespace pwplay::app
