// EngineWorker: the desktop app's engine thread. The UI sends it commands (load a filter, send a
// request, clear the history) through a queue and reads what it publishes: immutable snapshots,
// swapped under a short lock. V8, WABT and the host only ever run on this thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <variant>

#include "app/gui/core/snapshot.h"

namespace pwplay::gui {

class EngineWorker {
 public:
  // `on_publish` runs on the engine thread after each publish (the app wakes its event loop).
  explicit EngineWorker(std::function<void()> on_publish = {});
  ~EngineWorker();  // finishes the running command, drops the queued ones, joins
  EngineWorker(const EngineWorker&) = delete;
  EngineWorker& operator=(const EngineWorker&) = delete;

  // Each returns the command's ticket: the command is done when snapshot()->commands_done
  // reaches it. Commands run in order.
  uint64_t load(FilterSettings settings);
  // Loads with `settings` (what the user sees is what runs) and sends `request` through it.
  uint64_t send(FilterSettings settings, debugger::RequestFile request);
  uint64_t clear_history();
  // Adds a run made elsewhere (a request that went through the debugger session) to the history,
  // numbered like the others.
  uint64_t add_run(RunRecord record);

  std::shared_ptr<const Snapshot> snapshot() const;
  uint64_t submitted() const;  // tickets handed out so far
  bool idle() const { return snapshot()->commands_done >= submitted(); }
  // Blocks until `ticket` is done or `timeout` passes (tests and automation); true when done.
  bool wait_for(uint64_t ticket, std::chrono::milliseconds timeout) const;

  static constexpr size_t kMaxRuns = 200;

 private:
  struct Load {
    FilterSettings settings;
  };
  struct Send {
    FilterSettings settings;
    debugger::RequestFile request;
  };
  struct ClearHistory {};
  struct AddRun {
    RunRecord record;
  };
  using Command = std::variant<Load, Send, ClearHistory, AddRun>;

  uint64_t enqueue(Command command);
  void loop();
  void execute(Load& command);
  void execute(Send& command);
  void execute(ClearHistory& command);
  void execute(AddRun& command);
  // Copies the current snapshot, lets `edit` change it, and publishes the copy.
  void publish(const std::function<void(Snapshot&)>& edit);

  std::function<void()> on_publish_;

  mutable std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<Command> queue_;
  uint64_t submitted_ = 0;
  bool stopping_ = false;

  mutable std::mutex snapshot_mutex_;
  mutable std::condition_variable snapshot_cv_;
  std::shared_ptr<const Snapshot> snapshot_;

  uint64_t next_run_id_ = 1;  // engine thread only
  std::thread thread_;        // last: starts after everything above exists
};

// The options `pwplay run` would take for these settings.
debugger::PluginOptions plugin_options(const FilterSettings& settings);

}  // namespace pwplay::gui
