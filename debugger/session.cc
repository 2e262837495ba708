#include "debugger/session.h"

#include <algorithm>
#include <filesystem>
#include <future>

namespace pwplay::debugger {

namespace {

host::Plugin* find_plugin(host::FilterChain* chain, const std::string& name) {
  if (!chain) return nullptr;
  for (size_t i = 0; i < chain->size(); ++i)
    if (chain->plugin(i).config().name == name) return &chain->plugin(i);
  return nullptr;
}

}  // namespace

// Records into the session's store and lets the session pause the engine thread.
class Session::PausingStore : public host::TraceSink {
 public:
  explicit PausingStore(Session& session) : session_(session) {}
  void record(host::TraceEvent event) override {
    host::TraceEvent kept = event;
    kept.seq = session_.store_.add(std::move(event));
    session_.engine_worker_.since_point.push_back(std::move(kept));
  }
  host::PauseVerdict pause_point(const host::PausePoint& point) override {
    return session_.on_pause_point(session_.engine_worker_, point, session_.chain_.get());
  }

 private:
  Session& session_;
};

// The same for the proxy's thread: its events go to the session's store (renumbered there).
class Session::ProxyTap : public host::proxy::ProxyDebugger {
 public:
  explicit ProxyTap(Session& session) : session_(session) {}
  void record(const host::TraceEvent& event) override {
    host::TraceEvent kept = event;
    kept.seq = session_.store_.add(event);
    session_.proxy_worker_.since_point.push_back(std::move(kept));
  }
  host::PauseVerdict pause_point(const host::PausePoint& point, host::FilterChain& chain) override {
    return session_.on_pause_point(session_.proxy_worker_, point, &chain);
  }

 private:
  Session& session_;
};

Session::Session(SessionOptions options) : options_(options), store_(options.trace_budget_bytes) {
  pausing_sink_ = std::make_unique<PausingStore>(*this);
  proxy_tap_ = std::make_unique<ProxyTap>(*this);
  engine_ = std::thread([this] { engine_loop(); });
}

Session::~Session() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    watching_ = false;
    // A paused VM thread must not wait forever: let it run to the end.
    if (pause_ && !resume_) resume_ = Command{ResumeMode::Finish, std::nullopt};
  }
  changed_.notify_all();
  stop_proxy();
  if (watcher_.joinable()) watcher_.join();
  if (engine_.joinable()) engine_.join();
}

void Session::engine_loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (tasks_.empty()) break;
      task = std::move(tasks_.front());
      tasks_.pop_front();
      busy_ = true;
    }
    task.run();
    {
      std::lock_guard lock(mutex_);
      busy_ = false;
    }
    changed_.notify_all();
  }
  // The chain calls into its VMs when it shuts down: do it on this thread.
  chain_.reset();
  env_.reset();
}

void Session::post(std::function<void()> task) {
  {
    std::lock_guard lock(mutex_);
    tasks_.push_back(Task{std::move(task)});
  }
  changed_.notify_all();
}

void Session::run_sync(std::function<void()> task) {
  if (std::this_thread::get_id() == engine_.get_id()) {
    task();
    return;
  }
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  post([task = std::move(task), done] {
    task();
    done->set_value();
  });
  future.wait();
}

// --- Plugin setup ------------------------------------------------------------------------------

