// The session's core: the engine thread and its queue, plugin loads, requests, breakpoints,
// fault injection, the history and the snapshots it publishes. Pausing is in session_pause.cc,
// the proxy in session_proxy.cc, reloads and hot reload in session_reload.cc.
#include "debugger/session.h"

#include <algorithm>
#include <filesystem>
#include <future>

#include "debugger/session_taps.h"

namespace pwplay::debugger {

namespace {

std::string file_name(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  return name.empty() ? path : name;
}

// The snapshot's activity while a chain loads: "loading add_header.wasm" (and "+ 1 more").
std::string loading_activity(const std::vector<PluginSpec>& chain) {
  if (chain.empty()) return "loading";
  std::string what = "loading " + file_name(chain.front().wasm_path);
  if (chain.size() > 1) what += " + " + std::to_string(chain.size() - 1) + " more";
  return what;
}

// The module files a chain reads (filters given inline bytes have none to watch).
std::vector<std::string> module_paths_of(const std::vector<PluginSpec>& chain) {
  std::vector<std::string> paths;
  for (const PluginSpec& spec : chain)
    if (!spec.wasm_path.empty()) paths.push_back(spec.wasm_path);
  return paths;
}

}  // namespace

const HistoryEntry* SessionSnapshot::find(uint64_t id) const {
  for (const auto& entry : history)
    if (entry->id == id) return entry.get();
  return nullptr;
}

Session::Session(SessionOptions options)
    : options_(std::move(options)), store_(options_.trace_budget_bytes) {
  pausing_sink_ = std::make_unique<PausingStore>(*this);
  proxy_tap_ = std::make_unique<ProxyTap>(*this);
  {
    std::lock_guard lock(mutex_);
    publish_locked();
  }
  engine_ = std::thread([this] { engine_loop(); });
}

Session::~Session() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    watching_ = false;
    leak_cancel_ = true;  // a leak check in progress ends after its current request
    // A paused VM thread must not wait forever: let it run to the end.
    if (pause_ && !resume_) resume_ = Command{ResumeMode::Finish, std::nullopt};
  }
  changed_.notify_all();
  tasks_changed_.notify_all();
  stop_proxy();
  if (watcher_.joinable()) watcher_.join();
  if (engine_.joinable()) engine_.join();
}

// --- The engine thread and the snapshots -------------------------------------------------------

void Session::engine_loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      // Idle, it wakes once a second to read the performance counters (the proxy's requests
      // count while nothing is queued here).
      if (!tasks_changed_.wait_for(lock, std::chrono::seconds(1),
                                   [this] { return stopping_ || !tasks_.empty(); })) {
        lock.unlock();
        sample_perf();
        continue;
      }
      if (tasks_.empty()) break;
      task = std::move(tasks_.front());
      tasks_.pop_front();
      busy_ = true;
      activity_ = task.what;
      publish_locked();
    }
    announce();
    task.run();
    // After a request (or a burst of them: at most once a second while more are queued).
    bool more = false;
    {
      std::lock_guard lock(mutex_);
      more = !tasks_.empty();
    }
    if (!more || std::chrono::steady_clock::now() - last_perf_sample_ >= std::chrono::seconds(1))
      sample_perf();
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
      activity_.clear();
      publish_locked();
    }
    changed_.notify_all();
    announce();
  }
  // The chain calls into its VMs when it shuts down: do it on this thread.
  chain_.reset();
  env_.reset();
}

void Session::post(std::string what, std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(Task{std::move(what), std::move(task)});
    publish_locked();  // Running from now on, before the engine thread picks it up
  }
  changed_.notify_all();
  tasks_changed_.notify_one();
  announce();
}

