// Frame times of the desktop app, for the automation log: the CPU time of each frame (from its
// start to after the buffer swap) and the time from process start to the first frame drawn,
// summarized as percentiles so that a script can check the app stays smooth under load.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

namespace pwplay::gui {

// The nearest-rank percentile `p` (0 to 100) of `durations`, which need not be sorted: the
// smallest value that at least p % of the values are less than or equal to. 0 for an empty list.
double percentile(std::vector<double> durations, double p);

struct FrameTimeSummary {
  uint64_t frames = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double max_ms = 0;
  std::optional<double> first_frame_ms;  // unknown when the process start time is not readable
};

// Collects one duration per frame while an automation script plays (so it is bounded by the
// script), and summarizes them.
class FrameTimes {
 public:
  void record(double frame_ms) { frames_ms_.push_back(frame_ms); }
  // Only the first call counts: the time from process start to the end of the first frame.
  void record_first_frame(std::optional<double> since_start_ms);

  FrameTimeSummary summary() const;
  // {"frames": N, "p50_ms": .., "p99_ms": .., "max_ms": .., "first_frame_ms": .. or null}; the
  // times are null when no frame was recorded.
  nlohmann::json to_json() const;

 private:
  std::vector<double> frames_ms_;
  bool first_frame_seen_ = false;
  std::optional<double> first_frame_ms_;
};

// CPU time the calling thread has used so far, in milliseconds. A frame's CPU time leaves out
// the time the thread sleeps (waiting for events, or for the display in the buffer swap).
double thread_cpu_ms();

// Milliseconds since this process was started (by the kernel's clock, so loading the program and
// its libraries counts), or nullopt where the start time cannot be read (/proc is Linux's).
std::optional<double> process_uptime_ms();

}  // namespace pwplay::gui