Result<void> Session::load_on_engine(const PluginOptions& options) {
  auto resolved = resolve_plugin(options);
  if (!resolved) return unexpected(resolved.error());
  chain_.reset();
  env_ = std::make_unique<host::HostEnv>(dispatcher_, callouts_,
                                         host::HostEnvOptions{.stream_ids = stream_ids_});
  env_->set_trace_sink(pausing_sink_.get());
  env_->set_log_handler([this](const host::LogRecord& record) { run_logs_.push_back(record); });
  // Start-up callbacks pause only in a background reload (no chain holds the plugin yet, and
  // whoever called load() is waiting for it and could not resume them).
  auto plugin = host::Plugin::create(*env_, resolved->config, std::move(resolved->wasm));
  engine_worker_.since_point.clear();
  engine_worker_.frames.clear();
  if (!plugin) return unexpected(plugin.error());
  {
    std::lock_guard lock(mutex_);
    (*plugin)->set_injections(injections_);
    (*plugin)->set_fail_allocations(fail_allocations_);
    engine_worker_.faults_applied = fault_generation_;
    info_.loaded = true;
    info_.name = (*plugin)->config().name;
    info_.wasm_path = (*plugin)->config().wasm_path;
    info_.abi_version = abi::name((*plugin)->abi_version());
    info_.engine = (*plugin)->engine_name();
    info_.engine_version = (*plugin)->engine_version();
    info_.supports_stepping = (*plugin)->vm().supports_stepping();
    info_.error.clear();
    ++info_.build;
    loaded_options_ = options;
  }
  chain_ = std::make_unique<host::FilterChain>(*env_);
  chain_->add(std::move(*plugin));
  plugin_options_ = options;
  return {};
}

Result<void> Session::load(const PluginOptions& options) {
  Result<void> result;
  run_sync([&] {
    result = load_on_engine(options);
    if (!result) {
      std::lock_guard lock(mutex_);
      info_.error = result.error().message;
    }
  });
  if (result) restart_proxy();
  return result;
}

void Session::reload_in_background() {
  post([this] {
    if (plugin_options_.wasm_path.empty() && !plugin_options_.plugin_config_path) {
      std::lock_guard lock(mutex_);
      info_.error = "nothing to reload: no filter was loaded";
      return;
    }
    engine_worker_.startup_pausable = true;
    auto result = load_on_engine(plugin_options_);
    engine_worker_.startup_pausable = false;
    if (!result) {
      std::lock_guard lock(mutex_);
      info_.error = result.error().message;
      return;
    }
    restart_proxy();
  });
}

Result<void> Session::reload() {
  Result<void> result;
  run_sync([&] {
    if (plugin_options_.wasm_path.empty() && !plugin_options_.plugin_config_path) {
      result = make_error("nothing to reload: no filter was loaded");
      return;
    }
    result = load_on_engine(plugin_options_);
    if (!result) {
      std::lock_guard lock(mutex_);
      info_.error = result.error().message;
    }
  });
  if (result) restart_proxy();
  return result;
}

PluginInfo Session::plugin_info() const {
  std::lock_guard lock(mutex_);
  return info_;
}

Result<std::shared_ptr<const host::ModuleWat>> Session::disassembly() const {
  const PluginInfo info = plugin_info();
  std::lock_guard lock(disassembly_mutex_);
  if (disassembly_ && disassembly_build_ == info.build) return disassembly_;
  auto bytes = read_wasm_file(info.wasm_path);
  if (!bytes) return unexpected(bytes.error());
  auto wat = host::disassemble(*bytes);
  if (!wat) return unexpected(wat.error());
  disassembly_ = std::make_shared<const host::ModuleWat>(std::move(*wat));
  disassembly_build_ = info.build;
  return disassembly_;
}

// --- Proxy -------------------------------------------------------------------------------------

Result<uint16_t> Session::start_proxy(host::proxy::ProxyOptions options) {
  std::lock_guard proxy_lock(proxy_mutex_);
  return start_proxy_locked(std::move(options));
}

Result<uint16_t> Session::start_proxy_locked(host::proxy::ProxyOptions options) {
  stop_proxy_locked();
  PluginOptions plugin_options;
  {
    std::lock_guard lock(mutex_);
    if (!info_.loaded) return make_error("start the proxy after loading a filter");
    plugin_options = loaded_options_;
  }
  auto resolved = resolve_plugin(plugin_options);
  if (!resolved) return unexpected(resolved.error());
  proxy_options_ = options;
  options.plugins.clear();
  options.plugins.push_back(
      host::proxy::PluginSpec{std::move(resolved->config), std::move(resolved->wasm)});
  options.trace = true;
  options.debugger = proxy_tap_.get();
  options.env.stream_ids = stream_ids_;
  // The proxy thread is not running: its worker state can be reset from here.
  proxy_worker_ = Worker{.name = "proxy"};
  auto proxy = std::make_unique<host::proxy::Proxy>();
  proxy->subscribe([this](const host::proxy::StreamRecord& record) { on_proxy_record(record); });
  auto started = proxy->start(std::move(options));
  if (!started) return unexpected(started.error());
  proxy_ = std::move(proxy);
  return proxy_->port();
}

