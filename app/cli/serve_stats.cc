#include "app/cli/serve_stats.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>

#include "debugger/formats/perf_json.h"
#include "debugger/perf_model.h"

namespace pwplay::app {

namespace {

uint64_t thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

const host::PluginPerfSnapshot* find(const ServeReading& reading,
                                     const host::PluginPerfSnapshot& plugin) {
  for (const auto& p : reading.plugins)
    if (p.plugin == plugin.plugin && p.engine == plugin.engine) return &p;
  return nullptr;
}

double seconds_between(const ServeReading& now, const ServeReading& before) {
  return now.at_ns > before.at_ns ? static_cast<double>(now.at_ns - before.at_ns) / 1e9 : 0;
}

// The proxy thread's CPU time per request that was not spent inside filters.
std::optional<double> proxy_us_per_request(const ServeReading& now, const ServeReading& before) {
  const uint64_t requests = now.requests - std::min(now.requests, before.requests);
  if (requests == 0) return std::nullopt;
  uint64_t filter_ns = 0;
  for (const auto& plugin : now.plugins) {
    const host::PluginPerfSnapshot* old = find(before, plugin);
    filter_ns += plugin.totals.filter_ns -
                 (old ? std::min(plugin.totals.filter_ns, old->totals.filter_ns) : 0);
  }
  const uint64_t cpu = now.thread_cpu_ns - std::min(now.thread_cpu_ns, before.thread_cpu_ns);
  const uint64_t own = cpu > filter_ns ? cpu - filter_ns : 0;
  return static_cast<double>(own) / 1000.0 / static_cast<double>(requests);
}

std::string format(const char* pattern, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), pattern, value);
  return text;
}

std::string bytes_text(double bytes) {
  if (bytes >= 1024.0 * 1024.0) return format("%.1f MiB", bytes / (1024.0 * 1024.0));
  if (bytes >= 1024.0) return format("%.1f KiB", bytes / 1024.0);
  return format("%.0f B", bytes);
}

}  // namespace

std::optional<ServeReading> take_serve_reading(host::proxy::Proxy& server) {
  ServeReading reading;
  bool ran = server.execute([&](host::HostEnv& env) {
    reading.at_ns = env.elapsed_ns();
    reading.plugins = env.perf().read(reading.at_ns);
    reading.thread_cpu_ns = thread_cpu_ns();
  });
  if (!ran) return std::nullopt;
  reading.requests = server.stats().requests_total;
  return reading;
}

nlohmann::json serve_stats_json(const ServeReading& now, const ServeReading& before,
                                const std::string& utc_time) {
  const double seconds = seconds_between(now, before);
  const uint64_t requests = now.requests - std::min(now.requests, before.requests);
  nlohmann::json out;
  out["time"] = utc_time;
  out["interval_s"] = std::round(seconds * 1000.0) / 1000.0;
  out["requests"] = requests;
  out["requests_per_s"] =
      seconds > 0 ? std::round(static_cast<double>(requests) / seconds * 10.0) / 10.0 : 0.0;
  if (auto own = proxy_us_per_request(now, before))
    out["proxy_us_per_request"] = std::round(*own * 1000.0) / 1000.0;
  else
    out["proxy_us_per_request"] = nullptr;
  nlohmann::json plugins = nlohmann::json::array();
  for (const auto& plugin : now.plugins)
    plugins.push_back(
        debugger::perf_view_json(debugger::PerfModel::difference(plugin, find(before, plugin))));
  out["plugins"] = std::move(plugins);
  return out;
}

std::string serve_stats_line(const ServeReading& now, const ServeReading& before) {
  const double seconds = seconds_between(now, before);
  const uint64_t requests = now.requests - std::min(now.requests, before.requests);
  std::string line = "stats: " + format("%.1f req/s", seconds > 0 ? requests / seconds : 0.0);
  if (auto own = proxy_us_per_request(now, before))
    line += ", proxy " + format("%.1f us/req", *own);
  for (const auto& plugin : now.plugins) {
    debugger::PluginPerfView view = debugger::PerfModel::difference(plugin, find(before, plugin));
    line +=
        " | " + view.plugin + " (" + view.engine + "): filter p50 " +
        format("%.1f us", static_cast<double>(view.filter_ns.percentile(0.5)) / 1000.0) + " p99 " +
        format("%.1f us", static_cast<double>(view.filter_ns.percentile(0.99)) / 1000.0) + ", " +
        format("%.1f host calls/req", view.host_calls_per_request) + ", copied " +
        bytes_text(view.bytes_in_per_request) + " in / " + bytes_text(view.bytes_out_per_request) +
        " out per req, memory " + bytes_text(static_cast<double>(view.memory_bytes));
    if (!view.growth.empty()) line += format(" (grew %.0f times)", view.growth.size());
  }
  return line;
}

Result<StatsJsonFile> StatsJsonFile::open(const std::string& path) {
  StatsJsonFile file;
  file.path_ = path;
  file.file_.reset(std::fopen(path.c_str(), "a"));
  if (!file.file_)
    return make_error("--stats-json " + path +
                      ": cannot open for appending: " + std::strerror(errno));
  return file;
}

Result<void> StatsJsonFile::append(const nlohmann::json& object) {
  const std::string line = object.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_.get()) != line.size() ||
      std::fflush(file_.get()) != 0)
    return make_error("--stats-json " + path_ + ": write failed: " + std::strerror(errno));
  return {};
}

}  // namespace pwplay::app