void Session::run_sync(std::string what, std::function<void()> task) {
  if (std::this_thread::get_id() == engine_.get_id()) {
    task();
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  post(std::move(what), [task = std::move(task), done] {
    task();
    done->set_value();
  });
  future.wait();
}

Session::State Session::state_locked() const {
  if (pause_ && !resume_) return State::Paused;
  if (!busy_ && tasks_.empty()) return State::Idle;
  return State::Running;
}

void Session::publish_locked() {
  // A change only marks the snapshot stale: the proxy thread adds a history entry per request,
  // and copying the history into a new snapshot each time would cost O(history) per request.
  // snapshot() builds the next one when a reader asks, from the state at that moment.
  ++published_;
  snapshot_stale_ = true;
}

std::shared_ptr<const SessionSnapshot> Session::build_snapshot_locked() const {
  auto next = std::make_shared<SessionSnapshot>();
  next->version = published_;
  next->state = state_locked();
  next->activity = activity_;
  next->plugin = info_;
  next->chain = chain_info_;
  next->module = module_view_;
  next->loads = loads_;
  next->history.assign(history_.begin(), history_.end());
  next->history_count = history_count_;
  next->trace_events = store_.last_seq();
  if (pause_ && !resume_) next->pause = pause_;
  next->breakpoints = breakpoints_;
  next->injections = injections_;
  next->fail_allocations = fail_allocations_;
  next->proxy_port = proxy_port_;
  next->proxy_error = proxy_error_;
  next->watching = watching_;
  next->reload_count = info_.build > 0 ? info_.build - 1 : 0;
  next->reload_diff = reload_diff_;
  next->perf = perf_state_;
  next->leak_check = leak_state_;
  return next;
}

void Session::announce() const {
  if (options_.on_publish) options_.on_publish();
}

void Session::publish() {
  {
    std::lock_guard lock(mutex_);
    publish_locked();
  }
  changed_.notify_all();
  announce();
}

std::shared_ptr<const SessionSnapshot> Session::snapshot() const {
  std::lock_guard lock(mutex_);
  if (snapshot_stale_ || !snapshot_) {
    snapshot_ = build_snapshot_locked();
    snapshot_stale_ = false;
  }
  return snapshot_;
}

// --- Plugin setup ------------------------------------------------------------------------------

Result<void> Session::load_on_engine(const std::vector<PluginSpec>& chain, bool fresh) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<host::LogRecord> startup_logs;
  // Records a failed load; `dropped`: no chain holds a plugin any more.
  auto failed = [&](const Error& error, bool dropped) -> Result<void> {
    if (dropped) chain_.reset();
    if (fresh) plugin_options_ = chain;  // reload() and hot reload retry these
    {
      std::lock_guard lock(mutex_);
      ++loads_;
      if (fresh) {
        module_paths_ = module_paths_of(chain);
        PluginInfo none;
        none.build = info_.build;
        if (!chain.empty()) none.wasm_path = chain.front().wasm_path;
        info_ = std::move(none);
      }
      if (dropped) {
        info_.loaded = false;
        chain_info_.clear();
      }
      info_.error = error.message;
      info_.startup_logs = startup_logs;
      publish_locked();
    }
    announce();
    return unexpected(error);
  };
  if (chain.empty()) return failed(Error{"no filter to load: the chain is empty"}, fresh);
  // In a chain, errors say which filter failed.
  auto which = [&](size_t i, const Error& error) {
    if (chain.size() == 1) return error;
    const std::string name = chain[i].name.empty() ? file_name(chain[i].wasm_path) : chain[i].name;
    return Error{"filter " + std::to_string(i + 1) + " (" + name + "): " + error.message};
  };
  std::vector<host::proxy::LoadedPlugin> resolved;
  for (size_t i = 0; i < chain.size(); ++i) {
    auto one = resolve_plugin(chain[i]);
    if (!one) return failed(which(i, one.error()), fresh);
    resolved.push_back(std::move(*one));
  }
  chain_.reset();
  env_ = std::make_unique<host::HostEnv>(
      dispatcher_, callouts_,
      host::HostEnvOptions{.limits = options_.shared_limits,
                           .stream_ids = stream_ids_,
                           .header_limits = options_.header_limits});
  {
    // New counters start from zero: so does the model.
    std::lock_guard perf_lock(perf_mutex_);
    perf_model_ = PerfModel();
    ++perf_epoch_;
    perf_samples_ = 0;
  }
  env_->set_trace_sink(pausing_sink_.get());
  env_->set_log_handler([this](const host::LogRecord& record) { run_logs_.push_back(record); });
  // Start-up callbacks pause only in a background reload (no chain holds the plugin yet, and
  // whoever called load() is waiting for it and could not resume them).
  // The request whose `callouts` answer the start-up callouts is not known yet: they wait for
  // the first request (run_on_engine releases them, then lets the start-up work finish).
  const size_t logs_before = run_logs_.size();
  std::vector<std::unique_ptr<host::Plugin>> plugins;
  std::optional<Error> error;
  callouts_.hold_unanswered(true);
  for (size_t i = 0; i < resolved.size() && !error; ++i) {
    auto plugin = host::Plugin::create(*env_, resolved[i].config, std::move(resolved[i].wasm));
    if (plugin)
      plugins.push_back(std::move(*plugin));
    else
      error = which(i, plugin.error());
  }
  callouts_.hold_unanswered(false);
  startup_logs.assign(run_logs_.begin() + static_cast<std::ptrdiff_t>(logs_before),
                      run_logs_.end());
  engine_worker_.since_point.clear();
  engine_worker_.frames.clear();
  if (error) return failed(*error, true);
  {
    std::lock_guard lock(mutex_);
    ++loads_;
    engine_worker_.faults_applied = fault_generation_;
    ++info_.build;
    chain_info_.clear();
    for (auto& plugin : plugins) {
      plugin->set_injections(injections_);
      plugin->set_fail_allocations(fail_allocations_);
      PluginInfo one;
      one.loaded = true;
      one.name = plugin->config().name;
      one.wasm_path = plugin->config().wasm_path;
      one.abi_version = abi::name(plugin->abi_version());
      one.engine = plugin->engine_name();
      one.engine_version = plugin->engine_version();
      one.supports_stepping = plugin->vm().supports_stepping();
      one.build = info_.build;
      chain_info_.push_back(std::move(one));
    }
    const uint32_t build = info_.build;
    info_ = chain_info_.front();
    info_.build = build;
    info_.load_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                              std::chrono::steady_clock::now() - start)
                                              .count());
    info_.startup_logs = std::move(startup_logs);
    loaded_options_ = chain;
    module_paths_ = module_paths_of(chain);
    publish_locked();
  }
  announce();
  chain_ = std::make_unique<host::FilterChain>(*env_);
  for (auto& plugin : plugins) chain_->add(std::move(plugin));
  plugin_options_ = chain;
  return {};
}

