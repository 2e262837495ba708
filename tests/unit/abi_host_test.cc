#include "host/abi_host.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
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
#include "host/environment.h"
#include "host/header_map.h"
#include "host/http_stream.h"
#include "host/trace.h"
#include "support/fake_guest.h"

namespace pwplay::abi {
// Readable statuses in assertion failures.
inline void PrintTo(Status status, std::ostream* os) {
  *os << name(status);
}
inline void PrintTo(WasiErrno value, std::ostream* os) {
  *os << "errno " << static_cast<uint32_t>(value);
}
}  // namespace pwplay::abi

namespace pwplay::host {
namespace {

using abi::AbiVersion;
using abi::HeaderPairs;
using abi::Status;
using abi::WasiErrno;
using test::FakeDispatcher;
using test::FakeGuest;
using test::FakeRootCallbacks;
using test::FakeStreamControl;
using test::RootCall;

#define EXPECT_MENTIONS(text, wanted)                          \
  EXPECT_NE(std::string(text).find(wanted), std::string::npos) \
      << "\"" << (text) << "\" does not mention \"" << (wanted) << "\""

// Result slots the tests hand to host functions, well below the input region.
constexpr uint32_t kRet = 0x100;      // pointer / u32 result
constexpr uint32_t kRetSize = 0x104;  // size result
constexpr uint32_t kRet2 = 0x108;     // a third u32 result (flags, cas)
constexpr uint32_t kRet64 = 0x200;    // u64 result
constexpr uint32_t kPoison = 0xAAAAAAAA;

struct Slice {
  uint32_t ptr = 0;
  uint32_t len = 0;
};

std::string to_string(const std::vector<uint8_t>& bytes) {
  return std::string(bytes.begin(), bytes.end());
}

std::string u64_le(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

HeaderPairs decode(std::string_view bytes) {
  auto pairs = abi::decode_pairs(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  EXPECT_TRUE(pairs.ok()) << pairs.error().message;
  return pairs.ok() ? *pairs : HeaderPairs{};
}

const TraceField* find_arg(const TraceEvent& event, std::string_view name) {
  for (const auto& field : event.args)
    if (field.name == name) return &field;
  return nullptr;
}

std::string arg(const TraceEvent& event, std::string_view name) {
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

// =============================================================================================
// The fakes themselves
// =============================================================================================

TEST(FakeDispatcherTest, TimersFireInDueOrderWithTheClockAtTheirDueTime) {
  FakeDispatcher dispatcher;
  std::vector<std::string> fired;
  dispatcher.schedule(std::chrono::milliseconds(30),
                      [&] { fired.push_back("b@" + std::to_string(dispatcher.now_ms())); });
  dispatcher.schedule(std::chrono::milliseconds(10), [&] {
    fired.push_back("a@" + std::to_string(dispatcher.now_ms()));
    // Work posted from a timer runs before the next timer.
    dispatcher.post([&] { fired.push_back("posted@" + std::to_string(dispatcher.now_ms())); });
  });
  dispatcher.schedule(std::chrono::milliseconds(30), [&] { fired.push_back("c"); });
  auto cancelled =
      dispatcher.schedule(std::chrono::milliseconds(20), [&] { fired.push_back("x"); });
  dispatcher.cancel(cancelled);
  EXPECT_EQ(dispatcher.run_until_idle(), 0u);  // nothing due yet
  EXPECT_EQ(dispatcher.advance(100), 4u);
  EXPECT_EQ(fired, (std::vector<std::string>{"a@10", "posted@10", "b@30", "c"}));
  EXPECT_EQ(dispatcher.now_ms(), 100u);
  EXPECT_EQ(dispatcher.pending_timers(), 0u);
}

TEST(FakeDispatcherTest, ZeroDelayTimersRunWhenIdle) {
  FakeDispatcher dispatcher;
  int runs = 0;
  dispatcher.schedule(std::chrono::milliseconds(0), [&] { ++runs; });
  dispatcher.post([&] { ++runs; });
  EXPECT_EQ(dispatcher.run_until_idle(), 2u);
  EXPECT_EQ(runs, 2);
  EXPECT_EQ(dispatcher.monotonic_ns(), FakeDispatcher::kMonotonicBaseNs);
}

TEST(FakeGuestTest, BumpAllocatorAndHelpers) {
  FakeGuest guest(1u << 20);
  auto a = guest.allocate(3);
  auto b = guest.allocate(8);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(*a, FakeGuest::kHeapStart);
  EXPECT_EQ(*b % 8, 0u);
  EXPECT_GE(*b, *a + 3);
  EXPECT_FALSE(guest.allocate(1u << 20).has_value());  // out of heap
  guest.fail_allocations(true);
  EXPECT_FALSE(guest.allocate(1).has_value());
  guest.put_u32(0x10, 0x04030201);
  EXPECT_EQ(guest.bytes(0x10, 4), "\x01\x02\x03\x04");
  guest.put_u32(0x14, 0x1);
  EXPECT_EQ(guest.u64(0x10), 0x0000000104030201ull);
  uint32_t first = guest.place("abc");
  uint32_t second = guest.place("def");
  EXPECT_GT(second, first + 3);
  guest.put_u32(0x20, first);
  guest.put_u32(0x24, 3);
  EXPECT_EQ(guest.returned(0x20, 0x24), "abc");
}

// =============================================================================================
// Dispatch by name and import resolution
// =============================================================================================

TEST_F(AbiHostTest, EveryHostFunctionInTheTableCanBeCalled) {
  enter(root);
  for (const abi::HostFunctionSpec& spec : abi::host_functions()) {
    std::vector<Value> args;
    for (char c : spec.signature.params) args.push_back(c == 'I' ? Value::i64(0) : Value::i32(0));
    auto result = host->call(spec.name, args);
    EXPECT_TRUE(result.ok()) << spec.name << ": " << result.error().message;
  }
}

TEST_F(AbiHostTest, CallRejectsUnknownNamesAndWrongArity) {
  std::vector<Value> none;
  auto unknown = host->call("proxy_no_such_call", none);
  ASSERT_FALSE(unknown.ok());
  EXPECT_MENTIONS(unknown.error().message, "proxy_no_such_call");
  auto arity = host->call("proxy_log", none);
  ASSERT_FALSE(arity.ok());
  EXPECT_MENTIONS(arity.error().message, "3 arguments");
}

TEST_F(AbiHostTest, ResolveGivesImportsForThisVersionWithTheRightType) {
  ImportDesc log{"env", "proxy_log", ExternKind::Function,
                 FuncType{{ValType::I32, ValType::I32, ValType::I32}, {ValType::I32}}};
  auto function = host->resolve(log);
  ASSERT_TRUE(function.has_value());
  Slice msg = in("via resolve");
  std::vector<Value> args = {Value::i32(2), Value::i32(msg.ptr), Value::i32(msg.len)};
  std::vector<Value> results(1);
  enter(root);
  EXPECT_FALSE((*function)(args, results).has_value());
  EXPECT_EQ(results[0].as_u32(), 0u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].message, "via resolve");

  // Wrong type, wrong module, or a function this version does not have: unresolved.
  ImportDesc wrong_type = log;
  wrong_type.type.params.pop_back();
  EXPECT_FALSE(host->resolve(wrong_type).has_value());
  ImportDesc wrong_module = log;
  wrong_module.module = "wasi_snapshot_preview1";
  EXPECT_FALSE(host->resolve(wrong_module).has_value());
  ImportDesc config{"env", "proxy_get_configuration", ExternKind::Function,
                    FuncType{{ValType::I32, ValType::I32}, {ValType::I32}}};
  EXPECT_FALSE(host->resolve(config).has_value());
  ImportDesc wasi{"wasi_unstable", "sched_yield", ExternKind::Function,
                  FuncType{{}, {ValType::I32}}};
  EXPECT_TRUE(host->resolve(wasi).has_value());
}

TEST_F(AbiHostTest, ResolveFollowsTheAbiVersion) {
  ImportDesc log_level{"env", "proxy_get_log_level", ExternKind::Function,
                       FuncType{{ValType::I32}, {ValType::I32}}};
  ImportDesc continue_stream{"env", "proxy_continue_stream", ExternKind::Function,
                             FuncType{{ValType::I32}, {ValType::I32}}};
  ImportDesc config{"env", "proxy_get_configuration", ExternKind::Function,
                    FuncType{{ValType::I32, ValType::I32}, {ValType::I32}}};
  EXPECT_TRUE(host->resolve(log_level).has_value());
  make_host(AbiVersion::v0_2_0);
  EXPECT_FALSE(host->resolve(log_level).has_value());
  EXPECT_TRUE(host->resolve(continue_stream).has_value());
  make_host(AbiVersion::v0_1_0);
  EXPECT_FALSE(host->resolve(continue_stream).has_value());
  EXPECT_TRUE(host->resolve(config).has_value());
}

TEST_F(AbiHostTest, ResolvedFunctionTrapsOnARestrictedCall) {
  ImportDesc status{"env", "proxy_get_status", ExternKind::Function,
                    FuncType{{ValType::I32, ValType::I32, ValType::I32}, {ValType::I32}}};
  auto function = host->resolve(status);
  ASSERT_TRUE(function.has_value());
  std::vector<Value> args = {Value::i32(kRet), Value::i32(kRetSize), Value::i32(kRet2)};
  std::vector<Value> results(1);
  enter(0, CallPhase::StartUp);
  auto trap = (*function)(args, results);
  ASSERT_TRUE(trap.has_value());
  EXPECT_MENTIONS(trap->message, "restricted_callback");
  EXPECT_MENTIONS(trap->message, "proxy_get_status");
}

// =============================================================================================
// Logging, time, contexts
// =============================================================================================

TEST_F(AbiHostTest, LogDeliversTheMessageToTheLogHandler) {
  enter(ctx);
  Slice msg = in("hello from the filter");
  EXPECT_EQ(st("proxy_log", {3, msg.ptr, msg.len}), Status::Ok);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, abi::LogLevel::Warn);
  EXPECT_EQ(logs[0].message, "hello from the filter");
  EXPECT_EQ(logs[0].plugin, "my_plugin");
  EXPECT_EQ(logs[0].context_id, ctx);
  EXPECT_EQ(logs[0].stream_id, 42u);
}

TEST_F(AbiHostTest, LogAcceptsEveryLevelUpToCritical) {
  enter(root);
  Slice msg = in("x");
  for (uint32_t level = 0; level <= 5; ++level)
    EXPECT_EQ(st("proxy_log", {level, msg.ptr, msg.len}), Status::Ok) << level;
  ASSERT_EQ(logs.size(), 6u);
  EXPECT_EQ(logs[5].level, abi::LogLevel::Critical);
  EXPECT_EQ(logs[0].stream_id, 0u);  // root context: no stream
}

TEST_F(AbiHostTest, LogRejectsLevelAboveCritical) {
  enter(root);
  Slice msg = in("x");
  EXPECT_EQ(st("proxy_log", {6, msg.ptr, msg.len}), Status::BadArgument);
  EXPECT_EQ(st("proxy_log", {0xFFFFFFFF, msg.ptr, msg.len}), Status::BadArgument);
  EXPECT_TRUE(logs.empty());
}

TEST_F(AbiHostTest, LogOutOfBoundsIsInvalidMemoryAccess) {
  enter(root);
  EXPECT_EQ(st("proxy_log", {2, guest.size() - 3, 10}), Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_log", {2, 0xFFFFFFF0, 0x20}), Status::InvalidMemoryAccess);
  EXPECT_TRUE(logs.empty());
}

TEST_F(AbiHostTest, LogEmptySliceAtTheEndOfMemoryAndAddressZeroAreValid) {
  enter(root);
  EXPECT_EQ(st("proxy_log", {2, guest.size(), 0}), Status::Ok);
  guest.put(0, "zero");
  EXPECT_EQ(st("proxy_log", {2, 0, 4}), Status::Ok);
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].message, "");
  EXPECT_EQ(logs[1].message, "zero");
  EXPECT_EQ(st("proxy_log", {2, guest.size() + 1, 0}), Status::InvalidMemoryAccess);
}

TEST_F(AbiHostTest, GetLogLevelWritesTheConfiguredLevel) {
  env.options().log_level = abi::LogLevel::Warn;
  poison({kRet});
  EXPECT_EQ(st("proxy_get_log_level", {kRet}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 3u);
  env.options().log_level = abi::LogLevel::Trace;
  EXPECT_EQ(st("proxy_get_log_level", {kRet}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(st("proxy_get_log_level", {bad()}), Status::InvalidMemoryAccess);
}

TEST_F(AbiHostTest, GetCurrentTimeWritesWallClockNanoseconds) {
  dispatcher.advance(1234);
  EXPECT_EQ(st("proxy_get_current_time_nanoseconds", {kRet64}), Status::Ok);
  EXPECT_EQ(guest.u64(kRet64), FakeDispatcher::kRealtimeBaseNs + 1234ull * 1'000'000ull);
  EXPECT_EQ(st("proxy_get_current_time_nanoseconds", {guest.size() - 4}),
            Status::InvalidMemoryAccess);
}

TEST_F(AbiHostTest, TickPeriodFiresOnTickOnTheFakeClock) {
  enter(root);
  EXPECT_EQ(st("proxy_set_tick_period_milliseconds", {100}), Status::Ok);
  leave();
  dispatcher.advance(99);
  EXPECT_EQ(roots.count("on_tick"), 0u);
  dispatcher.advance(1);
  ASSERT_EQ(roots.count("on_tick"), 1u);
  EXPECT_EQ(roots.calls[0].root_id, root);
  dispatcher.advance(300);
  EXPECT_EQ(roots.count("on_tick"), 4u);
}

TEST_F(AbiHostTest, TickPeriodZeroDisablesTicks) {
  enter(root);
  EXPECT_EQ(st("proxy_set_tick_period_milliseconds", {50}), Status::Ok);
  dispatcher.advance(100);
  EXPECT_EQ(roots.count("on_tick"), 2u);
  EXPECT_EQ(st("proxy_set_tick_period_milliseconds", {0}), Status::Ok);
  dispatcher.advance(1000);
  EXPECT_EQ(roots.count("on_tick"), 2u);
  EXPECT_EQ(dispatcher.pending_timers(), 0u);
}

TEST_F(AbiHostTest, TickPeriodFromAStreamAppliesToItsRoot) {
  enter(ctx);
  EXPECT_EQ(st("proxy_set_tick_period_milliseconds", {10}), Status::Ok);
  leave();
  dispatcher.advance(10);
  ASSERT_EQ(roots.count("on_tick"), 1u);
  EXPECT_EQ(roots.named("on_tick")[0].root_id, root);
}

TEST_F(AbiHostTest, TickPeriodChangedInsideOnTickKeepsOneTimer) {
  enter(root);
  EXPECT_EQ(st("proxy_set_tick_period_milliseconds", {100}), Status::Ok);
  leave();
  roots.during = [this](const RootCall& call) {
    if (call.name != "on_tick" || roots.count("on_tick") != 1) return;
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(st("proxy_set_tick_period_milliseconds", {50}), Status::Ok);
  };
  dispatcher.advance(100);
  ASSERT_EQ(roots.count("on_tick"), 1u);
  dispatcher.advance(200);  // ticks at 150, 200, 250, 300: one timer, not two
  EXPECT_EQ(roots.count("on_tick"), 5u);
  EXPECT_EQ(dispatcher.pending_timers(), 1u);
}

TEST_F(AbiHostTest, TickStopsWhenTheRootIsDeleted) {
  enter(root);
  EXPECT_EQ(st("proxy_set_tick_period_milliseconds", {10}), Status::Ok);
  leave();
  host->delete_context(root);
  dispatcher.advance(100);
  EXPECT_EQ(roots.count("on_tick"), 0u);
}

TEST_F(AbiHostTest, TickPeriodNeedsARootContext) {
  enter(0);
  EXPECT_EQ(st("proxy_set_tick_period_milliseconds", {10}), Status::BadArgument);
}

TEST_F(AbiHostTest, SetEffectiveContextSwitchesUntilTheCallbackReturns) {
  {
    AbiHost::CallbackScope scope(*host, root);
    // Root context: no request headers.
    EXPECT_EQ(get_value(0, ":path"), Status::BadArgument);
    EXPECT_EQ(st("proxy_set_effective_context", {ctx}), Status::Ok);
    EXPECT_EQ(get_value(0, ":path"), Status::Ok);
    EXPECT_EQ(returned(), "/x?y=1");
  }
  AbiHost::CallbackScope next(*host, root);
  EXPECT_EQ(get_value(0, ":path"), Status::BadArgument);
}

TEST_F(AbiHostTest, SetEffectiveContextRejectsUnknownIds) {
  enter(root);
  EXPECT_EQ(st("proxy_set_effective_context", {999}), Status::BadArgument);
  host->delete_context(ctx);
  EXPECT_EQ(st("proxy_set_effective_context", {ctx}), Status::BadArgument);
  EXPECT_EQ(st("proxy_set_effective_context", {root}), Status::Ok);
}

TEST_F(AbiHostTest, DoneIsNotFoundUnlessTheRootIsPendingDone) {
  enter(root);
  EXPECT_EQ(st("proxy_done", {}), Status::NotFound);
  dispatcher.run_until_idle();
  EXPECT_EQ(roots.count("on_deferred_delete"), 0u);
}

TEST_F(AbiHostTest, DoneDefersTheDeleteUntilAfterTheCall) {
  host->mark_pending_done(root);
  enter(root);
  EXPECT_EQ(st("proxy_done", {}), Status::Ok);
  EXPECT_EQ(roots.count("on_deferred_delete"), 0u);
  leave();
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.count("on_deferred_delete"), 1u);
  EXPECT_EQ(roots.named("on_deferred_delete")[0].root_id, root);
  enter(root);
  EXPECT_EQ(st("proxy_done", {}), Status::NotFound);
}

TEST_F(AbiHostTest, GetConfigurationOn010PicksByPhase) {
  make_host(AbiVersion::v0_1_0);
  enter(root);
  host->set_configuration_phase(true);
  EXPECT_EQ(st("proxy_get_configuration", {kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(returned(), "vm-config");
  host->set_configuration_phase(false);
  EXPECT_EQ(st("proxy_get_configuration", {kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(returned(), "plugin-config");
  EXPECT_EQ(st("proxy_get_configuration", {bad(), kRetSize}), Status::InvalidMemoryAccess);
}

TEST_F(AbiHostTest, GetConfigurationEmptyWritesZerosWithoutAllocating) {
  identity_.configuration.clear();
  make_host(AbiVersion::v0_1_0);
  enter(root);
  poison({kRet, kRetSize});
  EXPECT_EQ(st("proxy_get_configuration", {kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_TRUE(guest.allocations().empty());
}

// =============================================================================================
// Buffers
// =============================================================================================

class BufferTest : public AbiHostTest {
 protected:
  BufferTest() {
    body = "hello world";
    stream.request_body = &body;
    enter(ctx);
  }
  std::string body;
};

TEST_F(BufferTest, GetCopiesTheRangeIntoAllocatedMemory) {
  EXPECT_EQ(get_buffer(0, 0, 5), Status::Ok);
  EXPECT_EQ(returned(), "hello");
  ASSERT_EQ(guest.allocations().size(), 1u);
  EXPECT_EQ(guest.allocations()[0].first, guest.u32(kRet));
  EXPECT_EQ(guest.allocations()[0].second, 5u);
  EXPECT_GE(guest.u32(kRet), FakeGuest::kHeapStart);
}

TEST_F(BufferTest, GetClampsAnOverlongSizeToTheEnd) {
  EXPECT_EQ(get_buffer(0, 6, 100), Status::Ok);
  EXPECT_EQ(returned(), "world");
  EXPECT_EQ(get_buffer(0, 0, 0xFFFFFFFF), Status::Ok);
  EXPECT_EQ(returned(), "hello world");
}

TEST_F(BufferTest, GetAtOrPastTheEndWritesZerosWithoutAllocating) {
  for (uint32_t start : {11u, 12u, 1000u, 0xFFFFFFFFu}) {
    poison({kRet, kRetSize});
    EXPECT_EQ(get_buffer(0, start, 0xFFFFFFFF), Status::Ok) << start;
    EXPECT_EQ(guest.u32(kRet), 0u) << start;
    EXPECT_EQ(guest.u32(kRetSize), 0u) << start;
  }
  poison({kRet, kRetSize});
  EXPECT_EQ(get_buffer(0, 3, 0), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_TRUE(guest.allocations().empty());
}

TEST_F(BufferTest, GetIsNotFoundWhenTheBufferIsUnavailable) {
  EXPECT_EQ(get_buffer(1, 0, 10), Status::NotFound);  // no response body now
  EXPECT_EQ(get_buffer(2, 0, 10), Status::NotFound);  // no TCP data on an HTTP stream
  EXPECT_EQ(get_buffer(3, 0, 10), Status::NotFound);
  EXPECT_EQ(get_buffer(4, 0, 10), Status::NotFound);  // only inside on_http_call_response
  EXPECT_EQ(get_buffer(5, 0, 10), Status::NotFound);  // only inside on_grpc_receive
  EXPECT_EQ(get_buffer(8, 0, 10), Status::NotFound);  // only inside on_foreign_function
  stream.request_body = nullptr;
  EXPECT_EQ(get_buffer(0, 0, 10), Status::NotFound);
  enter(root);
  EXPECT_EQ(get_buffer(0, 0, 10), Status::NotFound);
}

TEST_F(BufferTest, GetRejectsTypesAbove8) {
  EXPECT_EQ(get_buffer(9, 0, 10), Status::BadArgument);
  EXPECT_EQ(get_buffer(0xFFFFFFFF, 0, 10), Status::BadArgument);
}

TEST_F(BufferTest, GetAllocatorFailureIsInvalidMemoryAccess) {
  guest.fail_allocations(true);
  EXPECT_EQ(get_buffer(0, 0, 5), Status::InvalidMemoryAccess);
  guest.fail_allocations(false);
  guest.force_allocation_address(guest.size() - 2);  // allocator answers past the end
  EXPECT_EQ(get_buffer(0, 0, 5), Status::InvalidMemoryAccess);
}

TEST_F(BufferTest, GetBadResultPointersAreInvalidMemoryAccess) {
  EXPECT_EQ(st("proxy_get_buffer_bytes", {0, 0, 5, bad(), kRetSize}), Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_get_buffer_bytes", {0, 0, 5, kRet, bad()}), Status::InvalidMemoryAccess);
}

TEST_F(BufferTest, GetReadsConfigurationBuffersAnyTime) {
  EXPECT_EQ(get_buffer(6, 0, 100), Status::Ok);
  EXPECT_EQ(returned(), "vm-config");
  EXPECT_EQ(get_buffer(7, 7, 100), Status::Ok);
  EXPECT_EQ(returned(), "config");
}

TEST_F(BufferTest, GetReadsForeignArgumentsAndGrpcMessageWhileSet) {
  std::string args = "foreign-args";
  std::string message = "grpc-message";
  host->set_foreign_arguments(&args);
  host->set_grpc_message(&message);
  EXPECT_EQ(get_buffer(8, 0, 100), Status::Ok);
  EXPECT_EQ(returned(), "foreign-args");
  EXPECT_EQ(get_buffer(5, 5, 100), Status::Ok);
  EXPECT_EQ(returned(), "message");
  host->set_foreign_arguments(nullptr);
  host->set_grpc_message(nullptr);
  EXPECT_EQ(get_buffer(8, 0, 100), Status::NotFound);
}

TEST_F(BufferTest, StatusWritesSizeAndZeroFlags) {
  poison({kRet, kRet2});
  EXPECT_EQ(st("proxy_get_buffer_status", {0, kRet, kRet2}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 11u);
  EXPECT_EQ(guest.u32(kRet2), 0u);
  EXPECT_EQ(st("proxy_get_buffer_status", {7, kRet, kRet2}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 13u);  // "plugin-config"
}

TEST_F(BufferTest, StatusErrors) {
  EXPECT_EQ(st("proxy_get_buffer_status", {1, kRet, kRet2}), Status::NotFound);
  EXPECT_EQ(st("proxy_get_buffer_status", {9, kRet, kRet2}), Status::BadArgument);
  EXPECT_EQ(st("proxy_get_buffer_status", {0, bad(), kRet2}), Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_get_buffer_status", {0, kRet, bad()}), Status::InvalidMemoryAccess);
}

TEST_F(BufferTest, SetWithStartZeroSizeZeroPrepends) {
  EXPECT_EQ(set_buffer(0, 0, 0, ">> "), Status::Ok);
  EXPECT_EQ(body, ">> hello world");
}

TEST_F(BufferTest, SetWithStartZeroAndTheFullSizeReplacesAll) {
  EXPECT_EQ(set_buffer(0, 0, 11, "bye"), Status::Ok);
  EXPECT_EQ(body, "bye");
  // A size beyond the buffer also replaces everything.
  EXPECT_EQ(set_buffer(0, 0, 0xFFFFFFFF, "all new"), Status::Ok);
  EXPECT_EQ(body, "all new");
}

TEST_F(BufferTest, SetWithStartZeroDropsTheFirstBytes) {
  EXPECT_EQ(set_buffer(0, 0, 6, "big "), Status::Ok);
  EXPECT_EQ(body, "big world");
}

TEST_F(BufferTest, SetWithStartAtOrPastTheEndAppends) {
  EXPECT_EQ(set_buffer(0, 11, 0, "!"), Status::Ok);
  EXPECT_EQ(body, "hello world!");
  EXPECT_EQ(set_buffer(0, 0xFFFFFFFF, 5, "?"), Status::Ok);  // size ignored
  EXPECT_EQ(body, "hello world!?");
}

TEST_F(BufferTest, SetInTheMiddleIsBadArgument) {
  EXPECT_EQ(set_buffer(0, 5, 1, "_"), Status::BadArgument);
  EXPECT_EQ(set_buffer(0, 1, 0, "_"), Status::BadArgument);
  EXPECT_EQ(body, "hello world");
}

TEST_F(BufferTest, SetOnTheResponseBody) {
  std::string response = "resp";
  stream.response_body = &response;
  EXPECT_EQ(set_buffer(1, 0, 4, "new response"), Status::Ok);
  EXPECT_EQ(response, "new response");
  EXPECT_EQ(body, "hello world");
}

TEST_F(BufferTest, SetOnReadOnlyBuffersIsBadArgument) {
  std::string args = "a";
  host->set_foreign_arguments(&args);
  for (uint32_t type : {4u, 5u, 6u, 7u, 8u})
    EXPECT_EQ(set_buffer(type, 0, 0, "x"), Status::BadArgument) << type;
  EXPECT_EQ(args, "a");
  EXPECT_EQ(set_buffer(9, 0, 0, "x"), Status::BadArgument);
}

TEST_F(BufferTest, SetOnAnUnavailableBufferIsNotFound) {
  EXPECT_EQ(set_buffer(1, 0, 0, "x"), Status::NotFound);
  EXPECT_EQ(set_buffer(2, 0, 0, "x"), Status::NotFound);
  EXPECT_EQ(set_buffer(3, 0, 0, "x"), Status::NotFound);
}

TEST_F(BufferTest, SetWithBadDataIsInvalidMemoryAccess) {
  EXPECT_EQ(st("proxy_set_buffer_bytes", {0, 0, 0, guest.size() - 1, 4}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(body, "hello world");
}

// =============================================================================================
// Header maps
// =============================================================================================

// The four stream maps, each with its HttpStreamState member.
struct StreamMap {
  uint32_t type;
  HeaderMap HttpStreamState::*member;
};
constexpr StreamMap kStreamMaps[] = {
    {0, &HttpStreamState::request_headers},
    {1, &HttpStreamState::request_trailers},
    {2, &HttpStreamState::response_headers},
    {3, &HttpStreamState::response_trailers},
};

class HeaderMapTest : public AbiHostTest {
 protected:
  HeaderMapTest() {
    for (const StreamMap& map : kStreamMaps)
      if (map.type != 0) stream.*map.member = HeaderMap({{"Map-Name", std::to_string(map.type)}});
    enter(ctx);
  }
};

TEST_F(HeaderMapTest, GetValueIsCaseInsensitive) {
  EXPECT_EQ(get_value(0, ":PATH"), Status::Ok);
  EXPECT_EQ(returned(), "/x?y=1");
  EXPECT_EQ(get_value(0, "x-DUP"), Status::Ok);
  EXPECT_EQ(returned(), "1");  // the first of repeated values, as Envoy
}

TEST_F(HeaderMapTest, GetValueOnEveryStreamMap) {
  for (const StreamMap& map : kStreamMaps) {
    if (map.type == 0) continue;
    EXPECT_EQ(get_value(map.type, "map-name"), Status::Ok) << map.type;
    EXPECT_EQ(returned(), std::to_string(map.type));
  }
}

TEST_F(HeaderMapTest, GetValueMissingKeyIsNotFoundIn02x) {
  for (const StreamMap& map : kStreamMaps)
    EXPECT_EQ(get_value(map.type, "absent"), Status::NotFound) << map.type;
}

TEST_F(HeaderMapTest, GetValueMissingKeyIsAnEmptyValueIn010) {
  make_host(AbiVersion::v0_1_0);
  enter(ctx);
  poison({kRet, kRetSize});
  EXPECT_EQ(get_value(0, "absent"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_TRUE(guest.allocations().empty());
}

TEST_F(HeaderMapTest, GetValueEmptyValueWritesZeros) {
  stream.request_headers.add("empty", "");
  poison({kRet, kRetSize});
  EXPECT_EQ(get_value(0, "empty"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
}

TEST_F(HeaderMapTest, GetValueErrors) {
  EXPECT_EQ(get_value(8, ":path"), Status::BadArgument);
  EXPECT_EQ(st("proxy_get_header_map_value", {0, bad(), 10, kRet, kRetSize}),
            Status::InvalidMemoryAccess);
  Slice k = in(":path");
  EXPECT_EQ(st("proxy_get_header_map_value", {0, k.ptr, k.len, bad(), kRetSize}),
            Status::InvalidMemoryAccess);
  guest.fail_allocations(true);
  EXPECT_EQ(get_value(0, ":path"), Status::InvalidMemoryAccess);
}

TEST_F(HeaderMapTest, GetPairsSerializesInOrderWithRepeats) {
  HeaderPairs expected = {{":method", "GET"},
                          {":path", "/x?y=1"},
                          {":authority", "example.com"},
                          {"x-dup", "1"},
                          {"x-dup", "2"}};
  EXPECT_EQ(get_pairs(0), expected);
  EXPECT_EQ(guest.u32(kRetSize), abi::encoded_pairs_size(expected));
  for (const StreamMap& map : kStreamMaps) {
    if (map.type == 0) continue;
    EXPECT_EQ(get_pairs(map.type), (HeaderPairs{{"map-name", std::to_string(map.type)}}));
  }
}

TEST_F(HeaderMapTest, GetPairsOfAnEmptyMapIsSizeZero) {
  stream.response_trailers.clear();
  poison({kRet, kRetSize});
  EXPECT_EQ(st("proxy_get_header_map_pairs", {3, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_TRUE(guest.allocations().empty());
}

TEST_F(HeaderMapTest, GetPairsOfUnavailableMapsIsOkAndEmpty) {
  for (uint32_t type : {4u, 5u, 6u, 7u}) {
    poison({kRet, kRetSize});
    EXPECT_EQ(st("proxy_get_header_map_pairs", {type, kRet, kRetSize}), Status::Ok) << type;
    EXPECT_EQ(guest.u32(kRetSize), 0u) << type;
  }
  enter(root);
  poison({kRet, kRetSize});
  EXPECT_EQ(st("proxy_get_header_map_pairs", {0, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
}

TEST_F(HeaderMapTest, GetPairsErrors) {
  EXPECT_EQ(st("proxy_get_header_map_pairs", {8, kRet, kRetSize}), Status::BadArgument);
  EXPECT_EQ(st("proxy_get_header_map_pairs", {0, bad(), kRetSize}), Status::InvalidMemoryAccess);
  guest.fail_allocations(true);
  EXPECT_EQ(st("proxy_get_header_map_pairs", {0, kRet, kRetSize}), Status::InvalidMemoryAccess);
}

TEST_F(HeaderMapTest, SetPairsReplacesTheWholeMapOnEveryStreamMap) {
  for (const StreamMap& map : kStreamMaps) {
    Slice pairs = in_pairs({{"New-Key", "v1"}, {"b", std::string("\0bin", 4)}, {"new-key", "v2"}});
    EXPECT_EQ(st("proxy_set_header_map_pairs", {map.type, pairs.ptr, pairs.len}), Status::Ok);
    EXPECT_EQ((stream.*map.member).pairs(),
              (HeaderPairs{{"new-key", "v1"}, {"b", std::string("\0bin", 4)}, {"new-key", "v2"}}))
        << map.type;
  }
}

TEST_F(HeaderMapTest, SetPairsAcceptsTheThreeEmptyForms) {
  for (std::string empty : {std::string(), std::string(1, '\0'), std::string(4, '\0')}) {
    stream.request_headers = HeaderMap(HeaderPairs{{"a", "b"}});
    Slice pairs = in(empty);
    EXPECT_EQ(st("proxy_set_header_map_pairs", {0, pairs.ptr, pairs.len}), Status::Ok)
        << empty.size();
    EXPECT_TRUE(stream.request_headers.empty()) << empty.size();
  }
}

TEST_F(HeaderMapTest, SetPairsRejectsMalformedInputAndKeepsTheMap) {
  HeaderMap before = stream.request_headers;
  std::string bytes = to_string(abi::encode_pairs({{"a", "1"}}));
  std::string truncated = bytes.substr(0, bytes.size() - 1);
  std::string trailing = bytes + "x";
  std::string no_nul = bytes;
  no_nul.back() = 'z';
  for (const std::string& malformed : {truncated, trailing, no_nul, std::string("\x05\0", 2)}) {
    Slice pairs = in(malformed);
    EXPECT_EQ(st("proxy_set_header_map_pairs", {0, pairs.ptr, pairs.len}), Status::BadArgument);
  }
  EXPECT_EQ(stream.request_headers, before);
}

TEST_F(HeaderMapTest, SetPairsErrors) {
  Slice pairs = in_pairs({{"a", "1"}});
  EXPECT_EQ(st("proxy_set_header_map_pairs", {8, pairs.ptr, pairs.len}), Status::BadArgument);
  EXPECT_EQ(st("proxy_set_header_map_pairs", {0, bad(), 10}), Status::InvalidMemoryAccess);
  for (uint32_t type : {4u, 5u, 6u, 7u})
    EXPECT_EQ(st("proxy_set_header_map_pairs", {type, pairs.ptr, pairs.len}), Status::BadArgument);
  enter(root);
  EXPECT_EQ(st("proxy_set_header_map_pairs", {0, pairs.ptr, pairs.len}), Status::BadArgument);
}

TEST_F(HeaderMapTest, AddAppendsAndKeepsExistingValues) {
  EXPECT_EQ(add_value(0, "X-Dup", "3"), Status::Ok);
  EXPECT_EQ(stream.request_headers.get_joined("x-dup"), "1,2,3");
  EXPECT_EQ(stream.request_headers.pairs().back(),
            (std::pair<std::string, std::string>{"x-dup", "3"}));
  for (const StreamMap& map : kStreamMaps) {
    EXPECT_EQ(add_value(map.type, "Added", "yes"), Status::Ok) << map.type;
    EXPECT_EQ((stream.*map.member).get("added"), "yes") << map.type;
  }
}

TEST_F(HeaderMapTest, AddKeepsBinaryValues) {
  EXPECT_EQ(add_value(2, "bin", std::string("a\0b", 3)), Status::Ok);
  EXPECT_EQ(get_value(2, "bin"), Status::Ok);
  EXPECT_EQ(returned(), std::string("a\0b", 3));
}

TEST_F(HeaderMapTest, ReplaceOverwritesAllValuesOrAdds) {
  Slice k = in("x-dup"), v = in("only");
  EXPECT_EQ(st("proxy_replace_header_map_value", {0, k.ptr, k.len, v.ptr, v.len}), Status::Ok);
  EXPECT_EQ(stream.request_headers.get_joined("x-dup"), "only");
  EXPECT_EQ(stream.request_headers.size(), 4u);
  for (const StreamMap& map : kStreamMaps) {
    Slice nk = in("Fresh"), nv = in("v");
    EXPECT_EQ(st("proxy_replace_header_map_value", {map.type, nk.ptr, nk.len, nv.ptr, nv.len}),
              Status::Ok);
    EXPECT_EQ((stream.*map.member).get("fresh"), "v") << map.type;
  }
}

TEST_F(HeaderMapTest, RemoveDropsEveryValueAndIsOkWhenAbsent) {
  for (const StreamMap& map : kStreamMaps) {
    Slice k = in(map.type == 0 ? "X-DUP" : "map-name");
    EXPECT_EQ(st("proxy_remove_header_map_value", {map.type, k.ptr, k.len}), Status::Ok);
    EXPECT_EQ((stream.*map.member).get(map.type == 0 ? "x-dup" : "map-name"), std::nullopt);
    EXPECT_EQ(st("proxy_remove_header_map_value", {map.type, k.ptr, k.len}), Status::Ok);
  }
  EXPECT_EQ(stream.request_headers.size(), 3u);
}

TEST_F(HeaderMapTest, WritesErrors) {
  Slice k = in("k"), v = in("v");
  for (std::string_view name : {"proxy_add_header_map_value", "proxy_replace_header_map_value"}) {
    EXPECT_EQ(st(name, {8, k.ptr, k.len, v.ptr, v.len}), Status::BadArgument) << name;
    EXPECT_EQ(st(name, {0, bad(), 10, v.ptr, v.len}), Status::InvalidMemoryAccess) << name;
    EXPECT_EQ(st(name, {0, k.ptr, k.len, bad(), 10}), Status::InvalidMemoryAccess) << name;
  }
  EXPECT_EQ(st("proxy_remove_header_map_value", {8, k.ptr, k.len}), Status::BadArgument);
  EXPECT_EQ(st("proxy_remove_header_map_value", {0, bad(), 10}), Status::InvalidMemoryAccess);
  enter(root);
  EXPECT_EQ(st("proxy_add_header_map_value", {0, k.ptr, k.len, v.ptr, v.len}), Status::BadArgument);
  EXPECT_EQ(st("proxy_remove_header_map_value", {0, k.ptr, k.len}), Status::BadArgument);
}

TEST_F(HeaderMapTest, SizeIsTheByteSizeOfKeysAndValues) {
  // ":method"+"GET" + ":path"+"/x?y=1" + ":authority"+"example.com" + 2 x ("x-dup"+"1")
  const uint32_t expected = (7 + 3) + (5 + 6) + (10 + 11) + 2 * (5 + 1);
  poison({kRet});
  EXPECT_EQ(st("proxy_get_header_map_size", {0, kRet}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), expected);
  EXPECT_EQ(st("proxy_get_header_map_size", {1, kRet}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 8u + 1u);
}

TEST_F(HeaderMapTest, SizeErrors) {
  EXPECT_EQ(st("proxy_get_header_map_size", {8, kRet}), Status::BadArgument);
  for (uint32_t type : {4u, 5u, 6u, 7u})
    EXPECT_EQ(st("proxy_get_header_map_size", {type, kRet}), Status::BadArgument) << type;
  EXPECT_EQ(st("proxy_get_header_map_size", {0, bad()}), Status::InvalidMemoryAccess);
  enter(root);
  EXPECT_EQ(st("proxy_get_header_map_size", {0, kRet}), Status::BadArgument);
}

TEST_F(HeaderMapTest, GrpcMetadataMapsAreReadOnly) {
  HeaderPairs initial = {{"Initial-Key", "i"}};
  HeaderPairs trailing = {{"grpc-status", "0"}, {"grpc-message", "fine"}};
  host->set_grpc_metadata(&initial, &trailing);
  EXPECT_EQ(get_value(4, "initial-key"), Status::Ok);
  EXPECT_EQ(returned(), "i");
  EXPECT_EQ(get_value(5, "GRPC-MESSAGE"), Status::Ok);
  EXPECT_EQ(returned(), "fine");
  EXPECT_EQ(get_pairs(5), trailing);
  EXPECT_EQ(get_value(5, "absent"), Status::NotFound);
  EXPECT_EQ(add_value(4, "x", "y"), Status::BadArgument);
  Slice k = in("initial-key");
  EXPECT_EQ(st("proxy_remove_header_map_value", {4, k.ptr, k.len}), Status::BadArgument);
  EXPECT_EQ(initial.size(), 1u);
  host->set_grpc_metadata(nullptr, nullptr);
  EXPECT_EQ(get_value(4, "initial-key"), Status::BadArgument);
}

// =============================================================================================
// Stream control and local replies
// =============================================================================================

TEST_F(AbiHostTest, ContinueAndCloseStreamReachTheStreamControl) {
  enter(ctx);
  EXPECT_EQ(st("proxy_continue_stream", {0}), Status::Ok);
  EXPECT_EQ(st("proxy_continue_stream", {1}), Status::Ok);
  EXPECT_EQ(st("proxy_close_stream", {1}), Status::Ok);
  EXPECT_EQ(st("proxy_close_stream", {3}), Status::Ok);
  EXPECT_EQ(control.continued, (std::vector<abi::StreamType>{abi::StreamType::HttpRequest,
                                                             abi::StreamType::HttpResponse}));
  EXPECT_EQ(control.closed, (std::vector<abi::StreamType>{abi::StreamType::HttpResponse,
                                                          abi::StreamType::Upstream}));
}

TEST_F(AbiHostTest, ContinueStreamPassesTheControlsAnswer) {
  enter(ctx);
  control.continue_result = Status::Unimplemented;
  EXPECT_EQ(st("proxy_continue_stream", {3}), Status::Unimplemented);
}

TEST_F(AbiHostTest, ContinueAndCloseStreamRejectTypesAbove3) {
  enter(ctx);
  EXPECT_EQ(st("proxy_continue_stream", {4}), Status::BadArgument);
  EXPECT_EQ(st("proxy_close_stream", {4}), Status::BadArgument);
  EXPECT_TRUE(control.continued.empty());
  EXPECT_TRUE(control.closed.empty());
}

TEST_F(AbiHostTest, ContinueAndCloseStreamFromARootContextAreBadArgument) {
  enter(root);
  EXPECT_EQ(st("proxy_continue_stream", {0}), Status::BadArgument);
  EXPECT_EQ(st("proxy_close_stream", {0}), Status::BadArgument);
  // After switching to the stream they work.
  EXPECT_EQ(st("proxy_set_effective_context", {ctx}), Status::Ok);
  EXPECT_EQ(st("proxy_continue_stream", {0}), Status::Ok);
  EXPECT_EQ(control.continued.size(), 1u);
}

TEST_F(AbiHostTest, ContinueRequestAndResponseOn010) {
  make_host(AbiVersion::v0_1_0);
  enter(ctx);
  EXPECT_EQ(st("proxy_continue_request", {}), Status::Ok);
  EXPECT_EQ(st("proxy_continue_response", {}), Status::Ok);
  EXPECT_EQ(st("proxy_clear_route_cache", {}), Status::Ok);
  EXPECT_EQ(control.continued, (std::vector<abi::StreamType>{abi::StreamType::HttpRequest,
                                                             abi::StreamType::HttpResponse}));
  enter(root);
  EXPECT_EQ(st("proxy_continue_request", {}), Status::BadArgument);
  EXPECT_EQ(st("proxy_continue_response", {}), Status::BadArgument);
}

TEST_F(AbiHostTest, SendLocalResponseDecodesTheReply) {
  enter(ctx);
  Slice details = in("not allowed\there");
  Slice body = in("denied");
  Slice headers = in_pairs({{"x-reason", "policy"}, {"x-reason", "second"}});
  EXPECT_EQ(st("proxy_send_local_response", {403, details.ptr, details.len, body.ptr, body.len,
                                             headers.ptr, headers.len, 0xFFFFFFFF}),
            Status::Ok);
  ASSERT_EQ(control.local_replies.size(), 1u);
  const LocalReply& reply = control.local_replies[0];
  EXPECT_EQ(reply.status, 403u);
  EXPECT_EQ(reply.details, "not_allowed_here");  // whitespace replaced, as Envoy
  EXPECT_EQ(reply.body, "denied");
  EXPECT_EQ(reply.headers, (HeaderPairs{{"x-reason", "policy"}, {"x-reason", "second"}}));
  EXPECT_EQ(reply.grpc_status, std::nullopt);  // -1: no grpc-status
  EXPECT_TRUE(host->take_local_reply_flag());
  EXPECT_FALSE(host->take_local_reply_flag());
}

TEST_F(AbiHostTest, SendLocalResponseGrpcStatusOnlyWithin0To16) {
  enter(ctx);
  Slice body = in("");
  for (uint32_t grpc : {0u, 16u, 17u, 0xFFFFFFFFu})
    EXPECT_EQ(st("proxy_send_local_response", {200, 0, 0, body.ptr, 0, 0, 0, grpc}), Status::Ok);
  ASSERT_EQ(control.local_replies.size(), 4u);
  EXPECT_EQ(control.local_replies[0].grpc_status, 0u);
  EXPECT_EQ(control.local_replies[1].grpc_status, 16u);
  EXPECT_EQ(control.local_replies[2].grpc_status, std::nullopt);
  EXPECT_EQ(control.local_replies[3].grpc_status, std::nullopt);
  EXPECT_TRUE(control.local_replies[0].headers.empty());
}

TEST_F(AbiHostTest, SendLocalResponseErrors) {
  enter(ctx);
  Slice body = in("b");
  Slice malformed = in(std::string("\x02\0\0\0", 4));
  EXPECT_EQ(st("proxy_send_local_response",
               {500, 0, 0, body.ptr, body.len, malformed.ptr, malformed.len, 0xFFFFFFFF}),
            Status::BadArgument);
  EXPECT_EQ(st("proxy_send_local_response", {500, 0, 0, bad(), 10, 0, 0, 0xFFFFFFFF}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_send_local_response", {500, bad(), 10, 0, 0, 0, 0, 0xFFFFFFFF}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_send_local_response", {500, 0, 0, 0, 0, bad(), 10, 0xFFFFFFFF}),
            Status::InvalidMemoryAccess);
  EXPECT_TRUE(control.local_replies.empty());
  EXPECT_FALSE(host->take_local_reply_flag());
  enter(root);
  EXPECT_EQ(st("proxy_send_local_response", {500, 0, 0, body.ptr, body.len, 0, 0, 0xFFFFFFFF}),
            Status::BadArgument);
  EXPECT_FALSE(host->take_local_reply_flag());
}

TEST_F(AbiHostTest, GetStatusWritesCodeAndMessage) {
  enter(root);
  host->set_status(14, "upstream unavailable");
  poison({kRet, kRetSize, kRet2});
  EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet2), 14u);
  EXPECT_EQ(returned(), "upstream unavailable");
  host->set_status(0, "");
  poison({kRet, kRetSize});
  EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet2), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_EQ(st("proxy_get_status", {bad(), kRet, kRetSize}), Status::InvalidMemoryAccess);
}

// =============================================================================================
// HTTP callouts
// =============================================================================================

class HttpCallTest : public AbiHostTest {
 protected:
  HttpCallTest() {
    CalloutResponse reply;
    reply.headers = {{":status", "200"}, {"X-Reply", "yes"}};
    reply.body = "pong";
    reply.trailers = {{"t", "1"}};
    callouts.set_http_reply("backend", reply);
    CalloutResponse failed;
    failed.failed = true;
    failed.failure_reason = "reset";
    callouts.set_http_reply("broken", failed);
    enter(ctx);
  }
};

TEST_F(HttpCallTest, TokensStartAt4AndStepBy4) {
  poison({kRet});
  EXPECT_EQ(http_call("backend", callout_headers(), "ping"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 4u);
  EXPECT_EQ(http_call("backend", callout_headers(), ""), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 8u);
  ASSERT_EQ(callouts.sent().size(), 2u);
  EXPECT_EQ(callouts.sent()[0].cluster, "backend");
  EXPECT_EQ(callouts.sent()[0].headers, callout_headers());
  EXPECT_EQ(callouts.sent()[0].body, "ping");
}

TEST_F(HttpCallTest, AcceptsTheReferenceHeaderBytes) {
  const uint8_t bytes[] = {0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
                           0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00,
                           0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x3a, 0x6d, 0x65, 0x74, 0x68,
                           0x6f, 0x64, 0x00, 0x47, 0x45, 0x54, 0x00, 0x3a, 0x70, 0x61, 0x74,
                           0x68, 0x00, 0x2f, 0x00, 0x3a, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72,
                           0x69, 0x74, 0x79, 0x00, 0x73, 0x76, 0x63, 0x00};
  Slice cluster = in("backend");
  uint32_t headers = guest.place(std::span<const uint8_t>(bytes, sizeof(bytes)));
  EXPECT_EQ(st("proxy_http_call",
               {cluster.ptr, cluster.len, headers, sizeof(bytes), 0, 0, 0, 0, 0, kRet}),
            Status::Ok);
  ASSERT_EQ(callouts.sent().size(), 1u);
  EXPECT_EQ(callouts.sent()[0].headers, callout_headers());
}

TEST_F(HttpCallTest, ReplyReachesTheRootAfterTheDispatcherRuns) {
  EXPECT_EQ(http_call("backend", callout_headers(), "ping"), Status::Ok);
  EXPECT_TRUE(roots.calls.empty());
  leave();
  dispatcher.run_until_idle();
  auto replies = roots.named("on_http_call_response");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].root_id, root);
  // token, headers, body size, trailers
  EXPECT_EQ(replies[0].args, (std::vector<uint32_t>{4, 2, 4, 1}));
}

TEST_F(HttpCallTest, ReplyBodyAndHeadersAreReadableDuringTheCallback) {
  EXPECT_EQ(http_call("backend", callout_headers(), "ping"), Status::Ok);
  leave();
  std::string body, status_header, trailer;
  HeaderPairs headers;
  Status body_status = Status::InternalFailure, status_status = Status::InternalFailure;
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    body_status = get_buffer(4, 0, 0xFFFFFFFF);
    body = returned();
    headers = get_pairs(6);
    EXPECT_EQ(get_value(6, ":status"), Status::Ok);
    status_header = returned();
    EXPECT_EQ(get_value(7, "t"), Status::Ok);
    trailer = returned();
    status_status = st("proxy_get_status", {kRet2, kRet, kRetSize});
    EXPECT_EQ(guest.u32(kRet2), 0u);
    // The reply's maps are read-only.
    EXPECT_EQ(add_value(6, "x", "y"), Status::BadArgument);
    Slice k = in(":status"), v = in("500");
    EXPECT_EQ(st("proxy_replace_header_map_value", {6, k.ptr, k.len, v.ptr, v.len}),
              Status::BadArgument);
    EXPECT_EQ(st("proxy_remove_header_map_value", {7, k.ptr, k.len}), Status::BadArgument);
    Slice empty = in_pairs({});
    EXPECT_EQ(st("proxy_set_header_map_pairs", {6, empty.ptr, empty.len}), Status::BadArgument);
    EXPECT_EQ(set_buffer(4, 0, 0, "x"), Status::BadArgument);
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.count("on_http_call_response"), 1u);
  EXPECT_EQ(body_status, Status::Ok);
  EXPECT_EQ(body, "pong");
  EXPECT_EQ(headers, (HeaderPairs{{":status", "200"}, {"X-Reply", "yes"}}));
  EXPECT_EQ(status_header, "200");
  EXPECT_EQ(trailer, "1");
  EXPECT_EQ(status_status, Status::Ok);
  // After the callback the reply is gone.
  enter(root);
  EXPECT_EQ(get_buffer(4, 0, 10), Status::NotFound);
  EXPECT_EQ(get_value(6, ":status"), Status::BadArgument);
}

TEST_F(HttpCallTest, FailedCalloutHasZeroHeaders) {
  EXPECT_EQ(http_call("broken", callout_headers(), ""), Status::Ok);
  leave();
  uint32_t code = 0;
  std::string message;
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
    code = guest.u32(kRet2);
    message = returned();
  };
  dispatcher.run_until_idle();
  auto replies = roots.named("on_http_call_response");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].args, (std::vector<uint32_t>{4, 0, 0, 0}));
  EXPECT_EQ(code, static_cast<uint32_t>(Status::BrokenConnection));
  EXPECT_EQ(message, "reset");
}

TEST_F(HttpCallTest, ReplySlowerThanTheTimeoutFails) {
  callouts.set_http_delay("backend", std::chrono::milliseconds(500));
  EXPECT_EQ(http_call("backend", callout_headers(), "", 100), Status::Ok);
  leave();
  dispatcher.advance(99);
  EXPECT_TRUE(roots.calls.empty());
  dispatcher.advance(1);
  auto replies = roots.named("on_http_call_response");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].args[1], 0u);
}

TEST_F(HttpCallTest, DelayedReplyArrivesOnTheFakeClock) {
  callouts.set_http_delay("backend", std::chrono::milliseconds(30));
  EXPECT_EQ(http_call("backend", callout_headers(), "", 0), Status::Ok);  // 0 = no timeout
  leave();
  dispatcher.advance(29);
  EXPECT_TRUE(roots.calls.empty());
  dispatcher.advance(1);
  ASSERT_EQ(roots.count("on_http_call_response"), 1u);
  EXPECT_EQ(roots.calls[0].args[1], 2u);
}

TEST_F(HttpCallTest, UnknownClusterIsBadArgument) {
  poison({kRet});
  EXPECT_EQ(http_call("nowhere", callout_headers(), ""), Status::BadArgument);
  EXPECT_EQ(guest.u32(kRet), kPoison);
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, MissingPseudoHeadersAreBadArgument) {
  for (std::string_view missing : {":method", ":path", ":authority"}) {
    HeaderPairs headers;
    for (const auto& pair : callout_headers())
      if (pair.first != missing) headers.push_back(pair);
    EXPECT_EQ(http_call("backend", headers, ""), Status::BadArgument) << missing;
  }
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, MalformedHeadersOrTrailersAreBadArgument) {
  Slice cluster = in("backend");
  Slice bad_pairs = in(std::string("\x01\0\0\0\x09\0\0\0", 8));
  Slice good = in_pairs(callout_headers());
  EXPECT_EQ(st("proxy_http_call",
               {cluster.ptr, cluster.len, bad_pairs.ptr, bad_pairs.len, 0, 0, 0, 0, 1000, kRet}),
            Status::BadArgument);
  EXPECT_EQ(st("proxy_http_call", {cluster.ptr, cluster.len, good.ptr, good.len, 0, 0,
                                   bad_pairs.ptr, bad_pairs.len, 1000, kRet}),
            Status::BadArgument);
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, NegativeTimeoutIsBadArgument) {
  EXPECT_EQ(http_call("backend", callout_headers(), "", 0xFFFFFFFF), Status::BadArgument);
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, BadMemoryIsInvalidMemoryAccess) {
  EXPECT_EQ(http_call("backend", callout_headers(), "", 1000, bad()), Status::InvalidMemoryAccess);
  Slice h = in_pairs(callout_headers());
  EXPECT_EQ(st("proxy_http_call", {bad(), 10, h.ptr, h.len, 0, 0, 0, 0, 1000, kRet}),
            Status::InvalidMemoryAccess);
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, ReplyAfterShutdownIsDropped) {
  EXPECT_EQ(http_call("backend", callout_headers(), ""), Status::Ok);
  leave();
  host->shutdown();
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(HttpCallTest, ReplyForADeletedRootIsDropped) {
  EXPECT_EQ(http_call("backend", callout_headers(), ""), Status::Ok);
  leave();
  host->delete_context(ctx);
  host->delete_context(root);
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

// =============================================================================================
// gRPC
// =============================================================================================

class GrpcTest : public AbiHostTest {
 protected:
  GrpcTest() {
    GrpcMockReply reply;
    reply.initial_metadata = {{"im", "1"}};
    reply.messages = {"resp1", "resp2"};
    reply.trailing_metadata = {{"tm", "2"}};
    callouts.set_grpc_reply("grpc-backend", reply);
    GrpcMockReply failing;
    failing.status = 14;
    failing.status_message = "unavailable";
    failing.messages = {"never"};
    callouts.set_grpc_reply("grpc-down", failing);
    enter(ctx);
  }
};

TEST_F(GrpcTest, CallTokensStartAt5AndStepBy4) {
  poison({kRet});
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 5u);
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 9u);
}

TEST_F(GrpcTest, CallDeliversMetadataMessageTrailersAndClose) {
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  leave();
  std::vector<std::string> seen;
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    if (call.name == "on_grpc_receive_initial_metadata") {
      EXPECT_EQ(get_value(4, "im"), Status::Ok);
      seen.push_back("im=" + returned());
    } else if (call.name == "on_grpc_receive") {
      EXPECT_EQ(get_buffer(5, 0, 100), Status::Ok);
      seen.push_back("msg=" + returned());
    } else if (call.name == "on_grpc_receive_trailing_metadata") {
      EXPECT_EQ(get_value(5, "tm"), Status::Ok);
      seen.push_back("tm=" + returned());
    } else if (call.name == "on_grpc_close") {
      EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
      seen.push_back("status=" + std::to_string(guest.u32(kRet2)));
    }
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 4u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_receive_initial_metadata");
  EXPECT_EQ(roots.calls[0].args, (std::vector<uint32_t>{5, 1}));
  EXPECT_EQ(roots.calls[1].name, "on_grpc_receive");
  EXPECT_EQ(roots.calls[1].args, (std::vector<uint32_t>{5, 5}));
  EXPECT_EQ(roots.calls[2].name, "on_grpc_receive_trailing_metadata");
  EXPECT_EQ(roots.calls[3].name, "on_grpc_close");
  EXPECT_EQ(roots.calls[3].args, (std::vector<uint32_t>{5, 0}));
  for (const auto& call : roots.calls) EXPECT_EQ(call.root_id, root);
  EXPECT_EQ(seen, (std::vector<std::string>{"im=1", "msg=resp1", "tm=2", "status=0"}));
  // Nothing stays readable afterwards.
  enter(root);
  EXPECT_EQ(get_buffer(5, 0, 100), Status::NotFound);
  EXPECT_EQ(get_value(4, "im"), Status::BadArgument);
  EXPECT_EQ(get_value(5, "tm"), Status::BadArgument);
}

TEST_F(GrpcTest, FailingCallClosesWithItsStatusAndMessage) {
  EXPECT_EQ(grpc_call("grpc-down", "req"), Status::Ok);
  leave();
  std::string message;
  roots.during = [&](const RootCall& call) {
    if (call.name != "on_grpc_close") return;
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
    message = returned();
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 1u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_close");
  EXPECT_EQ(roots.calls[0].args, (std::vector<uint32_t>{5, 14}));
  EXPECT_EQ(message, "unavailable");
}

TEST_F(GrpcTest, CallWithoutAConfiguredReplyIsParseFailure) {
  poison({kRet});
  EXPECT_EQ(grpc_call("nowhere", "req"), Status::ParseFailure);
  EXPECT_EQ(guest.u32(kRet), kPoison);
  EXPECT_EQ(grpc_stream("nowhere"), Status::ParseFailure);
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(GrpcTest, CallBadMemoryIsInvalidMemoryAccess) {
  EXPECT_EQ(grpc_call("grpc-backend", "req", bad()), Status::InvalidMemoryAccess);
  EXPECT_EQ(grpc_stream("grpc-backend", bad()), Status::InvalidMemoryAccess);
  Slice s = in("svc");
  EXPECT_EQ(st("proxy_grpc_call", {bad(), 10, s.ptr, s.len, s.ptr, s.len, 0, 0, 0, 0, 0, kRet}),
            Status::InvalidMemoryAccess);
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(GrpcTest, CancelBeforeTheReplySuppressesEveryCallback) {
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  EXPECT_EQ(st("proxy_grpc_cancel", {5}), Status::Ok);
  EXPECT_EQ(st("proxy_grpc_cancel", {5}), Status::NotFound);
  leave();
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(GrpcTest, CancelInsideACallbackLeavesNothingReadable) {
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  leave();
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(st("proxy_grpc_cancel", {call.args[0]}), Status::Ok);
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 1u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_receive_initial_metadata");
  enter(root);
  EXPECT_EQ(get_value(4, "im"), Status::BadArgument);
}

TEST_F(GrpcTest, CancelInsideReceiveLeavesNoMessageBehind) {
  GrpcMockReply reply;
  reply.messages = {"only"};
  callouts.set_grpc_reply("plain", reply);
  EXPECT_EQ(grpc_call("plain", "req"), Status::Ok);
  leave();
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(st("proxy_grpc_close", {call.args[0]}), Status::Ok);
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 1u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_receive");
  enter(root);
  EXPECT_EQ(get_buffer(5, 0, 10), Status::NotFound);
}

TEST_F(GrpcTest, StreamSendReceivesOneReplyPerMessageThenCloses) {
  poison({kRet});
  EXPECT_EQ(grpc_stream("grpc-backend"), Status::Ok);
  uint32_t token = guest.u32(kRet);
  EXPECT_EQ(token, 6u);
  leave();
  std::vector<std::string> messages;
  roots.during = [&](const RootCall& call) {
    if (call.name != "on_grpc_receive") return;
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(get_buffer(5, 0, 100), Status::Ok);
    messages.push_back(returned());
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 1u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_receive_initial_metadata");
  enter(root);
  EXPECT_EQ(grpc_send(token, "m1", false), Status::Ok);
  leave();
  dispatcher.run_until_idle();
  enter(root);
  EXPECT_EQ(grpc_send(token, "m2", true), Status::Ok);
  leave();
  dispatcher.run_until_idle();
  EXPECT_EQ(messages, (std::vector<std::string>{"resp1", "resp2"}));
  ASSERT_EQ(roots.count("on_grpc_close"), 1u);
  EXPECT_EQ(roots.named("on_grpc_close")[0].args, (std::vector<uint32_t>{token, 0}));
  EXPECT_EQ(roots.count("on_grpc_receive_trailing_metadata"), 1u);
  enter(root);
  EXPECT_EQ(grpc_send(token, "late", false), Status::NotFound);
}

TEST_F(GrpcTest, SendErrors) {
  EXPECT_EQ(grpc_stream("grpc-backend"), Status::Ok);
  uint32_t stream_token = guest.u32(kRet);
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  uint32_t call_token = guest.u32(kRet);
  EXPECT_EQ(grpc_send(stream_token + 4, "m", false), Status::NotFound);  // no such stream
  EXPECT_EQ(grpc_send(call_token, "m", false), Status::BadArgument);     // a call, not a stream
  EXPECT_EQ(grpc_send(4, "m", false), Status::BadArgument);              // an HTTP token
  EXPECT_EQ(st("proxy_grpc_send", {stream_token, bad(), 10, 0}), Status::InvalidMemoryAccess);
}

TEST_F(GrpcTest, CloseAndCancelStreams) {
  EXPECT_EQ(grpc_stream("grpc-backend"), Status::Ok);
  uint32_t first = guest.u32(kRet);
  EXPECT_EQ(grpc_stream("grpc-backend"), Status::Ok);
  uint32_t second = guest.u32(kRet);
  EXPECT_EQ(second, first + 4);
  EXPECT_EQ(st("proxy_grpc_close", {first}), Status::Ok);
  EXPECT_EQ(st("proxy_grpc_cancel", {second}), Status::Ok);
  EXPECT_EQ(grpc_send(first, "m", false), Status::NotFound);
  EXPECT_EQ(st("proxy_grpc_close", {first}), Status::NotFound);
  EXPECT_EQ(st("proxy_grpc_cancel", {second}), Status::NotFound);
  leave();
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(GrpcTest, CloseAndCancelRejectTokensOfNoGrpcKind) {
  // Low bits 0 (HTTP call) and 3 (no kind) are not gRPC tokens.
  EXPECT_EQ(st("proxy_grpc_cancel", {4}), Status::BadArgument);
  EXPECT_EQ(st("proxy_grpc_close", {7}), Status::BadArgument);
  EXPECT_EQ(st("proxy_grpc_cancel", {0}), Status::BadArgument);
  EXPECT_EQ(st("proxy_grpc_close", {13}), Status::NotFound);  // a call token never issued
}

// =============================================================================================
// Shared data and queues
// =============================================================================================

class SharedTest : public AbiHostTest {
 protected:
  SharedTest() { enter(root); }

  Status set_data(std::string_view key, std::string_view value, uint32_t cas) {
    Slice k = in(key), v = in(value);
    return st("proxy_set_shared_data", {k.ptr, k.len, v.ptr, v.len, cas});
  }
  Status get_data(std::string_view key, AbiHost* target = nullptr) {
    Slice k = in(key);
    return st(target ? *target : *host, "proxy_get_shared_data",
              {k.ptr, k.len, kRet, kRetSize, kRet2});
  }

  // A second plugin in the same environment.
  std::unique_ptr<AbiHost> other_host(std::string vm_id, FakeRootCallbacks& callbacks) {
    PluginIdentity other = identity_;
    other.name = "other_plugin";
    other.vm_id = std::move(vm_id);
    return std::make_unique<AbiHost>(env, other, AbiVersion::v0_2_1, other_guest, callbacks);
  }

  FakeGuest other_guest;
};

TEST_F(SharedTest, GetMissingKeyIsNotFound) {
  EXPECT_EQ(get_data("absent"), Status::NotFound);
}

TEST_F(SharedTest, CompareAndSwapFlow) {
  EXPECT_EQ(set_data("k", "v1", 0), Status::Ok);
  EXPECT_EQ(get_data("k"), Status::Ok);
  EXPECT_EQ(returned(), "v1");
  uint32_t cas1 = guest.u32(kRet2);
  EXPECT_NE(cas1, 0u);

  EXPECT_EQ(set_data("k", "v2", cas1), Status::Ok);
  EXPECT_EQ(get_data("k"), Status::Ok);
  EXPECT_EQ(returned(), "v2");
  uint32_t cas2 = guest.u32(kRet2);
  EXPECT_NE(cas2, cas1);
  EXPECT_NE(cas2, 0u);

  // A stale CAS loses; the value stays.
  EXPECT_EQ(set_data("k", "v3", cas1), Status::CasMismatch);
  EXPECT_EQ(get_data("k"), Status::Ok);
  EXPECT_EQ(returned(), "v2");
  EXPECT_EQ(guest.u32(kRet2), cas2);

  // CAS 0 writes unconditionally.
  EXPECT_EQ(set_data("k", "v4", 0), Status::Ok);
  EXPECT_EQ(get_data("k"), Status::Ok);
  EXPECT_EQ(returned(), "v4");
}

TEST_F(SharedTest, NewKeyIgnoresCas) {
  EXPECT_EQ(set_data("fresh", "v", 12345), Status::Ok);
  EXPECT_EQ(get_data("fresh"), Status::Ok);
  EXPECT_EQ(returned(), "v");
}

TEST_F(SharedTest, EmptyValueWritesZerosAndTheCas) {
  EXPECT_EQ(set_data("empty", "", 0), Status::Ok);
  poison({kRet, kRetSize, kRet2});
  EXPECT_EQ(get_data("empty"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_NE(guest.u32(kRet2), kPoison);
}

TEST_F(SharedTest, VmIdsAreIsolated) {
  EXPECT_EQ(set_data("k", "mine", 0), Status::Ok);
  FakeRootCallbacks other_roots, same_roots;
  auto other = other_host("other_vm", other_roots);
  auto same = other_host("my_vm", same_roots);
  {
    Slice k = {other_guest.place("k"), 1};
    EXPECT_EQ(st(*other, "proxy_get_shared_data", {k.ptr, k.len, kRet, kRetSize, kRet2}),
              Status::NotFound);
    EXPECT_EQ(st(*same, "proxy_get_shared_data", {k.ptr, k.len, kRet, kRetSize, kRet2}),
              Status::Ok);
    EXPECT_EQ(other_guest.returned(kRet, kRetSize), "mine");
  }
}

TEST_F(SharedTest, SharedDataBadMemory) {
  Slice v = in("v");
  EXPECT_EQ(st("proxy_set_shared_data", {bad(), 10, v.ptr, v.len, 0}), Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_set_shared_data", {v.ptr, v.len, bad(), 10, 0}), Status::InvalidMemoryAccess);
  EXPECT_EQ(set_data("k", "v", 0), Status::Ok);
  Slice k = in("k");
  EXPECT_EQ(st("proxy_get_shared_data", {bad(), 10, kRet, kRetSize, kRet2}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_get_shared_data", {k.ptr, k.len, kRet, kRetSize, bad()}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_get_shared_data", {k.ptr, k.len, bad(), kRetSize, kRet2}),
            Status::InvalidMemoryAccess);
}

TEST_F(SharedTest, QueueRegisterResolveEnqueueDequeue) {
  Slice name = in("jobs");
  poison({kRet});
  EXPECT_EQ(st("proxy_register_shared_queue", {name.ptr, name.len, kRet}), Status::Ok);
  uint32_t id = guest.u32(kRet);
  EXPECT_EQ(id, 1u);  // queue ids start at 1
  EXPECT_EQ(st("proxy_register_shared_queue", {name.ptr, name.len, kRet}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), id);  // same name, same queue

  Slice own_vm = in(""), vm = in("my_vm"), other_vm = in("other_vm"), unknown = in("nope");
  poison({kRet});
  EXPECT_EQ(st("proxy_resolve_shared_queue", {own_vm.ptr, 0, name.ptr, name.len, kRet}),
            Status::Ok);
  EXPECT_EQ(guest.u32(kRet), id);
  EXPECT_EQ(st("proxy_resolve_shared_queue", {vm.ptr, vm.len, name.ptr, name.len, kRet}),
            Status::Ok);
  EXPECT_EQ(guest.u32(kRet), id);
  EXPECT_EQ(
      st("proxy_resolve_shared_queue", {other_vm.ptr, other_vm.len, name.ptr, name.len, kRet}),
      Status::NotFound);
  EXPECT_EQ(st("proxy_resolve_shared_queue", {vm.ptr, vm.len, unknown.ptr, unknown.len, kRet}),
            Status::NotFound);

  EXPECT_EQ(st("proxy_dequeue_shared_queue", {id, kRet, kRetSize}), Status::Empty);
  Slice item = in("item-1");
  EXPECT_EQ(st("proxy_enqueue_shared_queue", {id, item.ptr, item.len}), Status::Ok);
  Slice item2 = in("item-2");
  EXPECT_EQ(st("proxy_enqueue_shared_queue", {id, item2.ptr, item2.len}), Status::Ok);
  EXPECT_EQ(st("proxy_dequeue_shared_queue", {id, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(returned(), "item-1");
  EXPECT_EQ(st("proxy_dequeue_shared_queue", {id, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(returned(), "item-2");
  EXPECT_EQ(st("proxy_dequeue_shared_queue", {id, kRet, kRetSize}), Status::Empty);
}

TEST_F(SharedTest, QueueUnknownIdsAreNotFound) {
  Slice item = in("x");
  EXPECT_EQ(st("proxy_enqueue_shared_queue", {99, item.ptr, item.len}), Status::NotFound);
  EXPECT_EQ(st("proxy_dequeue_shared_queue", {99, kRet, kRetSize}), Status::NotFound);
  EXPECT_EQ(st("proxy_dequeue_shared_queue", {0, kRet, kRetSize}), Status::NotFound);
}

TEST_F(SharedTest, QueueBadMemory) {
  EXPECT_EQ(st("proxy_register_shared_queue", {bad(), 10, kRet}), Status::InvalidMemoryAccess);
  Slice name = in("q");
  EXPECT_EQ(st("proxy_register_shared_queue", {name.ptr, name.len, bad()}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_register_shared_queue", {name.ptr, name.len, kRet}), Status::Ok);
  uint32_t id = guest.u32(kRet);
  EXPECT_EQ(st("proxy_resolve_shared_queue", {0, 0, name.ptr, name.len, bad()}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_enqueue_shared_queue", {id, bad(), 10}), Status::InvalidMemoryAccess);
  Slice item = in("x");
  EXPECT_EQ(st("proxy_enqueue_shared_queue", {id, item.ptr, item.len}), Status::Ok);
  EXPECT_EQ(st("proxy_dequeue_shared_queue", {id, bad(), kRetSize}), Status::InvalidMemoryAccess);
}

TEST_F(SharedTest, EnqueueWakesTheRegistrantAfterTheCall) {
  Slice name = in("jobs");
  EXPECT_EQ(st("proxy_register_shared_queue", {name.ptr, name.len, kRet}), Status::Ok);
  uint32_t id = guest.u32(kRet);
  // Another plugin with the same vm_id finds and feeds the queue.
  FakeRootCallbacks other_roots;
  auto other = other_host("my_vm", other_roots);
  uint32_t other_root = other->create_root_context();
  AbiHost::CallbackScope scope(*other, other_root);
  Slice other_name = {other_guest.place("jobs"), 4};
  EXPECT_EQ(st(*other, "proxy_resolve_shared_queue", {0, 0, other_name.ptr, other_name.len, kRet}),
            Status::Ok);
  EXPECT_EQ(other_guest.u32(kRet), id);
  Slice item = {other_guest.place("work"), 4};
  EXPECT_EQ(st(*other, "proxy_enqueue_shared_queue", {id, item.ptr, item.len}), Status::Ok);
  EXPECT_EQ(roots.count("on_queue_ready"), 0u);  // not re-entrantly
  dispatcher.run_until_idle();
  auto ready = roots.named("on_queue_ready");
  ASSERT_EQ(ready.size(), 1u);
  EXPECT_EQ(ready[0].root_id, root);
  EXPECT_EQ(ready[0].args, (std::vector<uint32_t>{id}));
  EXPECT_TRUE(other_roots.calls.empty());
  EXPECT_EQ(st("proxy_dequeue_shared_queue", {id, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(returned(), "work");
}

TEST_F(SharedTest, ReRegisteringRebindsReadinessToTheNewRegistrant) {
  Slice name = in("jobs");
  EXPECT_EQ(st("proxy_register_shared_queue", {name.ptr, name.len, kRet}), Status::Ok);
  uint32_t id = guest.u32(kRet);
  Slice item = in("queued-before");
  EXPECT_EQ(st("proxy_enqueue_shared_queue", {id, item.ptr, item.len}), Status::Ok);
  dispatcher.run_until_idle();
  roots.calls.clear();

  FakeRootCallbacks other_roots;
  auto other = other_host("my_vm", other_roots);
  uint32_t other_root = other->create_root_context();
  {
    AbiHost::CallbackScope scope(*other, other_root);
    Slice other_name = {other_guest.place("jobs"), 4};
    EXPECT_EQ(st(*other, "proxy_register_shared_queue", {other_name.ptr, other_name.len, kRet}),
              Status::Ok);
    EXPECT_EQ(other_guest.u32(kRet), id);
  }
  EXPECT_EQ(st("proxy_enqueue_shared_queue", {id, item.ptr, item.len}), Status::Ok);
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
  ASSERT_EQ(other_roots.count("on_queue_ready"), 1u);
  EXPECT_EQ(other_roots.calls[0].root_id, other_root);
  // Data queued before re-registration is kept.
  EXPECT_EQ(st("proxy_dequeue_shared_queue", {id, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(returned(), "queued-before");
}

TEST_F(SharedTest, ShutdownStopsQueueWakeUps) {
  Slice name = in("jobs");
  EXPECT_EQ(st("proxy_register_shared_queue", {name.ptr, name.len, kRet}), Status::Ok);
  uint32_t id = guest.u32(kRet);
  host->shutdown();
  Slice item = in("x");
  EXPECT_EQ(st("proxy_enqueue_shared_queue", {id, item.ptr, item.len}), Status::Ok);
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

// =============================================================================================
// Metrics
// =============================================================================================

class MetricsTest : public AbiHostTest {
 protected:
  MetricsTest() { enter(root); }
  uint32_t define(uint32_t type, std::string_view name) {
    Slice n = in(name);
    poison({kRet});
    EXPECT_EQ(st("proxy_define_metric", {type, n.ptr, n.len, kRet}), Status::Ok);
    return guest.u32(kRet);
  }
  uint64_t value(uint32_t id) {
    EXPECT_EQ(st("proxy_get_metric", {id, kRet64}), Status::Ok);
    return guest.u64(kRet64);
  }
  static uint64_t i64(int64_t v) { return static_cast<uint64_t>(v); }
};

TEST_F(MetricsTest, IdsCarryTheTypeInTheLowBits) {
  uint32_t counter = define(0, "requests");
  uint32_t gauge = define(1, "active");
  uint32_t histogram = define(2, "latency");
  EXPECT_EQ(counter & 3, 0u);
  EXPECT_EQ(gauge & 3, 1u);
  EXPECT_EQ(histogram & 3, 2u);
  // Each kind counts on its own, as proxy-wasm-cpp-host: 4, 8, ...; 5, 9, ...; 6, 10, ...
  EXPECT_EQ(counter, 4u);
  EXPECT_EQ(gauge, 5u);
  EXPECT_EQ(histogram, 6u);
  EXPECT_EQ(define(0, "errors"), 8u);
  EXPECT_EQ(define(1, "queued"), 9u);
  EXPECT_EQ(define(0, "requests"), counter);  // same name and type: same metric
}

TEST_F(MetricsTest, CounterIncrementsAndCannotDecrement) {
  uint32_t counter = define(0, "requests");
  EXPECT_EQ(value(counter), 0u);
  EXPECT_EQ(st("proxy_increment_metric", {counter, 5}), Status::Ok);
  EXPECT_EQ(st("proxy_increment_metric", {counter, 1}), Status::Ok);
  EXPECT_EQ(value(counter), 6u);
  EXPECT_EQ(st("proxy_increment_metric", {counter, i64(-1)}), Status::BadArgument);
  EXPECT_EQ(st("proxy_increment_metric", {counter, 0}), Status::BadArgument);
  EXPECT_EQ(value(counter), 6u);
  // Record on a counter adds, as Envoy.
  EXPECT_EQ(st("proxy_record_metric", {counter, 10}), Status::Ok);
  EXPECT_EQ(value(counter), 16u);
}

TEST_F(MetricsTest, GaugeGoesUpAndDownAndRecordSets) {
  uint32_t gauge = define(1, "active");
  EXPECT_EQ(st("proxy_record_metric", {gauge, 10}), Status::Ok);
  EXPECT_EQ(st("proxy_increment_metric", {gauge, i64(-3)}), Status::Ok);
  EXPECT_EQ(value(gauge), 7u);
  EXPECT_EQ(st("proxy_increment_metric", {gauge, 5}), Status::Ok);
  EXPECT_EQ(value(gauge), 12u);
  EXPECT_EQ(st("proxy_record_metric", {gauge, 42}), Status::Ok);
  EXPECT_EQ(value(gauge), 42u);
  // The full 64-bit value reaches guest memory.
  EXPECT_EQ(st("proxy_record_metric", {gauge, 0x1'0000'0002ull}), Status::Ok);
  EXPECT_EQ(value(gauge), 0x1'0000'0002ull);
}

TEST_F(MetricsTest, HistogramRecordsButCannotBeReadOrIncremented) {
  uint32_t histogram = define(2, "latency");
  EXPECT_EQ(st("proxy_record_metric", {histogram, 250}), Status::Ok);
  EXPECT_EQ(st("proxy_get_metric", {histogram, kRet64}), Status::BadArgument);
  EXPECT_EQ(st("proxy_increment_metric", {histogram, 1}), Status::BadArgument);
  auto snapshot = env.metrics().snapshot();
  ASSERT_EQ(snapshot.size(), 1u);
  EXPECT_EQ(snapshot[0].samples, 1u);
  EXPECT_EQ(snapshot[0].value, 250u);
}

TEST_F(MetricsTest, UnknownIdsAreNotFound) {
  EXPECT_EQ(st("proxy_increment_metric", {404, 1}), Status::NotFound);
  EXPECT_EQ(st("proxy_record_metric", {404, 1}), Status::NotFound);
  EXPECT_EQ(st("proxy_get_metric", {404, kRet64}), Status::NotFound);
}

TEST_F(MetricsTest, DefineErrors) {
  Slice n = in("m");
  EXPECT_EQ(st("proxy_define_metric", {3, n.ptr, n.len, kRet}), Status::BadArgument);
  EXPECT_EQ(st("proxy_define_metric", {0, bad(), 10, kRet}), Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_define_metric", {0, n.ptr, n.len, bad()}), Status::InvalidMemoryAccess);
  EXPECT_TRUE(env.metrics().snapshot().empty());
  uint32_t counter = define(0, "c");
  EXPECT_EQ(st("proxy_get_metric", {counter, guest.size() - 4}), Status::InvalidMemoryAccess);
}

// =============================================================================================
// Properties
// =============================================================================================

TEST_F(AbiHostTest, PluginPropertiesFromTheRootContext) {
  enter(root);
  EXPECT_EQ(get_property("plugin_name"), Status::Ok);
  EXPECT_EQ(returned(), "my_plugin");
  EXPECT_EQ(get_property(std::string("plugin_root_id\0", 15)), Status::Ok);
  EXPECT_EQ(returned(), "my_root");
  EXPECT_EQ(get_property("plugin_vm_id"), Status::Ok);
  EXPECT_EQ(returned(), "my_vm");
}

TEST_F(AbiHostTest, RequestPropertiesWithBothPathEncodings) {
  enter(ctx);
  EXPECT_EQ(get_property(std::string("request\0path\0", 13)), Status::Ok);  // C++ SDK
  EXPECT_EQ(returned(), "/x?y=1");
  EXPECT_EQ(get_property(std::string("request\0path", 12)), Status::Ok);  // Rust SDK
  EXPECT_EQ(returned(), "/x?y=1");
  EXPECT_EQ(get_property(std::string("request\0url_path", 16)), Status::Ok);
  EXPECT_EQ(returned(), "/x");
  EXPECT_EQ(get_property(std::string("request\0method", 14)), Status::Ok);
  EXPECT_EQ(returned(), "GET");
  EXPECT_EQ(get_property(std::string("request\0host\0", 13)), Status::Ok);
  EXPECT_EQ(returned(), "example.com");
}

TEST_F(AbiHostTest, RequestHeaderProperty) {
  enter(ctx);
  EXPECT_EQ(get_property(std::string("request\0headers\0:method\0", 24)), Status::Ok);
  EXPECT_EQ(returned(), "GET");
  EXPECT_EQ(get_property(std::string("request\0headers\0X-Dup", 21)), Status::Ok);
  EXPECT_EQ(returned(), "1,2");
  EXPECT_EQ(get_property(std::string("request\0headers\0absent", 22)), Status::NotFound);
}

TEST_F(AbiHostTest, NumericPropertiesAreEightByteLittleEndian) {
  stream.info.source_port = 50000;
  stream.info.destination_port = 8443;
  stream.info.connection_id = 0x0102030405060708ull;
  enter(ctx);
  EXPECT_EQ(get_property(std::string("source\0port\0", 12)), Status::Ok);
  EXPECT_EQ(guest.u32(kRetSize), 8u);
  EXPECT_EQ(returned(), u64_le(50000));
  EXPECT_EQ(get_property(std::string("destination\0port", 16)), Status::Ok);
  EXPECT_EQ(returned(), u64_le(8443));
  EXPECT_EQ(get_property(std::string("connection\0id", 13)), Status::Ok);
  EXPECT_EQ(returned(), u64_le(0x0102030405060708ull));
  EXPECT_EQ(get_property(std::string("source\0address", 14)), Status::Ok);
  EXPECT_EQ(returned(), "127.0.0.1:50000");
}

TEST_F(AbiHostTest, SetPropertyThenGetItBack) {
  enter(ctx);
  Slice path = in(std::string("my\0key\0", 7));
  Slice value = in("custom");
  EXPECT_EQ(st("proxy_set_property", {path.ptr, path.len, value.ptr, value.len}), Status::Ok);
  EXPECT_EQ(get_property(std::string("my\0key", 6)), Status::Ok);
  EXPECT_EQ(returned(), "custom");
  EXPECT_EQ(stream.filter_state.at("my.key"), "custom");
  // A set value shadows a built-in one.
  Slice builtin = in(std::string("request\0path", 12));
  Slice shadow = in("/shadow");
  EXPECT_EQ(st("proxy_set_property", {builtin.ptr, builtin.len, shadow.ptr, shadow.len}),
            Status::Ok);
  EXPECT_EQ(get_property(std::string("request\0path", 12)), Status::Ok);
  EXPECT_EQ(returned(), "/shadow");
}

TEST_F(AbiHostTest, PropertiesNotFound) {
  enter(ctx);
  EXPECT_EQ(get_property("no_such_property"), Status::NotFound);
  enter(root);
  EXPECT_EQ(get_property(std::string("request\0path", 12)), Status::NotFound);  // no stream
  Slice path = in("my_key");
  Slice value = in("v");
  EXPECT_EQ(st("proxy_set_property", {path.ptr, path.len, value.ptr, value.len}), Status::NotFound);
}

TEST_F(AbiHostTest, EnvironmentAndPluginProperties) {
  env.options().properties["node.id"] = "node-1";
  identity_.properties["listener_direction"] = std::string("\x01", 1);
  make_host(AbiVersion::v0_2_1);
  enter(root);
  EXPECT_EQ(get_property(std::string("node\0id", 7)), Status::Ok);
  EXPECT_EQ(returned(), "node-1");
  EXPECT_EQ(get_property("listener_direction"), Status::Ok);
  EXPECT_EQ(returned(), std::string("\x01", 1));
}

TEST_F(AbiHostTest, PropertyBadMemory) {
  enter(ctx);
  EXPECT_EQ(st("proxy_get_property", {bad(), 10, kRet, kRetSize}), Status::InvalidMemoryAccess);
  Slice path = in("plugin_name");
  EXPECT_EQ(st("proxy_get_property", {path.ptr, path.len, bad(), kRetSize}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_set_property", {bad(), 10, path.ptr, path.len}), Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_set_property", {path.ptr, path.len, bad(), 10}), Status::InvalidMemoryAccess);
}

// =============================================================================================
// Foreign functions and Emscripten shims
// =============================================================================================

TEST_F(AbiHostTest, CompressThenUncompressRoundTrips) {
  enter(root);
  std::string original;
  for (int i = 0; i < 50; ++i) original += "proxy-wasm compresses well. ";
  Slice name = in("compress"), args = in(original);
  EXPECT_EQ(
      st("proxy_call_foreign_function", {name.ptr, name.len, args.ptr, args.len, kRet, kRetSize}),
      Status::Ok);
  std::string compressed = returned();
  EXPECT_LT(compressed.size(), original.size());
  Slice uname = in("uncompress"), uargs = in(compressed);
  EXPECT_EQ(st("proxy_call_foreign_function",
               {uname.ptr, uname.len, uargs.ptr, uargs.len, kRet, kRetSize}),
            Status::Ok);
  EXPECT_EQ(returned(), original);
}

TEST_F(AbiHostTest, UncompressOfGarbageFails) {
  enter(root);
  Slice name = in("uncompress"), args = in("definitely not zlib");
  EXPECT_EQ(
      st("proxy_call_foreign_function", {name.ptr, name.len, args.ptr, args.len, kRet, kRetSize}),
      Status::SerializationFailure);
}

TEST_F(AbiHostTest, UnknownForeignFunctionIsNotFound) {
  enter(root);
  Slice name = in("no_such_function");
  EXPECT_EQ(st("proxy_call_foreign_function", {name.ptr, name.len, 0, 0, kRet, kRetSize}),
            Status::NotFound);
}

TEST_F(AbiHostTest, ForeignFunctionWithNullResultPointersDiscardsTheResult) {
  enter(root);
  Slice name = in("compress"), args = in("data");
  EXPECT_EQ(st("proxy_call_foreign_function", {name.ptr, name.len, args.ptr, args.len, 0, 0}),
            Status::Ok);
  EXPECT_TRUE(guest.allocations().empty());
}

TEST_F(AbiHostTest, ForeignFunctionSeesItsArgumentsAndPassesItsStatus) {
  std::string seen;
  env.foreign_functions().add("echo", [&](std::string_view args) -> Result<std::string, Status> {
    seen = std::string(args);
    if (args == "fail") return unexpected(Status::BadArgument);
    return "echo:" + std::string(args);
  });
  enter(root);
  Slice name = in("echo"), args = in("hi"), fail = in("fail");
  EXPECT_EQ(
      st("proxy_call_foreign_function", {name.ptr, name.len, args.ptr, args.len, kRet, kRetSize}),
      Status::Ok);
  EXPECT_EQ(seen, "hi");
  EXPECT_EQ(returned(), "echo:hi");
  EXPECT_EQ(
      st("proxy_call_foreign_function", {name.ptr, name.len, fail.ptr, fail.len, kRet, kRetSize}),
      Status::BadArgument);
  EXPECT_EQ(st("proxy_call_foreign_function", {bad(), 10, 0, 0, kRet, kRetSize}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(
      st("proxy_call_foreign_function", {name.ptr, name.len, args.ptr, args.len, bad(), kRetSize}),
      Status::InvalidMemoryAccess);
}

TEST_F(AbiHostTest, PthreadEqualAndMemoryGrowth) {
  EXPECT_EQ(raw("pthread_equal", {7, 7}), 1u);
  EXPECT_EQ(raw("pthread_equal", {7, 8}), 0u);
  EXPECT_EQ(raw("emscripten_notify_memory_growth", {0}), 0u);
}

// =============================================================================================
// WASI
// =============================================================================================

class WasiTest : public AbiHostTest {
 protected:
  WasiTest() { enter(root); }
  // An iovec array for `chunks`; returns its address.
  uint32_t iovecs(std::initializer_list<std::string_view> chunks) {
    std::string table;
    for (std::string_view chunk : chunks) {
      Slice s = in(chunk);
      for (uint32_t v : {s.ptr, s.len})
        for (int i = 0; i < 4; ++i) table.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    return guest.place(table);
  }
};

TEST_F(WasiTest, FdWriteToStdoutLogsAtInfo) {
  uint32_t iovs = iovecs({"hello ", "world\n"});
  poison({kRet});
  EXPECT_EQ(wasi("fd_write", {1, iovs, 2, kRet}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 12u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, abi::LogLevel::Info);
  EXPECT_EQ(logs[0].message, "hello world");  // one trailing newline stripped
}

TEST_F(WasiTest, FdWriteToStderrLogsAtError) {
  uint32_t iovs = iovecs({"oops\n\n"});
  EXPECT_EQ(wasi("fd_write", {2, iovs, 1, kRet}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 6u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, abi::LogLevel::Error);
  EXPECT_EQ(logs[0].message, "oops\n");
}

TEST_F(WasiTest, FdWriteToOtherFdsIsBadf) {
  uint32_t iovs = iovecs({"x"});
  for (uint32_t fd : {0u, 3u, 100u})
    EXPECT_EQ(wasi("fd_write", {fd, iovs, 1, kRet}), WasiErrno::Badf);
  EXPECT_TRUE(logs.empty());
}

TEST_F(WasiTest, FdWriteBadIovecIsFault) {
  EXPECT_EQ(wasi("fd_write", {1, guest.size() - 4, 1, kRet}), WasiErrno::Fault);
  std::string table(8, '\0');
  table[0] = static_cast<char>(0xf0);
  table[3] = static_cast<char>(0xff);  // buf = 0xff0000f0, past the end
  table[4] = 4;
  uint32_t iovs = guest.place(table);
  EXPECT_EQ(wasi("fd_write", {1, iovs, 1, kRet}), WasiErrno::Fault);
  uint32_t good = iovecs({"x"});
  EXPECT_EQ(wasi("fd_write", {1, good, 1, bad()}), WasiErrno::Fault);
  EXPECT_TRUE(logs.empty());
}

TEST_F(WasiTest, FdPwriteBehavesLikeFdWrite) {
  uint32_t iovs = iovecs({"pw"});
  EXPECT_EQ(wasi("fd_pwrite", {1, iovs, 1, 1234, kRet}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 2u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].message, "pw");
  EXPECT_EQ(wasi("fd_pwrite", {5, iovs, 1, 0, kRet}), WasiErrno::Badf);
}

TEST_F(WasiTest, ClockTimeGet) {
  dispatcher.advance(7);
  EXPECT_EQ(wasi("clock_time_get", {0, 1, kRet64}), WasiErrno::Success);
  EXPECT_EQ(guest.u64(kRet64), FakeDispatcher::kRealtimeBaseNs + 7'000'000ull);
  EXPECT_EQ(wasi("clock_time_get", {1, 0, kRet64}), WasiErrno::Success);
  EXPECT_EQ(guest.u64(kRet64), FakeDispatcher::kMonotonicBaseNs + 7'000'000ull);
  EXPECT_EQ(wasi("clock_time_get", {2, 0, kRet64}), WasiErrno::Notsup);
  EXPECT_EQ(wasi("clock_time_get", {3, 0, kRet64}), WasiErrno::Notsup);
  EXPECT_EQ(wasi("clock_time_get", {0, 0, guest.size() - 4}), WasiErrno::Fault);
}

TEST_F(WasiTest, ClockResGet) {
  EXPECT_EQ(wasi("clock_res_get", {1, kRet64}), WasiErrno::Success);
  EXPECT_EQ(guest.u64(kRet64), 1u);
  EXPECT_EQ(wasi("clock_res_get", {2, kRet64}), WasiErrno::Notsup);
}

TEST_F(WasiTest, RandomGet) {
  const uint32_t buffer = 0x40000;
  EXPECT_EQ(wasi("random_get", {buffer, 65537}), WasiErrno::Inval);
  EXPECT_EQ(wasi("random_get", {buffer, 0}), WasiErrno::Success);
  EXPECT_EQ(guest.bytes(buffer, 64), std::string(64, '\0'));
  EXPECT_EQ(wasi("random_get", {buffer, 64}), WasiErrno::Success);
  EXPECT_NE(guest.bytes(buffer, 64), std::string(64, '\0'));
  EXPECT_EQ(guest.bytes(buffer + 64, 8), std::string(8, '\0'));  // nothing past the range
  EXPECT_EQ(wasi("random_get", {guest.size() - 10, 65536}), WasiErrno::Fault);
  EXPECT_EQ(wasi("random_get", {0x10000, 65536}), WasiErrno::Success);  // exactly the limit
}

TEST_F(WasiTest, EnvironSizesAndLayout) {
  poison({kRet, kRetSize});
  EXPECT_EQ(wasi("environ_sizes_get", {kRet, kRetSize}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 2u);
  EXPECT_EQ(guest.u32(kRetSize), 4u + 13u);  // "A=1\0" + "LONGER=value\0"
  const uint32_t pointers = 0x40000, buffer = 0x40100;
  EXPECT_EQ(wasi("environ_get", {pointers, buffer}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(pointers), buffer);
  EXPECT_EQ(guest.u32(pointers + 4), buffer + 4);
  EXPECT_EQ(guest.bytes(buffer, 17), std::string("A=1\0LONGER=value\0", 17));
  EXPECT_EQ(wasi("environ_sizes_get", {bad(), kRetSize}), WasiErrno::Fault);
  EXPECT_EQ(wasi("environ_get", {bad(), buffer}), WasiErrno::Fault);
  EXPECT_EQ(wasi("environ_get", {pointers, guest.size() - 3}), WasiErrno::Fault);
}

TEST_F(WasiTest, EnvironIsEmptyWithoutConfiguredVariables) {
  identity_.environment.clear();
  make_host(AbiVersion::v0_2_1);
  enter(root);
  poison({kRet, kRetSize});
  EXPECT_EQ(wasi("environ_sizes_get", {kRet, kRetSize}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
}

TEST_F(WasiTest, ArgsAreEmpty) {
  poison({kRet, kRetSize});
  EXPECT_EQ(wasi("args_sizes_get", {kRet, kRetSize}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  poison({kRet2});
  EXPECT_EQ(wasi("args_get", {kRet2, kRet2 + 4}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet2), kPoison);  // writes nothing
  EXPECT_EQ(wasi("args_sizes_get", {bad(), kRetSize}), WasiErrno::Fault);
}

TEST_F(WasiTest, FdFdstatGetLayout) {
  const uint32_t stat = 0x40000;
  guest.put(stat, std::string(24, '\x55'));
  EXPECT_EQ(wasi("fd_fdstat_get", {1, stat}), WasiErrno::Success);
  std::string expected(24, '\0');
  expected[8] = 0x40;  // rights_base = FD_WRITE
  EXPECT_EQ(guest.bytes(stat, 24), expected);
  EXPECT_EQ(wasi("fd_fdstat_get", {2, stat}), WasiErrno::Success);
  EXPECT_EQ(wasi("fd_fdstat_get", {3, stat}), WasiErrno::Badf);
  EXPECT_EQ(wasi("fd_fdstat_get", {1, guest.size() - 8}), WasiErrno::Fault);
}

TEST_F(WasiTest, PathOpenIsNoent) {
  Slice path = in("/etc/passwd");
  EXPECT_EQ(wasi("path_open", {3, 0, path.ptr, path.len, 0, 0, 0, 0, kRet}), WasiErrno::Noent);
}

TEST_F(WasiTest, ProcExitLogsAnError) {
  EXPECT_EQ(raw("proc_exit", {3}), 0u);
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, abi::LogLevel::Error);
  EXPECT_MENTIONS(logs[0].message, "proc_exit(3)");
}

TEST_F(WasiTest, NoFileSystemAnswers) {
  struct Case {
    std::string_view name;
    std::vector<uint64_t> args;
    WasiErrno expected;
  };
  const Case cases[] = {
      {"fd_read", {0, 0, 0, kRet}, WasiErrno::Nosys},
      {"fd_pread", {0, 0, 0, 0, kRet}, WasiErrno::Nosys},
      {"fd_seek", {1, 0, 0, kRet}, WasiErrno::Success},
      {"fd_close", {3}, WasiErrno::Success},
      {"fd_tell", {3, kRet64}, WasiErrno::Badf},
      {"fd_fdstat_set_flags", {1, 0}, WasiErrno::Nosys},
      {"fd_fdstat_set_rights", {1, 0, 0}, WasiErrno::Success},
      {"fd_fdstat_set_rights", {4, 0, 0}, WasiErrno::Badf},
      {"fd_filestat_get", {1, kRet}, WasiErrno::Badf},
      {"fd_advise", {9, 0, 0, 0}, WasiErrno::Success},
      {"fd_allocate", {2, 0, 0}, WasiErrno::Success},
      {"fd_datasync", {5}, WasiErrno::Badf},
      {"fd_sync", {1}, WasiErrno::Success},
      {"fd_renumber", {1, 2}, WasiErrno::Notsup},
      {"fd_renumber", {1, 5}, WasiErrno::Badf},
      {"fd_prestat_get", {3, kRet}, WasiErrno::Badf},
      {"fd_prestat_dir_name", {3, 0, 0}, WasiErrno::Nosys},
      {"path_filestat_get", {3, 0, 0, 0, kRet}, WasiErrno::Notsup},
      {"path_create_directory", {3, 0, 0}, WasiErrno::Notsup},
      {"path_unlink_file", {3, 0, 0}, WasiErrno::Notsup},
      {"path_rename", {3, 0, 0, 3, 0, 0}, WasiErrno::Notsup},
      {"path_symlink", {0, 0, 3, 0, 0}, WasiErrno::Notsup},
      {"path_link", {3, 0, 0, 0, 3, 0, 0}, WasiErrno::Notsup},
      {"sock_shutdown", {3, 0}, WasiErrno::Notsup},
      {"sched_yield", {}, WasiErrno::Success},
  };
  for (const Case& c : cases) {
    std::vector<Value> v = values(c.name, c.args);
    auto result = host->call(c.name, v);
    ASSERT_TRUE(result.ok()) << c.name << ": " << result.error().message;
    EXPECT_EQ(static_cast<WasiErrno>(*result), c.expected) << c.name;
  }
}

TEST_F(WasiTest, FdTellOnStdioWritesZero) {
  guest.put(kRet64, std::string(8, '\x77'));
  EXPECT_EQ(wasi("fd_tell", {1, kRet64}), WasiErrno::Success);
  EXPECT_EQ(guest.u64(kRet64), 0u);
}

TEST_F(WasiTest, PollOneoffReportsNoEvents) {
  poison({kRet});
  EXPECT_EQ(wasi("poll_oneoff", {0, 0, 1, kRet}), WasiErrno::Success);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(wasi("poll_oneoff", {0, 0, 1, bad()}), WasiErrno::Fault);
}

TEST_F(WasiTest, SocketCallsClearTheirResults) {
  poison({kRet, kRetSize, kRet2});
  EXPECT_EQ(wasi("sock_recv", {3, 0, 0, 0, kRet, kRetSize}), WasiErrno::Notsup);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_EQ(wasi("sock_send", {3, 0, 0, 0, kRet2}), WasiErrno::Notsup);
  EXPECT_EQ(guest.u32(kRet2), 0u);
  poison({kRet});
  EXPECT_EQ(wasi("sock_accept", {3, 0, kRet}), WasiErrno::Notsup);
  EXPECT_EQ(guest.u32(kRet), 0u);
}

// =============================================================================================
// Memory that moves when the module allocates
// =============================================================================================

TEST_F(AbiHostTest, ResultsSurviveMemoryMovingDuringAllocation) {
  guest.move_memory_on_allocate(true);
  std::string request_body = "body bytes";
  stream.request_body = &request_body;
  stream.filter_state["custom"] = "state";
  enter(ctx);

  EXPECT_EQ(get_value(0, ":authority"), Status::Ok);
  EXPECT_EQ(returned(), "example.com");
  EXPECT_EQ(get_pairs(0).size(), 5u);
  EXPECT_EQ(get_buffer(0, 5, 100), Status::Ok);
  EXPECT_EQ(returned(), "bytes");
  EXPECT_EQ(get_property(std::string("request\0headers\0:path", 21)), Status::Ok);
  EXPECT_EQ(returned(), "/x?y=1");
  EXPECT_EQ(get_property("custom"), Status::Ok);
  EXPECT_EQ(returned(), "state");

  Slice key = in("shared-key"), value = in("shared-value");
  EXPECT_EQ(st("proxy_set_shared_data", {key.ptr, key.len, value.ptr, value.len, 0}), Status::Ok);
  EXPECT_EQ(st("proxy_get_shared_data", {key.ptr, key.len, kRet, kRetSize, kRet2}), Status::Ok);
  EXPECT_EQ(returned(), "shared-value");

  Slice queue = in("q"), item = in("queued");
  EXPECT_EQ(st("proxy_register_shared_queue", {queue.ptr, queue.len, kRet2}), Status::Ok);
  uint32_t id = guest.u32(kRet2);
  EXPECT_EQ(st("proxy_enqueue_shared_queue", {id, item.ptr, item.len}), Status::Ok);
  EXPECT_EQ(st("proxy_dequeue_shared_queue", {id, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(returned(), "queued");

  Slice name = in("compress"), args = in("aaaaaaaaaaaaaaaa");
  EXPECT_EQ(
      st("proxy_call_foreign_function", {name.ptr, name.len, args.ptr, args.len, kRet, kRetSize}),
      Status::Ok);
  EXPECT_GT(guest.u32(kRetSize), 0u);

  host->set_status(3, "moved");
  EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(returned(), "moved");

  VectorTraceSink sink;
  env.set_trace_sink(&sink);
  EXPECT_EQ(get_value(0, ":method"), Status::Ok);
  EXPECT_EQ(returned(), "GET");
  ASSERT_EQ(sink.events().size(), 3u);
  EXPECT_EQ(sink.events()[1].preview, ":method");
  EXPECT_GT(guest.allocations().size(), 8u);
}

// =============================================================================================
// Restricted phases, fault injection, trace
// =============================================================================================

TEST_F(AbiHostTest, StartUpAllowsOnlyLoggingAndSomeWasi) {
  enter(0, CallPhase::StartUp);
  Slice msg = in("starting");
  EXPECT_EQ(st("proxy_log", {2, msg.ptr, msg.len}), Status::Ok);
  EXPECT_EQ(wasi("clock_time_get", {0, 0, kRet64}), WasiErrno::Success);
  EXPECT_EQ(wasi("environ_sizes_get", {kRet, kRetSize}), WasiErrno::Success);

  for (std::string_view restricted :
       {"proxy_get_buffer_bytes", "proxy_get_property", "proxy_set_tick_period_milliseconds",
        "proxy_define_metric", "proxy_done", "pthread_equal", "proc_exit", "path_open",
        "sched_yield", "fd_read"}) {
    const abi::HostFunctionSpec* spec = abi::find_host_function(restricted);
    ASSERT_NE(spec, nullptr);
    std::vector<Value> args;
    for (char c : spec->signature.params) args.push_back(c == 'I' ? Value::i64(0) : Value::i32(0));
    auto result = host->call(restricted, args);
    ASSERT_FALSE(result.ok()) << restricted;
    EXPECT_MENTIONS(result.error().message, "restricted_callback");
    EXPECT_MENTIONS(result.error().message, restricted);
  }
  EXPECT_EQ(logs.size(), 1u);  // proc_exit never ran
}

TEST_F(AbiHostTest, AllocatorPhaseAllowsOnlyLogAndClock) {
  enter(0, CallPhase::Allocator);
  Slice msg = in("in malloc");
  EXPECT_EQ(st("proxy_log", {2, msg.ptr, msg.len}), Status::Ok);
  EXPECT_EQ(wasi("clock_time_get", {1, 0, kRet64}), WasiErrno::Success);
  EXPECT_EQ(wasi("poll_oneoff", {0, 0, 0, kRet}), WasiErrno::Success);
  std::vector<Value> args = values("environ_sizes_get", {kRet, kRetSize});
  auto result = host->call("environ_sizes_get", args);
  ASSERT_FALSE(result.ok());
  EXPECT_MENTIONS(result.error().message, "allocator");
}

TEST_F(AbiHostTest, PhaseEndsWithTheScope) {
  {
    AbiHost::CallbackScope startup(*host, 0, CallPhase::StartUp);
    std::vector<Value> args = values("pthread_equal", {1, 1});
    EXPECT_FALSE(host->call("pthread_equal", args).ok());
  }
  EXPECT_EQ(raw("pthread_equal", {1, 1}), 1u);
}

TEST_F(AbiHostTest, InjectedResultReplacesTheCallAndIsMarkedInTheTrace) {
  VectorTraceSink sink;
  env.set_trace_sink(&sink);
  host->inject_result("proxy_get_header_map_value", Status::InternalFailure);
  enter(ctx);
  poison({kRet, kRetSize});
  EXPECT_EQ(get_value(0, ":path"), Status::InternalFailure);
  EXPECT_EQ(guest.u32(kRet), kPoison);  // the real call did not run
  EXPECT_TRUE(guest.allocations().empty());
  ASSERT_EQ(sink.events().size(), 1u);  // no copies either
  EXPECT_EQ(sink.events()[0].kind, EventKind::HostCall);
  EXPECT_TRUE(sink.events()[0].injected);
  EXPECT_EQ(sink.events()[0].result, "INTERNAL_FAILURE");

  // Other calls are untouched; clearing restores the real one.
  EXPECT_EQ(get_pairs(0).size(), 5u);
  EXPECT_FALSE(sink.events().back().injected);
  host->clear_injections();
  EXPECT_EQ(get_value(0, ":path"), Status::Ok);
  EXPECT_EQ(returned(), "/x?y=1");
}

TEST_F(AbiHostTest, InjectionWorksWithoutATraceSink) {
  host->inject_result("proxy_log", Status::BadArgument);
  enter(root);
  Slice msg = in("x");
  EXPECT_EQ(st("proxy_log", {2, msg.ptr, msg.len}), Status::BadArgument);
  EXPECT_TRUE(logs.empty());
}

TEST_F(AbiHostTest, TraceRecordsTheHostCallAndItsCopies) {
  VectorTraceSink sink;
  env.set_trace_sink(&sink);
  enter(ctx);
  Slice key = in(":path");
  EXPECT_EQ(st("proxy_get_header_map_value", {0, key.ptr, key.len, kRet, kRetSize}), Status::Ok);
  uint32_t value_address = guest.u32(kRet);

  const auto& events = sink.events();
  ASSERT_EQ(events.size(), 3u);
  const TraceEvent& call = events[0];
  EXPECT_EQ(call.kind, EventKind::HostCall);
  EXPECT_EQ(call.name, "proxy_get_header_map_value");
  EXPECT_EQ(arg(call, "map_type"), "HTTP_REQUEST_HEADERS");
  EXPECT_EQ(arg(call, "key"), ":path");
  EXPECT_EQ(arg(call, "value"), "/x?y=1");
  EXPECT_EQ(arg(call, "ret_value"), std::to_string(kRet));
  EXPECT_EQ(call.result, "OK");
  EXPECT_FALSE(call.injected);
  EXPECT_EQ(call.context_id, ctx);
  EXPECT_EQ(call.root_context_id, root);
  EXPECT_EQ(call.stream_id, 42u);
  EXPECT_EQ(call.plugin, "my_plugin");

  const TraceEvent& key_copy = events[1];
  EXPECT_EQ(key_copy.kind, EventKind::Copy);
  EXPECT_EQ(key_copy.direction, CopyDirection::VmToHost);
  EXPECT_EQ(key_copy.address, key.ptr);
  EXPECT_EQ(key_copy.length, 5u);
  EXPECT_EQ(key_copy.label, "key :path");
  EXPECT_EQ(key_copy.preview, ":path");

  const TraceEvent& value_copy = events[2];
  EXPECT_EQ(value_copy.kind, EventKind::Copy);
  EXPECT_EQ(value_copy.direction, CopyDirection::HostToVm);
  EXPECT_EQ(value_copy.address, value_address);
  EXPECT_EQ(value_copy.length, 6u);
  EXPECT_EQ(value_copy.label, "value returned for :path");
  EXPECT_EQ(value_copy.preview, "/x?y=1");
  EXPECT_EQ(value_copy.stream_id, 42u);

  EXPECT_LT(events[0].seq, events[1].seq);
  EXPECT_LT(events[1].seq, events[2].seq);
}

TEST_F(AbiHostTest, TraceDecodesSetPairsAndRecordsTheCopy) {
  VectorTraceSink sink;
  env.set_trace_sink(&sink);
  enter(ctx);
  Slice pairs = in_pairs({{"a", "1"}, {"b", "22"}});
  EXPECT_EQ(st("proxy_set_header_map_pairs", {2, pairs.ptr, pairs.len}), Status::Ok);
  ASSERT_EQ(sink.events().size(), 2u);
  EXPECT_EQ(arg(sink.events()[0], "map_type"), "HTTP_RESPONSE_HEADERS");
  EXPECT_EQ(arg(sink.events()[0], "pairs"), "2");
  const TraceEvent& copy = sink.events()[1];
  EXPECT_EQ(copy.direction, CopyDirection::VmToHost);
  EXPECT_EQ(copy.address, pairs.ptr);
  EXPECT_EQ(copy.length, 29u);
  EXPECT_EQ(copy.label, "serialized HTTP_RESPONSE_HEADERS, 2 pairs");
}

TEST_F(AbiHostTest, TraceRecordsLogsErrorsAndTraps) {
  VectorTraceSink sink;
  env.set_trace_sink(&sink);
  enter(root);
  Slice msg = in("traced");
  EXPECT_EQ(st("proxy_log", {4, msg.ptr, msg.len}), Status::Ok);
  auto log = std::find_if(sink.events().begin(), sink.events().end(),
                          [](const TraceEvent& e) { return e.kind == EventKind::Log; });
  ASSERT_NE(log, sink.events().end());
  EXPECT_EQ(arg(*log, "level"), "error");
  EXPECT_EQ(arg(*log, "message"), "traced");

  sink.clear();
  EXPECT_EQ(st("proxy_log", {9, msg.ptr, msg.len}), Status::BadArgument);
  ASSERT_EQ(sink.events().size(), 1u);
  EXPECT_EQ(sink.events()[0].result, "BAD_ARGUMENT");
  EXPECT_EQ(arg(sink.events()[0], "level"), "9");

  sink.clear();
  EXPECT_EQ(wasi("fd_write", {7, 0, 0, kRet}), WasiErrno::Badf);
  ASSERT_EQ(sink.events().size(), 1u);
  EXPECT_EQ(sink.events()[0].result, "errno 8");

  sink.clear();
  enter(0, CallPhase::StartUp);
  std::vector<Value> args = values("proxy_done", {});
  EXPECT_FALSE(host->call("proxy_done", args).ok());
  ASSERT_EQ(sink.events().size(), 1u);
  EXPECT_EQ(sink.events()[0].result, "trap");
}

TEST_F(AbiHostTest, NothingIsRecordedWithoutASink) {
  VectorTraceSink sink;
  env.set_trace_sink(&sink);
  enter(ctx);
  EXPECT_EQ(get_value(0, ":path"), Status::Ok);
  size_t recorded = sink.events().size();
  EXPECT_GT(recorded, 0u);
  env.set_trace_sink(nullptr);
  EXPECT_EQ(get_value(0, ":path"), Status::Ok);
  Slice msg = in("quiet");
  EXPECT_EQ(st("proxy_log", {2, msg.ptr, msg.len}), Status::Ok);
  EXPECT_EQ(add_value(0, "k", "v"), Status::Ok);
  EXPECT_EQ(sink.events().size(), recorded);
}

}  // namespace
}  // namespace pwplay::host
