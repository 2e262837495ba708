// TraceStore: the session's bounded, thread-safe store of trace events, grouped by stream. The VM
// thread appends; UI and CLI threads read incrementally (events after a sequence number) under a
// short lock. Past the byte budget (default 256 MiB) the oldest streams are dropped first, and
// the store says how many it dropped. Each event is kept once, immutable, behind a shared
// pointer: the recording thread's pause logic holds the same event, and readers copy what they
// ask for.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "host/trace.h"

namespace pwplay::debugger {

class TraceStore : public host::TraceSink {
 public:
  explicit TraceStore(size_t byte_budget = size_t{256} << 20) : budget_(byte_budget) {}

  void record(host::TraceEvent event) override;
  // Stores the event and returns the sequence number it was given.
  uint64_t add(host::TraceEvent event);
  // The same, returning the stored event (with its sequence number): shared, not copied.
  std::shared_ptr<const host::TraceEvent> add_shared(host::TraceEvent event);

  // Events with seq > `after`, oldest first (at most `limit`).
  std::vector<host::TraceEvent> events_after(uint64_t after, size_t limit = SIZE_MAX) const;
  // All kept events of one stream (0 = events not tied to a stream).
  std::vector<host::TraceEvent> stream_events(uint64_t stream_id) const;
  std::vector<uint64_t> stream_ids() const;

  uint64_t last_seq() const;
  size_t bytes() const;
  size_t budget() const { return budget_; }  // fixed at construction
  size_t dropped_streams() const;
  size_t dropped_events() const;
  void clear();

  // Called (on the recording thread) for each event after it is stored; the debugger uses it to
  // decide whether to pause.
  void set_observer(std::function<void(const host::TraceEvent&)> observer) {
    std::lock_guard lock(mutex_);
    observer_ = std::move(observer);
  }

  static size_t approximate_size(const host::TraceEvent& event);

 private:
  struct StreamEvents {
    uint64_t stream_id = 0;
    std::vector<std::shared_ptr<const host::TraceEvent>> events;  // in seq order
    size_t bytes = 0;
  };
  void enforce_budget();

  mutable std::mutex mutex_;
  std::deque<StreamEvents> streams_;  // in order of first event
  // Where each stream's events are (deque elements stay put when the ends change), so that an
  // event finds its stream in constant time however many streams are kept.
  std::unordered_map<uint64_t, StreamEvents*> index_;
  size_t budget_;
  size_t bytes_ = 0;
  size_t dropped_streams_ = 0;
  size_t dropped_events_ = 0;
  uint64_t next_seq_ = 1;
  std::function<void(const host::TraceEvent&)> observer_;
};

}  // namespace pwplay::debugger
