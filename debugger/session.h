// Session: a debugging session over one filter chain. It owns the engine thread (which runs the
// VMs, the dispatcher and every request sent or replayed here), optionally the proxy (its own
// thread and VMs, for requests from curl, wrk or a browser), the bounded trace store,
// breakpoints and stepping at the ABI level and (WABT engine) at wasm instructions, fault
// injection, the request history with replay and comparison, and hot reload.
// Both VM threads hit the same breakpoints. One pause is held at a time: a VM thread that
// reaches a pause while another is held waits behind it, and the other thread's streams queue
// behind their own held VM, as on a single-threaded Envoy worker.
// Front ends (the `pwplay debug` terminal, the desktop app, tests) talk to it from their own
// thread: they send commands and read snapshots (SessionSnapshot: its whole visible state,
// published after every change); they never touch a VM.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "abi/enums.h"
#include "abi/result.h"
#include "debugger/breakpoints.h"
#include "debugger/formats/request_file.h"
#include "debugger/history.h"
#include "debugger/module_view.h"
#include "debugger/perf_state.h"
#include "debugger/runner.h"
#include "debugger/trace_store.h"
#include "host/disassembly.h"
#include "host/environment.h"
#include "host/filter_chain.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "host/proxy/proxy.h"
#include "host/vm.h"

