// What the desktop app shows, as immutable snapshots the engine thread publishes: the filter
// settings, the loaded plugin's identity, and the history of runs. The UI reads one snapshot per
// frame and never touches the host or the VM; runs are shared between snapshots, not copied.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "debugger/formats/request_file.h"
#include "debugger/runner.h"

namespace pwplay::gui {

// How to load the filter: what the Filter panel edits and every Load / Send carries.
struct FilterSettings {
  std::string wasm_path;
  std::string configuration;  // plugin configuration (Envoy "configuration")
  std::string root_id;
  std::string vm_id;
  bool fail_open = false;
  std::string engine = "v8";

  bool operator==(const FilterSettings&) const = default;
};

// The plugin as the last successful load (or run) saw it.
struct PluginInfo {
  std::string name;
  std::string abi_version;  // "0.2.1"
  std::string engine;       // "v8"
  std::string engine_version;
  FilterSettings settings;                    // what it was loaded with
  std::vector<host::LogRecord> startup_logs;  // logs from start-up (on_vm_start, on_configure)
  uint64_t load_ns = 0;                       // wall time of the load
};

// One request sent through the filter, with everything that came back.
struct RunRecord {
  uint64_t id = 0;  // 1, 2, ... in send order
  FilterSettings settings;
  debugger::RequestFile request;
  std::optional<debugger::RunResult> result;  // nullopt when the plugin could not start
  std::string error;                          // why there is no result
  uint64_t wall_ns = 0;                       // load + run, wall clock
  std::chrono::system_clock::time_point finished;

  bool ok() const { return result.has_value(); }
};

struct Snapshot {
  uint64_t version = 0;        // bumped at every publish
  uint64_t commands_done = 0;  // engine commands finished (see EngineWorker::submitted())
  bool busy = false;           // a command is running
  std::string busy_what;       // "loading add_header.wasm", "sending GET /hello"
  std::optional<PluginInfo> plugin;
  std::string load_error;  // the last load's error; empty after a successful load or run
  std::vector<std::shared_ptr<const RunRecord>> runs;  // oldest first, bounded

  const RunRecord* last_run() const { return runs.empty() ? nullptr : runs.back().get(); }
  const RunRecord* find_run(uint64_t id) const {
    for (const auto& run : runs)
      if (run->id == id) return run.get();
    return nullptr;
  }
};

}  // namespace pwplay::gui
