// The Vm interface on every wasm engine (V8 and WABT's interpreter): the same tests, the same
// expectations, as proxy-wasm-cpp-host tests its engines.
#include <gtest/gtest.h>

#include <atomic>
#include <bit>
#include <cctype>
#include <cstring>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "host/vm.h"
#include "support/engines.h"
#include "support/vm_types.h"
#include "support/wat.h"

namespace pwplay::host {
namespace {

using test::wat_to_wasm;

using vm_types::kPage;
const FuncType kVoid{};
using vm_types::kI32ToI32;
const FuncType kI32I32ToI32{{ValType::I32, ValType::I32}, {ValType::I32}};

// What host functions return: carry on, or trap the caller with a message.
using vm_types::kReturn;
std::optional<HostTrapRequest> trap(std::string message) {
  return HostTrapRequest{std::move(message)};
}

// Host functions by "module.name".
using HostFunctions = std::map<std::string, HostFunction>;

ImportResolver resolver_for(const HostFunctions& functions) {
  return [&functions](const ImportDesc& import) -> std::optional<HostFunction> {
    auto it = functions.find(import.module + "." + import.name);
    if (it == functions.end()) return std::nullopt;
    return it->second;
  };
}

// The engine of the running test (set by the fixture; the helpers below create VMs on it).
std::string& engine_under_test() {
  static std::string engine = "v8";
  return engine;
}

class WasmVmTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { engine_under_test() = GetParam(); }
};

std::unique_ptr<Vm> new_vm(const VmOptions& options = {}) {
  Result<std::unique_ptr<Vm>> vm = create_vm(engine_under_test(), options);
  EXPECT_TRUE(vm) << vm.error().message;
  return vm ? std::move(*vm) : nullptr;
}

// A loaded and linked VM, or nullptr after a test failure.
std::unique_ptr<Vm> instantiate(std::string_view wat, const HostFunctions& functions = {},
                                const VmOptions& options = {}) {
  std::unique_ptr<Vm> vm = new_vm(options);
  if (!vm) return nullptr;
  const std::vector<uint8_t> wasm = wat_to_wasm(wat);
  if (Result<void> loaded = vm->load(wasm); !loaded) {
    ADD_FAILURE() << "load: " << loaded.error().message;
    return nullptr;
  }
  if (Result<void> linked = vm->link(resolver_for(functions)); !linked) {
    ADD_FAILURE() << "link: " << linked.error().message;
    return nullptr;
  }
  return vm;
}

FunctionRef find(Vm& vm, std::string_view name, const FuncType& type) {
  Result<FunctionRef> ref = vm.find_function(name, type);
  EXPECT_TRUE(ref) << ref.error().message;
  EXPECT_TRUE(ref && ref->valid()) << "no export " << name;
  return ref ? *ref : FunctionRef{};
}

// Calls an export returning one i32; fails the test on a fault.
uint32_t call_i32(Vm& vm, std::string_view name, std::vector<Value> args) {
  FuncType type{std::vector<ValType>(args.size(), ValType::I32), {ValType::I32}};
  Value result;
  Result<void, VmError> called = vm.call(find(vm, name, type), args, {&result, 1});
  EXPECT_TRUE(called) << name << ": " << called.error().message;
  return result.as_u32();
}

std::string read_string(Vm& vm, size_t offset, size_t size) {
  std::span<uint8_t> memory = vm.memory();
  if (offset + size > memory.size()) return "<out of bounds>";
  return std::string(reinterpret_cast<const char*>(memory.data() + offset), size);
}

constexpr std::string_view kArithmetic = R"((module
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "add64") (param i64 i64) (result i64) (i64.add (local.get 0) (local.get 1)))
  (func (export "widen") (param i32 i64) (result i64)
    (i64.add (i64.extend_i32_s (local.get 0)) (local.get 1)))
  (func (export "scale") (param f32 f64) (result f64)
    (f64.mul (f64.promote_f32 (local.get 0)) (local.get 1)))
  (func (export "pair") (param i32) (result i32 i64)
    (local.get 0) (i64.extend_i32_u (i32.mul (local.get 0) (i32.const 2))))
  (func (export "spin") (loop $forever (br $forever)))
))";