namespace pwplay::debugger {

struct SessionOptions {
  size_t trace_budget_bytes = size_t{256} << 20;
  // What filters may make the host keep, in the session's runs and its proxy alike
  // (docs/reliability.md, "Limits").
  host::SharedLimits shared_limits;
  host::HeaderLimits header_limits;
  // Requests kept in the history (each with its trace); past it the oldest are dropped, so that
  // a load test through the proxy cannot grow the session without bound.
  size_t max_history = 2000;
  // Runs after each new snapshot is published, on whichever thread changed the session and
  // without its lock held (the desktop app wakes its event loop). Keep it quick.
  std::function<void()> on_publish;
  // The session's clock is virtual (ticks and callout delays run in virtual time, so runs are
  // reproducible). With this set, before each request the clock first catches up with the wall
  // time since the previous one (at most kMaxClockCatchUp): the ticks due meanwhile run, and
  // that run's trace shows them. The desktop app sets it, so a tick-driven filter behaves as in
  // a proxy between two Sends.
  bool clock_follows_wall_time = false;
};

// How much wall time one catch-up may let pass on the virtual clock (a session left idle for an
// hour does not run an hour of ticks before its next request).
inline constexpr std::chrono::milliseconds kMaxClockCatchUp{60000};
inline constexpr size_t kMaxCatchUpTimers = 1000;

// Whether a request sent in the session stops at breakpoints and steps (Debug request), or runs
// to its end whatever they say (a plain Send).
enum class Pausing : uint8_t { On, Off };

// Idle: the engine thread has nothing to run. Running: it is loading or running requests.
// Paused: a VM thread (the engine's or the proxy's) is held at a pause point.
enum class SessionState : uint8_t { Idle, Running, Paused };

// How to go on from a pause.
enum class ResumeMode : uint8_t {
  Continue,  // until the next breakpoint
  Step,      // to the next ABI event (host call, callback entry or exit)
  Next,      // over the current callback (to its exit, or the next top-level callback)
  Finish,    // to the end of the current stream, ignoring breakpoints in it
  Abort,     // stop the paused stream: it fails as a trap would ("aborted by the user at X")
};

// A labelled range of VM memory touched by a copy between host and VM.
struct MemoryRegion {
  uint32_t address = 0;
  uint32_t length = 0;
  std::string label;
  host::CopyDirection direction = host::CopyDirection::HostToVm;
  uint64_t seq = 0;  // the copy event
};

// One frame of the ABI stack: a callback, or the host call it is making.
struct AbiFrame {
  host::EventKind kind = host::EventKind::Callback;
  std::string name;
  std::vector<host::TraceField> args;
  uint32_t context_id = 0;
};

struct PauseInfo {
  uint64_t id = 0;     // increases with every pause
  std::string reason;  // "breakpoint 1 (hostcall proxy_add_header_map_value if ...)", "step"
  std::optional<uint32_t> breakpoint;
  host::PausePoint::Where where = host::PausePoint::Where::HostCallDone;
  // The wasm instruction about to run (Where::Instruction, after step_instruction()).
  std::optional<host::WasmLocation> wasm;
  // The paused plugin's engine can step wasm instructions (WABT).
  bool can_step_instructions = false;
  // Which VM thread is held: "session" (requests sent or replayed here) or "proxy".
  std::string worker;
  host::TraceEvent event;                      // the callback, host call or trap paused at
  std::vector<host::TraceEvent> step_events;   // everything recorded since the previous pause point
  std::vector<AbiFrame> frames;                // outermost first
  std::vector<MemoryRegion> event_regions;     // copied by this event
  std::vector<MemoryRegion> callback_regions;  // copied since the current callback began
  std::shared_ptr<const std::vector<uint8_t>> memory;  // snapshot taken at the pause
  // Byte ranges [begin, end) that differ from the previous pause's snapshot of the same plugin.
  std::vector<std::pair<uint32_t, uint32_t>> changed_ranges;
  uint64_t stream_id = 0;
  std::string plugin;
  // The stream's header maps as they are at the pause, and the request as the client sent it.
  std::optional<abi::HeaderPairs> request_headers;
  std::optional<abi::HeaderPairs> response_headers;
  abi::HeaderPairs client_request_headers;
};

// Everything a front end shows of a session, as one immutable value: every change marks it stale
// and the next snapshot() builds a new one under a short lock; history entries and the pause are
// shared between snapshots, never copied.
struct SessionSnapshot {
  uint64_t version = 0;  // goes up with every publish
  SessionState state = SessionState::Idle;
  std::string activity;  // what the engine thread is doing ("loading x.wasm", "sending GET /")
  PluginInfo plugin;     // the loaded filter, or why the last load failed (plugin.error)
  // Every filter of the loaded chain in request order (the first is `plugin`); empty when none.
  std::vector<PluginInfo> chain;
  // The module read for the app's Module tab (read_module_in_background), or null.
  std::shared_ptr<const ModuleView> module;
  uint32_t loads = 0;  // loads the engine thread carried out, successful or not
  std::vector<std::shared_ptr<const HistoryEntry>> history;  // oldest first, bounded
  uint64_t history_count = 0;                                // requests that ever finished
  uint64_t trace_events = 0;  // events the trace store recorded since the session started
  std::shared_ptr<const PauseInfo> pause;  // set while paused
  std::vector<Breakpoint> breakpoints;     // with their hit counts
  std::map<std::string, abi::Status> injections;
  bool fail_allocations = false;
  std::optional<uint16_t> proxy_port;  // while the proxy runs
  std::string proxy_error;             // why the last start of the proxy failed
  bool watching = false;               // hot reload is on
  uint32_t reload_count = 0;
  // The last hot reload's replay compared with the run it replayed.
  std::shared_ptr<const RunDiff> reload_diff;
  // Performance: the views and plots (sampled about once a second and after each request the
  // engine thread runs) and the last leak check.
  std::shared_ptr<const PerfState> perf;
  std::shared_ptr<const LeakCheckState> leak_check;

  const HistoryEntry* find(uint64_t id) const;
  const HistoryEntry* last() const { return history.empty() ? nullptr : history.back().get(); }
};

class Session {
 public:
  explicit Session(SessionOptions options = {});
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  using State = SessionState;

  // The latest snapshot (cheap when nothing changed: a shared_ptr copy under a short lock; after
  // a change, built then from the state at that moment).
  std::shared_ptr<const SessionSnapshot> snapshot() const;