void Session::stop_proxy() {
  std::lock_guard proxy_lock(proxy_mutex_);
  stop_proxy_locked();
}

void Session::stop_proxy_locked() {
  if (!proxy_) return;
  {
    std::lock_guard lock(mutex_);
    proxy_stopping_ = true;
    if (pause_ && paused_worker_ == &proxy_worker_ && !resume_)
      resume_ = Command{ResumeMode::Finish, std::nullopt};
  }
  changed_.notify_all();
  proxy_->stop();
  proxy_.reset();
  std::lock_guard lock(mutex_);
  proxy_stopping_ = false;
}

void Session::restart_proxy() {
  std::lock_guard proxy_lock(proxy_mutex_);
  if (!proxy_) return;
  host::proxy::ProxyOptions options = proxy_options_;
  options.listen.port = proxy_->port();  // the same address, so clients keep working
  auto restarted = start_proxy_locked(std::move(options));
  if (!restarted) {
    std::lock_guard lock(mutex_);
    info_.error = "the proxy did not restart: " + restarted.error().message;
  }
}

std::optional<uint16_t> Session::proxy_port() const {
  std::lock_guard proxy_lock(proxy_mutex_);
  if (!proxy_) return std::nullopt;
  return proxy_->port();
}

void Session::on_proxy_record(const host::proxy::StreamRecord& record) {
  HistoryEntry entry;
  entry.name = record.method + " " + record.path;
  entry.source = "proxy";
  entry.time = std::chrono::system_clock::now();
  entry.request.request.method = record.client_request.method;
  entry.request.request.path = record.client_request.path;
  entry.request.request.headers = record.client_request.headers;
  entry.request.request.body = record.client_request.body;
  entry.request.request.trailers = record.client_request.trailers;
  entry.report.client_request = record.client_request;
  entry.report.upstream_request = record.upstream_request;
  entry.report.upstream_response = record.upstream_response;
  entry.report.response = record.response;
  entry.report.local_response = record.local_reply;
  entry.report.local_reply = record.reply;
  entry.report.reset = record.reset;
  entry.report.reset_reason = record.reset_reason;
  entry.report.failed_plugins = record.failed_plugins;
  entry.report.stream_id = record.stream_id;
  entry.logs = record.logs;
  entry.trace = record.trace;
  if (!record.failed_plugins.empty()) {
    std::string names;
    for (const auto& name : record.failed_plugins) names += (names.empty() ? "" : ", ") + name;
    entry.failure = host::PluginFailure{
        "proxy",
        "filter " + names + " failed" + (record.error.empty() ? "" : ": " + record.error),
        host::VmFault::None,
        {}};
  }
  {
    std::lock_guard lock(mutex_);
    entry.id = next_history_id_++;
    entry.build = info_.build;
    add_history_locked(std::move(entry));
  }
  changed_.notify_all();
}

void Session::add_history_locked(HistoryEntry entry) {
  history_.push_back(std::move(entry));
  ++history_count_;
  const size_t keep = std::max<size_t>(options_.max_history, 1);
  while (history_.size() > keep) history_.pop_front();
}

uint64_t Session::history_count() const {
  std::lock_guard lock(mutex_);
  return history_count_;
}

bool Session::wait_for_history(uint64_t count, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return history_count_ >= count; });
}

// --- Breakpoints and injection -----------------------------------------------------------------

uint32_t Session::add_breakpoint(Breakpoint breakpoint) {
  std::lock_guard lock(mutex_);
  breakpoint.id = next_breakpoint_id_++;
  breakpoints_.push_back(std::move(breakpoint));
  return breakpoints_.back().id;
}

