#include "host/engines/v8/runaway_watchdog.h"

#include <algorithm>
#include <utility>

namespace pwplay::host::v8engine {

RunawayWatchdog::RunawayWatchdog(std::chrono::milliseconds budget, std::function<void()> stop)
    : budget_(budget), stop_(std::move(stop)) {}

RunawayWatchdog::~RunawayWatchdog() {
  {
    std::lock_guard lock(mutex_);
    shutting_down_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
}

void RunawayWatchdog::begin_call() {
  std::lock_guard lock(mutex_);
  in_call_ = true;
  reason_ = StopReason::None;
  if (budget_.count() == 0) return;
  deadline_ = std::chrono::steady_clock::now() + budget_;
  if (!thread_.joinable()) {
    thread_ = std::thread([this] { run(); });
  } else if (idle_) {
    // A sleeping watchdog already waits for a deadline no later than this one (the budget is
    // fixed), so it only needs waking when idle: short calls cost no thread wake-ups.
    wake_.notify_one();
  }
}

RunawayWatchdog::StopReason RunawayWatchdog::end_call() {
  std::lock_guard lock(mutex_);
  in_call_ = false;
  return std::exchange(reason_, StopReason::None);
}

RunawayWatchdog::StopReason RunawayWatchdog::stop_reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

void RunawayWatchdog::request_stop() {
  std::lock_guard lock(mutex_);
  if (!in_call_ || reason_ != StopReason::None) return;
  reason_ = StopReason::Request;
  stop_();
}

void RunawayWatchdog::pause_clock() {
  std::lock_guard lock(mutex_);
  if (paused_++ == 0 && in_call_) remaining_ = deadline_ - std::chrono::steady_clock::now();
  wake_.notify_one();
}

void RunawayWatchdog::resume_clock() {
  std::lock_guard lock(mutex_);
  if (paused_ == 0) return;
  if (--paused_ == 0 && in_call_)
    deadline_ = std::chrono::steady_clock::now() +
                std::max(remaining_, std::chrono::steady_clock::duration::zero());
  wake_.notify_one();
}

void RunawayWatchdog::run() {
  std::unique_lock lock(mutex_);
  while (!shutting_down_) {
    if (!in_call_ || reason_ != StopReason::None || paused_ > 0) {
      idle_ = true;
      wake_.wait(lock);
      idle_ = false;
      continue;
    }
    if (std::chrono::steady_clock::now() >= deadline_) {
      reason_ = StopReason::Budget;
      stop_();
      continue;
    }
    // Wakes at the deadline of the call that was running when it went to sleep; if that call
    // ended, the loop re-reads the current call's deadline.
    wake_.wait_until(lock, deadline_);
  }
}

}  // namespace pwplay::host::v8engine
