#include "app/gui/core/engine_worker.h"

#include <filesystem>

#include "host/local_run.h"
#include "host/plugin.h"

namespace pwplay::gui {
namespace {

uint64_t elapsed_ns(std::chrono::steady_clock::time_point since) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - since)
          .count());
}

std::string file_name(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  return name.empty() ? path : name;
}

// Loads and starts the plugin in a scratch environment, as the first stream would, to report its
// identity and start-up errors without sending anything.
Result<PluginInfo> probe_plugin(const FilterSettings& settings) {
  auto start = std::chrono::steady_clock::now();
  auto resolved = debugger::resolve_plugin(plugin_options(settings));
  if (!resolved) return unexpected(resolved.error());
  host::SimulatedDispatcher dispatcher;
  host::MockCalloutClient callouts(dispatcher);
  host::HostEnv env(dispatcher, callouts);
  PluginInfo info;
  env.set_log_handler(
      [&info](const host::LogRecord& record) { info.startup_logs.push_back(record); });
  auto plugin = host::Plugin::create(env, resolved->config, std::move(resolved->wasm));
  if (!plugin) return unexpected(plugin.error());
  info.name = (*plugin)->config().name;
  info.abi_version = abi::name((*plugin)->abi_version());
  info.engine = (*plugin)->engine_name();
  info.engine_version = (*plugin)->engine_version();
  info.settings = settings;
  info.load_ns = elapsed_ns(start);
  return info;
}

}  // namespace

debugger::PluginOptions plugin_options(const FilterSettings& settings) {
  debugger::PluginOptions options;
  options.wasm_path = settings.wasm_path;
  if (!settings.engine.empty()) options.engine = settings.engine;
  if (!settings.configuration.empty()) options.configuration = settings.configuration;
  if (!settings.root_id.empty()) options.root_id = settings.root_id;
  if (!settings.vm_id.empty()) options.vm_id = settings.vm_id;
  options.fail_open = settings.fail_open;
  return options;
}

EngineWorker::EngineWorker(std::function<void()> on_publish)
    : on_publish_(std::move(on_publish)), snapshot_(std::make_shared<const Snapshot>()) {
  thread_ = std::thread([this] { loop(); });
}

EngineWorker::~EngineWorker() {
  {
    std::lock_guard lock(queue_mutex_);
    stopping_ = true;
    queue_.clear();
  }
  queue_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

uint64_t EngineWorker::load(FilterSettings settings) {
  return enqueue(Load{std::move(settings)});
}

uint64_t EngineWorker::send(FilterSettings settings, debugger::RequestFile request) {
  return enqueue(Send{std::move(settings), std::move(request)});
}

uint64_t EngineWorker::clear_history() {
  return enqueue(ClearHistory{});
}

uint64_t EngineWorker::add_run(RunRecord record) {
  return enqueue(AddRun{std::move(record)});
}

std::shared_ptr<const Snapshot> EngineWorker::snapshot() const {
  std::lock_guard lock(snapshot_mutex_);
  return snapshot_;
}

uint64_t EngineWorker::submitted() const {
  std::lock_guard lock(queue_mutex_);
  return submitted_;
}

bool EngineWorker::wait_for(uint64_t ticket, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(snapshot_mutex_);
  return snapshot_cv_.wait_for(lock, timeout, [&] { return snapshot_->commands_done >= ticket; });
}

uint64_t EngineWorker::enqueue(Command command) {
  uint64_t ticket;
  {
    std::lock_guard lock(queue_mutex_);
    queue_.push_back(std::move(command));
    ticket = ++submitted_;
  }
  queue_cv_.notify_one();
  return ticket;
}

void EngineWorker::loop() {
  for (;;) {
    Command command;
    {
      std::unique_lock lock(queue_mutex_);
      queue_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      command = std::move(queue_.front());
      queue_.pop_front();
    }
    std::visit([this](auto& c) { execute(c); }, command);
  }
}

void EngineWorker::publish(const std::function<void(Snapshot&)>& edit) {
  // Only this thread publishes, so copying outside the lock cannot lose an update.
  auto next = std::make_shared<Snapshot>(*snapshot());
  edit(*next);
  ++next->version;
  {
    std::lock_guard lock(snapshot_mutex_);
    snapshot_ = std::move(next);
  }
  snapshot_cv_.notify_all();
  if (on_publish_) on_publish_();
}

void EngineWorker::execute(Load& command) {
  publish([&](Snapshot& s) {
    s.busy = true;
    s.busy_what = "loading " + file_name(command.settings.wasm_path);
  });
  auto info = probe_plugin(command.settings);
  publish([&](Snapshot& s) {
    s.busy = false;
    s.busy_what.clear();
    if (info) {
      s.plugin = std::move(*info);
      s.load_error.clear();
    } else {
      s.plugin.reset();
      s.load_error = info.error().message;
    }
    ++s.commands_done;
  });
}

void EngineWorker::execute(Send& command) {
  publish([&](Snapshot& s) {
    s.busy = true;
    s.busy_what = "sending " + command.request.request.method + " " + command.request.request.path;
  });
  auto record = std::make_shared<RunRecord>();
  record->id = next_run_id_++;
  record->settings = command.settings;
  record->request = std::move(command.request);
  auto start = std::chrono::steady_clock::now();
  auto result = debugger::run_once(plugin_options(record->settings), record->request, true);
  record->wall_ns = elapsed_ns(start);
  record->finished = std::chrono::system_clock::now();
  if (result)
    record->result = std::move(*result);
  else
    record->error = result.error().message;
  publish([&](Snapshot& s) {
    s.busy = false;
    s.busy_what.clear();
    if (record->result) {
      // The run loaded the plugin: keep the identity current without a separate Load.
      const auto& r = *record->result;
      if (!s.plugin || s.plugin->settings != record->settings) {
        PluginInfo info;
        info.settings = record->settings;
        s.plugin = std::move(info);
      }
      s.plugin->name = r.plugin_name;
      s.plugin->abi_version = r.abi_version;
      s.plugin->engine = r.engine;
      s.plugin->engine_version = r.engine_version;
      s.load_error.clear();
    } else {
      s.load_error = record->error;
    }
    s.runs.push_back(std::move(record));
    if (s.runs.size() > kMaxRuns) s.runs.erase(s.runs.begin());
    ++s.commands_done;
  });
}

void EngineWorker::execute(AddRun& command) {
  auto record = std::make_shared<RunRecord>(std::move(command.record));
  record->id = next_run_id_++;
  publish([&](Snapshot& s) {
    s.runs.push_back(std::move(record));
    if (s.runs.size() > kMaxRuns) s.runs.erase(s.runs.begin());
    ++s.commands_done;
  });
}

void EngineWorker::execute(ClearHistory&) {
  publish([](Snapshot& s) {
    s.runs.clear();
    ++s.commands_done;
  });
}

}  // namespace pwplay::gui