bool Session::remove_breakpoint(uint32_t id) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(breakpoints_.begin(), breakpoints_.end(),
                         [id](const Breakpoint& b) { return b.id == id; });
  if (it == breakpoints_.end()) return false;
  breakpoints_.erase(it);
  return true;
}

bool Session::enable_breakpoint(uint32_t id, bool enabled) {
  std::lock_guard lock(mutex_);
  for (auto& b : breakpoints_)
    if (b.id == id) {
      b.enabled = enabled;
      return true;
    }
  return false;
}

bool Session::ignore_breakpoint(uint32_t id, uint32_t count) {
  std::lock_guard lock(mutex_);
  for (auto& b : breakpoints_)
    if (b.id == id) {
      b.ignore_count = b.hits + count;  // compared with the running hit count
      return true;
    }
  return false;
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
  std::lock_guard lock(mutex_);
  injections_[host_call] = status;
  ++fault_generation_;
  return {};
}

void Session::clear_injections() {
  std::lock_guard lock(mutex_);
  injections_.clear();
  ++fault_generation_;
}

void Session::fail_allocations(bool fail) {
  std::lock_guard lock(mutex_);
  fail_allocations_ = fail;
  ++fault_generation_;
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

uint64_t Session::send(RequestFile request, std::string name) {
  uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_history_id_++;
  }
  post([this, id, request = std::move(request), name = std::move(name)]() mutable {
    run_on_engine(id, std::move(request), std::move(name));
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
    for (const auto& entry : history_) originals.push_back(entry.id);
  }
  return replay(originals);
}

void Session::run_on_engine(uint64_t id, RequestFile request, std::string name) {
  HistoryEntry entry;
  entry.id = id;
  entry.name = std::move(name);
  entry.request = request;
  entry.time = std::chrono::system_clock::now();
  if (!chain_) {
    entry.failure = host::PluginFailure{"send", "no filter is loaded", host::VmFault::None, {}};
  } else {
    apply_faults(engine_worker_, *chain_);
    callouts_.clear();
    for (const auto& [cluster, reply] : request.callouts) {
      callouts_.set_http_reply(cluster, reply.response);
      if (reply.delay_ms)
        callouts_.set_http_delay(cluster, std::chrono::milliseconds(reply.delay_ms));
    }
    for (const auto& [cluster, reply] : request.grpc) callouts_.set_grpc_reply(cluster, reply);
    env_->options().properties.clear();
    for (const auto& [path, value] : request.properties) env_->options().properties[path] = value;
    run_logs_.clear();
    const uint64_t before = store_.last_seq();
    entry.report = host::run_request(*chain_, dispatcher_, request.request, request.upstream);
    // The store also holds the proxy's events: keep this run's streams only.
    for (auto& event : store_.events_after(before))
      if (event.stream_id == 0 || event.stream_id == entry.report.stream_id)
        entry.trace.push_back(std::move(event));
    entry.logs = run_logs_;
    if (chain_->plugin(0).failure()) entry.failure = chain_->plugin(0).failure();
    std::lock_guard lock(mutex_);
    entry.build = info_.build;
  }
  engine_worker_.finish_stream = 0;
  engine_worker_.step_mode = StepMode::None;
  engine_worker_.frames.clear();
  engine_worker_.callback_regions.clear();
  {
    std::lock_guard lock(mutex_);
    add_history_locked(std::move(entry));
  }
  changed_.notify_all();
}

Session::State Session::wait(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout,
                    [this] { return (pause_ && !resume_) || (!busy_ && tasks_.empty()); });
  if (pause_ && !resume_) return State::Paused;
  if (!busy_ && tasks_.empty()) return State::Idle;
  return State::Running;
}

bool Session::wait_for_pause(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return pause_ && !resume_; });
}

Session::State Session::state() const {
  std::lock_guard lock(mutex_);
  if (pause_ && !resume_) return State::Paused;
  if (!busy_ && tasks_.empty()) return State::Idle;
  return State::Running;
}

