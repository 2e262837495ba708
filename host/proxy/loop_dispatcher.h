// LoopDispatcher: the host Dispatcher on a libevent loop (the proxy's thread). Tasks posted from
// any thread run on the loop after the current work returns; timers are evtimers. It also keeps the
// "work account" of the stream the loop is working for, so the time spent in filters can be
// charged to the right stream even when the work was posted (resumes, callout replies).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "host/environment.h"

struct event_base;
struct event;

namespace pwplay::host::proxy {

// Time spent on behalf of one stream (filter work; the proxy's own I/O is paused out).
struct WorkAccount {
  uint64_t stream_id = 0;
  uint64_t busy_ns = 0;
};

class LoopDispatcher : public Dispatcher {
 public:
  // libevent must have been told to use pthreads (evthread_use_pthreads) before `base` was made.
  // Constructed on the loop thread.
  explicit LoopDispatcher(event_base* base);
  ~LoopDispatcher() override;
  LoopDispatcher(const LoopDispatcher&) = delete;
  LoopDispatcher& operator=(const LoopDispatcher&) = delete;

  // Thread-safe.
  void post(std::function<void()> task) override;
  // Loop thread only.
  TimerId schedule(std::chrono::milliseconds delay, std::function<void()> task) override;
  void cancel(TimerId id) override;
  uint64_t realtime_ns() const override;
  uint64_t monotonic_ns() const override;

  size_t pending_timers() const { return timers_.size(); }
  // Runs every queued task now (shutdown: lets deferred end-of-stream work finish).
  void drain(int rounds = 8);

  // --- Work accounting (loop thread only) ------------------------------------------------------
  const std::shared_ptr<WorkAccount>& current_account() const { return account_; }
  // Charges the time until the matching leave() to `account` unless some account is already
  // being charged (nested entries keep the outer one). Returns whether it took the account.
  bool enter(const std::shared_ptr<WorkAccount>& account);
  void leave(bool entered);
  // Stops charging while the proxy does its own I/O inside a filter's call stack.
  std::shared_ptr<WorkAccount> pause();
  void resume(std::shared_ptr<WorkAccount> account);

  // RAII forms of enter/leave and pause/resume.
  class Charge {
   public:
    Charge(LoopDispatcher& dispatcher, const std::shared_ptr<WorkAccount>& account)
        : dispatcher_(dispatcher), entered_(dispatcher.enter(account)) {}
    ~Charge() { dispatcher_.leave(entered_); }
    Charge(const Charge&) = delete;
    Charge& operator=(const Charge&) = delete;

   private:
    LoopDispatcher& dispatcher_;
    bool entered_;
  };
  class Pause {
   public:
    explicit Pause(LoopDispatcher& dispatcher)
        : dispatcher_(dispatcher), saved_(dispatcher.pause()) {}
    ~Pause() { dispatcher_.resume(std::move(saved_)); }
    Pause(const Pause&) = delete;
    Pause& operator=(const Pause&) = delete;

   private:
    LoopDispatcher& dispatcher_;
    std::shared_ptr<WorkAccount> saved_;
  };

 private:
  struct Posted {
    std::function<void()> task;
    std::weak_ptr<WorkAccount> account;
  };
  struct Timer {
    LoopDispatcher* self = nullptr;
    TimerId id = 0;
    event* ev = nullptr;
    std::function<void()> task;
    std::weak_ptr<WorkAccount> account;
  };
  static void on_posted(int fd, short what, void* arg);
  static void on_timer(int fd, short what, void* arg);
  void run_posted();

  event_base* base_;
  std::thread::id loop_thread_;
  event* post_event_ = nullptr;
  std::mutex mutex_;
  std::vector<Posted> queue_;
  bool activated_ = false;
  std::unordered_map<TimerId, std::unique_ptr<Timer>> timers_;
  TimerId next_timer_ = 1;
  std::shared_ptr<WorkAccount> account_;
  uint64_t account_since_ = 0;
};

}  // namespace pwplay::host::proxy
