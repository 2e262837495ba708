// Test doubles for running the ABI host without a VM: a guest memory with a bump allocator, a
// dispatcher with a manual clock, and recorders for stream control and root-context callbacks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/abi_host.h"
#include "host/environment.h"
#include "host/http_stream.h"

namespace pwplay::test {

// Linear memory backed by a vector. Inputs the test writes go to a low "input" region; the
// module allocator hands out addresses from a separate heap region, so a test can tell host
// allocations from its own data.
class FakeGuest : public host::Guest {
 public:
  static constexpr uint32_t kDefaultSize = 1u << 20;
  static constexpr uint32_t kInputStart = 0x1000;
  static constexpr uint32_t kHeapStart = 0x80000;

  explicit FakeGuest(uint32_t size = kDefaultSize);

  std::span<uint8_t> memory() override { return memory_; }
  std::optional<uint64_t> allocate(uint32_t size) override;

  // Allocator controls: fail every call, or answer with an address of the test's choosing
  // (for example one past the end of memory).
  void fail_allocations(bool fail) { fail_allocations_ = fail; }
  void force_allocation_address(std::optional<uint32_t> address) { forced_address_ = address; }
  // Moves the whole memory to a new host buffer on every allocation, as a grow may: host code
  // still holding a view from before the allocator call then reads freed memory.
  void move_memory_on_allocate(bool move) { move_on_allocate_ = move; }
  // Every allocation made so far: (address, size).
  const std::vector<std::pair<uint32_t, uint32_t>>& allocations() const { return allocations_; }
  uint32_t size() const { return static_cast<uint32_t>(memory_.size()); }

  // Writes bytes at `address` and returns it.
  uint32_t put(uint32_t address, std::string_view bytes);
  uint32_t put(uint32_t address, std::span<const uint8_t> bytes);
  void put_u32(uint32_t address, uint32_t value);
  // Copies bytes into the next free spot of the input region and returns the address.
  uint32_t place(std::string_view bytes);
  uint32_t place(std::span<const uint8_t> bytes);

  uint32_t u32(uint32_t address) const;
  uint64_t u64(uint32_t address) const;
  std::string bytes(uint32_t address, uint32_t size) const;
  // The bytes a host function returned through (ret_ptr, ret_size) slots.
  std::string returned(uint32_t ret_ptr, uint32_t ret_size) const;

 private:
  std::vector<uint8_t> memory_;
  uint32_t next_input_ = kInputStart;
  uint32_t next_heap_ = kHeapStart;
  bool fail_allocations_ = false;
  bool move_on_allocate_ = false;
  std::optional<uint32_t> forced_address_;
  std::vector<std::pair<uint32_t, uint32_t>> allocations_;
};

// A dispatcher whose clock only moves when the test says so. Posted tasks run in order; timers
// fire in due order (ties in scheduling order), each with the clock set to its due time.
class FakeDispatcher : public host::Dispatcher {
 public:
  static constexpr uint64_t kRealtimeBaseNs = 1'700'000'000'000'000'000ull;
  static constexpr uint64_t kMonotonicBaseNs = 5'000'000'000ull;

  void post(std::function<void()> task) override;
  TimerId schedule(std::chrono::milliseconds delay, std::function<void()> task) override;
  void cancel(TimerId id) override;
  uint64_t realtime_ns() const override { return kRealtimeBaseNs + now_ms_ * 1'000'000ull; }
  uint64_t monotonic_ns() const override { return kMonotonicBaseNs + now_ms_ * 1'000'000ull; }

  // Runs posted tasks and timers already due, until there are none. Returns how many ran.
  size_t run_until_idle();
  // Moves the clock forward by `ms`, firing every timer that falls due on the way.
  size_t advance(uint64_t ms);

  uint64_t now_ms() const { return now_ms_; }
  size_t pending_tasks() const { return tasks_.size(); }
  size_t pending_timers() const { return timers_.size(); }

 private:
  struct Timer {
    uint64_t due_ms = 0;
    std::function<void()> task;
  };
  // Runs one posted task or one due timer; false when there is nothing to run.
  bool run_one();

  std::vector<std::function<void()>> tasks_;
  std::map<TimerId, Timer> timers_;  // ids increase with scheduling order
  TimerId next_timer_ = 1;
  uint64_t now_ms_ = 0;
};

// Records what a filter asked of its stream; answers with configurable statuses.
class FakeStreamControl : public host::StreamControl {
 public:
  abi::Status continue_stream(abi::StreamType type) override;
  abi::Status close_stream(abi::StreamType type) override;
  abi::Status send_local_response(host::LocalReply reply) override;

  std::vector<abi::StreamType> continued;
  std::vector<abi::StreamType> closed;
  std::vector<host::LocalReply> local_replies;
  abi::Status continue_result = abi::Status::Ok;
  abi::Status close_result = abi::Status::Ok;
  abi::Status local_reply_result = abi::Status::Ok;
};

// One root-context callback as the host started it.
struct RootCall {
  std::string name;  // "on_tick", "on_http_call_response", ...
  uint32_t root_id = 0;
  std::vector<uint32_t> args;  // the callback's arguments after the root id
};

// Records every root callback. `during` runs inside the callback (while the host has the
// callout body, gRPC message and metadata available), as module code would.
class FakeRootCallbacks : public host::RootCallbacks {
 public:
  void on_tick(uint32_t root_id) override;
  void on_queue_ready(uint32_t root_id, uint32_t queue_id) override;
  void on_http_call_response(uint32_t root_id, uint32_t token, uint32_t headers, uint32_t body_size,
                             uint32_t trailers) override;
  void on_grpc_receive_initial_metadata(uint32_t root_id, uint32_t token, uint32_t count) override;
  void on_grpc_receive(uint32_t root_id, uint32_t token, uint32_t size) override;
  void on_grpc_receive_trailing_metadata(uint32_t root_id, uint32_t token, uint32_t count) override;
  void on_grpc_close(uint32_t root_id, uint32_t token, uint32_t status) override;
  void on_deferred_delete(uint32_t root_id) override;

  // Calls named `name`, in order.
  std::vector<RootCall> named(std::string_view name) const;
  size_t count(std::string_view name) const { return named(name).size(); }

  std::vector<RootCall> calls;
  std::function<void(const RootCall&)> during;

 private:
  void add(RootCall call);
};

}  // namespace pwplay::test