std::optional<PauseInfo> Session::pause() const {
  std::lock_guard lock(mutex_);
  if (pause_ && !resume_) return pause_;
  return std::nullopt;
}

bool Session::resume(ResumeMode mode) {
  {
    std::lock_guard lock(mutex_);
    if (!pause_ || resume_) return false;
    resume_ = Command{mode, std::nullopt};
  }
  changed_.notify_all();
  return true;
}

Result<void> Session::step_instruction(host::StepRequest::Kind kind) {
  {
    std::lock_guard lock(mutex_);
    if (!pause_ || resume_) return make_error("not paused");
    if (!pause_->can_step_instructions)
      return make_error("the " + info_.engine +
                        " engine cannot step wasm instructions; load the filter with the wabt "
                        "engine (--engine wabt)");
    resume_ = Command{ResumeMode::Step, kind};
  }
  changed_.notify_all();
  return {};
}

// --- Pausing (on a VM thread, inside a VM call) ------------------------------------------------

void Session::update_frames(Worker& worker, const std::vector<host::TraceEvent>& events) {
  for (const auto& event : events) {
    if (event.kind == host::EventKind::Callback && event.phase == "enter") {
      if (worker.frames.empty()) worker.callback_regions.clear();
      worker.frames.push_back(
          AbiFrame{host::EventKind::Callback, event.name, event.args, event.context_id});
    } else if (event.kind == host::EventKind::Callback && event.phase == "exit") {
      if (!worker.frames.empty()) worker.frames.pop_back();
    } else if (event.kind == host::EventKind::Copy) {
      worker.callback_regions.push_back(
          MemoryRegion{event.address, event.length, event.label, event.direction, event.seq});
    }
  }
}

std::optional<std::string> Session::breakpoint_hit(const std::vector<host::TraceEvent>& events,
                                                   const host::PausePoint& point,
                                                   std::optional<uint32_t>& id,
                                                   const host::TraceEvent*& matched) {
  std::lock_guard lock(mutex_);
  EventContext context{point.stream};
  std::optional<std::string> reason;
  for (const auto& event : events) {
    // A callback breakpoint stops at the entry, before the filter runs.
    if (event.kind == host::EventKind::Callback &&
        point.where != host::PausePoint::Where::CallbackEnter)
      continue;
    for (auto& breakpoint : breakpoints_) {
      if (!breakpoint.enabled || !breakpoint_targets(breakpoint, event)) continue;
      if (!conditions_hold(breakpoint.conditions, event, context)) continue;
      ++breakpoint.hits;
      if (breakpoint.hits <= breakpoint.ignore_count || reason) continue;
      id = breakpoint.id;
      matched = &event;
      reason = "breakpoint " + std::to_string(breakpoint.id) + " (" + describe(breakpoint) + ")";
    }
  }
  return reason;
}

namespace {

std::vector<std::pair<uint32_t, uint32_t>> changed_ranges(const std::vector<uint8_t>& before,
                                                          const std::vector<uint8_t>& after) {
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  const size_t common = std::min(before.size(), after.size());
  size_t i = 0;
  while (i < common) {
    if (before[i] == after[i]) {
      ++i;
      continue;
    }
    size_t start = i;
    while (i < common && before[i] != after[i]) ++i;
    ranges.emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(i));
  }
  if (after.size() > before.size())
    ranges.emplace_back(static_cast<uint32_t>(before.size()), static_cast<uint32_t>(after.size()));
  return ranges;
}

bool entering(const std::vector<host::TraceEvent>& events, std::string_view callback) {
  return std::any_of(events.begin(), events.end(), [&](const host::TraceEvent& event) {
    return event.kind == host::EventKind::Callback && event.phase == "enter" &&
           event.name == callback;
  });
}

}  // namespace