Result<void> Session::load(const PluginSpec& options) {
  return load(std::vector<PluginSpec>{options});
}

Result<void> Session::load(const std::vector<PluginSpec>& chain) {
  Result<void> result;
  run_sync(loading_activity(chain), [&] { result = load_on_engine(chain, /*fresh=*/true); });
  if (result) restart_proxy();
  return result;
}

void Session::load_in_background(const PluginSpec& options) {
  load_in_background(std::vector<PluginSpec>{options});
}

void Session::load_in_background(const std::vector<PluginSpec>& chain) {
  post(loading_activity(chain), [this, chain] {
    // Nobody waits for this load, so breakpoints set before it stop its start-up callbacks.
    engine_worker_.startup_pausable = true;
    const bool loaded = load_on_engine(chain, /*fresh=*/true).ok();
    engine_worker_.startup_pausable = false;
    if (loaded) restart_proxy();
  });
}

PluginInfo Session::plugin_info() const {
  std::lock_guard lock(mutex_);
  return info_;
}

// --- Breakpoints and injection -----------------------------------------------------------------

uint32_t Session::add_breakpoint(Breakpoint breakpoint) {
  uint32_t id = 0;
  {
    std::lock_guard lock(mutex_);
    breakpoint.id = next_breakpoint_id_++;
    breakpoints_.push_back(std::move(breakpoint));
    id = breakpoints_.back().id;
    publish_locked();
  }
  announce();
  return id;
}

bool Session::remove_breakpoint(uint32_t id) {
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(),
                           [id](const Breakpoint& b) { return b.id == id; });
    if (it == breakpoints_.end()) return false;
    breakpoints_.erase(it);
    publish_locked();
  }
  announce();
  return true;
}

bool Session::enable_breakpoint(uint32_t id, bool enabled) {
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(),
                           [id](const Breakpoint& b) { return b.id == id; });
    if (it == breakpoints_.end()) return false;
    it->enabled = enabled;
    publish_locked();
  }
  announce();
  return true;
}

