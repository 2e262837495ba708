// The session's pausing, on a VM thread inside a VM call: following the ABI frames, deciding at
// each pause point (breakpoints, step modes), describing the pause (frames, memory regions, a
// memory snapshot and what changed since the last one), holding the thread until a command
// comes, and carrying the command out (including wasm instruction steps).
#include <algorithm>

#include "debugger/session.h"

namespace pwplay::debugger {

namespace {

host::Plugin* find_plugin(host::FilterChain* chain, const std::string& name) {
  if (!chain) return nullptr;
  for (size_t i = 0; i < chain->size(); ++i)
    if (chain->plugin(i).config().name == name) return &chain->plugin(i);
  return nullptr;
}

}  // namespace

// --- Pausing (on a VM thread, inside a VM call) ------------------------------------------------

void Session::update_frames(Worker& worker, const EventRefs& events) {
  for (const auto& shared : events) {
    const host::TraceEvent& event = *shared;
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

std::optional<std::string> Session::breakpoint_hit(const EventRefs& events,
                                                   const host::PausePoint& point,
                                                   std::optional<uint32_t>& id,
                                                   const host::TraceEvent*& matched,
                                                   bool& counted) {
  std::lock_guard lock(mutex_);
  EventContext context{point.stream};
  std::optional<std::string> reason;
  std::optional<uint32_t> temporary;  // a tbreak that stops here goes away
  for (const auto& shared : events) {
    const host::TraceEvent& event = *shared;
    // A callback breakpoint stops at the entry, before the filter runs.
    if (event.kind == host::EventKind::Callback &&
        point.where != host::PausePoint::Where::CallbackEnter)
      continue;
    for (auto& breakpoint : breakpoints_) {
      if (!breakpoint.enabled || !breakpoint_targets(breakpoint, event)) continue;
      if (!conditions_hold(breakpoint.conditions, event, context)) continue;
      ++breakpoint.hits;
      counted = true;
      if (breakpoint.hits <= breakpoint.ignore_count || reason) continue;
      id = breakpoint.id;
      matched = &event;
      reason = std::string(breakpoint.temporary ? "temporary " : "") + "breakpoint " +
               std::to_string(breakpoint.id) + " (" + describe(breakpoint) + ")";
      if (breakpoint.temporary) temporary = breakpoint.id;
    }
  }
  if (temporary)
    std::erase_if(breakpoints_, [&](const Breakpoint& b) { return b.id == *temporary; });
  return reason;
}

void Session::sync_instruction_breakpoints(Worker& worker, host::Vm& vm,
                                           const std::string& plugin) {
  std::vector<uint32_t> offsets;
  const bool finishing = worker.finish_stream != 0 && worker.finish_stream == worker.current_stream;
  if (worker.pausing && !finishing) {
    std::lock_guard lock(mutex_);
    for (const auto& breakpoint : breakpoints_)
      if (breakpoint.enabled && breakpoint.kind == BreakpointKind::Instruction)
        offsets.push_back(breakpoint.offset);
  }
  host::Vm* target = &vm;
  (void)vm.set_instruction_breakpoints(
      std::move(offsets), [this, &worker, target, plugin](const host::WasmLocation& location) {
        return on_instruction(worker, *target, plugin, location);
      });
}

std::optional<std::string> Session::instruction_breakpoint_hit(Worker& worker,
                                                               const std::string& plugin,
                                                               uint32_t offset,
                                                               std::optional<uint32_t>& id) {
  // Conditions see the callback the instruction runs in, and the stream.
  host::TraceEvent event;
  event.kind = host::EventKind::Callback;
  event.plugin = plugin;
  if (!worker.frames.empty()) {
    event.name = worker.frames.back().name;
    event.args = worker.frames.back().args;
    event.context_id = worker.frames.back().context_id;
  }
  const EventContext context{worker.stream};
  std::optional<std::string> reason;
  bool counted = false;
  {
    std::lock_guard lock(mutex_);
    std::optional<uint32_t> temporary;
    for (auto& breakpoint : breakpoints_) {
      if (!breakpoint.enabled || breakpoint.kind != BreakpointKind::Instruction ||
          breakpoint.offset != offset || !conditions_hold(breakpoint.conditions, event, context))
        continue;
      ++breakpoint.hits;
      counted = true;
      if (breakpoint.hits <= breakpoint.ignore_count || reason) continue;
      id = breakpoint.id;
      reason = std::string(breakpoint.temporary ? "temporary " : "") + "breakpoint " +
               std::to_string(breakpoint.id) + " (" + describe(breakpoint) + ")";
      if (breakpoint.temporary) temporary = breakpoint.id;
    }
    if (temporary)
      std::erase_if(breakpoints_, [&](const Breakpoint& b) { return b.id == *temporary; });
  }
  if (counted && !reason) publish();  // hit counts are part of the snapshot
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

bool entering(const std::vector<std::shared_ptr<const host::TraceEvent>>& events,
              std::string_view callback) {
  return std::any_of(events.begin(), events.end(), [&](const auto& event) {
    return event->kind == host::EventKind::Callback && event->phase == "enter" &&
           event->name == callback;
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
  EventRefs events = std::move(worker.since_point);
  worker.since_point.clear();
  update_frames(worker, events);
  worker.stream = point.stream;
  worker.chain = chain;
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
    if (stopping_ || releasing_ || (proxy_stopping_ && &worker == &proxy_worker_))
      return host::PauseVerdict::Go;
  }
  const uint64_t stream_id = point.stream ? point.stream->id : 0;
  if (stream_id) worker.current_stream = stream_id;
  if (point.where == host::PausePoint::Where::CallbackEnter && point.vm->supports_stepping())
    sync_instruction_breakpoints(worker, *point.vm, point.plugin);
  // A plain send: breakpoints and step modes do not apply (not even as hits).
  if (!worker.pausing) return host::PauseVerdict::Go;
  if (worker.finish_stream != 0 && worker.finish_stream == worker.current_stream)
    return host::PauseVerdict::Go;
  worker.finish_stream = 0;

  std::optional<uint32_t> breakpoint_id;
  const host::TraceEvent* matched = nullptr;
  bool counted = false;
  std::optional<std::string> reason =
      breakpoint_hit(events, point, breakpoint_id, matched, counted);
  if (counted && !reason) publish();  // hit counts are part of the snapshot
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
  // Copied only now that the thread stops: the pause owns what it shows.
  info.step_events.reserve(events.size());
  for (const auto& event : events) info.step_events.push_back(*event);
  // The event this point is about: a trap, else what the breakpoint matched (a log stands for
  // the host call that wrote it), else the last callback or host call recorded.
  const host::TraceEvent* primary = nullptr;
  for (const auto& event : events)
    if (event->kind == host::EventKind::Trap) primary = event.get();
  if (!primary && matched && matched->kind != host::EventKind::Log) primary = matched;
  if (!primary) {
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
      if ((*it)->kind == host::EventKind::Callback || (*it)->kind == host::EventKind::HostCall) {
        primary = it->get();
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
    if (event->kind == host::EventKind::Copy)
      info.event_regions.push_back(
          MemoryRegion{event->address, event->length, event->label, event->direction, event->seq});
  info.stream_id = stream_id ? stream_id : info.event.stream_id;
  info.can_step_instructions = point.vm->supports_stepping();

  Command command = hold(worker, std::move(info), *point.vm);
  if (plugin) apply_faults(worker, *chain);
  apply(worker, *point.vm, point.plugin, command, /*at_instruction=*/false);
  // The host ends the stream as a trap, the same on every engine: a callback that has not started
  // does not run, a host call traps, a callback's result is dropped.
  if (command.mode == ResumeMode::Abort && !command.instruction) return host::PauseVerdict::Abort;
  return host::PauseVerdict::Go;
}

host::StepRequest Session::on_instruction(Worker& worker, host::Vm& vm, const std::string& plugin,
                                          const host::WasmLocation& location) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || releasing_ || (proxy_stopping_ && &worker == &proxy_worker_)) return {};
  }
  PauseInfo info;
  std::optional<std::string> breakpoint;
  if (location.breakpoint &&
      !(worker.finish_stream != 0 && worker.finish_stream == worker.current_stream))
    breakpoint = instruction_breakpoint_hit(worker, plugin, location.file_offset, info.breakpoint);
  // A breakpoint whose condition does not hold, met while running freely: go on.
  if (!location.step_done && !breakpoint) return {};
  switch (worker.step_kind) {
    case host::StepRequest::Kind::Over:
      info.reason = "nexti";
      break;
    case host::StepRequest::Kind::Out:
      info.reason = "out of the function";
      break;
    case host::StepRequest::Kind::ToOffset:
      info.reason = "until";
      break;
    default:
      info.reason = "stepi";
      break;
  }
  if (breakpoint) info.reason = *breakpoint;
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
    auto may_go_on = [&] {
      return stopping_ || releasing_ || (proxy_stopping_ && &worker == &proxy_worker_);
    };
    changed_.wait(lock, [&] { return !pause_ || may_go_on(); });
    if (may_go_on()) {
      command.mode = ResumeMode::Finish;
    } else {
      info.id = ++pause_counter_;
      pause_ = std::make_shared<const PauseInfo>(std::move(info));
      paused_worker_ = &worker;
      resume_.reset();
      publish_locked();
      changed_.notify_all();
      // The callback runs without the lock; a resume that comes meanwhile is seen by the wait.
      lock.unlock();
      announce();
      lock.lock();
      changed_.wait(lock, [this] { return resume_.has_value(); });
      command = *resume_;
      pause_.reset();
      paused_worker_ = nullptr;
      resume_.reset();
      publish_locked();
    }
  }
  changed_.notify_all();
  announce();
  vm.resume_runaway_clock();
  return command;
}

host::StepRequest Session::apply(Worker& worker, host::Vm& vm, const std::string& plugin,
                                 const Command& command, bool at_instruction) {
  // Instruction breakpoints added or removed during the pause take effect in the call that goes
  // on, once the command is carried out (a Finish or Abort clears them for the stream).
  struct Resync {
    Session& session;
    Worker& worker;
    host::Vm& vm;
    const std::string& plugin;
    ~Resync() {
      if (vm.supports_stepping()) session.sync_instruction_breakpoints(worker, vm, plugin);
    }
  } resync{*this, worker, vm, plugin};
  worker.step_mode = StepMode::None;
  if (command.instruction) {
    worker.step_kind = *command.instruction;
    host::StepRequest request{*command.instruction, command.offset};
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
      // At an ABI pause point the verdict aborts (on_pause_point); at an instruction only the
      // engine can stop the call, and the plugin names the place in the trap it reports.
      if (at_instruction) {
        if (host::Plugin* running = find_plugin(worker.chain, plugin)) {
          std::string where = worker.frames.empty() ? plugin : worker.frames.back().name;
          running->abi_host().note_user_abort("aborted by the user at " + where +
                                              " (a wasm instruction)");
        }
        vm.terminate();
      }
      break;
  }
  return {};
}

}  // namespace pwplay::debugger