void Session::fill_pause_context(Worker& worker, PauseInfo& info, std::span<const uint8_t> memory,
                                 const std::string& plugin) {
  info.worker = worker.name;
  info.frames = worker.frames;
  info.callback_regions = worker.callback_regions;
  auto snapshot = std::make_shared<std::vector<uint8_t>>(memory.begin(), memory.end());
  auto& previous = worker.last_snapshot[plugin];
  if (previous) info.changed_ranges = changed_ranges(*previous, *snapshot);
  previous = snapshot;
  info.memory = snapshot;
  info.plugin = plugin;
  if (worker.stream) {
    info.request_headers = worker.stream->request_headers.pairs();
    if (worker.stream->has_response_headers)
      info.response_headers = worker.stream->response_headers.pairs();
  }
  info.client_request_headers = worker.client_headers;
}

host::PauseVerdict Session::on_pause_point(Worker& worker, const host::PausePoint& point,
                                           host::FilterChain* chain) {
  std::vector<host::TraceEvent> events = std::move(worker.since_point);
  worker.since_point.clear();
  update_frames(worker, events);
  worker.stream = point.stream;
  // The request as the client sent it: the stream's headers when the first filter sees them.
  if (point.stream && point.stream->id != worker.client_stream &&
      point.where == host::PausePoint::Where::CallbackEnter &&
      entering(events, "proxy_on_request_headers")) {
    worker.client_stream = point.stream->id;
    worker.client_headers = point.stream->request_headers.pairs();
  }
  if (!point.vm) return host::PauseVerdict::Go;
  // Start-up callbacks run before a chain holds the plugin: they pause only when nobody is
  // waiting for the load (see reload_in_background).
  host::Plugin* plugin = find_plugin(chain, point.plugin);
  if (!plugin && !worker.startup_pausable) return host::PauseVerdict::Go;
  if (plugin) apply_faults(worker, *chain);
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || (proxy_stopping_ && &worker == &proxy_worker_)) return host::PauseVerdict::Go;
  }
  const uint64_t stream_id = point.stream ? point.stream->id : 0;
  if (stream_id) worker.current_stream = stream_id;
  if (worker.finish_stream != 0 && worker.finish_stream == worker.current_stream)
    return host::PauseVerdict::Go;
  worker.finish_stream = 0;

  std::optional<uint32_t> breakpoint_id;
  const host::TraceEvent* matched = nullptr;
  std::optional<std::string> reason = breakpoint_hit(events, point, breakpoint_id, matched);
  if (!reason) {
    const size_t depth = worker.frames.size();
    switch (worker.step_mode) {
      case StepMode::Step:
        reason = "step";
        break;
      case StepMode::Next:
        if ((point.where == host::PausePoint::Where::CallbackExit ||
             point.where == host::PausePoint::Where::Trap) &&
            depth < worker.next_depth)
          reason = "next";
        else if (point.where == host::PausePoint::Where::CallbackEnter &&
                 depth <= std::max<size_t>(worker.next_depth, 1))
          reason = "next";
        break;
      case StepMode::None:
        break;
    }
  }
  if (!reason) return host::PauseVerdict::Go;

  PauseInfo info;
  info.reason = *reason;
  info.breakpoint = breakpoint_id;
  info.where = point.where;
  info.step_events = events;
  // The event this point is about: a trap, else what the breakpoint matched (a log stands for
  // the host call that wrote it), else the last callback or host call recorded.
  const host::TraceEvent* primary = nullptr;
  for (const auto& event : events)
    if (event.kind == host::EventKind::Trap) primary = &event;
  if (!primary && matched && matched->kind != host::EventKind::Log) primary = matched;
  if (!primary) {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if (it->kind == host::EventKind::Callback || it->kind == host::EventKind::HostCall) {
        primary = &*it;
        break;
      }
    }
  }
  if (primary) info.event = *primary;
  fill_pause_context(worker, info, point.memory, point.plugin);
  if (point.where == host::PausePoint::Where::HostCallDone)
    info.frames.push_back(AbiFrame{host::EventKind::HostCall, info.event.name, info.event.args,
                                   info.event.context_id});
  for (const auto& event : events)
    if (event.kind == host::EventKind::Copy)
      info.event_regions.push_back(
          MemoryRegion{event.address, event.length, event.label, event.direction, event.seq});
  info.stream_id = stream_id ? stream_id : info.event.stream_id;
  info.can_step_instructions = point.vm->supports_stepping();

  Command command = hold(worker, std::move(info), *point.vm);
  if (plugin) apply_faults(worker, *chain);
  apply(worker, *point.vm, point.plugin, command, /*at_instruction=*/false);
  // Terminating the VM stops a running call; a callback that has not started is not run.
  if (command.mode == ResumeMode::Abort && !command.instruction &&
      point.where == host::PausePoint::Where::CallbackEnter)
    return host::PauseVerdict::Abort;
  return host::PauseVerdict::Go;
}

