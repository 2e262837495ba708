// AbiHost's WASI room (wasi_snapshot_preview1 and wasi_unstable): stdio, environment, clocks
// and random bytes; no file system or sockets. Also the Emscripten shims.
#include <random>

#include "host/abi_host.h"
#include "host/abi_host_internal.h"

namespace pwplay::host {

using abi::Status;
using namespace abi_host_detail;

// --- WASI --------------------------------------------------------------------------------------

uint32_t AbiHost::write_stdio(HostCallState& call, uint32_t fd, uint32_t iovs, uint32_t iovs_len,
                              uint32_t ret_written) {
  if (fd != 1 && fd != 2) return E(abi::WasiErrno::Badf);
  std::string text;
  for (uint32_t i = 0; i < iovs_len; ++i) {
    auto entry = read(iovs + i * 8, 8);
    if (!entry) return E(abi::WasiErrno::Fault);
    auto u32 = [&](size_t offset) {
      const auto* p = reinterpret_cast<const uint8_t*>(entry->data()) + offset;
      return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
             static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
    };
    auto chunk = read(u32(0), u32(4));
    if (!chunk) return E(abi::WasiErrno::Fault);
    text.append(*chunk);
  }
  if (!write_u32(ret_written, static_cast<uint32_t>(text.size()))) return E(abi::WasiErrno::Fault);
  call.note("fd", fd == 1 ? "stdout" : "stderr");
  call.note("text", printable(text));
  std::string message = text;
  if (!message.empty() && message.back() == '\n') message.pop_back();
  emit_log(fd == 1 ? abi::LogLevel::Info : abi::LogLevel::Error, std::move(message));
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_fd_write(HostCallState& call) {
  return write_stdio(call, call.a(0), call.a(1), call.a(2), call.a(3));
}

uint32_t AbiHost::wasi_fd_pwrite(HostCallState& call) {
  return write_stdio(call, call.a(0), call.a(1), call.a(2), call.a(4));
}

uint32_t AbiHost::wasi_fd_read(HostCallState&) {
  return E(abi::WasiErrno::Nosys);
}

uint32_t AbiHost::wasi_fd_seek(HostCallState&) {
  emit_log(abi::LogLevel::Error, "fd_seek is not supported (no file system)");
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_fd_tell(HostCallState& call) {
  uint32_t fd = call.a(0);
  if (fd != 1 && fd != 2) return E(abi::WasiErrno::Badf);
  return write_u64(call.a(1), 0) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_fd_close(HostCallState&) {
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_fd_fdstat_get(HostCallState& call) {
  uint32_t fd = call.a(0);
  if (fd != 1 && fd != 2) return E(abi::WasiErrno::Badf);
  // fdstat: filetype u8, flags u16, rights_base u64 at 8, rights_inheriting u64 at 16.
  std::string stat(24, '\0');
  stat[8] = 0x40;  // FD_WRITE
  return write_bytes(call.a(1), stat) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_stdio_only(HostCallState& call) {
  uint32_t fd = call.a(0);
  return (fd == 1 || fd == 2) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Badf);
}

uint32_t AbiHost::wasi_nosys(HostCallState&) {
  return E(abi::WasiErrno::Nosys);
}
uint32_t AbiHost::wasi_badf(HostCallState&) {
  return E(abi::WasiErrno::Badf);
}
uint32_t AbiHost::wasi_notsup(HostCallState&) {
  return E(abi::WasiErrno::Notsup);
}
uint32_t AbiHost::wasi_success(HostCallState&) {
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_fd_readdir(HostCallState& call) {
  write_u32(call.a(4), 0);
  return E(abi::WasiErrno::Badf);
}

uint32_t AbiHost::wasi_fd_renumber(HostCallState& call) {
  auto stdio = [](uint32_t fd) { return fd == 1 || fd == 2; };
  return stdio(call.a(0)) && stdio(call.a(1)) ? E(abi::WasiErrno::Notsup) : E(abi::WasiErrno::Badf);
}

uint32_t AbiHost::wasi_path_open(HostCallState& call) {
  call.note("note", "no file system access is granted to filters");
  return E(abi::WasiErrno::Noent);
}

uint32_t AbiHost::wasi_path_readlink(HostCallState& call) {
  write_u32(call.a(5), 0);
  return E(abi::WasiErrno::Notsup);
}

uint32_t AbiHost::wasi_sock_accept(HostCallState& call) {
  write_u32(call.a(2), 0);
  return E(abi::WasiErrno::Notsup);
}

uint32_t AbiHost::wasi_sock_recv(HostCallState& call) {
  write_u32(call.a(4), 0);
  write_u32(call.a(5), 0);
  return E(abi::WasiErrno::Notsup);
}

uint32_t AbiHost::wasi_sock_send(HostCallState& call) {
  write_u32(call.a(4), 0);
  return E(abi::WasiErrno::Notsup);
}

uint32_t AbiHost::wasi_environ_sizes_get(HostCallState& call) {
  uint32_t size = 0;
  for (const auto& [key, value] : identity_.environment)
    size += static_cast<uint32_t>(key.size() + value.size() + 2);
  if (!write_u32(call.a(0), static_cast<uint32_t>(identity_.environment.size())) ||
      !write_u32(call.a(1), size))
    return E(abi::WasiErrno::Fault);
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_environ_get(HostCallState& call) {
  uint32_t pointers = call.a(0);
  uint32_t buffer = call.a(1);
  for (const auto& [key, value] : identity_.environment) {
    std::string entry = key + "=" + value;
    entry.push_back('\0');
    if (!write_u32(pointers, buffer) || !write_bytes(buffer, entry))
      return E(abi::WasiErrno::Fault);
    pointers += 4;
    buffer += static_cast<uint32_t>(entry.size());
  }
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_args_sizes_get(HostCallState& call) {
  if (!write_u32(call.a(0), 0) || !write_u32(call.a(1), 0)) return E(abi::WasiErrno::Fault);
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_args_get(HostCallState&) {
  return E(abi::WasiErrno::Success);
}

uint32_t AbiHost::wasi_clock_time_get(HostCallState& call) {
  uint32_t clock = call.a(0);
  uint64_t now = 0;
  if (clock == 0)
    now = env_.dispatcher().realtime_ns();
  else if (clock == 1)
    now = env_.dispatcher().monotonic_ns();
  else
    return E(abi::WasiErrno::Notsup);
  return write_u64(call.a(2), now) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_clock_res_get(HostCallState& call) {
  if (call.a(0) > 1) return E(abi::WasiErrno::Notsup);
  return write_u64(call.a(1), 1) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_random_get(HostCallState& call) {
  uint32_t size = call.a(1);
  if (size > 65536) return E(abi::WasiErrno::Inval);
  if (size == 0) return E(abi::WasiErrno::Success);
  static thread_local std::mt19937_64 generator{std::random_device{}()};
  std::string bytes(size, '\0');
  for (auto& b : bytes) b = static_cast<char>(generator() & 0xff);
  return write_bytes(call.a(0), bytes) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_poll_oneoff(HostCallState& call) {
  return write_u32(call.a(3), 0) ? E(abi::WasiErrno::Success) : E(abi::WasiErrno::Fault);
}

uint32_t AbiHost::wasi_proc_exit(HostCallState& call) {
  // As cpp-host: log and return; the module normally traps right after (unreachable).
  emit_log(abi::LogLevel::Error, "proc_exit(" + std::to_string(call.a(0)) + ") called");
  return 0;
}

// --- Emscripten --------------------------------------------------------------------------------

uint32_t AbiHost::pthread_equal(HostCallState& call) {
  return call.a(0) == call.a(1) ? 1 : 0;
}

uint32_t AbiHost::emscripten_notify_memory_growth(HostCallState&) {
  return 0;
}

}  // namespace pwplay::host