TEST_P(WasmVmTest, CreatesByName) {
  std::unique_ptr<Vm> vm = new_vm();
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->engine_name(), GetParam());
  EXPECT_EQ(vm->engine_version(), GetParam() == "v8" ? "10.2.154" : "1.0.32");
  EXPECT_EQ(vm->engine_version(), engine_version(GetParam()));
  EXPECT_EQ(vm->supports_stepping(), GetParam() == "wabt");
  EXPECT_EQ(available_engines(), test::built_engines());

  Result<std::unique_ptr<Vm>> unknown = create_vm("spidermonkey", {});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().message,
            "unknown engine 'spidermonkey' (available: " + test::built_engine_list() + ")");
}

TEST_P(WasmVmTest, CallsWithI32AndI64) {
  std::unique_ptr<Vm> vm = instantiate(kArithmetic);
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_i32(*vm, "add", {Value::i32(2), Value::i32(3)}), 5u);
  EXPECT_EQ(call_i32(*vm, "add", {Value::i32(static_cast<uint32_t>(-7)), Value::i32(3)}),
            static_cast<uint32_t>(-4));
  EXPECT_EQ(call_i32(*vm, "add", {Value::i32(0xffffffffu), Value::i32(2)}), 1u);

  const FuncType i64_add{{ValType::I64, ValType::I64}, {ValType::I64}};
  FunctionRef add64 = find(*vm, "add64", i64_add);
  Value result;
  const Value args[] = {Value::i64(0x1'0000'0000ull), Value::i64(5)};
  ASSERT_TRUE(vm->call(add64, args, {&result, 1}));
  EXPECT_EQ(result, Value::i64(0x1'0000'0005ull));
  const Value wrap[] = {Value::i64(0xffff'ffff'ffff'ffffull), Value::i64(2)};
  ASSERT_TRUE(vm->call(add64, wrap, {&result, 1}));
  EXPECT_EQ(result.as_u64(), 1u);
  const Value big[] = {Value::i64(0x7fff'ffff'ffff'fff0ull), Value::i64(0x0f)};
  ASSERT_TRUE(vm->call(add64, big, {&result, 1}));
  EXPECT_EQ(result.as_u64(), 0x7fff'ffff'ffff'ffffull);

  FunctionRef widen = find(*vm, "widen", {{ValType::I32, ValType::I64}, {ValType::I64}});
  const Value mixed[] = {Value::i32(static_cast<uint32_t>(-1)), Value::i64(10)};
  ASSERT_TRUE(vm->call(widen, mixed, {&result, 1}));
  EXPECT_EQ(result.as_u64(), 9u);

  FunctionRef scale = find(*vm, "scale", {{ValType::F32, ValType::F64}, {ValType::F64}});
  const Value floats[] = {{ValType::F32, std::bit_cast<uint32_t>(1.5f)},
                          {ValType::F64, std::bit_cast<uint64_t>(4.0)}};
  ASSERT_TRUE(vm->call(scale, floats, {&result, 1}));
  EXPECT_EQ(result.type, ValType::F64);
  EXPECT_EQ(std::bit_cast<double>(result.bits), 6.0);

  FunctionRef pair = find(*vm, "pair", {{ValType::I32}, {ValType::I32, ValType::I64}});
  Value two[2];
  const Value seven[] = {Value::i32(7)};
  ASSERT_TRUE(vm->call(pair, seven, two));
  EXPECT_EQ(two[0], Value::i32(7));
  EXPECT_EQ(two[1], Value::i64(14));
}

TEST_P(WasmVmTest, HostFunctionGetsArgumentsAndReturnsValues) {
  std::vector<Value> seen;
  HostFunctions host = {{"env.mix", [&](std::span<const Value> args, std::span<Value> results) {
                           seen.assign(args.begin(), args.end());
                           results[0] = Value::i64(args[1].as_u64() * 3 + args[0].as_u32());
                           return kReturn;
                         }}};
  std::unique_ptr<Vm> vm = instantiate(R"((module
    (import "env" "mix" (func $mix (param i32 i64) (result i64)))
    (func (export "run") (result i64)
      (i64.add (call $mix (i32.const -2) (i64.const 0x100000001)) (i64.const 1)))
  ))",
                                       host);
  ASSERT_TRUE(vm);
  Value result;
  ASSERT_TRUE(vm->call(find(*vm, "run", {{}, {ValType::I64}}), {}, {&result, 1}));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], Value::i32(0xfffffffeu));
  EXPECT_EQ(seen[1], Value::i64(0x100000001ull));
  EXPECT_EQ(result.as_u64(), 0x100000001ull * 3 + 0xfffffffeull + 1);
}