host::StepRequest Session::on_instruction(Worker& worker, host::Vm& vm, const std::string& plugin,
                                          const host::WasmLocation& location) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || (proxy_stopping_ && &worker == &proxy_worker_)) return {};
  }
  PauseInfo info;
  switch (worker.step_kind) {
    case host::StepRequest::Kind::Over:
      info.reason = "nexti";
      break;
    case host::StepRequest::Kind::Out:
      info.reason = "out of the function";
      break;
    default:
      info.reason = "stepi";
      break;
  }
  info.where = host::PausePoint::Where::Instruction;
  info.wasm = location;
  if (!worker.frames.empty()) {
    const AbiFrame& callback = worker.frames.back();
    info.event.kind = callback.kind;
    info.event.name = callback.name;
    info.event.args = callback.args;
    info.event.context_id = callback.context_id;
  }
  fill_pause_context(worker, info, vm.memory(), plugin);
  info.stream_id = worker.current_stream;
  info.can_step_instructions = true;
  Command command = hold(worker, std::move(info), vm);
  return apply(worker, vm, plugin, command, /*at_instruction=*/true);
}

Session::Command Session::hold(Worker& worker, PauseInfo info, host::Vm& vm) {
  // Time spent paused does not count against the runaway budget.
  vm.pause_runaway_clock();
  Command command;
  {
    std::unique_lock lock(mutex_);
    // One pause at a time: another VM thread's pause is answered first.
    auto may_go_on = [&] { return stopping_ || (proxy_stopping_ && &worker == &proxy_worker_); };
    changed_.wait(lock, [&] { return !pause_ || may_go_on(); });
    if (may_go_on()) {
      command.mode = ResumeMode::Finish;
    } else {
      info.id = ++pause_counter_;
      pause_ = std::move(info);
      paused_worker_ = &worker;
      resume_.reset();
      changed_.notify_all();
      changed_.wait(lock, [this] { return resume_.has_value(); });
      command = *resume_;
      pause_.reset();
      paused_worker_ = nullptr;
      resume_.reset();
    }
  }
  changed_.notify_all();
  vm.resume_runaway_clock();
  return command;
}

host::StepRequest Session::apply(Worker& worker, host::Vm& vm, const std::string& plugin,
                                 const Command& command, bool at_instruction) {
  worker.step_mode = StepMode::None;
  if (command.instruction) {
    worker.step_kind = *command.instruction;
    host::StepRequest request{*command.instruction, 0};
    if (at_instruction) return request;
    // From an ABI pause point: the engine stops at the next instruction it runs, in this call
    // (after a host call) or the next one (at a callback's entry or exit).
    auto armed =
        vm.request_step(request, [this, &worker, &vm, plugin](const host::WasmLocation& location) {
          return on_instruction(worker, vm, plugin, location);
        });
    if (armed) return {};
    // The engine refused: carry on as a step to the next ABI event.
  }
  // Leaving instruction stepping: the engine runs freely until asked again.
  if (!at_instruction && vm.supports_stepping())
    (void)vm.request_step(host::StepRequest{}, nullptr);
  switch (command.mode) {
    case ResumeMode::Continue:
      break;
    case ResumeMode::Step:
      worker.step_mode = StepMode::Step;
      break;
    case ResumeMode::Next:
      worker.step_mode = StepMode::Next;
      worker.next_depth = worker.frames.size();
      break;
    case ResumeMode::Finish:
      worker.finish_stream = worker.current_stream ? worker.current_stream : UINT64_MAX;
      break;
    case ResumeMode::Abort:
      worker.finish_stream = worker.current_stream ? worker.current_stream : UINT64_MAX;
      vm.terminate();
      break;
  }
  return {};
}

