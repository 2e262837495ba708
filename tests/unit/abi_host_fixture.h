// The fixture the AbiHost tests (tests/unit/abi_host*_test.cc) share: one plugin's host over fake
// guest memory with a root and a stream context, and helpers to call host functions as a VM would.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "abi/enums.h"
#include "abi/functions.h"
#include "abi/pairs.h"
#include "host/abi_host.h"
#include "host/environment.h"
#include "host/header_map.h"
#include "host/http_stream.h"
#include "host/trace.h"
#include "support/fake_guest.h"
#include "support/mentions.h"

namespace pwplay::abi {
// Readable statuses in assertion failures.
inline void PrintTo(Status status, std::ostream* os) {
  *os << name(status);
}
inline void PrintTo(WasiErrno value, std::ostream* os) {
  *os << "errno " << static_cast<uint32_t>(value);
}
}  // namespace pwplay::abi

namespace pwplay::host::abi_host_testing {

using abi::AbiVersion;
using abi::HeaderPairs;
using abi::Status;
using abi::WasiErrno;
using test::FakeDispatcher;
using test::FakeGuest;
using test::FakeRootCallbacks;
using test::FakeStreamControl;
using test::RootCall;

// Result slots the tests hand to host functions, well below the input region.
inline constexpr uint32_t kRet = 0x100;      // pointer / u32 result
inline constexpr uint32_t kRetSize = 0x104;  // size result
inline constexpr uint32_t kRet2 = 0x108;     // a third u32 result (flags, cas)
inline constexpr uint32_t kRet64 = 0x200;    // u64 result
inline constexpr uint32_t kPoison = 0xAAAAAAAA;

struct Slice {
  uint32_t ptr = 0;
  uint32_t len = 0;
};

inline std::string to_string(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

inline std::string u64_le(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

inline HeaderPairs decode(std::string_view bytes) {
  auto pairs = abi::decode_pairs(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  EXPECT_TRUE(pairs.ok()) << pairs.error().message;
  return pairs.ok() ? *pairs : HeaderPairs{};
}

inline const TraceField* find_arg(const TraceEvent& event, std::string_view name) {
  for (const auto& field : event.args)
    if (field.name == name) return &field;
  return nullptr;
}

inline std::string arg(const TraceEvent& event, std::string_view name) {
  const TraceField* field = find_arg(event, name);
  return field ? field->value : "<missing " + std::string(name) + ">";
}

// One plugin's host over fake guest memory, with one root context and one HTTP stream.
class AbiHostTest : public ::testing::Test {
 protected:
  AbiHostTest() {
    identity_.name = "my_plugin";
    identity_.root_id = "my_root";
    identity_.vm_id = "my_vm";
    identity_.configuration = "plugin-config";
    identity_.vm_configuration = "vm-config";
    identity_.environment = {{"A", "1"}, {"LONGER", "value"}};
    stream.id = 42;
    stream.request_headers = HeaderMap({{":method", "GET"},
                                        {":path", "/x?y=1"},
                                        {":authority", "example.com"},
                                        {"X-Dup", "1"},
                                        {"x-dup", "2"}});
    stream.has_request_headers = true;
    make_host(AbiVersion::v0_2_1);
  }

  ~AbiHostTest() override {
    scope_.reset();
    env.set_trace_sink(nullptr);
  }

  // (Re)creates the host for `version` with a fresh root and stream context.
  void make_host(AbiVersion version) {
    scope_.reset();
    host.reset();
    host = std::make_unique<AbiHost>(env, identity_, version, guest, roots);
    host->set_log_handler([this](const LogRecord& record) { logs.push_back(record); });
    root = host->create_root_context();
    ctx = host->create_stream_context(root, stream, control);
  }

  // Host calls from here on run as if inside a callback on `context_id`.
  void enter(uint32_t context_id, CallPhase phase = CallPhase::Normal) {
    scope_.reset();
    scope_ = std::make_unique<AbiHost::CallbackScope>(*host, context_id, phase);
  }
  void leave() { scope_.reset(); }

  static std::vector<Value> values(std::string_view name, std::initializer_list<uint64_t> args) {
    return values(name, std::vector<uint64_t>(args));
  }
  // Raw arguments typed by the function's signature (i64 where it takes one).
  static std::vector<Value> values(std::string_view name, const std::vector<uint64_t>& args) {
    const abi::HostFunctionSpec* spec = abi::find_host_function(name);
    std::vector<Value> out;
    size_t i = 0;
    for (uint64_t a : args) {
      bool wide = spec && i < spec->signature.params.size() && spec->signature.params[i] == 'I';
      out.push_back(wide ? Value::i64(a) : Value::i32(static_cast<uint32_t>(a)));
      ++i;
    }
    return out;
  }

  // Calls a host function as the VM would; a trap fails the test.
  uint32_t raw(AbiHost& target, std::string_view name, std::initializer_list<uint64_t> args) {
    std::vector<Value> v = values(name, args);
    auto result = target.call(name, v);
    EXPECT_TRUE(result.ok()) << name << ": " << result.error().message;
    return result.ok() ? *result : 0xdeadbeef;
  }
  uint32_t raw(std::string_view name, std::initializer_list<uint64_t> args) {
    return raw(*host, name, args);
  }
  Status st(std::string_view name, std::initializer_list<uint64_t> args) {
    return static_cast<Status>(raw(name, args));
  }
  Status st(AbiHost& target, std::string_view name, std::initializer_list<uint64_t> args) {
    return static_cast<Status>(raw(target, name, args));
  }
  WasiErrno wasi(std::string_view name, std::initializer_list<uint64_t> args) {
    return static_cast<WasiErrno>(raw(name, args));
  }

  Slice in(std::string_view bytes) {
    return {guest.place(bytes), static_cast<uint32_t>(bytes.size())};
  }
  Slice in_pairs(const HeaderPairs& pairs) { return in(to_string(abi::encode_pairs(pairs))); }

  void poison(std::initializer_list<uint32_t> slots) {
    for (uint32_t slot : slots) guest.put_u32(slot, kPoison);
  }
  std::string returned() const { return guest.returned(kRet, kRetSize); }
  // An address whose 4-byte slot runs past the end of memory.
  uint32_t bad() const { return guest.size() - 2; }

  // --- Frequently used calls ---
  Status get_value(uint32_t map, std::string_view key) {
    Slice k = in(key);
    return st("proxy_get_header_map_value", {map, k.ptr, k.len, kRet, kRetSize});
  }
  HeaderPairs get_pairs(uint32_t map) {
    EXPECT_EQ(st("proxy_get_header_map_pairs", {map, kRet, kRetSize}), Status::Ok);
    return decode(returned());
  }
  Status add_value(uint32_t map, std::string_view key, std::string_view value) {
    Slice k = in(key), v = in(value);
    return st("proxy_add_header_map_value", {map, k.ptr, k.len, v.ptr, v.len});
  }
  Status get_buffer(uint32_t type, uint32_t start, uint32_t max_size) {
    return st("proxy_get_buffer_bytes", {type, start, max_size, kRet, kRetSize});
  }
  Status set_buffer(uint32_t type, uint32_t start, uint32_t size, std::string_view data) {
    Slice d = in(data);
    return st("proxy_set_buffer_bytes", {type, start, size, d.ptr, d.len});
  }
  Status get_property(std::string_view path) {
    Slice p = in(path);
    return st("proxy_get_property", {p.ptr, p.len, kRet, kRetSize});
  }
  Status http_call(std::string_view cluster, const HeaderPairs& headers, std::string_view body,
                   uint32_t timeout_ms = 1000, uint32_t ret = kRet) {
    Slice c = in(cluster), h = in_pairs(headers), b = in(body);
    return st("proxy_http_call", {c.ptr, c.len, h.ptr, h.len, b.ptr, b.len, 0, 0, timeout_ms, ret});
  }
  Status grpc_call(std::string_view cluster, std::string_view message, uint32_t ret = kRet) {
    Slice c = in(cluster), s = in("pkg.Service"), m = in("Method"), msg = in(message);
    return st("proxy_grpc_call",
              {c.ptr, c.len, s.ptr, s.len, m.ptr, m.len, 0, 0, msg.ptr, msg.len, 1000, ret});
  }
  Status grpc_stream(std::string_view cluster, uint32_t ret = kRet) {
    Slice c = in(cluster), s = in("pkg.Service"), m = in("Stream");
    return st("proxy_grpc_stream", {c.ptr, c.len, s.ptr, s.len, m.ptr, m.len, 0, 0, ret});
  }
  Status grpc_send(uint32_t token, std::string_view message, bool end_stream) {
    Slice m = in(message);
    return st("proxy_grpc_send", {token, m.ptr, m.len, end_stream ? 1u : 0u});
  }

  static HeaderPairs callout_headers() {
    return {{":method", "GET"}, {":path", "/"}, {":authority", "svc"}};
  }

  PluginIdentity identity_;
  FakeGuest guest;
  FakeDispatcher dispatcher;
  MockCalloutClient callouts{dispatcher};
  HostEnv env{dispatcher, callouts};
  FakeRootCallbacks roots;
  HttpStreamState stream;
  FakeStreamControl control;
  std::unique_ptr<AbiHost> host;
  uint32_t root = 0;
  uint32_t ctx = 0;
  std::vector<LogRecord> logs;

 private:
  std::unique_ptr<AbiHost::CallbackScope> scope_;
};

}  // namespace pwplay::host::abi_host_testing