TEST_P(WasmVmTest, HostFunctionReadsAndWritesMemory) {
  std::unique_ptr<Vm> vm;
  HostFunctions host = {{"env.upper", [&](std::span<const Value> args, std::span<Value> results) {
                           std::span<uint8_t> memory = vm->memory();
                           const uint32_t ptr = args[0].as_u32();
                           const uint32_t len = args[1].as_u32();
                           if (ptr + len > memory.size()) return trap("out of bounds");
                           for (uint32_t i = 0; i < len; ++i) {
                             memory[ptr + i] = static_cast<uint8_t>(std::toupper(memory[ptr + i]));
                           }
                           results[0] = Value::i32(len);
                           return kReturn;
                         }}};
  vm = instantiate(R"((module
    (import "env" "upper" (func $upper (param i32 i32) (result i32)))
    (memory (export "memory") 1)
    (data (i32.const 16) "hello")
    (func (export "run") (result i32)
      (drop (call $upper (i32.const 16) (i32.const 5)))
      (i32.load8_u (i32.const 17)))
  ))",
                   host);
  ASSERT_TRUE(vm);
  EXPECT_EQ(vm->memory().size(), kPage);
  EXPECT_EQ(read_string(*vm, 16, 5), "hello");
  EXPECT_EQ(call_i32(*vm, "run", {}), static_cast<uint32_t>('E'));
  EXPECT_EQ(read_string(*vm, 16, 5), "HELLO");
}

TEST_P(WasmVmTest, MemoryGrowthKeepsContents) {
  size_t size_seen_by_host = 0;
  std::unique_ptr<Vm> vm;
  HostFunctions host = {{"env.report", [&](std::span<const Value>, std::span<Value>) {
                           size_seen_by_host = vm->memory().size();
                           return kReturn;
                         }}};
  vm = instantiate(R"((module
    (import "env" "report" (func $report))
    (memory (export "memory") 1)
    (data (i32.const 100) "abc")
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
    (func (export "grow_and_report") (drop (memory.grow (i32.const 1))) (call $report))
    (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  ))",
                   host);
  ASSERT_TRUE(vm);
  ASSERT_EQ(vm->memory().size(), kPage);
  EXPECT_EQ(call_i32(*vm, "grow", {Value::i32(3)}), 1u);  // old size in pages

  std::span<uint8_t> memory = vm->memory();
  ASSERT_EQ(memory.size(), 4 * kPage);
  EXPECT_EQ(read_string(*vm, 100, 3), "abc");
  memory[4 * kPage - 1] = 0x5a;
  EXPECT_EQ(call_i32(*vm, "load8", {Value::i32(4 * kPage - 1)}), 0x5au);

  // The engines' cap (16384 pages, V8's process-wide one) refuses growth past it: -1.
  EXPECT_EQ(call_i32(*vm, "grow", {Value::i32(16384)}), 0xffffffffu);
  EXPECT_EQ(vm->memory().size(), 4 * kPage);

  // Growth inside a call is visible to a host function called later in the same call.
  ASSERT_TRUE(vm->call(find(*vm, "grow_and_report", kVoid), {}, {}));
  EXPECT_EQ(size_seen_by_host, 5 * kPage);
  EXPECT_EQ(vm->memory().size(), 5 * kPage);
  EXPECT_EQ(vm->memory()[4 * kPage - 1], 0x5a);
}

