#include "support/fake_guest.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace pwplay::test {

// --- FakeGuest ---------------------------------------------------------------------------------

FakeGuest::FakeGuest(uint32_t size) : memory_(size, 0) {}

std::optional<uint64_t> FakeGuest::allocate(uint32_t size) {
  if (move_on_allocate_) {
    std::vector<uint8_t> moved(memory_);
    memory_.swap(moved);  // the old buffer is freed here
  }
  if (fail_allocations_) return std::nullopt;
  if (forced_address_) {
    allocations_.emplace_back(*forced_address_, size);
    return forced_address_;
  }
  // 8-byte aligned, like a real malloc; out of heap is an allocator failure (0 in the ABI).
  uint32_t address = (next_heap_ + 7u) & ~7u;
  if (static_cast<uint64_t>(address) + size > memory_.size()) return std::nullopt;
  next_heap_ = address + size;
  allocations_.emplace_back(address, size);
  return address;
}

uint32_t FakeGuest::put(uint32_t address, std::string_view bytes) {
  if (static_cast<uint64_t>(address) + bytes.size() > memory_.size())
    throw std::out_of_range("FakeGuest::put past the end of memory");
  std::memcpy(memory_.data() + address, bytes.data(), bytes.size());
  return address;
}

uint32_t FakeGuest::put(uint32_t address, std::span<const uint8_t> bytes) {
  return put(address, std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

void FakeGuest::put_u32(uint32_t address, uint32_t value) {
  char bytes[4];
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  put(address, std::string_view(bytes, 4));
}

uint32_t FakeGuest::place(std::string_view bytes) {
  uint32_t address = next_input_;
  if (static_cast<uint64_t>(address) + bytes.size() > kHeapStart)
    throw std::out_of_range("FakeGuest input region is full");
  put(address, bytes);
  // Leave a gap so adjacent inputs never look like one string.
  next_input_ = (address + static_cast<uint32_t>(bytes.size()) + 16u) & ~7u;
  return address;
}

uint32_t FakeGuest::place(std::span<const uint8_t> bytes) {
  return place(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

uint32_t FakeGuest::u32(uint32_t address) const {
  if (static_cast<uint64_t>(address) + 4 > memory_.size())
    throw std::out_of_range("FakeGuest::u32 past the end of memory");
  const uint8_t* p = memory_.data() + address;
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

uint64_t FakeGuest::u64(uint32_t address) const {
  return static_cast<uint64_t>(u32(address)) | static_cast<uint64_t>(u32(address + 4)) << 32;
}

std::string FakeGuest::bytes(uint32_t address, uint32_t size) const {
  if (static_cast<uint64_t>(address) + size > memory_.size())
    throw std::out_of_range("FakeGuest::bytes past the end of memory");
  return std::string(reinterpret_cast<const char*>(memory_.data()) + address, size);
}

std::string FakeGuest::returned(uint32_t ret_ptr, uint32_t ret_size) const {
  return bytes(u32(ret_ptr), u32(ret_size));
}

// --- FakeDispatcher ----------------------------------------------------------------------------

void FakeDispatcher::post(std::function<void()> task) {
  tasks_.push_back(std::move(task));
}

host::Dispatcher::TimerId FakeDispatcher::schedule(std::chrono::milliseconds delay,
                                                   std::function<void()> task) {
  TimerId id = next_timer_++;
  uint64_t wait = delay.count() > 0 ? static_cast<uint64_t>(delay.count()) : 0;
  timers_[id] = Timer{now_ms_ + wait, std::move(task)};
  return id;
}

void FakeDispatcher::cancel(TimerId id) {
  timers_.erase(id);
}

bool FakeDispatcher::run_one() {
  if (!tasks_.empty()) {
    // Take the task out first: it may post more work.
    std::function<void()> task = std::move(tasks_.front());
    tasks_.erase(tasks_.begin());
    task();
    return true;
  }
  auto due = timers_.end();
  for (auto it = timers_.begin(); it != timers_.end(); ++it)
    if (it->second.due_ms <= now_ms_ &&
        (due == timers_.end() || it->second.due_ms < due->second.due_ms))
      due = it;
  if (due == timers_.end()) return false;
  std::function<void()> task = std::move(due->second.task);
  timers_.erase(due);
  task();
  return true;
}

size_t FakeDispatcher::run_until_idle() {
  size_t ran = 0;
  while (run_one()) ++ran;
  return ran;
}

size_t FakeDispatcher::advance(uint64_t ms) {
  const uint64_t target = now_ms_ + ms;
  size_t ran = run_until_idle();
  for (;;) {
    auto next = timers_.end();
    for (auto it = timers_.begin(); it != timers_.end(); ++it)
      if (it->second.due_ms <= target &&
          (next == timers_.end() || it->second.due_ms < next->second.due_ms))
        next = it;
    if (next == timers_.end()) break;
    now_ms_ = std::max(now_ms_, next->second.due_ms);
    ran += run_until_idle();
  }
  now_ms_ = target;
  ran += run_until_idle();
  return ran;
}

// --- FakeStreamControl -------------------------------------------------------------------------

abi::Status FakeStreamControl::continue_stream(abi::StreamType type) {
  continued.push_back(type);
  return continue_result;
}

abi::Status FakeStreamControl::close_stream(abi::StreamType type) {
  closed.push_back(type);
  return close_result;
}

abi::Status FakeStreamControl::send_local_response(host::LocalReply reply) {
  local_replies.push_back(std::move(reply));
  return local_reply_result;
}

// --- FakeRootCallbacks -------------------------------------------------------------------------

void FakeRootCallbacks::add(RootCall call) {
  calls.push_back(call);
  if (during) during(call);
}

void FakeRootCallbacks::on_tick(uint32_t root_id) {
  add({"on_tick", root_id, {}});
}

void FakeRootCallbacks::on_queue_ready(uint32_t root_id, uint32_t queue_id) {
  add({"on_queue_ready", root_id, {queue_id}});
}

void FakeRootCallbacks::on_http_call_response(uint32_t root_id, uint32_t token, uint32_t headers,
                                              uint32_t body_size, uint32_t trailers) {
  add({"on_http_call_response", root_id, {token, headers, body_size, trailers}});
}

void FakeRootCallbacks::on_grpc_receive_initial_metadata(uint32_t root_id, uint32_t token,
                                                         uint32_t count) {
  add({"on_grpc_receive_initial_metadata", root_id, {token, count}});
}

void FakeRootCallbacks::on_grpc_receive(uint32_t root_id, uint32_t token, uint32_t size) {
  add({"on_grpc_receive", root_id, {token, size}});
}

void FakeRootCallbacks::on_grpc_receive_trailing_metadata(uint32_t root_id, uint32_t token,
                                                          uint32_t count) {
  add({"on_grpc_receive_trailing_metadata", root_id, {token, count}});
}

void FakeRootCallbacks::on_grpc_close(uint32_t root_id, uint32_t token, uint32_t status) {
  add({"on_grpc_close", root_id, {token, status}});
}

void FakeRootCallbacks::on_deferred_delete(uint32_t root_id) {
  add({"on_deferred_delete", root_id, {}});
}

std::vector<RootCall> FakeRootCallbacks::named(std::string_view name) const {
  std::vector<RootCall> out;
  for (const auto& call : calls)
    if (call.name == name) out.push_back(call);
  return out;
}

}  // namespace pwplay::test
