#include "host/proxy/loop_dispatcher.h"

#include <event2/event.h>

namespace pwplay::host::proxy {
namespace {

uint64_t steady_ns() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace

LoopDispatcher::LoopDispatcher(event_base* base)
    : base_(base), loop_thread_(std::this_thread::get_id()) {
  post_event_ = event_new(base_, -1, 0, &LoopDispatcher::on_posted, this);
}

LoopDispatcher::~LoopDispatcher() {
  for (auto& [id, timer] : timers_) event_free(timer->ev);
  timers_.clear();
  if (post_event_) event_free(post_event_);
}

void LoopDispatcher::post(std::function<void()> task) {
  // Only the loop thread touches account_; other threads post without an account.
  std::weak_ptr<WorkAccount> account;
  if (std::this_thread::get_id() == loop_thread_ && account_) account = account_;
  bool activate = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    queue_.push_back(Posted{std::move(task), account});
    if (!activated_) {
      activated_ = true;
      activate = true;
    }
  }
  if (activate) event_active(post_event_, EV_READ, 0);
}

void LoopDispatcher::on_posted(int, short, void* arg) {
  static_cast<LoopDispatcher*>(arg)->run_posted();
}

void LoopDispatcher::run_posted() {
  std::vector<Posted> batch;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    batch.swap(queue_);
    activated_ = false;
  }
  // Tasks posted while this batch runs wait for the next round, as "after the current work".
  for (Posted& posted : batch) {
    std::shared_ptr<WorkAccount> account = posted.account.lock();
    Charge charge(*this, account);
    posted.task();
  }
}

void LoopDispatcher::drain(int rounds) {
  for (int i = 0; i < rounds; ++i) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (queue_.empty()) return;
    }
    run_posted();
  }
}

Dispatcher::TimerId LoopDispatcher::schedule(std::chrono::milliseconds delay,
                                             std::function<void()> task) {
  auto timer = std::make_unique<Timer>();
  timer->self = this;
  timer->id = next_timer_++;
  timer->task = std::move(task);
  timer->account = account_;
  timer->ev = evtimer_new(base_, &LoopDispatcher::on_timer, timer.get());
  int64_t ms = std::max<int64_t>(0, delay.count());
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  evtimer_add(timer->ev, &tv);
  TimerId id = timer->id;
  timers_.emplace(id, std::move(timer));
  return id;
}

void LoopDispatcher::cancel(TimerId id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  event_free(it->second->ev);
  timers_.erase(it);
}

void LoopDispatcher::on_timer(int, short, void* arg) {
  auto* raw = static_cast<Timer*>(arg);
  LoopDispatcher* self = raw->self;
  auto it = self->timers_.find(raw->id);
  if (it == self->timers_.end()) return;
  std::unique_ptr<Timer> timer = std::move(it->second);
  self->timers_.erase(it);
  event_free(timer->ev);
  timer->ev = nullptr;
  std::shared_ptr<WorkAccount> account = timer->account.lock();
  Charge charge(*self, account);
  timer->task();
}

uint64_t LoopDispatcher::realtime_ns() const {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
}

uint64_t LoopDispatcher::monotonic_ns() const {
  return steady_ns();
}

bool LoopDispatcher::enter(const std::shared_ptr<WorkAccount>& account) {
  if (account_ || !account) return false;
  account_ = account;
  account_since_ = steady_ns();
  return true;
}

void LoopDispatcher::leave(bool entered) {
  if (!entered) return;
  if (account_) account_->busy_ns += steady_ns() - account_since_;
  account_.reset();
}

std::shared_ptr<WorkAccount> LoopDispatcher::pause() {
  if (!account_) return nullptr;
  account_->busy_ns += steady_ns() - account_since_;
  return std::move(account_);
}

void LoopDispatcher::resume(std::shared_ptr<WorkAccount> account) {
  if (!account) return;
  account_ = std::move(account);
  account_since_ = steady_ns();
}

}  // namespace pwplay::host::proxy
