// RunawayWatchdog: enforces the runaway budget of a Vm. It times the outermost call into the VM
// and, from its own thread, fires a stop callback when the call outlives the budget or when
// someone asks to stop it. Engine-neutral: the callback does the engine-specific stopping.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace pwplay::host::v8engine {

class RunawayWatchdog {
 public:
  enum class StopReason : uint8_t { None, Budget, Request };

  // `budget` 0 = unlimited (no thread is started). `stop` runs on the watchdog's thread or on
  // the thread calling request_stop(), with the watchdog's lock held, while a call is running.
  RunawayWatchdog(std::chrono::milliseconds budget, std::function<void()> stop);
  ~RunawayWatchdog();

  RunawayWatchdog(const RunawayWatchdog&) = delete;
  RunawayWatchdog& operator=(const RunawayWatchdog&) = delete;

  // Brackets the outermost call. After end_call() returns, `stop` will not run for that call;
  // it returns why the call was stopped (None if it was not).
  void begin_call();
  StopReason end_call();

  // Why the running call was stopped so far (None if it was not or no call is running).
  StopReason stop_reason() const;

  // Stops the running call now; does nothing when no call is running. Any thread.
  void request_stop();

  std::chrono::milliseconds budget() const { return budget_; }

  // Stops and restarts the clock of the running call (a debugger holds the VM thread at a
  // breakpoint). Calls nest; the call keeps the budget it had left.
  void pause_clock();
  void resume_clock();

 private:
  void run();

  const std::chrono::milliseconds budget_;
  const std::function<void()> stop_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool in_call_ = false;
  bool idle_ = false;  // the thread waits for a call, with no deadline
  bool shutting_down_ = false;
  StopReason reason_ = StopReason::None;
  std::chrono::steady_clock::time_point deadline_;
  int paused_ = 0;
  std::chrono::steady_clock::duration remaining_{};
  std::thread thread_;  // started by the first begin_call() when there is a budget
};

}  // namespace pwplay::host::v8engine