TEST_P(WasmVmTest, TrapReportsBacktraceInnermostFirst) {
  const std::vector<uint8_t> wasm = wat_to_wasm(R"((module
    (func $inner (param i32) (result i32) (unreachable))
    (func $middle (param i32) (result i32) (call $inner (local.get 0)))
    (func $outer (export "outer") (param i32) (result i32) (call $middle (local.get 0)))
  ))");
  std::unique_ptr<Vm> vm = new_vm();
  ASSERT_TRUE(vm);
  ASSERT_TRUE(vm->load(wasm));
  ASSERT_TRUE(vm->link(resolver_for({})));
  Value result;
  const Value args[] = {Value::i32(1)};
  Result<void, VmError> called = vm->call(find(*vm, "outer", kI32ToI32), args, {&result, 1});
  ASSERT_FALSE(called);
  const VmError& error = called.error();
  EXPECT_EQ(error.fault, VmFault::Trap);
  EXPECT_NE(error.message.find("unreachable"), std::string::npos) << error.message;
  ASSERT_EQ(error.backtrace.size(), 3u);
  EXPECT_EQ(error.backtrace[0].name, "inner");
  EXPECT_EQ(error.backtrace[0].function_index, 0u);
  EXPECT_EQ(error.backtrace[1].name, "middle");
  EXPECT_EQ(error.backtrace[1].function_index, 1u);
  EXPECT_EQ(error.backtrace[2].name, "outer");
  EXPECT_EQ(error.backtrace[2].function_index, 2u);
  // Offsets point into the file: at the `unreachable` opcode, then at the `call`s.
  ASSERT_LT(error.backtrace[2].code_offset, wasm.size());
  EXPECT_EQ(wasm[error.backtrace[0].code_offset], 0x00);
  EXPECT_EQ(wasm[error.backtrace[1].code_offset], 0x10);
  EXPECT_EQ(wasm[error.backtrace[2].code_offset], 0x10);
  EXPECT_EQ(vm->function_name(1), std::optional<std::string>("middle"));
  EXPECT_EQ(vm->function_name(7), std::nullopt);

  // The VM stays usable after a trap.
  called = vm->call(find(*vm, "outer", kI32ToI32), args, {&result, 1});
  ASSERT_FALSE(called);
  EXPECT_EQ(called.error().fault, VmFault::Trap);
}

TEST_P(WasmVmTest, HostTrapRequestTrapsTheCaller) {
  HostFunctions host = {{"env.proc_exit",
                         [](std::span<const Value> args, std::span<Value>) {
                           return trap("proc_exit(" + std::to_string(args[0].as_u32()) + ")");
                         }},
                        {"env.throws", [](std::span<const Value>, std::span<Value>) {
                           throw std::runtime_error("boom");
                           return kReturn;
                         }}};
  std::unique_ptr<Vm> vm = instantiate(R"((module
    (import "env" "proc_exit" (func $proc_exit (param i32)))
    (import "env" "throws" (func $throws))
    (global $after (mut i32) (i32.const 0))
    (func $run (export "run") (call $proc_exit (i32.const 3)) (global.set $after (i32.const 1)))
    (func (export "after") (result i32) (global.get $after))
    (func (export "throw") (call $throws))
  ))",
                                       host);
  ASSERT_TRUE(vm);
  Result<void, VmError> called = vm->call(find(*vm, "run", kVoid), {}, {});
  ASSERT_FALSE(called);
  EXPECT_EQ(called.error().fault, VmFault::HostTrap);
  EXPECT_EQ(called.error().message, "proc_exit(3)");
  ASSERT_FALSE(called.error().backtrace.empty());
  EXPECT_EQ(called.error().backtrace[0].name, "run");
  EXPECT_EQ(call_i32(*vm, "after", {}), 0u) << "wasm after the host call must not run";

  called = vm->call(find(*vm, "throw", kVoid), {}, {});
  ASSERT_FALSE(called);
  EXPECT_EQ(called.error().fault, VmFault::HostTrap);
  EXPECT_NE(called.error().message.find("boom"), std::string::npos) << called.error().message;
}

