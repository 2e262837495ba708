#include "debugger/formats/chrome_trace.h"

#include <algorithm>
#include <map>
#include <vector>

#include "debugger/formats/atomic_file.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;

double micros(uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

json fields(const std::vector<host::TraceField>& list) {
  json out = json::object();
  for (const auto& field : list) out[field.name] = host::printable(field.value);
  return out;
}

// Builds the events; keeps the processes and threads it has seen for their name records.
class Writer {
 public:
  json finish(std::span<const host::TraceEvent> events) {
    for (const auto& event : events) add(event);
    // Callbacks that never exited (the trace ends inside one): closed at the last timestamp.
    for (auto& [pid, stack] : open_)
      while (!stack.empty()) {
        const Open& open = stack.back();
        json args = fields(open.enter.args);
        args["unfinished"] = true;
        emit("X", open.enter, pid, open.tid, "callback", open.enter.start_ns,
             last_ns_ - std::min(last_ns_, open.enter.start_ns), std::move(args));
        stack.pop_back();
      }
    json all = json::array();
    for (const auto& [name, pid] : pids_)
      all.push_back(
          {{"ph", "M"},
           {"name", "process_name"},
           {"pid", pid},
           {"tid", 0},
           {"args", {{"name", "plugin " + (name.empty() ? std::string("(host)") : name)}}}});
    for (const auto& [key, seen] : threads_) {
      (void)seen;
      const auto [pid, tid] = key;
      all.push_back(
          {{"ph", "M"},
           {"name", "thread_name"},
           {"pid", pid},
           {"tid", tid},
           {"args",
            {{"name", tid == 0 ? std::string("root context") : "stream " + std::to_string(tid)}}}});
    }
    for (auto& event : out_) all.push_back(std::move(event));
    return {{"traceEvents", std::move(all)},
            {"displayTimeUnit", "ns"},
            {"otherData", {{"producer", "pwplay"}, {"events", events.size()}}}};
  }

 private:
  struct Open {
    host::TraceEvent enter;
    uint64_t tid = 0;
  };

  int pid_of(const std::string& plugin) {
    auto [it, added] = pids_.try_emplace(plugin, static_cast<int>(pids_.size()) + 1);
    return it->second;
  }

  // Work inside a callback stays on the callback's track, so that it nests under it in the
  // viewer, even when it acts on another stream (proxy_set_effective_context); the event's own
  // stream stays in its arguments.
  uint64_t tid_of(int pid, const host::TraceEvent& event) {
    auto it = open_.find(pid);
    if (it != open_.end() && !it->second.empty()) return it->second.back().tid;
    return event.stream_id;
  }

  void emit(const char* ph, const host::TraceEvent& event, int pid, uint64_t tid,
            const char* category, uint64_t ts_ns, uint64_t dur_ns, json args) {
    threads_[{pid, tid}] = true;
    args["seq"] = event.seq;
    if (event.stream_id != 0) args["stream_id"] = event.stream_id;
    if (event.context_id != 0) args["context_id"] = event.context_id;
    json out = {
        {"name", event.name},  {"cat", category},        {"ph", ph}, {"pid", pid}, {"tid", tid},
        {"ts", micros(ts_ns)}, {"args", std::move(args)}};
    if (std::string(ph) == "X") out["dur"] = micros(dur_ns);
    if (std::string(ph) == "i") out["s"] = "t";
    out_.push_back(std::move(out));
  }

  void add(const host::TraceEvent& event) {
    last_ns_ = std::max(last_ns_, event.start_ns + event.duration_ns);
    const int pid = pid_of(event.plugin);
    switch (event.kind) {
      case host::EventKind::Callback: {
        auto& stack = open_[pid];
        if (event.phase == "enter") {
          const uint64_t tid = stack.empty() ? event.stream_id : stack.back().tid;
          stack.push_back({event, tid});
          return;
        }
        json args;
        uint64_t tid = event.stream_id;
        if (!stack.empty() && stack.back().enter.name == event.name) {
          args = fields(stack.back().enter.args);
          tid = stack.back().tid;
          stack.pop_back();
        } else {
          args = fields(event.args);
        }
        if (!event.result.empty()) args["result"] = event.result;
        emit("X", event, pid, tid, "callback", event.start_ns, event.duration_ns, std::move(args));
        return;
      }
      case host::EventKind::HostCall: {
        json args = fields(event.args);
        if (!event.result.empty()) args["result"] = event.result;
        if (!event.warnings.empty()) args["warnings"] = event.warnings;
        emit("X", event, pid, tid_of(pid, event), "hostcall", event.start_ns, event.duration_ns,
             std::move(args));
        return;
      }
      case host::EventKind::Copy: {
        json args = {{"direction", event.direction == host::CopyDirection::HostToVm ? "host_to_vm"
                                                                                    : "vm_to_host"},
                     {"bytes", event.length},
                     {"address", event.address},
                     {"label", event.label},
                     {"preview", host::printable(event.preview)}};
        emit("i", event, pid, tid_of(pid, event), "copy", event.start_ns, 0, std::move(args));
        return;
      }
      case host::EventKind::Memory: {
        // A counter (its own track), and the growth as an instant where it happened.
        json pages = json::object();
        for (const auto& field : event.args)
          if (field.name == "to_pages") pages["bytes"] = std::stoull(field.value) * 65536;
        if (!pages.empty()) {
          threads_[{pid, 0}] = true;
          out_.push_back({{"name", "linear memory"},
                          {"cat", "memory"},
                          {"ph", "C"},
                          {"pid", pid},
                          {"tid", 0},
                          {"ts", micros(event.start_ns)},
                          {"args", std::move(pages)}});
        }
        emit("i", event, pid, tid_of(pid, event), "memory", event.start_ns, 0, fields(event.args));
        return;
      }
      case host::EventKind::Log:
      case host::EventKind::Trap:
      case host::EventKind::Lifecycle: {
        json args = fields(event.args);
        if (!event.result.empty()) args["result"] = event.result;
        emit("i", event, pid, tid_of(pid, event), host::event_kind_name(event.kind), event.start_ns,
             0, std::move(args));
        return;
      }
    }
  }

  std::map<std::string, int> pids_;
  std::map<std::pair<int, uint64_t>, bool> threads_;
  std::map<int, std::vector<Open>> open_;
  std::vector<json> out_;
  uint64_t last_ns_ = 0;
};

}  // namespace

json chrome_trace(std::span<const host::TraceEvent> events) {
  Writer writer;
  return writer.finish(events);
}

Result<void> write_chrome_trace(const std::string& path, std::span<const host::TraceEvent> events) {
  const std::string text =
      chrome_trace(events).dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  return write_file_atomically(path, text);
}

Result<size_t> export_chrome_trace(const TraceStore& store, const std::string& path) {
  const std::vector<host::TraceEvent> events = store.events_after(0);
  if (events.empty())
    return make_error("the trace is empty: load a filter and send a request first");
  if (auto written = write_chrome_trace(path, events); !written) return unexpected(written.error());
  return events.size();
}

}  // namespace pwplay::debugger
