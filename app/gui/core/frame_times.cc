#include "app/gui/core/frame_times.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

namespace pwplay::gui {
namespace {

double to_ms(const timespec& time) {
  return static_cast<double>(time.tv_sec) * 1e3 + static_cast<double>(time.tv_nsec) / 1e6;
}

}  // namespace

double percentile(std::vector<double> durations, double p) {
  if (durations.empty()) return 0;
  std::sort(durations.begin(), durations.end());
  const double clamped = std::clamp(p, 0.0, 100.0);
  // Nearest rank: ceil(p/100 * N), counted from 1; p = 0 gives the smallest value.
  const auto rank =
      static_cast<size_t>(std::ceil(clamped / 100.0 * static_cast<double>(durations.size())));
  return durations[std::max<size_t>(rank, 1) - 1];
}

void FrameTimes::record_first_frame(std::optional<double> since_start_ms) {
  if (first_frame_seen_) return;
  first_frame_seen_ = true;
  first_frame_ms_ = since_start_ms;
}

FrameTimeSummary FrameTimes::summary() const {
  FrameTimeSummary summary;
  summary.frames = frames_ms_.size();
  summary.first_frame_ms = first_frame_ms_;
  if (frames_ms_.empty()) return summary;
  summary.p50_ms = percentile(frames_ms_, 50);
  summary.p99_ms = percentile(frames_ms_, 99);
  summary.max_ms = *std::max_element(frames_ms_.begin(), frames_ms_.end());
  return summary;
}

nlohmann::json FrameTimes::to_json() const {
  const FrameTimeSummary s = summary();
  nlohmann::json out;
  out["frames"] = s.frames;
  const bool any = s.frames > 0;
  out["p50_ms"] = any ? nlohmann::json(s.p50_ms) : nlohmann::json(nullptr);
  out["p99_ms"] = any ? nlohmann::json(s.p99_ms) : nlohmann::json(nullptr);
  out["max_ms"] = any ? nlohmann::json(s.max_ms) : nlohmann::json(nullptr);
  out["first_frame_ms"] =
      s.first_frame_ms ? nlohmann::json(*s.first_frame_ms) : nlohmann::json(nullptr);
  return out;
}

double thread_cpu_ms() {
  timespec now{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now) != 0) return 0;
  return to_ms(now);
}

std::optional<double> process_uptime_ms() {
  // Field 22 of /proc/self/stat is the start time in clock ticks since boot, on the clock
  // CLOCK_BOOTTIME reads. Field 2 (the command name, in parentheses) may hold spaces: skip past
  // its closing parenthesis first.
  std::ifstream file("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(file)), {});
  const size_t close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 1));
  std::string skipped;
  for (int index = 3; index < 22; ++index) {  // the fields after the name count from 3
    if (!(fields >> skipped)) return std::nullopt;
  }
  unsigned long long start_ticks = 0;
  if (!(fields >> start_ticks)) return std::nullopt;
  const long ticks_per_second = sysconf(_SC_CLK_TCK);
  timespec now{};
  if (ticks_per_second <= 0 || clock_gettime(CLOCK_BOOTTIME, &now) != 0) return std::nullopt;
  const double started_ms =
      static_cast<double>(start_ticks) * 1e3 / static_cast<double>(ticks_per_second);
  return std::max(0.0, to_ms(now) - started_ms);
}

}  // namespace pwplay::gui
