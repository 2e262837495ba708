// AbiHost's shared-state room: shared data and queues, metrics, properties, foreign functions.
#include <gtest/gtest.h>

#include "unit/abi_host_fixture.h"

namespace pwplay::host {
namespace {

using namespace abi_host_testing;

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
// Foreign functions
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

}  // namespace
}  // namespace pwplay::host
