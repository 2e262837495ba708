// Reloads in the session: reload() and reload_in_background() (whose start-up callbacks may
// pause), the module's disassembly cached per build, and hot reload: a thread that watches the
// module file of every filter of the chain and, when a rebuild lands, reloads the chain and
// replays the last request.
#include <filesystem>

#include "debugger/session.h"

namespace pwplay::debugger {

void Session::reload_in_background() {
  post("reloading", [this] {
    if (plugin_options_.empty() || !plugin_options_.front().has_module()) {
      {
        std::lock_guard lock(mutex_);
        info_.error = "nothing to reload: no filter was loaded";
        publish_locked();
      }
      announce();
      return;
    }
    engine_worker_.startup_pausable = true;
    auto result = load_on_engine(plugin_options_, /*fresh=*/false);
    engine_worker_.startup_pausable = false;
    if (result) restart_proxy();
  });
}

Result<void> Session::reload() {
  Result<void> result;
  run_sync("reloading", [&] {
    if (plugin_options_.empty() || !plugin_options_.front().has_module()) {
      result = make_error("nothing to reload: no filter was loaded");
      return;
    }
    result = load_on_engine(plugin_options_, /*fresh=*/false);
  });
  if (result) restart_proxy();
  return result;
}

Result<std::shared_ptr<const host::ModuleWat>> Session::disassembly() const {
  const PluginInfo info = plugin_info();
  {
    // The Module tab's read of the same build serves here too.
    std::lock_guard lock(mutex_);
    if (module_view_ && module_view_->wat && module_view_->build == info.build &&
        module_view_->wasm_path == info.wasm_path)
      return module_view_->wat;
  }
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

void Session::read_module_in_background(std::string wasm_path) {
  post("reading " + std::filesystem::path(wasm_path).filename().string(),
       [this, path = std::move(wasm_path)] {
         ModuleView view;
         if (auto bytes = read_wasm_file(path); !bytes) {
           view.error = bytes.error().message;
         } else if (auto read = read_module_view(*bytes); !read) {
           view.error = path + ": " + read.error().message;
         } else {
           view = std::move(*read);
         }
         view.wasm_path = path;
         {
           std::lock_guard lock(mutex_);
           view.build = info_.build;
           module_view_ = std::make_shared<const ModuleView>(std::move(view));
           publish_locked();
         }
         announce();
       });
}

Session::ModuleStamps Session::stamp_modules(const std::vector<std::string>& paths, bool* missing) {
  ModuleStamps stamps;
  for (const std::string& path : paths) {
    std::error_code time_ec;
    std::error_code size_ec;
    auto time = std::filesystem::last_write_time(path, time_ec);
    auto size = std::filesystem::file_size(path, size_ec);
    if (time_ec || size_ec) {
      // Gone for a moment (a build replacing it): not a change until it is back.
      if (missing) *missing = true;
      stamps.emplace_back(std::filesystem::file_time_type::min(), 0);
    } else {
      stamps.emplace_back(time, size);
    }
  }
  return stamps;
}

void Session::watch(bool enabled, bool replay_last) {
  {
    std::lock_guard lock(mutex_);
    replay_on_reload_ = replay_last;
    if (watching_ == enabled) return;
    watching_ = enabled;
    publish_locked();
  }
  announce();
  if (enabled) {
    if (watcher_.joinable()) watcher_.join();
    // The files' state is taken now, not when the thread first runs: a change made right after
    // watch() returns must count as a change.
    std::vector<std::string> paths;
    uint32_t loads = 0;
    {
      std::lock_guard lock(mutex_);
      paths = module_paths_;
      loads = loads_;
    }
    ModuleStamps initial = stamp_modules(paths);
    watcher_ = std::thread([this, paths = std::move(paths), initial = std::move(initial), loads] {
      watch_loop(paths, initial, loads);
    });
  } else {
    changed_.notify_all();
    if (watcher_.joinable()) watcher_.join();
  }
}

void Session::watch_loop(std::vector<std::string> paths, ModuleStamps last, uint32_t loads) {
  namespace fs = std::filesystem;
  for (;;) {
    bool loaded_meanwhile = false;
    {
      std::unique_lock lock(mutex_);
      changed_.wait_for(lock, std::chrono::milliseconds(200),
                        [this] { return !watching_ || stopping_; });
      if (!watching_ || stopping_) return;
      loaded_meanwhile = loads_ != loads || paths != module_paths_;
      paths = module_paths_;
      loads = loads_;
    }
    // A load since the last look (perhaps of other files) is the new starting point, not a
    // change to react to.
    if (loaded_meanwhile) {
      last = stamp_modules(paths);
      continue;
    }
    bool missing = false;
    auto now = stamp_modules(paths, &missing);
    if (missing || now == last) continue;
    // Wait until the writer is done (the sizes stop changing).
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto settled = stamp_modules(paths);
    if (settled != now) continue;
    // Which file changed, for the activity line (the first that did).
    std::string changed = paths.empty() ? std::string() : paths.front();
    for (size_t i = 0; i < paths.size() && i < last.size(); ++i)
      if (settled[i] != last[i]) {
        changed = paths[i];
        break;
      }
    last = std::move(settled);
    post("reloading " + fs::path(changed).filename().string(), [this] { reload_and_replay(); });
  }
}

void Session::reload_and_replay() {
  std::shared_ptr<const HistoryEntry> previous;
  {
    std::lock_guard lock(mutex_);
    if (replay_on_reload_ && !history_.empty()) previous = history_.back();
  }
  if (!load_on_engine(plugin_options_, /*fresh=*/false)) return;
  restart_proxy();
  if (!previous) return;
  uint64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    id = next_history_id_++;
  }
  run_on_engine(id, previous->request, previous->name, Pausing::On);
  std::shared_ptr<const HistoryEntry> after;
  {
    std::lock_guard lock(mutex_);
    for (const auto& entry : history_)
      if (entry->id == id) after = entry;
  }
  if (!after) return;
  auto diff = std::make_shared<const RunDiff>(compare_runs(*previous, *after));
  {
    std::lock_guard lock(mutex_);
    reload_diff_ = std::move(diff);
    publish_locked();
  }
  announce();
}

std::optional<RunDiff> Session::last_reload_diff() const {
  std::lock_guard lock(mutex_);
  if (!reload_diff_) return std::nullopt;
  return *reload_diff_;
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