// --- History -----------------------------------------------------------------------------------

std::vector<HistoryEntry> Session::history() const {
  std::lock_guard lock(mutex_);
  return {history_.begin(), history_.end()};
}

std::optional<HistoryEntry> Session::history_entry(uint64_t id) const {
  std::lock_guard lock(mutex_);
  for (const auto& entry : history_)
    if (entry.id == id) return entry;
  return std::nullopt;
}

std::optional<RunDiff> Session::compare(uint64_t before, uint64_t after) const {
  auto a = history_entry(before);
  auto b = history_entry(after);
  if (!a || !b) return std::nullopt;
  return compare_runs(*a, *b);
}

// --- Hot reload --------------------------------------------------------------------------------

void Session::watch(bool enabled, bool replay_last) {
  {
    std::lock_guard lock(mutex_);
    replay_on_reload_ = replay_last;
    if (watching_ == enabled) return;
    watching_ = enabled;
  }
  if (enabled) {
    if (watcher_.joinable()) watcher_.join();
    // The file's state is taken now, not when the thread first runs: a change made right after
    // watch() returns must count as a change.
    std::string path;
    {
      std::lock_guard lock(mutex_);
      path = info_.wasm_path;
    }
    std::error_code ec;
    auto initial = std::make_pair(std::filesystem::last_write_time(path, ec),
                                  std::filesystem::file_size(path, ec));
    watcher_ = std::thread([this, initial] { watch_loop(initial); });
  } else {
    changed_.notify_all();
    if (watcher_.joinable()) watcher_.join();
  }
}

void Session::watch_loop(std::pair<std::filesystem::file_time_type, uintmax_t> last) {
  namespace fs = std::filesystem;
  std::string path;
  {
    std::lock_guard lock(mutex_);
    path = info_.wasm_path;
  }
  std::error_code ec;
  auto stamp = [&]() -> std::pair<fs::file_time_type, uintmax_t> {
    return {fs::last_write_time(path, ec), fs::file_size(path, ec)};
  };
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::milliseconds(200),
                        [this] { return !watching_ || stopping_; });
      if (!watching_ || stopping_) return;
      path = info_.wasm_path;
    }
    auto now = stamp();
    if (ec || now == last) continue;
    // Wait until the writer is done (the size stops changing).
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto settled = stamp();
    if (settled != now) continue;
    last = settled;
    post([this] {
      std::optional<HistoryEntry> previous;
      bool replay = false;
      {
        std::lock_guard lock(mutex_);
        replay = replay_on_reload_ && !history_.empty();
        if (replay) previous = history_.back();
      }
      auto loaded = load_on_engine(plugin_options_);
      if (!loaded) {
        std::lock_guard lock(mutex_);
        info_.error = loaded.error().message;
        return;
      }
      restart_proxy();
      if (!replay) return;
      uint64_t id = 0;
      {
        std::lock_guard lock(mutex_);
        id = next_history_id_++;
      }
      run_on_engine(id, previous->request, previous->name);
      auto after = history_entry(id);
      std::lock_guard lock(mutex_);
      if (after) reload_diff_ = compare_runs(*previous, *after);
    });
  }
}

std::optional<RunDiff> Session::last_reload_diff() const {
  std::lock_guard lock(mutex_);
  return reload_diff_;
}

bool Session::watching() const {
  std::lock_guard lock(mutex_);
  return watching_;
}

uint32_t Session::reload_count() const {
  std::lock_guard lock(mutex_);
  return info_.build > 0 ? info_.build - 1 : 0;
}

}  // namespace pwplay::debugger
