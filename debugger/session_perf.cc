// The session's performance sampling and leak check (declared in session.h): the engine thread
// reads the host's counters into the PerfModel and publishes the chosen window's views.

#include <algorithm>

#include "debugger/session.h"

namespace pwplay::debugger {

namespace {

// Every reading is put on the session's clock: each HostEnv counts from its own start, and the
// engine's environment is made again at every load.
void shift_clock(std::vector<host::PluginPerfSnapshot>& readings, uint64_t env_now_ns,
                 uint64_t session_now_ns) {
  const uint64_t offset = session_now_ns > env_now_ns ? session_now_ns - env_now_ns : 0;
  for (auto& reading : readings) {
    reading.taken_ns += offset;
    for (auto& growth : reading.growth) growth.at_ns += offset;
    for (auto& load : reading.loads) load.at_ns += offset;
  }
}

}  // namespace

std::vector<host::PluginPerfSnapshot> Session::read_perf_counters() {
  const auto session_now =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                std::chrono::steady_clock::now() - perf_clock_)
                                .count());
  std::vector<host::PluginPerfSnapshot> readings;
  if (env_) {
    const uint64_t env_now = env_->elapsed_ns();
    readings = env_->perf().read(env_now);
    shift_clock(readings, env_now, session_now);
  }
  // perf_mutex_ is held by the caller: proxy_env_ stays valid meanwhile.
  if (proxy_env_) {
    const uint64_t env_now = proxy_env_->elapsed_ns();
    auto proxy = proxy_env_->perf().read(env_now);
    shift_clock(proxy, env_now, session_now);
    for (auto& reading : proxy) {
      // The proxy's VMs are a second instance of the same plugin: told apart by name.
      reading.plugin += " (proxy)";
      readings.push_back(std::move(reading));
    }
  }
  return readings;
}

void Session::sample_perf() {
  last_perf_sample_ = std::chrono::steady_clock::now();
  bool changed = false;
  {
    std::lock_guard perf_lock(perf_mutex_);
    auto readings = read_perf_counters();
    if (readings.empty() && perf_model_.empty()) return;
    // Idle and nothing moved: publish only while the window's rates still fall, so an idle
    // session does not wake its front ends every second for ever.
    const auto* latest = perf_model_.latest();
    changed = !latest || latest->size() != readings.size();
    for (size_t i = 0; !changed && i < readings.size(); ++i)
      changed = (*latest)[i].requests != readings[i].requests ||
                (*latest)[i].memory_bytes != readings[i].memory_bytes ||
                (*latest)[i].loads.size() != readings[i].loads.size();
    perf_model_.sample(std::move(readings));
    ++perf_samples_;
  }
  bool moving = false;
  {
    std::lock_guard lock(mutex_);
    if (perf_state_)
      for (const auto& view : perf_state_->views) moving = moving || view.requests_per_s > 0;
  }
  if (changed || moving) publish_perf();
}

void Session::publish_perf() {
  auto state = std::make_shared<PerfState>();
  {
    std::lock_guard perf_lock(perf_mutex_);
    state->epoch = perf_epoch_;
    state->samples = perf_samples_;
    state->window = perf_window_;
    if (!perf_model_.empty()) {
      state->views = perf_model_.view(perf_window_);
      state->series = perf_model_.series();
    }
  }
  {
    std::lock_guard lock(mutex_);
    perf_state_ = std::move(state);
    publish_locked();
  }
  announce();
}

void Session::set_perf_window(PerfWindow window) {
  {
    std::lock_guard perf_lock(perf_mutex_);
    perf_window_ = window;
  }
  publish_perf();
}

void Session::reset_perf() {
  {
    std::lock_guard perf_lock(perf_mutex_);
    perf_model_.reset();
  }
  publish_perf();
}

uint64_t Session::leak_check(RequestFile request, uint64_t count) {
  uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_leak_id_++;
    auto state = std::make_shared<LeakCheckState>();
    state->id = id;
    state->running = true;
    state->total = count;
    leak_state_ = std::move(state);
    publish_locked();
  }
  announce();
  leak_cancel_ = false;
  post("leak check: " + std::to_string(count) + " requests",
       [this, id, count, request = std::move(request)] { run_leak_check(id, request, count); });
  return id;
}

void Session::cancel_leak_check() {
  leak_cancel_ = true;
}

void Session::run_leak_check(uint64_t id, const RequestFile& request, uint64_t count) {
  LeakCheckState state;
  state.id = id;
  state.running = true;
  state.total = count;
  auto publish_state = [&] {
    {
      std::lock_guard lock(mutex_);
      leak_state_ = std::make_shared<LeakCheckState>(state);
      publish_locked();
    }
    announce();
  };
  // The first plugin of the session's own chain: its memory is what the requests sent here move.
  auto memory = [&]() -> std::optional<host::PluginPerfSnapshot> {
    if (!env_) return std::nullopt;
    auto readings = env_->perf().read(env_->elapsed_ns());
    if (readings.empty()) return std::nullopt;
    return std::move(readings.front());
  };
  // About 200 samples whatever the count, and a progress update with each.
  const uint64_t every = std::max<uint64_t>(1, count / 200);
  auto clock = std::chrono::steady_clock::now();
  auto published = clock;
  for (uint64_t i = 0; i < count; ++i) {
    if (leak_cancel_) {
      state.cancelled = true;
      break;
    }
    uint64_t history_id = 0;
    {
      std::lock_guard lock(mutex_);
      history_id = next_history_id_++;
    }
    run_on_engine(history_id, request, "leak check", Pausing::Off);
    state.done = i + 1;
    const auto now = std::chrono::steady_clock::now();
    if (state.done % every == 0 || state.done == count) {
      if (auto reading = memory()) {
        state.plugin = reading->plugin;
        state.samples.push_back(LeakSample{state.done, reading->memory_bytes});
      }
      publish_state();
      published = now;
    } else if (now - published >= std::chrono::milliseconds(100)) {
      publish_state();  // the progress bar moves between samples of a long check
      published = now;
    }
    // The Performance views stay live while it runs.
    if (std::chrono::steady_clock::now() - clock >= std::chrono::seconds(1)) {
      sample_perf();
      clock = std::chrono::steady_clock::now();
    }
  }
  state.running = false;
  auto reading = memory();
  if (!reading) {
    state.error = "no filter is loaded";
  } else if (state.samples.size() < 4) {
    state.error = "too few requests were sent to judge (" + std::to_string(state.done) + ")";
  } else {
    // The first tenth warms allocators and caches up.
    state.verdict = judge_leak(state.samples, state.done / 10, reading->growth);
  }
  publish_state();
}

}  // namespace pwplay::debugger