bool Session::ignore_breakpoint(uint32_t id, uint32_t count) {
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(),
                           [id](const Breakpoint& b) { return b.id == id; });
    if (it == breakpoints_.end()) return false;
    it->ignore_count = it->hits + count;  // compared with the running hit count
    publish_locked();
  }
  announce();
  return true;
}

Result<void> Session::set_breakpoint_condition(uint32_t id, std::string_view condition_text) {
  {
    std::lock_guard lock(mutex_);
    auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(),
                           [id](const Breakpoint& b) { return b.id == id; });
    if (it == breakpoints_.end()) return make_error("no breakpoint " + std::to_string(id));
    if (auto set = set_condition(*it, condition_text); !set) return set;
    publish_locked();
  }
  announce();
  return {};
}

std::vector<Breakpoint> Session::breakpoints() const {
  std::lock_guard lock(mutex_);
  return breakpoints_;
}

// Faults are applied by each VM thread at its next pause point (every callback begins with one),
// so a change made while a stream is held reaches both threads without touching their VMs.
Result<void> Session::inject(const std::string& host_call, abi::Status status) {
  if (!abi::find_host_function(host_call))
    return make_error("'" + host_call + "' is not a proxy-wasm host function");
  {
    std::lock_guard lock(mutex_);
    injections_[host_call] = status;
    ++fault_generation_;
    publish_locked();
  }
  announce();
  return {};
}

void Session::clear_injections() {
  {
    std::lock_guard lock(mutex_);
    injections_.clear();
    ++fault_generation_;
    publish_locked();
  }
  announce();
}

void Session::fail_allocations(bool fail) {
  {
    std::lock_guard lock(mutex_);
    fail_allocations_ = fail;
    ++fault_generation_;
    publish_locked();
  }
  announce();
}

Result<std::string> Session::apply_fault_command(std::string_view text) {
  const size_t space = text.find(' ');
  const std::string_view first = text.substr(0, space);
  const std::string_view rest =
      space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  if (first == "clear") {
    clear_injections();
    fail_allocations(false);
    return std::string("injections cleared");
  }
  if (first == "alloc") {
    if (rest != "on" && rest != "fail" && rest != "off")
      return make_error("expected 'alloc on' or 'alloc off'");
    const bool fail = rest != "off";
    fail_allocations(fail);
    return std::string(fail ? "allocator fails every allocation" : "allocator works again");
  }
  if (first.empty() || rest.empty())
    return make_error(
        "expected HOSTCALL STATUS (e.g. proxy_http_call BAD_ARGUMENT), 'alloc "
        "on|off' or 'clear'");
  auto status = abi::parse_status(rest);
  if (!status)
    return make_error("unknown status '" + std::string(rest) +
                      "' (e.g. NOT_FOUND, BAD_ARGUMENT, 1)");
  const std::string host_call(first);
  if (auto injected = inject(host_call, *status); !injected) return unexpected(injected.error());
  return host_call + " will return " + abi::name(*status);
}

std::map<std::string, abi::Status> Session::injections() const {
  std::lock_guard lock(mutex_);
  return injections_;
}

void Session::apply_faults(Worker& worker, host::FilterChain& chain) {
  std::map<std::string, abi::Status> injections;
  bool fail = false;
  {
    std::lock_guard lock(mutex_);
    if (worker.faults_applied == fault_generation_) return;
    worker.faults_applied = fault_generation_;
    injections = injections_;
    fail = fail_allocations_;
  }
  for (size_t i = 0; i < chain.size(); ++i) {
    chain.plugin(i).set_injections(injections);
    chain.plugin(i).set_fail_allocations(fail);
  }
}

// --- Requests ----------------------------------------------------------------------------------

uint64_t Session::send(RequestFile request, std::string name, Pausing pausing) {
  uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_history_id_++;
  }
  std::string what = (pausing == Pausing::On ? "debugging " : "sending ") + request.request.method +
                     " " + request.request.path;
  post(std::move(what),
       [this, id, pausing, request = std::move(request), name = std::move(name)]() mutable {
         run_on_engine(id, std::move(request), std::move(name), pausing);
       });
  return id;
}