TEST_P(WasmVmTest, RunawayLoopIsTerminatedAndVmStaysUsable) {
  VmOptions options;
  options.runaway_budget_ms = 100;
  std::unique_ptr<Vm> vm = instantiate(kArithmetic, {}, options);
  ASSERT_TRUE(vm);
  FunctionRef spin = find(*vm, "spin", kVoid);
  for (int round = 0; round < 2; ++round) {
    Result<void, VmError> called = vm->call(spin, {}, {});
    ASSERT_FALSE(called);
    EXPECT_EQ(called.error().fault, VmFault::Terminated);
    EXPECT_EQ(called.error().message, "execution terminated after 100 ms (runaway budget)");
    EXPECT_EQ(call_i32(*vm, "add", {Value::i32(20), Value::i32(22)}), 42u);
  }
}

TEST_P(WasmVmTest, NestedRunawayCallStopsTheOutermostCall) {
  VmOptions options;
  options.runaway_budget_ms = 100;
  std::unique_ptr<Vm> vm;
  std::optional<VmFault> nested_fault;
  HostFunctions host = {{"env.run_nested", [&](std::span<const Value>, std::span<Value>) {
                           Result<void, VmError> nested =
                               vm->call(find(*vm, "spin", kVoid), {}, {});
                           nested_fault = nested ? VmFault::None : nested.error().fault;
                           return kReturn;
                         }}};
  vm = instantiate(R"((module
    (import "env" "run_nested" (func $run_nested))
    (func (export "outer") (call $run_nested))
    (func (export "spin") (loop $forever (br $forever)))
    (func (export "one") (result i32) (i32.const 1))
  ))",
                   host, options);
  ASSERT_TRUE(vm);
  Result<void, VmError> called = vm->call(find(*vm, "outer", kVoid), {}, {});
  ASSERT_FALSE(called);
  EXPECT_EQ(called.error().fault, VmFault::Terminated);
  EXPECT_EQ(nested_fault, VmFault::Terminated);
  EXPECT_EQ(call_i32(*vm, "one", {}), 1u);
}

TEST_P(WasmVmTest, TerminateFromAnotherThreadStopsALoop) {
  VmOptions options;
  options.runaway_budget_ms = 0;  // unlimited: only terminate() can stop the loop
  std::atomic<bool> started{false};
  HostFunctions host = {{"env.started", [&](std::span<const Value>, std::span<Value>) {
                           started = true;
                           return kReturn;
                         }}};
  std::unique_ptr<Vm> vm = instantiate(R"((module
    (import "env" "started" (func $started))
    (func (export "spin") (call $started) (loop $forever (br $forever)))
    (func (export "one") (result i32) (i32.const 1))
  ))",
                                       host, options);
  ASSERT_TRUE(vm);
  FunctionRef spin = find(*vm, "spin", kVoid);
  std::thread stopper([&] {
    while (!started) std::this_thread::yield();
    vm->terminate();
  });
  Result<void, VmError> called = vm->call(spin, {}, {});
  stopper.join();
  ASSERT_FALSE(called);
  EXPECT_EQ(called.error().fault, VmFault::Terminated);
  EXPECT_EQ(called.error().message, "terminated by request");
  EXPECT_EQ(call_i32(*vm, "one", {}), 1u);
  vm->terminate();  // no call running: nothing to stop, the next call runs normally
  EXPECT_EQ(call_i32(*vm, "one", {}), 1u);
}

