// The session's proxy: started with the loaded filter (its own thread and VMs, reporting to the
// session through ProxyTap), restarted on the same port after a reload, stopped releasing a held
// stream first; every stream it finishes becomes a history entry.
#include "debugger/session.h"
#include "debugger/session_taps.h"

namespace pwplay::debugger {

Result<uint16_t> Session::start_proxy(host::proxy::ProxyOptions options) {
  std::lock_guard proxy_lock(proxy_mutex_);
  return start_proxy_locked(std::move(options));
}

void Session::start_proxy_in_background(host::proxy::ProxyOptions options) {
  post("starting the proxy", [this, options = std::move(options)]() mutable {
    (void)start_proxy(std::move(options));  // the outcome is in the snapshot
  });
}

Result<uint16_t> Session::start_proxy_locked(host::proxy::ProxyOptions options) {
  stop_proxy_locked();
  // Records why the proxy is not running, for the snapshot.
  auto failed = [this](const Error& error) -> Result<uint16_t> {
    {
      std::lock_guard lock(mutex_);
      proxy_error_ = error.message;
      publish_locked();
    }
    announce();
    return unexpected(error);
  };
  std::vector<PluginSpec> plugin_options;
  bool loaded = false;
  uint32_t build = 0;
  {
    std::lock_guard lock(mutex_);
    loaded = info_.loaded;
    plugin_options = loaded_options_;
    build = info_.build;
  }
  if (!loaded) return failed(Error{"start the proxy after loading a filter"});
  proxy_options_ = options;
  options.plugins.clear();
  for (const PluginSpec& spec : plugin_options) {
    auto resolved = resolve_plugin(spec);
    if (!resolved) return failed(resolved.error());
    options.plugins.push_back(
        host::proxy::LoadedPlugin{std::move(resolved->config), std::move(resolved->wasm)});
  }
  options.trace = true;
  options.debugger = proxy_tap_.get();
  // The proxy thread is not running: the tap's build can be set from here. The tap turns every
  // finished stream into a history entry.
  proxy_tap_->set_build(build);
  options.env.stream_ids = stream_ids_;
  options.env.limits = options_.shared_limits;
  options.env.header_limits = options_.header_limits;
  // The proxy thread is not running: its worker state can be reset from here.
  proxy_worker_ = Worker{.name = "proxy"};
  auto proxy = std::make_unique<host::proxy::Proxy>();
  auto started = proxy->start(std::move(options));
  if (!started) return failed(started.error());
  proxy->execute([this](host::HostEnv& env) {
    std::lock_guard perf_lock(perf_mutex_);
    proxy_env_ = &env;
    perf_model_ = PerfModel();
    ++perf_epoch_;
    perf_samples_ = 0;
  });
  proxy_ = std::move(proxy);
  const uint16_t port = proxy_->port();
  {
    std::lock_guard lock(mutex_);
    proxy_port_ = port;
    proxy_error_.clear();
    publish_locked();
  }
  announce();
  return port;
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
  {
    std::lock_guard perf_lock(perf_mutex_);
    proxy_env_ = nullptr;
  }
  proxy_->stop();
  proxy_.reset();
  {
    std::lock_guard lock(mutex_);
    proxy_stopping_ = false;
    proxy_port_.reset();
    publish_locked();
  }
  announce();
}

void Session::restart_proxy() {
  std::lock_guard proxy_lock(proxy_mutex_);
  if (!proxy_) return;
  host::proxy::ProxyOptions options = proxy_options_;
  options.listen.port = proxy_->port();  // the same address, so clients keep working
  auto restarted = start_proxy_locked(std::move(options));
  if (!restarted) {
    {
      std::lock_guard lock(mutex_);
      info_.error = "the proxy did not restart: " + restarted.error().message;
      publish_locked();
    }
    announce();
  }
}

std::optional<uint16_t> Session::proxy_port() const {
  std::lock_guard proxy_lock(proxy_mutex_);
  if (!proxy_) return std::nullopt;
  return proxy_->port();
}

void Session::on_proxy_record(host::proxy::StreamRecord&& record, uint32_t build) {
  HistoryEntry entry;
  entry.name = record.method + " " + record.path;
  entry.source = "proxy";
  entry.time = std::chrono::system_clock::now();
  // The record is the session's: its parts move into the entry; only the request, kept twice
  // (as the request to replay and as the report's client request), is copied.
  entry.request.request.method = record.client_request.method;
  entry.request.request.path = record.client_request.path;
  entry.request.request.headers = record.client_request.headers;
  entry.request.request.body = record.client_request.body;
  entry.request.request.trailers = record.client_request.trailers;
  entry.report.client_request = std::move(record.client_request);
  entry.report.upstream_request = std::move(record.upstream_request);
  entry.report.upstream_response = std::move(record.upstream_response);
  entry.report.response = std::move(record.response);
  entry.report.local_response = record.local_reply;
  entry.report.local_reply = std::move(record.reply);
  entry.report.reset = record.reset;
  entry.report.reset_reason = record.reset_reason;
  entry.report.failed_plugins = record.failed_plugins;
  entry.report.stream_id = record.stream_id;
  entry.logs = std::move(record.logs);
  entry.trace = std::move(record.trace);
  entry.stats = compute_stats(entry.trace);
  if (!record.failed_plugins.empty()) {
    std::string names;
    for (const auto& name : record.failed_plugins) names += (names.empty() ? "" : ", ") + name;
    entry.failure = host::PluginFailure{
        "proxy",
        "filter " + names + " failed" + (record.error.empty() ? "" : ": " + record.error),
        host::VmFault::None,
        {}};
  }
  std::vector<std::shared_ptr<const HistoryEntry>> released;  // freed after the lock
  {
    std::lock_guard lock(mutex_);
    entry.id = next_history_id_++;
    entry.build = build;
    released = add_history_locked(std::move(entry));
  }
  changed_.notify_all();
  announce();
}

}  // namespace pwplay::debugger