uint64_t Session::replay(uint64_t history_id) {
  auto entry = history_entry(history_id);
  if (!entry) return 0;
  return send(entry->request, entry->name);
}

std::vector<uint64_t> Session::replay(const std::vector<uint64_t>& history_ids) {
  std::vector<uint64_t> ids;
  for (uint64_t id : history_ids) ids.push_back(replay(id));
  return ids;
}

std::vector<uint64_t> Session::replay_all() {
  std::vector<uint64_t> originals;
  {
    std::lock_guard lock(mutex_);
    for (const auto& entry : history_) originals.push_back(entry->id);
  }
  return replay(originals);
}

void Session::run_on_engine(uint64_t id, RequestFile request, std::string name, Pausing pausing) {
  HistoryEntry entry;
  entry.id = id;
  entry.name = std::move(name);
  entry.request = request;
  entry.time = std::chrono::system_clock::now();
  if (!chain_) {
    {
      std::lock_guard lock(mutex_);
      entry.error = info_.error.empty() ? "no filter is loaded" : info_.error;
      entry.build = info_.build;
    }
    entry.failure = host::PluginFailure{"send", entry.error, host::VmFault::None, {}};
  } else {
    apply_faults(engine_worker_, *chain_);
    callouts_.clear();
    set_callout_mocks(callouts_, request);
    env_->options().properties.clear();
    for (const auto& [path, value] : request.properties) env_->options().properties[path] = value;
    run_logs_.clear();
    const uint64_t before = store_.last_seq();
    engine_worker_.pausing = pausing == Pausing::On;
    callouts_.release_held();
    catch_up_clock();
    entry.warmup = host::warm_up(*chain_, dispatcher_, plugin_options_.front().warmup());
    entry.report = host::run_request(*chain_, dispatcher_, request.request, request.upstream);
    engine_worker_.pausing = true;
    // The store also holds the proxy's events: keep this run's streams only.
    for (auto& event : store_.events_after(before))
      if (event.stream_id == 0 || event.stream_id == entry.report.stream_id)
        entry.trace.push_back(std::move(event));
    entry.logs = run_logs_;
    entry.stats = compute_stats(entry.trace);
    for (size_t i = 0; i < chain_->size() && !entry.failure; ++i)
      if (chain_->plugin(i).failure()) entry.failure = chain_->plugin(i).failure();
    std::lock_guard lock(mutex_);
    entry.build = info_.build;
  }
  // Time spent in the request (a debugger pause above all) is not time between requests.
  if (clock_synced_) clock_synced_ = std::chrono::steady_clock::now();
  engine_worker_.finish_stream = 0;
  engine_worker_.step_mode = StepMode::None;
  engine_worker_.frames.clear();
  engine_worker_.callback_regions.clear();
  std::vector<std::shared_ptr<const HistoryEntry>> released;  // freed after the lock
  {
    std::lock_guard lock(mutex_);
    released = add_history_locked(std::move(entry));
  }
  changed_.notify_all();
  announce();
}

void Session::catch_up_clock() {
  if (!options_.clock_follows_wall_time) return;
  const auto now = std::chrono::steady_clock::now();
  if (clock_synced_) {
    const auto elapsed =
        std::min(std::chrono::duration_cast<std::chrono::milliseconds>(now - *clock_synced_),
                 kMaxClockCatchUp);
    // The timers due in that time run in order (ticks re-arm as they go), then the clock stands
    // at the end of it, as a proxy's would.
    const uint64_t target =
        dispatcher_.virtual_elapsed_ns() + static_cast<uint64_t>(elapsed.count()) * 1000000ull;
    // At most kMaxCatchUpTimers of them: a 1 ms tick would otherwise run 60000 times.
    size_t ran = 0;
    if (!dispatcher_.run_until([&ran] { return ran++ >= kMaxCatchUpTimers; }, elapsed))
      dispatcher_.advance_to(target);
  }
  clock_synced_ = now;
}

Session::State Session::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout,
                    [this] { return (pause_ && !resume_) || (!busy_ && tasks_.empty()); });
  return state_locked();
}