TEST_P(WasmVmTest, MissingImportFailsLink) {
  std::unique_ptr<Vm> vm = new_vm();
  ASSERT_TRUE(vm);
  ASSERT_TRUE(vm->load(wat_to_wasm(R"((module
    (import "env" "missing_fn" (func (param i32)))
  ))")));
  ASSERT_EQ(vm->imports().size(), 1u);
  EXPECT_EQ(vm->imports()[0].type, (FuncType{{ValType::I32}, {}}));
  Result<void> linked = vm->link(resolver_for({}));
  ASSERT_FALSE(linked);
  EXPECT_EQ(linked.error().message, "missing import: env.missing_fn");
}

TEST_P(WasmVmTest, UnsupportedImportKindFailsLink) {
  std::unique_ptr<Vm> vm = new_vm();
  ASSERT_TRUE(vm);
  ASSERT_TRUE(vm->load(wat_to_wasm(R"((module (import "env" "table" (table 1 funcref))))")));
  Result<void> linked = vm->link(resolver_for({}));
  ASSERT_FALSE(linked);
  EXPECT_EQ(linked.error().message, "unsupported import kind (table): env.table");
}

TEST_P(WasmVmTest, FindFunctionChecksTheSignature) {
  std::unique_ptr<Vm> vm = instantiate(kArithmetic);
  ASSERT_TRUE(vm);
  Result<FunctionRef> wrong = vm->find_function("add", kI32ToI32);
  ASSERT_FALSE(wrong);
  EXPECT_EQ(
      wrong.error().message,
      "Bad function signature for export 'add': expected (i32) -> i32, got (i32, i32) -> i32");

  Result<FunctionRef> missing = vm->find_function("proxy_on_tick", kI32ToI32);
  ASSERT_TRUE(missing);
  EXPECT_FALSE(missing->valid());
  Result<void, VmError> called = vm->call(*missing, {}, {});
  ASSERT_FALSE(called);
  EXPECT_EQ(called.error().fault, VmFault::MissingFunction);

  Result<FunctionRef> first = vm->find_function("add", kI32I32ToI32);
  Result<FunctionRef> again = vm->find_function("add", kI32I32ToI32);
  ASSERT_TRUE(first && again);
  EXPECT_EQ(first->index, again->index);
}

TEST_P(WasmVmTest, ImportedMemoryWorks) {
  std::unique_ptr<Vm> vm = instantiate(R"((module
    (import "env" "memory" (memory 1 4))
    (data (i32.const 8) "xyz")
    (func (export "store") (param i32 i32) (result i32)
      (i32.store8 (local.get 0) (local.get 1)) (i32.const 0))
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ))");
  ASSERT_TRUE(vm);
  ASSERT_EQ(vm->memory().size(), kPage);
  EXPECT_EQ(read_string(*vm, 8, 3), "xyz");
  call_i32(*vm, "store", {Value::i32(11), Value::i32('!')});
  EXPECT_EQ(read_string(*vm, 8, 4), "xyz!");
  EXPECT_EQ(call_i32(*vm, "grow", {Value::i32(10)}), 0xffffffffu) << "past the declared maximum";
  EXPECT_EQ(call_i32(*vm, "grow", {Value::i32(3)}), 1u);
  EXPECT_EQ(vm->memory().size(), 4 * kPage);
  EXPECT_EQ(read_string(*vm, 8, 4), "xyz!");
}

TEST_P(WasmVmTest, StartSectionRunsAtLink) {
  int starts = 0;
  HostFunctions host = {{"env.started", [&](std::span<const Value>, std::span<Value>) {
                           ++starts;
                           return kReturn;
                         }}};
  std::unique_ptr<Vm> vm = instantiate(R"((module
    (import "env" "started" (func $started))
    (memory (export "memory") 1)
    (func $init (call $started) (i32.store8 (i32.const 0) (i32.const 42)))
    (start $init)
  ))",
                                       host);
  ASSERT_TRUE(vm);
  EXPECT_EQ(starts, 1);
  EXPECT_EQ(vm->memory()[0], 42);

  std::unique_ptr<Vm> trapping = new_vm();
  ASSERT_TRUE(trapping);
  ASSERT_TRUE(trapping->load(wat_to_wasm("(module (func $init (unreachable)) (start $init))")));
  Result<void> linked = trapping->link(resolver_for({}));
  ASSERT_FALSE(linked);
  EXPECT_NE(linked.error().message.find("unreachable"), std::string::npos)
      << linked.error().message;
}