  // --- Plugin setup (the engine thread does the work; these wait for it) ------------------------
  // A failed load leaves no filter loaded (requests sent then fail with the load's error); the
  // proxy keeps its filter until a load succeeds.
  Result<void> load(const PluginSpec& options);
  // The same without waiting: queued behind what the engine thread is running; the snapshot
  // shows the outcome. Breakpoints in the start-up callbacks (proxy_on_vm_start,
  // proxy_on_configure) pause it, as they pause reload_in_background().
  void load_in_background(const PluginSpec& options);
  // A chain of filters, run in this order for requests (responses in reverse), as Envoy runs an
  // HTTP filter chain; a load error names the filter at fault ("filter 2 (x): ...").
  Result<void> load(const std::vector<PluginSpec>& chain);
  void load_in_background(const std::vector<PluginSpec>& chain);
  // Re-reads the module from disk keeping breakpoints, injections and configuration.
  Result<void> reload();
  // The same without waiting, so that breakpoints in the start-up callbacks (proxy_on_vm_start,
  // proxy_on_configure) can pause it: wait() reports the pause or the end, plugin_info() the
  // outcome (its build number goes up, or `error` says why not).
  void reload_in_background();
  PluginInfo plugin_info() const;
  // The loaded module's disassembly (read once per build), for showing the code at an
  // instruction stop. Errors say why there is none (unreadable or invalid module).
  Result<std::shared_ptr<const host::ModuleWat>> disassembly() const;
  // Reads the module file `wasm_path` (one of the loaded chain's) on the engine thread, after
  // what is queued there: its shape, ABI version and disassembly go into the snapshot's
  // `module` (or its `error` says why not), stamped with the current build.
  void read_module_in_background(std::string wasm_path);

  // --- Breakpoints (any thread) -----------------------------------------------------------------
  uint32_t add_breakpoint(Breakpoint breakpoint);
  bool remove_breakpoint(uint32_t id);
  bool enable_breakpoint(uint32_t id, bool enabled);
  // Lets the next `count` matches pass without stopping (gdb's "ignore"); hits keep counting.
  bool ignore_breakpoint(uint32_t id, uint32_t count);
  // Sets the condition of breakpoint `id` ("" makes it unconditional), as gdb's "condition N".
  // Errors name a condition that does not parse or a breakpoint that does not exist.
  Result<void> set_breakpoint_condition(uint32_t id, std::string_view condition_text);
  std::vector<Breakpoint> breakpoints() const;

  // --- Fault injection --------------------------------------------------------------------------
  Result<void> inject(const std::string& host_call, abi::Status status);
  void clear_injections();
  void fail_allocations(bool fail);
  std::map<std::string, abi::Status> injections() const;
  // The fault commands both front ends take: "HOSTCALL STATUS", "alloc on|off" ("fail" for on),
  // "clear". Returns what now happens ("proxy_http_call will return BAD_ARGUMENT").
  Result<std::string> apply_fault_command(std::string_view text);

  // --- Requests ---------------------------------------------------------------------------------
  // Queues a request; returns the history id it will have. With Pausing::Off it runs to its end:
  // breakpoints neither stop it nor count it, step modes do not apply.
  uint64_t send(RequestFile request, std::string name = "", Pausing pausing = Pausing::On);
  uint64_t replay(uint64_t history_id);  // 0 when the id is not in the history
  // Replays a selection in the given order (0 for ids not in the history), or everything the
  // history holds, oldest first. Each replay becomes a new history entry.
  std::vector<uint64_t> replay(const std::vector<uint64_t>& history_ids);
  std::vector<uint64_t> replay_all();

