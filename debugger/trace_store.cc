#include "debugger/trace_store.h"

#include <algorithm>

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
  add_shared(std::move(event));
}

uint64_t TraceStore::add(host::TraceEvent event) {
  return add_shared(std::move(event))->seq;
}

std::shared_ptr<const host::TraceEvent> TraceStore::add_shared(host::TraceEvent event) {
  // Sized and allocated before the lock: readers wait only for the bookkeeping.
  const size_t size = approximate_size(event);
  auto stored = std::make_shared<host::TraceEvent>(std::move(event));
  std::function<void(const host::TraceEvent&)> observer;
  {
    std::lock_guard lock(mutex_);
    stored->seq = next_seq_++;
    observer = observer_;
    StreamEvents*& target = index_[stored->stream_id];
    if (!target) {
      streams_.push_back(StreamEvents{stored->stream_id, {}, 0});
      target = &streams_.back();
    }
    target->events.push_back(stored);
    target->bytes += size;
    bytes_ += size;
    if (bytes_ > budget_) enforce_budget();
  }
  // The observer may block (a debugger pause); it runs without the lock so readers go on. The
  // event is immutable once stored, so it needs no copy.
  if (observer) observer(*stored);
  return stored;
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
  std::vector<std::shared_ptr<const host::TraceEvent>> found;
  {
    std::lock_guard lock(mutex_);
    // Each stream's events are in seq order: only the tail after `after` is taken, so callers
    // asking for recent events (the debugger, at every pause point) pay for what is new.
    for (const auto& stream : streams_) {
      auto first =
          std::upper_bound(stream.events.begin(), stream.events.end(), after,
                           [](uint64_t seq, const std::shared_ptr<const host::TraceEvent>& event) {
                             return seq < event->seq;
                           });
      found.insert(found.end(), first, stream.events.end());
    }
  }
  // The events are immutable: they are ordered and copied out without the lock.
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a->seq < b->seq; });
  if (found.size() > limit) found.resize(limit);
  std::vector<host::TraceEvent> out;
  out.reserve(found.size());
  for (const auto& event : found) out.push_back(*event);
  return out;
}

std::vector<host::TraceEvent> TraceStore::stream_events(uint64_t stream_id) const {
  std::vector<std::shared_ptr<const host::TraceEvent>> found;
  {
    std::lock_guard lock(mutex_);
    auto it = index_.find(stream_id);
    if (it != index_.end()) found = it->second->events;
  }
  std::vector<host::TraceEvent> out;
  out.reserve(found.size());
  for (const auto& event : found) out.push_back(*event);
  return out;
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