TEST_P(WasmVmTest, MemoryLimitStopsGrowth) {
  VmOptions options;
  options.max_memory_pages = 2;
  std::unique_ptr<Vm> vm = instantiate(R"((module
    (memory (export "memory") 1)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ))",
                                       {}, options);
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_i32(*vm, "grow", {Value::i32(1)}), 1u);  // 2 pages: within the limit
  // Past the limit memory.grow fails inside the VM (-1), as in Envoy, and the call goes on.
  EXPECT_EQ(call_i32(*vm, "grow", {Value::i32(8)}), 0xFFFFFFFFu);
  EXPECT_EQ(call_i32(*vm, "grow", {Value::i32(1)}), 0xFFFFFFFFu);
  EXPECT_EQ(vm->memory().size(), 2u * 65536u);
  EXPECT_EQ(call_i32(*vm, "grow", {Value::i32(0)}), 2u);

  // A module's own smaller maximum is honoured too.
  std::unique_ptr<Vm> declared = instantiate(R"((module
    (memory (export "memory") 1 3)
    (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  ))",
                                             {}, VmOptions{});
  ASSERT_TRUE(declared);
  EXPECT_EQ(call_i32(*declared, "grow", {Value::i32(2)}), 1u);
  EXPECT_EQ(call_i32(*declared, "grow", {Value::i32(1)}), 0xFFFFFFFFu);

  std::unique_ptr<Vm> too_big = new_vm(options);
  ASSERT_TRUE(too_big);
  ASSERT_TRUE(too_big->load(wat_to_wasm("(module (memory (export \"memory\") 3))")));
  Result<void> linked = too_big->link(resolver_for({}));
  ASSERT_FALSE(linked);
  EXPECT_NE(linked.error().message.find("limit of 2 pages"), std::string::npos)
      << linked.error().message;
}

TEST_P(WasmVmTest, HostFunctionCallsBackIntoTheVm) {
  std::unique_ptr<Vm> vm;
  HostFunctions host = {
      {"env.get_buffer", [&](std::span<const Value> args, std::span<Value> results) {
         const char text[] = "nested";
         Value ptr;
         const Value size[] = {Value::i32(sizeof text)};
         Result<void, VmError> allocated =
             vm->call(find(*vm, "malloc", kI32ToI32), size, {&ptr, 1});
         if (!allocated) return trap(allocated.error().message);
         // Fetched after the nested call: the span may have moved.
         std::span<uint8_t> memory = vm->memory();
         std::memcpy(memory.data() + ptr.as_u32(), text, sizeof text);
         results[0] = ptr;
         (void)args;
         return kReturn;
       }}};
  vm = instantiate(R"((module
    (import "env" "get_buffer" (func $get_buffer (result i32)))
    (memory (export "memory") 1)
    (global $next (mut i32) (i32.const 1024))
    (func (export "malloc") (param $size i32) (result i32)
      (local $ptr i32)
      (local.set $ptr (global.get $next))
      (global.set $next (i32.add (global.get $next) (local.get $size)))
      (drop (memory.grow (i32.const 1)))
      (local.get $ptr))
    (func (export "run") (result i32)
      (local $buffer i32)
      (local.set $buffer (call $get_buffer))
      (i32.add (i32.load8_u (local.get $buffer)) (i32.mul (local.get $buffer) (i32.const 256))))
  ))",
                   host);
  ASSERT_TRUE(vm);
  const uint32_t result = call_i32(*vm, "run", {});
  EXPECT_EQ(result >> 8, 1024u) << "pointer from the nested malloc";
  EXPECT_EQ(result & 0xff, static_cast<uint32_t>('n'));
  EXPECT_EQ(read_string(*vm, 1024, 6), "nested");
  EXPECT_EQ(vm->memory().size(), 2 * kPage) << "growth in the nested call";
  EXPECT_EQ(call_i32(*vm, "malloc", {Value::i32(8)}), 1031u);
}