  // Waits until something pauses or the engine thread has nothing left to run (or the timeout
  // passes). Streams in flight through the proxy do not count as running: wait for them with
  // wait_for_pause() or wait_for_history().
  State wait(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  State state() const;
  std::optional<PauseInfo> pause() const;
  // Goes on from the current pause; false when not paused.
  bool resume(ResumeMode mode);
  // Goes on by one wasm instruction (Instruction: into calls; Over: over them; Out: to the
  // caller), or to the instruction at file offset `offset` (ToOffset: breakpoints still stop
  // first), on engines that step. Errors say why not (not paused, the engine cannot step).
  Result<void> step_instruction(host::StepRequest::Kind kind = host::StepRequest::Kind::Instruction,
                                uint32_t offset = 0);
  // Waits until something is paused (true) or the timeout passes (false); for requests that
  // arrive through the proxy.
  bool wait_for_pause(std::chrono::milliseconds timeout);
  // The end of a front end's session (a `pwplay debug` batch): releases the held stream and
  // lets every stream run to its end without pausing again (breakpoints stop nothing from then
  // on), so that a client of the proxy gets its real answer. Waits until the engine thread is
  // idle and the proxy has no request in flight; false when the timeout passed first.
  bool run_to_end(std::chrono::milliseconds timeout);

  // --- Proxy ------------------------------------------------------------------------------------
  // Starts the proxy with the loaded filter (the session fills in the plugins, tracing, the
  // debugger hook and stream numbering; the rest of `options` is the caller's). Streams through
  // it hit the session's breakpoints and land in the history. A reload restarts it on the same
  // port. Returns the bound port.
  Result<uint16_t> start_proxy(host::proxy::ProxyOptions options);
  // The same on the engine thread, after what is queued there (a load): the snapshot shows the
  // port, or why it did not start (proxy_error).
  void start_proxy_in_background(host::proxy::ProxyOptions options);
  // Stops it; a stream held at a pause runs to its end first.
  void stop_proxy();
  std::optional<uint16_t> proxy_port() const;
  // Requests that ever finished (the history keeps the last SessionOptions::max_history).
  uint64_t history_count() const;
  // Waits until `count` requests have finished in this session; false on timeout.
  bool wait_for_history(uint64_t count, std::chrono::milliseconds timeout);

  // --- History ----------------------------------------------------------------------------------
  std::vector<HistoryEntry> history() const;
  std::optional<HistoryEntry> history_entry(uint64_t id) const;
  std::optional<RunDiff> compare(uint64_t before, uint64_t after) const;
  // Forgets the entries (history_count keeps counting).
  void clear_history();

  // --- Hot reload -------------------------------------------------------------------------------
  // Watches the module file of every filter of the chain; when one changes, reloads the chain
  // and (if asked) replays the last request.
  void watch(bool enabled, bool replay_last = true);
  // The diff between the previous build's result and the replay after the last reload, if any.
  std::optional<RunDiff> last_reload_diff() const;
  uint32_t reload_count() const;
  bool watching() const;

  TraceStore& trace() { return store_; }

  // --- Performance (session_perf.cc) -------------------------------------------------------------
  // The time window the published views cover; the views follow at once.
  void set_perf_window(PerfWindow window);
  // Starts the "since reset" window now.
  void reset_perf();
  // Sends `request` `count` times on the engine thread without pausing, samples the filter's
  // linear memory as it goes and judges the growth (debugger/leak_check.h); the snapshot's
  // leak_check shows the progress and the verdict. Returns the check's id.
  uint64_t leak_check(RequestFile request, uint64_t count);
  // Stops a running leak check after the request in flight.
  void cancel_leak_check();

 private:
  struct Task {
    std::string what;  // the snapshot's activity while it runs
    std::function<void()> run;
  };
  enum class StepMode : uint8_t { None, Step, Next };
  // Events as the store keeps them: immutable and shared, so the pause logic copies none.
  using EventRefs = std::vector<std::shared_ptr<const host::TraceEvent>>;
  // How the user asked to go on: an ABI-level mode, or a wasm instruction step.
  struct Command {
    ResumeMode mode = ResumeMode::Continue;
    std::optional<host::StepRequest::Kind> instruction;
    uint32_t offset = 0;  // ToOffset: where to stop
  };
  // What one VM thread (the engine thread, the proxy's loop) is doing, as the debugger follows
  // it. Touched only on that thread (or before it starts).
  struct Worker {
    std::string name;
    EventRefs since_point;  // recorded since the previous pause point (shared with the store)
    std::vector<AbiFrame> frames;
    std::vector<MemoryRegion> callback_regions;
    std::map<std::string, std::shared_ptr<const std::vector<uint8_t>>> last_snapshot;
    const host::HttpStreamState* stream = nullptr;  // of the last pause point
    host::FilterChain* chain = nullptr;             // of the last pause point
    uint64_t current_stream = 0;
    uint64_t client_stream = 0;  // the stream client_headers belong to
    abi::HeaderPairs client_headers;
    uint64_t finish_stream = 0;  // stream running to its end without pauses
    StepMode step_mode = StepMode::None;
    size_t next_depth = 0;
    uint64_t faults_applied = 0;    // the fault generation its plugins have
    bool startup_pausable = false;  // a background reload: start-up callbacks may pause
    bool pausing = true;            // false while a request sent with Pausing::Off runs
    host::StepRequest::Kind step_kind = host::StepRequest::Kind::Instruction;  // the last stepi
  };

  void engine_loop();
  void post(std::string what, std::function<void()> task);
  // Runs `task` on the engine thread and waits for it (not while paused in that thread).
  void run_sync(std::string what, std::function<void()> task);
  host::PauseVerdict on_pause_point(Worker& worker, const host::PausePoint& point,
                                    host::FilterChain* chain);
  host::StepRequest on_instruction(Worker& worker, host::Vm& vm, const std::string& plugin,
                                   const host::WasmLocation& location);
  // Publishes `info` and holds the VM thread until a command comes.
  Command hold(Worker& worker, PauseInfo info, host::Vm& vm);
  // Carries out a command on the VM thread; the step plan is for an instruction stop.
  host::StepRequest apply(Worker& worker, host::Vm& vm, const std::string& plugin,
                          const Command& command, bool at_instruction);
  void fill_pause_context(Worker& worker, PauseInfo& info, std::span<const uint8_t> memory,
                          const std::string& plugin);
  void update_frames(Worker& worker, const EventRefs& events);
  // Whether a breakpoint stops at this point; `counted` says whether any hit count went up.
  std::optional<std::string> breakpoint_hit(const EventRefs& events, const host::PausePoint& point,
                                            std::optional<uint32_t>& id,
                                            const host::TraceEvent*& matched, bool& counted);
  // Gives the VM the enabled instruction breakpoints (none when the worker does not pause).
  void sync_instruction_breakpoints(Worker& worker, host::Vm& vm, const std::string& plugin);
  // Whether an instruction breakpoint at `offset` stops (conditions, ignore counts, hit counts).
  std::optional<std::string> instruction_breakpoint_hit(Worker& worker, const std::string& plugin,
                                                        uint32_t offset,
                                                        std::optional<uint32_t>& id);
  void apply_faults(Worker& worker, host::FilterChain& chain);
  // `fresh`: new options (a failure leaves nothing loaded); else a reload of the same ones (a
  // module that cannot be read keeps the previous build running).
  Result<void> load_on_engine(const std::vector<PluginSpec>& chain, bool fresh);
  void run_on_engine(uint64_t id, RequestFile request, std::string name, Pausing pausing);
  // SessionOptions::clock_follows_wall_time: runs the timers due since the last request.
  void catch_up_clock();
  // The hot reload's work on the engine thread: reload, then replay the last request.
  void reload_and_replay();
  // `build`: the module build the proxy that served the stream was started with.
  void on_proxy_record(host::proxy::StreamRecord&& record, uint32_t build);
  // Returns the retired entries nothing else holds any more: the caller frees them after it
  // releases the lock.
  [[nodiscard]] std::vector<std::shared_ptr<const HistoryEntry>> add_history_locked(
      HistoryEntry entry);
  State state_locked() const;
  // Marks the snapshot stale (the next snapshot() rebuilds it); mutex_ must be held.
  void publish_locked();
  std::shared_ptr<const SessionSnapshot> build_snapshot_locked() const;
  // Runs the on-publish callback; mutex_ must not be held.
  void announce() const;
  // Both, taking the lock.
  void publish();
  Result<uint16_t> start_proxy_locked(host::proxy::ProxyOptions options);
  void stop_proxy_locked();
  void restart_proxy();
  // Reads every plugin's counters (engine thread) into the model and publishes the views.
  void sample_perf();
  std::vector<host::PluginPerfSnapshot> read_perf_counters();
  void publish_perf();
  void run_leak_check(uint64_t id, const RequestFile& request, uint64_t count);
  // Each watched module file's modification time and size, in chain order.
  using ModuleStamps = std::vector<std::pair<std::filesystem::file_time_type, uintmax_t>>;
  // `missing` (if given) is set when a file cannot be read.
  static ModuleStamps stamp_modules(const std::vector<std::string>& paths, bool* missing = nullptr);
  // `loads`: the session's load count when the stamps `last` of `paths` were taken.
  void watch_loop(std::vector<std::string> paths, ModuleStamps last, uint32_t loads);

  class PausingStore;
  class ProxyTap;

  SessionOptions options_;
  TraceStore store_;
  std::unique_ptr<PausingStore> pausing_sink_;
  std::unique_ptr<ProxyTap> proxy_tap_;
  std::shared_ptr<std::atomic<uint64_t>> stream_ids_ = std::make_shared<std::atomic<uint64_t>>(0);

  // Engine-thread state.
  host::SimulatedDispatcher dispatcher_;
  // When the virtual clock last caught up with the wall time (SessionOptions::
  // clock_follows_wall_time); engine thread only.
  std::optional<std::chrono::steady_clock::time_point> clock_synced_;
  host::MockCalloutClient callouts_{dispatcher_};
  std::unique_ptr<host::HostEnv> env_;
  std::unique_ptr<host::FilterChain> chain_;
  std::vector<PluginSpec> plugin_options_;
  std::vector<host::LogRecord> run_logs_;
  Worker engine_worker_{.name = "session"};
  // Proxy-thread state.
  Worker proxy_worker_{.name = "proxy"};

  // Shared state.
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  // The engine thread waits on its own: it should not wake for every request the proxy finishes.
  std::condition_variable tasks_changed_;
  std::deque<Task> tasks_;
  bool busy_ = false;
  bool stopping_ = false;
  std::string activity_;
  std::shared_ptr<const PauseInfo> pause_;
  Worker* paused_worker_ = nullptr;
  std::optional<Command> resume_;
  uint64_t pause_counter_ = 0;
  std::vector<Breakpoint> breakpoints_;
  uint32_t next_breakpoint_id_ = 1;
  std::map<std::string, abi::Status> injections_;
  bool fail_allocations_ = false;
  uint64_t fault_generation_ = 1;
  std::deque<std::shared_ptr<const HistoryEntry>> history_;
  // Entries past the history's bound that a snapshot may still hold. They are freed here, by the
  // thread that adds entries, once nothing else holds them: otherwise the app's UI thread, which
  // drops the last snapshot that held them, would free thousands of them per second under load.
  std::deque<std::shared_ptr<const HistoryEntry>> retired_;
  uint64_t history_count_ = 0;
  uint64_t next_history_id_ = 1;
  PluginInfo info_;
  uint32_t loads_ = 0;
  std::vector<PluginSpec> loaded_options_;  // what the engine loaded last (for the proxy)
  // The module files of the chain last asked for, in order: what hot reload watches.
  std::vector<std::string> module_paths_;
  std::vector<PluginInfo> chain_info_;  // per plugin of chain_
  std::shared_ptr<const ModuleView> module_view_;
  std::shared_ptr<const RunDiff> reload_diff_;
  std::optional<uint16_t> proxy_port_;  // mirrors proxy_ for the snapshot
  std::string proxy_error_;
  bool watching_ = false;
  bool replay_on_reload_ = true;
  bool proxy_stopping_ = false;  // the proxy's held stream must go on without pausing again
  bool releasing_ = false;       // run_to_end: no thread pauses again

  // The disassembly cache (its own lock: disassembling a large module takes a while).
  mutable std::mutex disassembly_mutex_;
  mutable std::shared_ptr<const host::ModuleWat> disassembly_;
  mutable uint32_t disassembly_build_ = 0;

  // The proxy (its own lock: stopping it waits for its thread, which may need mutex_).
  mutable std::mutex proxy_mutex_;
  std::unique_ptr<host::proxy::Proxy> proxy_;
  host::proxy::ProxyOptions proxy_options_;  // without plugins, for a restart after a reload

  // The latest snapshot, built by snapshot() (under mutex_) when a publish made it stale.
  mutable std::shared_ptr<const SessionSnapshot> snapshot_;
  mutable bool snapshot_stale_ = true;
  uint64_t published_ = 0;

  // Performance: the model and where to read counters (their own lock, never held together with
  // mutex_; stop_proxy_locked takes it inside proxy_mutex_).
  mutable std::mutex perf_mutex_;
  PerfModel perf_model_;
  PerfWindow perf_window_ = PerfWindow::Last10s;
  uint64_t perf_epoch_ = 0;
  uint64_t perf_samples_ = 0;
  const host::HostEnv* proxy_env_ = nullptr;  // valid while proxy_ runs
  std::chrono::steady_clock::time_point perf_clock_ = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_perf_sample_{};
  std::shared_ptr<const PerfState> perf_state_;       // under mutex_
  std::shared_ptr<const LeakCheckState> leak_state_;  // under mutex_
  std::atomic<bool> leak_cancel_{false};
  uint64_t next_leak_id_ = 1;

  std::thread engine_;
  std::thread watcher_;
};

}  // namespace pwplay::debugger
