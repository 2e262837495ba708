#include "debugger/trace_store.h"

#include <algorithm>
#include <optional>

namespace pwplay::debugger {

size_t TraceStore::approximate_size(const host::TraceEvent& event) {
  size_t size = sizeof(host::TraceEvent) + event.name.size() + event.phase.size() +
                event.result.size() + event.plugin.size() + event.label.size() +
                event.preview.size();
  for (const auto& arg : event.args)
    size += sizeof(host::TraceField) + arg.name.size() + arg.value.size();
  return size;
}

void TraceStore::record(host::TraceEvent event) {
  add(std::move(event));
}

uint64_t TraceStore::add(host::TraceEvent event) {
  std::optional<host::TraceEvent> observed;
  uint64_t seq = 0;
  {
    std::lock_guard lock(mutex_);
    seq = event.seq = next_seq_++;
    // Several threads may record (a session's runner and its proxy): the observer gets a copy
    // taken under the lock, never a reference into a vector another thread may grow.
    if (observer_) observed = event;
    size_t size = approximate_size(event);
    StreamEvents*& target = index_[event.stream_id];
    if (!target) {
      streams_.push_back(StreamEvents{event.stream_id, {}, 0});
      target = &streams_.back();
    }
    target->events.push_back(std::move(event));
    target->bytes += size;
    bytes_ += size;
    if (bytes_ > budget_) enforce_budget();
  }
  // The observer may block (a debugger pause); it runs without the lock so readers go on.
  if (observed) observer_(*observed);
  return seq;
}

void TraceStore::enforce_budget() {
  // Drop whole streams, oldest first, but never the one being written.
  while (bytes_ > budget_ && streams_.size() > 1) {
    bytes_ -= streams_.front().bytes;
    dropped_events_ += streams_.front().events.size();
    ++dropped_streams_;
    index_.erase(streams_.front().stream_id);
    streams_.pop_front();
  }
}

std::vector<host::TraceEvent> TraceStore::events_after(uint64_t after, size_t limit) const {
  std::lock_guard lock(mutex_);
  std::vector<host::TraceEvent> out;
  // Each stream's events are in seq order: only the tail after `after` is copied, so callers
  // asking for recent events (the debugger, at every pause point) pay for what is new.
  for (const auto& stream : streams_) {
    auto first = std::upper_bound(
        stream.events.begin(), stream.events.end(), after,
        [](uint64_t seq, const host::TraceEvent& event) { return seq < event.seq; });
    out.insert(out.end(), first, stream.events.end());
  }
  std::sort(out.begin(), out.end(),
            [](const host::TraceEvent& a, const host::TraceEvent& b) { return a.seq < b.seq; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

std::vector<host::TraceEvent> TraceStore::stream_events(uint64_t stream_id) const {
  std::lock_guard lock(mutex_);
  auto it = index_.find(stream_id);
  return it == index_.end() ? std::vector<host::TraceEvent>{} : it->second->events;
}

std::vector<uint64_t> TraceStore::stream_ids() const {
  std::lock_guard lock(mutex_);
  std::vector<uint64_t> ids;
  for (const auto& stream : streams_) ids.push_back(stream.stream_id);
  return ids;
}

uint64_t TraceStore::last_seq() const {
  std::lock_guard lock(mutex_);
  return next_seq_ - 1;
}

size_t TraceStore::bytes() const {
  std::lock_guard lock(mutex_);
  return bytes_;
}

size_t TraceStore::dropped_streams() const {
  std::lock_guard lock(mutex_);
  return dropped_streams_;
}

size_t TraceStore::dropped_events() const {
  std::lock_guard lock(mutex_);
  return dropped_events_;
}

void TraceStore::clear() {
  std::lock_guard lock(mutex_);
  streams_.clear();
  index_.clear();
  bytes_ = 0;
}

}  // namespace pwplay::debugger