TEST_P(WasmVmTest, NestedTrapIsReportedToTheHostFunction) {
  std::unique_ptr<Vm> vm;
  std::optional<VmError> nested_error;
  HostFunctions host = {{"env.try_it", [&](std::span<const Value>, std::span<Value> results) {
                           Result<void, VmError> nested =
                               vm->call(find(*vm, "boom", kVoid), {}, {});
                           if (!nested) nested_error = nested.error();
                           results[0] = Value::i32(7);
                           return kReturn;
                         }}};
  vm = instantiate(R"((module
    (import "env" "try_it" (func $try_it (result i32)))
    (func $boom (export "boom") (i32.div_u (i32.const 1) (i32.const 0)) (drop))
    (func (export "run") (result i32) (i32.add (call $try_it) (i32.const 1)))
  ))",
                   host);
  ASSERT_TRUE(vm);
  EXPECT_EQ(call_i32(*vm, "run", {}), 8u) << "the outer call carries on after the nested trap";
  ASSERT_TRUE(nested_error);
  EXPECT_EQ(nested_error->fault, VmFault::Trap);
  EXPECT_NE(nested_error->message.find("divide by zero"), std::string::npos)
      << nested_error->message;
  // The whole wasm stack: the nested call's frames, then the outer call's.
  ASSERT_EQ(nested_error->backtrace.size(), 2u);
  EXPECT_EQ(nested_error->backtrace[0].name, "boom");
  EXPECT_EQ(nested_error->backtrace[1].name, "run");
}

TEST_P(WasmVmTest, TwoVmsInOneThreadAreIndependent) {
  constexpr std::string_view kCounter = R"((module
    (memory (export "memory") 1)
    (global $count (mut i32) (i32.const 0))
    (func (export "bump") (result i32)
      (global.set $count (i32.add (global.get $count) (i32.const 1)))
      (i32.store (i32.const 0) (global.get $count))
      (global.get $count))
  ))";
  std::unique_ptr<Vm> first = instantiate(kCounter);
  std::unique_ptr<Vm> second = instantiate(kCounter);
  ASSERT_TRUE(first && second);
  EXPECT_EQ(call_i32(*first, "bump", {}), 1u);
  EXPECT_EQ(call_i32(*first, "bump", {}), 2u);
  EXPECT_EQ(call_i32(*second, "bump", {}), 1u);
  EXPECT_EQ(call_i32(*first, "bump", {}), 3u);
  EXPECT_EQ(first->memory()[0], 3);
  EXPECT_EQ(second->memory()[0], 1);
  EXPECT_NE(first->memory().data(), second->memory().data());
  second.reset();
  EXPECT_EQ(call_i32(*first, "bump", {}), 4u);
}

TEST_P(WasmVmTest, LoadRejectsInvalidModules) {
  std::unique_ptr<Vm> vm = new_vm();
  ASSERT_TRUE(vm);
  const std::vector<uint8_t> garbage = {'n', 'o', 't', ' ', 'w', 'a', 's', 'm'};
  Result<void> loaded = vm->load(garbage);
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().message, "not a wasm module (bad magic)");
  Result<void> linked = vm->link(resolver_for({}));
  EXPECT_FALSE(linked);
}

// Over the wasm engines this build has (none: nothing to instantiate).
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(WasmVmTest);
INSTANTIATE_TEST_SUITE_P(Engines, WasmVmTest, ::testing::ValuesIn(test::built_wasm_engines()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace pwplay::host