bool Session::run_to_end(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  {
    std::lock_guard lock(mutex_);
    releasing_ = true;
    if (pause_ && !resume_) resume_ = Command{ResumeMode::Finish, std::nullopt};
    publish_locked();
  }
  changed_.notify_all();
  announce();
  for (;;) {
    bool engine_idle = false;
    {
      std::lock_guard lock(mutex_);
      engine_idle = !pause_ && !busy_ && tasks_.empty();
    }
    bool proxy_idle = true;
    {
      std::lock_guard proxy_lock(proxy_mutex_);
      if (proxy_) proxy_idle = proxy_->stats().requests_active == 0;
    }
    if (engine_idle && proxy_idle) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool Session::wait_for_pause(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return pause_ && !resume_; });
}

Session::State Session::state() const {
  std::lock_guard lock(mutex_);
  return state_locked();
}

std::optional<PauseInfo> Session::pause() const {
  std::lock_guard lock(mutex_);
  if (pause_ && !resume_) return *pause_;
  return std::nullopt;
}

bool Session::resume(ResumeMode mode) {
  {
    std::lock_guard lock(mutex_);
    if (!pause_ || resume_) return false;
    resume_ = Command{mode, std::nullopt};
    publish_locked();
  }
  changed_.notify_all();
  announce();
  return true;
}

Result<void> Session::step_instruction(host::StepRequest::Kind kind, uint32_t offset) {
  {
    std::lock_guard lock(mutex_);
    if (!pause_ || resume_) return make_error("not paused");
    if (!pause_->can_step_instructions)
      return make_error("the " + info_.engine +
                        " engine cannot step wasm instructions; load the filter with the wabt "
                        "engine (--engine wabt)");
    resume_ = Command{ResumeMode::Step, kind, offset};
    publish_locked();
  }
  changed_.notify_all();
  announce();
  return {};
}

// --- History -----------------------------------------------------------------------------------

// mutex_ held; the caller announces.
std::vector<std::shared_ptr<const HistoryEntry>> Session::add_history_locked(HistoryEntry entry) {
  history_.push_back(std::make_shared<const HistoryEntry>(std::move(entry)));
  ++history_count_;
  const size_t keep = std::max<size_t>(options_.max_history, 1);
  while (history_.size() > keep) {
    retired_.push_back(std::move(history_.front()));
    history_.pop_front();
  }
  // A few retired entries are looked at per new one (more than arrive, so the list drains): those
  // held only here are handed back to be freed, the others (in a snapshot still being read, or
  // a run the app keeps selected) go to the back to be looked at again later. A use count of 1
  // cannot rise again: no snapshot can reach an entry that left the history.
  std::vector<std::shared_ptr<const HistoryEntry>> released;
  for (size_t i = 0; i < 4 && !retired_.empty(); ++i) {
    std::shared_ptr<const HistoryEntry> front = std::move(retired_.front());
    retired_.pop_front();
    if (front.use_count() == 1)
      released.push_back(std::move(front));
    else
      retired_.push_back(std::move(front));
  }
  publish_locked();
  return released;
}

uint64_t Session::history_count() const {
  std::lock_guard lock(mutex_);
  return history_count_;
}

bool Session::wait_for_history(uint64_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return history_count_ >= count; });
}

std::vector<HistoryEntry> Session::history() const {
  std::lock_guard lock(mutex_);
  std::vector<HistoryEntry> entries;
  entries.reserve(history_.size());
  for (const auto& entry : history_) entries.push_back(*entry);
  return entries;
}

std::optional<HistoryEntry> Session::history_entry(uint64_t id) const {
  std::lock_guard lock(mutex_);
  for (const auto& entry : history_)
    if (entry->id == id) return *entry;
  return std::nullopt;
}

std::optional<RunDiff> Session::compare(uint64_t before, uint64_t after) const {
  std::shared_ptr<const HistoryEntry> a, b;
  {
    std::lock_guard lock(mutex_);
    for (const auto& entry : history_) {
      if (entry->id == before) a = entry;
      if (entry->id == after) b = entry;
    }
  }
  if (!a || !b) return std::nullopt;
  return compare_runs(*a, *b);
}

void Session::clear_history() {
  {
    std::lock_guard lock(mutex_);
    history_.clear();
    publish_locked();
  }
  announce();
}

}  // namespace pwplay::debugger
