// The WABT engine's exact count of executed instructions (Vm::instructions_executed): a loop whose
// count is known instruction by instruction, in one slice of the interpreter and across many,
// nested calls, traps, the start function, and stepping.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "host/vm.h"
#include "support/engines.h"
#include "support/vm_types.h"
#include "support/wat.h"

namespace pwplay::host {
namespace {

using test::wat_to_wasm;

using vm_types::kI32ToI32;

// sum(n) = 0 + 1 + ... + n-1. What the interpreter runs for one call:
//   1       on entry, reserving the two locals
//   13 * n  per iteration: local.get, local.get, i32.ge_u, br_if, local.get, local.get, i32.add,
//           local.set, local.get, i32.const, i32.add, local.set, br
//   5       the last test: local.get, local.get, i32.ge_u, then the br_if taken, which the
//           interpreter runs as two (br_unless falls through, br leaves the block); block and
//           loop compile to nothing
//   1       local.get $acc
//   2       the function's end: dropping the parameter and the locals under the result, return
// so 13 * n + 9.
constexpr std::string_view kModule = R"((module
  (import "env" "note" (func $note (param i32)))
  (import "env" "twice" (func $twice (param i32) (result i32)))
  (global $started (mut i32) (i32.const 0))
  (func $start
    i32.const 1
    global.set $started)
  (start $start)
  (func $sum (export "sum") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $next
        local.get $i
        local.get $n
        i32.ge_u
        br_if $done
        local.get $acc
        local.get $i
        i32.add
        local.set $acc
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $next))
    local.get $acc)
  ;; Calls the host, which calls sum(n) back: the nested call counts too.
  (func (export "outer") (param $n i32) (result i32)
    local.get $n
    call $twice)
  (func (export "crash") (param $n i32) (result i32)
    local.get $n
    call $note
    unreachable)
))";

uint64_t sum_instructions(uint64_t n) {
  return 13 * n + 9;
}

struct Counted {
  std::unique_ptr<Vm> vm;
  FunctionRef sum;
  FunctionRef outer;
  FunctionRef crash;

  int32_t call(FunctionRef function, int32_t arg, bool* trapped = nullptr) {
    const Value args[] = {Value::i32(static_cast<uint32_t>(arg))};
    Value result;
    auto called = vm->call(function, args, {&result, 1});
    if (trapped) *trapped = !called;
    return called ? result.as_i32() : -1;
  }
  uint64_t count() const { return vm->instructions_executed().value_or(UINT64_MAX); }
};

Counted instantiate() {
  Counted counted;
  auto vm = create_vm("wabt", {});
  EXPECT_TRUE(vm) << vm.error().message;
  if (!vm) return counted;
  counted.vm = std::move(*vm);
  EXPECT_TRUE(counted.vm->load(wat_to_wasm(kModule)));
  Vm* self = counted.vm.get();
  // Found after link; the host function reads it when called (Counted itself is moved).
  auto sum = std::make_shared<FunctionRef>();
  auto linked =
      counted.vm->link([self, sum](const ImportDesc& import) -> std::optional<HostFunction> {
        if (import.name == "note") {
          return [](std::span<const Value>, std::span<Value>) -> std::optional<HostTrapRequest> {
            return std::nullopt;
          };
        }
        if (import.name == "twice") {
          return [self, sum](std::span<const Value> args,
                             std::span<Value> results) -> std::optional<HostTrapRequest> {
            Value once;
            const Value inner_args[] = {args[0]};
            if (!self->call(*sum, inner_args, {&once, 1}))
              return HostTrapRequest{"nested call failed"};
            if (!self->call(*sum, inner_args, {&once, 1}))
              return HostTrapRequest{"nested call failed"};
            results[0] = once;
            return std::nullopt;
          };
        }
        return std::nullopt;
      });
  EXPECT_TRUE(linked) << linked.error().message;
  counted.sum = *counted.vm->find_function("sum", kI32ToI32);
  *sum = counted.sum;
  counted.outer = *counted.vm->find_function("outer", kI32ToI32);
  counted.crash = *counted.vm->find_function("crash", kI32ToI32);
  return counted;
}

class WabtInstructionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    counted_ = instantiate();
    ASSERT_TRUE(counted_.vm);
    ASSERT_TRUE(counted_.sum.valid());
  }
  Counted counted_;
};

TEST_F(WabtInstructionsTest, StartFunctionIsCountedAtLink) {
  // i32.const, global.set, return.
  EXPECT_EQ(counted_.count(), 3u);
}

TEST_F(WabtInstructionsTest, CountsALoopExactly) {
  const uint64_t before = counted_.count();
  EXPECT_EQ(counted_.call(counted_.sum, 10), 45);
  EXPECT_EQ(counted_.count() - before, sum_instructions(10));
  EXPECT_EQ(counted_.call(counted_.sum, 0), 0);
  EXPECT_EQ(counted_.count() - before, sum_instructions(10) + sum_instructions(0));
}

TEST_F(WabtInstructionsTest, CountsACallThatSpansManySlices) {
  // 13,009 instructions: more than one of the interpreter's slices between runaway checks.
  const uint64_t before = counted_.count();
  EXPECT_EQ(counted_.call(counted_.sum, 1000), 499500);
  EXPECT_EQ(counted_.count() - before, sum_instructions(1000));
  EXPECT_EQ(counted_.call(counted_.sum, 1001), 500500);
  EXPECT_EQ(counted_.count() - before, sum_instructions(1000) + sum_instructions(1001));
}

TEST_F(WabtInstructionsTest, CountsNestedCallsFromHostFunctions) {
  const uint64_t before = counted_.count();
  EXPECT_EQ(counted_.call(counted_.outer, 20), 190);
  // Besides the two nested sum(20): local.get, call $twice, and the end (dropping the parameter
  // under the result, return).
  const uint64_t outer_only = counted_.count() - before - 2 * sum_instructions(20);
  EXPECT_EQ(outer_only, 4u);
}

TEST_F(WabtInstructionsTest, CountsTheInstructionThatTrapped) {
  const uint64_t before = counted_.count();
  bool trapped = false;
  counted_.call(counted_.crash, 1, &trapped);
  EXPECT_TRUE(trapped);
  // local.get, call $note, unreachable.
  EXPECT_EQ(counted_.count() - before, 3u);
  // The VM stays usable and keeps counting.
  EXPECT_EQ(counted_.call(counted_.sum, 3), 3);
  EXPECT_EQ(counted_.count() - before, 3u + sum_instructions(3));
}

TEST_F(WabtInstructionsTest, SteppingCountsTheSameAsRunning) {
  const uint64_t before = counted_.count();
  int stops = 0;
  ASSERT_TRUE(
      counted_.vm->request_step({StepRequest::Kind::Instruction}, [&stops](const WasmLocation&) {
        ++stops;
        return StepRequest{StepRequest::Kind::Instruction};
      }));
  EXPECT_EQ(counted_.call(counted_.sum, 7), 21);
  EXPECT_GT(stops, 13 * 7);
  EXPECT_EQ(counted_.count() - before, sum_instructions(7));
}

TEST(InstructionCount, EnginesThatCannotCountSayNothing) {
  for (const std::string& engine : test::built_wasm_engines()) {
    if (engine == "wabt") continue;
    auto vm = create_vm(engine, {});
    ASSERT_TRUE(vm) << vm.error().message;
    ASSERT_TRUE((*vm)->load(wat_to_wasm(kModule)));
    EXPECT_EQ((*vm)->instructions_executed(), std::nullopt) << engine;
  }
}

}  // namespace
}  // namespace pwplay::host
