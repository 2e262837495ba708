// AbiHost: the fakes, dispatch and import resolution, logging, time and contexts, memory that
// moves, restricted phases, fault injection, trace events and the implementation table.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "unit/abi_host_fixture.h"

namespace pwplay::host {
namespace {

using namespace abi_host_testing;

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

// =============================================================================================
// The host function table: abi/functions.cc's rows and host/abi_host_table.cc's implementations
// =============================================================================================

TEST(AbiHostTableTest, EveryAbiRowHasOneImplementationAndEveryImplementationARow) {
  std::vector<std::string> problems = AbiHost::function_table_problems();
  std::string listed;
  for (const std::string& problem : problems) listed += "\n  " + problem;
  EXPECT_TRUE(problems.empty()) << "the two tables disagree:" << listed;
}

TEST(AbiHostTableTest, HostSymbolsListExportsEveryEnvFunctionOf021ButTheEmscriptenShims) {
  // The linker file cannot be generated from the table (it is an input of the link), so this
  // keeps it in step: a native filter can import exactly what a 0.2.1 wasm filter can from env.
  std::ifstream file(std::string(PWPLAY_SOURCE_DIR) + "/host/engines/native/host_symbols.list");
  ASSERT_TRUE(file);
  std::stringstream text;
  text << file.rdbuf();
  // The symbols are the ';'-terminated names between the lines "{" and "};" (a comment precedes).
  std::string all = text.str();
  size_t open = all.find("\n{");
  size_t close = all.find("\n};");
  ASSERT_NE(open, std::string::npos);
  ASSERT_NE(close, std::string::npos);
  std::stringstream body(all.substr(open + 2, close - open - 2));
  std::set<std::string> listed;
  std::string entry;
  while (std::getline(body, entry, ';')) {
    size_t begin = entry.find_first_not_of(" \t\n");
    size_t end = entry.find_last_not_of(" \t\n");
    if (begin != std::string::npos) listed.insert(entry.substr(begin, end - begin + 1));
  }
  std::set<std::string> expected;
  for (const abi::HostFunctionSpec& spec : abi::host_functions())
    if (spec.module == abi::ImportModule::Env &&
        abi::has_version(spec.versions, AbiVersion::v0_2_1) &&
        spec.group != abi::HostFunctionGroup::Emscripten)
      expected.emplace(spec.name);
  EXPECT_EQ(listed, expected);
}

TEST_F(AbiHostTest, RestrictedPhasesFollowTheTablesPermissions) {
  // Every row, called with zero arguments in each restricted phase, traps exactly when its row
  // does not allow that phase.
  for (CallPhase phase : {CallPhase::StartUp, CallPhase::Allocator}) {
    for (const abi::HostFunctionSpec& spec : abi::host_functions()) {
      enter(0, phase);
      std::vector<Value> args;
      for (char c : spec.signature.params) args.push_back(c == 'I' ? Value::i64(0) : Value::i32(0));
      auto result = host->call(spec.name, args);
      bool allowed = phase == CallPhase::StartUp ? abi::allowed_during_startup(spec)
                                                 : abi::allowed_from_allocator(spec);
      EXPECT_EQ(result.ok(), allowed) << spec.name;
      if (!result.ok()) {
        EXPECT_MENTIONS(result.error().message, "restricted_callback");
      }
    }
  }
}

}  // namespace
}  // namespace pwplay::host
