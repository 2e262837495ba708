// Instruction stepping on the WABT engine, driven headlessly through the Vm interface: a scripted
// hook answers each stop, and the tests check where the engine stopped (the instruction's text and
// .wasm offset, against the disassembly), the locals, the operand stack and the call stack.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "host/disassembly.h"
#include "host/vm.h"
#include "support/engines.h"
#include "support/vm_types.h"
#include "support/wat.h"

namespace pwplay::host {
namespace {

using test::wat_to_wasm;
using Kind = StepRequest::Kind;

using vm_types::kReturn;

// A filter-shaped module: a host call, a call into another function, arithmetic, a branch.
constexpr std::string_view kFilter = R"((module
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello")
  (func $double (param $x i32) (result i32)
    local.get $x
    local.get $x
    i32.add)
  (func $proxy_on_request_headers (export "proxy_on_request_headers")
    (param $context_id i32) (param $num_headers i32) (param $end_of_stream i32) (result i32)
    (local $sum i32)
    i32.const 2
    i32.const 16
    i32.const 5
    call $log
    drop
    local.get $num_headers
    call $double
    local.set $sum
    local.get $sum
    i32.const 10
    i32.add
    local.set $sum
    local.get $sum
    i32.const 100
    i32.gt_u
    if
      i32.const 1
      return
    end
    i32.const 0)
  (func (export "divide") (param i32) (result i32)
    i32.const 7
    local.get 0
    i32.div_u)
  (func (export "count_down") (param $n i32) (result i32)
    (loop $again
      local.get $n
      i32.const 1
      i32.sub
      local.tee $n
      br_if $again)
    local.get $n)
))";

const FuncType kHeadersType{{ValType::I32, ValType::I32, ValType::I32}, {ValType::I32}};
using vm_types::kI32ToI32;

// A WABT VM with the module loaded and linked; proxy_log records what it was given.
struct Stepper {
  std::vector<uint8_t> wasm;
  std::unique_ptr<Vm> vm;
  ModuleWat wat;
  std::vector<std::string> logged;
  // Called from inside proxy_log, once (a debugger paused in a host call).
  std::function<void()> inside_log;

  explicit Stepper(std::string_view text, const VmOptions& options = {}) {
    wasm = wat_to_wasm(text);
    Result<std::unique_ptr<Vm>> created = create_vm("wabt", options);
    if (!created) throw std::runtime_error(created.error().message);
    vm = std::move(*created);
    if (Result<void> loaded = vm->load(wasm); !loaded) {
      throw std::runtime_error(loaded.error().message);
    }
    Result<void> linked = vm->link([this](const ImportDesc& import) -> std::optional<HostFunction> {
      if (import.name != "proxy_log") return std::nullopt;
      return HostFunction([this](std::span<const Value> args, std::span<Value> results) {
        std::span<uint8_t> memory = vm->memory();
        logged.emplace_back(reinterpret_cast<const char*>(memory.data()) + args[1].as_u32(),
                            args[2].as_u32());
        if (auto hook = std::exchange(inside_log, nullptr)) hook();
        results[0] = Value::i32(0);
        return kReturn;
      });
    });
    if (!linked) throw std::runtime_error(linked.error().message);
    Result<ModuleWat> disassembled = disassemble(wasm);
    if (!disassembled) throw std::runtime_error(disassembled.error().message);
    wat = std::move(*disassembled);
  }

  // The file offset of the n-th instruction (0-based) of `function` whose text is `text`.
  uint32_t offset_of(std::string_view function, std::string_view text, int nth = 0) const {
    const FunctionWat* f = wat.find(function);
    if (!f) throw std::runtime_error("no function " + std::string(function));
    for (const WatInstruction& instruction : f->instructions) {
      if (instruction.text == text && nth-- == 0) return instruction.offset;
    }
    throw std::runtime_error("no instruction " + std::string(text));
  }

  // The first instruction of `function` whose text starts with `prefix` (labels get generated
  // names such as $L0 in the WAT).
  uint32_t offset_starting(std::string_view function, std::string_view prefix) const {
    for (const WatInstruction& instruction : wat.find(function)->instructions) {
      if (instruction.text.starts_with(prefix)) return instruction.offset;
    }
    throw std::runtime_error("no instruction " + std::string(prefix));
  }

  Result<void, VmError> call(std::string_view name, const FuncType& type, std::vector<Value> args,
                             Value& result) {
    Result<FunctionRef> ref = vm->find_function(name, type);
    if (!ref || !ref->valid()) throw std::runtime_error("no export " + std::string(name));
    return vm->call(*ref, args, {&result, 1});
  }
};

// Answers stops with scripted requests (Run once the script is over) and records every stop.
struct Script {
  std::deque<StepRequest> next;
  std::vector<WasmLocation> stops;

  InstructionHook hook() {
    return [this](const WasmLocation& location) {
      stops.push_back(location);
      if (next.empty()) return StepRequest{};
      StepRequest request = next.front();
      next.pop_front();
      return request;
    };
  }
};

std::vector<uint32_t> u32s(const std::vector<Value>& values) {
  std::vector<uint32_t> out;
  for (const Value& v : values) out.push_back(v.as_u32());
  return out;
}

using Stack = std::vector<uint32_t>;

TEST(WabtSteppingTest, WalksACallbackInstructionByInstruction) {
  Stepper s(kFilter);
  Script script;
  script.next = {{Kind::Instruction},
                 {Kind::Instruction},
                 {Kind::Instruction},
                 {Kind::Over},
                 {Kind::Instruction},
                 {Kind::Instruction},
                 {Kind::Instruction},
                 {Kind::Out},
                 {Kind::ToOffset, s.offset_of("proxy_on_request_headers", "i32.gt_u")},
                 {Kind::Run}};
  ASSERT_TRUE(s.vm->supports_stepping());
  ASSERT_TRUE(s.vm->request_step({Kind::Instruction}, script.hook()));
  Value result;
  ASSERT_TRUE(s.call("proxy_on_request_headers", kHeadersType,
                     {Value::i32(1), Value::i32(21), Value::i32(1)}, result));
  EXPECT_EQ(result.as_u32(), 0u) << "52 > 100 is false: Continue";
  EXPECT_EQ(s.logged, std::vector<std::string>{"hello"});

  const std::vector<WasmLocation>& stops = script.stops;
  ASSERT_EQ(stops.size(), 10u);
  const std::string callback = "proxy_on_request_headers";
  struct Expected {
    std::string function;
    std::string instruction;
    int nth;
    Stack stack;
  };
  const std::vector<Expected> expected = {
      {callback, "i32.const 2", 0, {}},
      {callback, "i32.const 16", 0, {2}},
      {callback, "i32.const 5", 0, {2, 16}},
      {callback, "call $log", 0, {2, 16, 5}},
      {callback, "drop", 0, {0}},  // over the host call: its result
      {callback, "local.get $num_headers", 0, {}},
      {callback, "call $double", 0, {21}},
      {"double", "local.get $x", 0, {}},      // stepped into the call
      {callback, "local.set $sum", 0, {42}},  // out of it, with its result
      {callback, "i32.gt_u", 0, {52, 100}},   // ran to the chosen offset
  };
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("stop " + std::to_string(i) + ": " + expected[i].instruction);
    const WasmLocation& stop = stops[i];
    EXPECT_EQ(stop.function_name, expected[i].function);
    EXPECT_EQ(stop.instruction, expected[i].instruction);
    // The offset is the one the disassembly prints for that instruction, and the .wasm byte
    // there is its opcode.
    EXPECT_EQ(stop.file_offset,
              s.offset_of(expected[i].function, expected[i].instruction, expected[i].nth));
    EXPECT_EQ(u32s(stop.stack), expected[i].stack);
    for (const Value& v : stop.stack) EXPECT_EQ(v.type, ValType::I32);
    ASSERT_FALSE(stop.call_stack.empty());
    EXPECT_EQ(stop.call_stack.back().name, expected[i].function);
    EXPECT_EQ(stop.call_stack.back().code_offset, stop.file_offset);
  }
  // Locals: parameters first, with their names from the name section.
  EXPECT_EQ(u32s(stops[0].locals), (Stack{1, 21, 1, 0}));
  EXPECT_EQ(stops[0].local_names,
            (std::vector<std::string>{"context_id", "num_headers", "end_of_stream", "sum"}));
  EXPECT_EQ(s.wasm[stops[3].file_offset], 0x10) << "call";
  EXPECT_EQ(s.wasm[stops[4].file_offset], 0x1a) << "drop";
  // Inside $double: its own locals, and the caller's frame points at the call.
  EXPECT_EQ(u32s(stops[7].locals), Stack{21});
  EXPECT_EQ(stops[7].local_names, std::vector<std::string>{"x"});
  ASSERT_EQ(stops[7].call_stack.size(), 2u);
  EXPECT_EQ(stops[7].call_stack[0].name, callback);
  EXPECT_EQ(stops[7].call_stack[0].code_offset, s.offset_of(callback, "call $double"));
  EXPECT_EQ(stops[7].function_index, 1u) << "1 import, then $double";
  EXPECT_EQ(u32s(stops[9].locals), (Stack{1, 21, 1, 52}));
}

TEST(WabtSteppingTest, OverACallRunsItThrough) {
  Stepper s(kFilter);
  Script script;
  const std::string callback = "proxy_on_request_headers";
  script.next = {{Kind::Over}, {Kind::Over}};
  ASSERT_TRUE(
      s.vm->request_step({Kind::ToOffset, s.offset_of(callback, "call $double")}, script.hook()));
  Value result;
  ASSERT_TRUE(
      s.call(callback, kHeadersType, {Value::i32(1), Value::i32(60), Value::i32(1)}, result));
  EXPECT_EQ(result.as_u32(), 1u) << "120 + 10 > 100: the early return";
  ASSERT_EQ(script.stops.size(), 3u);
  EXPECT_EQ(script.stops[0].instruction, "call $double");
  EXPECT_EQ(script.stops[1].instruction, "local.set $sum");
  EXPECT_EQ(u32s(script.stops[1].stack), Stack{120});
  EXPECT_EQ(script.stops[1].call_stack.size(), 1u) << "never stopped inside $double";
  EXPECT_EQ(script.stops[2].instruction, "local.get $sum");
}

TEST(WabtSteppingTest, RunToAnOffsetInACalleeBeforeTheCall) {
  Stepper s(kFilter);
  Script script;
  ASSERT_TRUE(
      s.vm->request_step({Kind::ToOffset, s.offset_of("double", "i32.add")}, script.hook()));
  Value result;
  ASSERT_TRUE(s.call("proxy_on_request_headers", kHeadersType,
                     {Value::i32(1), Value::i32(5), Value::i32(1)}, result));
  ASSERT_EQ(script.stops.size(), 1u);
  EXPECT_EQ(script.stops[0].function_name, "double");
  EXPECT_EQ(script.stops[0].instruction, "i32.add");
  EXPECT_EQ(u32s(script.stops[0].stack), (Stack{5, 5}));
  EXPECT_EQ(result.as_u32(), 0u);
}

TEST(WabtSteppingTest, StepRequestedInsideAHostCallStopsWhenItReturns) {
  // As a debugger paused in a host call would: the caller stops right after the call, even though
  // it was running freely when the host function was entered.
  Stepper s(kFilter);
  Script script;
  script.next = {{Kind::Instruction}, {Kind::Run}};
  s.inside_log = [&] { ASSERT_TRUE(s.vm->request_step({Kind::Instruction}, script.hook())); };
  Value result;
  ASSERT_TRUE(s.call("proxy_on_request_headers", kHeadersType,
                     {Value::i32(1), Value::i32(7), Value::i32(1)}, result));
  EXPECT_EQ(result.as_u32(), 0u);
  ASSERT_EQ(script.stops.size(), 2u);
  EXPECT_EQ(script.stops[0].instruction, "drop");
  EXPECT_EQ(u32s(script.stops[0].stack), Stack{0}) << "the host function's result";
  EXPECT_EQ(script.stops[1].instruction, "local.get $num_headers");
  // The VM keeps working normally afterwards.
  ASSERT_TRUE(s.call("proxy_on_request_headers", kHeadersType,
                     {Value::i32(1), Value::i32(60), Value::i32(1)}, result));
  EXPECT_EQ(result.as_u32(), 1u);
  EXPECT_EQ(script.stops.size(), 2u);
}

TEST(WabtSteppingTest, ALoopStopsAtEachIteration) {
  Stepper s(kFilter);
  Script script;
  const uint32_t br_if = s.offset_starting("count_down", "br_if ");
  script.next = {{Kind::ToOffset, br_if}, {Kind::ToOffset, br_if}, {Kind::Run}};
  ASSERT_TRUE(s.vm->request_step({Kind::ToOffset, br_if}, script.hook()));
  Value result;
  ASSERT_TRUE(s.call("count_down", kI32ToI32, {Value::i32(3)}, result));
  EXPECT_EQ(result.as_u32(), 0u);
  ASSERT_EQ(script.stops.size(), 3u);
  EXPECT_EQ(u32s(script.stops[0].stack), Stack{2});
  EXPECT_EQ(u32s(script.stops[1].stack), Stack{1});
  EXPECT_EQ(u32s(script.stops[2].stack), Stack{0});
  EXPECT_EQ(script.stops[2].locals[0].as_u32(), 0u);
}

// Instruction breakpoints stop every call that reaches them, while the engine otherwise runs
// freely, until they are replaced; a step taken from a breakpoint stop still works, and the
// stop says which of the two it was.
TEST(WabtSteppingTest, BreakpointsStopEveryCallUntilRemoved) {
  Stepper s(kFilter);
  Script breakpoints;
  const uint32_t br_if = s.offset_starting("count_down", "br_if ");
  const uint32_t add = s.offset_of("$double", "i32.add");
  ASSERT_TRUE(s.vm->set_instruction_breakpoints({br_if, add}, breakpoints.hook()));
  Value result;
  ASSERT_TRUE(s.call("count_down", kI32ToI32, {Value::i32(3)}, result));
  EXPECT_EQ(result.as_u32(), 0u);
  ASSERT_EQ(breakpoints.stops.size(), 3u);  // once per iteration
  for (const WasmLocation& stop : breakpoints.stops) {
    EXPECT_EQ(stop.file_offset, br_if);
    EXPECT_TRUE(stop.breakpoint);
    EXPECT_FALSE(stop.step_done);
  }
  EXPECT_EQ(u32s(breakpoints.stops[2].stack), Stack{0});
  // The same breakpoints stop the next call too: $double's add, with both operands on the stack.
  ASSERT_TRUE(s.call("proxy_on_request_headers", kHeadersType,
                     {Value::i32(1), Value::i32(4), Value::i32(1)}, result));
  ASSERT_EQ(breakpoints.stops.size(), 4u);
  EXPECT_EQ(breakpoints.stops[3].file_offset, add);
  EXPECT_EQ(breakpoints.stops[3].function_name, "double");
  EXPECT_EQ(u32s(breakpoints.stops[3].stack), (Stack{4, 4}));
  EXPECT_EQ(result.as_u32(), 0u);  // 4 + 4 + 10 is not over 100

  // From a breakpoint stop, one step: the next stop is the step's, not a breakpoint.
  breakpoints.next = {{Kind::Instruction}};
  ASSERT_TRUE(s.call("proxy_on_request_headers", kHeadersType,
                     {Value::i32(1), Value::i32(4), Value::i32(1)}, result));
  ASSERT_EQ(breakpoints.stops.size(), 6u);
  EXPECT_TRUE(breakpoints.stops[4].breakpoint);
  EXPECT_FALSE(breakpoints.stops[5].breakpoint);
  EXPECT_TRUE(breakpoints.stops[5].step_done);
  EXPECT_EQ(breakpoints.stops[5].instruction, "end");

  // An offset inside an instruction is no breakpoint; an empty list removes them all.
  ASSERT_TRUE(s.vm->set_instruction_breakpoints({br_if + 1}, breakpoints.hook()));
  ASSERT_TRUE(s.call("count_down", kI32ToI32, {Value::i32(3)}, result));
  ASSERT_TRUE(s.vm->set_instruction_breakpoints({}, nullptr));
  ASSERT_TRUE(s.call("count_down", kI32ToI32, {Value::i32(3)}, result));
  EXPECT_EQ(breakpoints.stops.size(), 6u);
  EXPECT_EQ(result.as_u32(), 0u);
}

TEST(WabtSteppingTest, OutOfTheOutermostFunctionEndsStepping) {
  Stepper s(kFilter);
  Script script;
  script.next = {{Kind::Out}};
  ASSERT_TRUE(s.vm->request_step({Kind::Instruction}, script.hook()));
  Value result;
  ASSERT_TRUE(s.call("divide", kI32ToI32, {Value::i32(7)}, result));
  EXPECT_EQ(result.as_u32(), 1u);
  ASSERT_EQ(script.stops.size(), 1u);
  // Nothing left to step out to: later calls run freely.
  ASSERT_TRUE(s.call("divide", kI32ToI32, {Value::i32(1)}, result));
  EXPECT_EQ(result.as_u32(), 7u);
  EXPECT_EQ(script.stops.size(), 1u);
}

TEST(WabtSteppingTest, TimeAtAStopDoesNotCountAgainstTheBudget) {
  VmOptions options;
  options.runaway_budget_ms = 50;
  Stepper s(kFilter, options);
  Script script;
  ASSERT_TRUE(s.vm->request_step({Kind::Instruction}, [&](const WasmLocation& location) {
    script.stops.push_back(location);
    std::this_thread::sleep_for(std::chrono::milliseconds(120));  // a user thinking
    return StepRequest{};
  }));
  Value result;
  Result<void, VmError> called = s.call("proxy_on_request_headers", kHeadersType,
                                        {Value::i32(1), Value::i32(1), Value::i32(1)}, result);
  ASSERT_TRUE(called) << called.error().message;
  EXPECT_EQ(script.stops.size(), 1u);
}

TEST(WabtSteppingTest, TerminateAtAStopEndsTheCallAtOnce) {
  // A debugger aborting the run while stopped.
  Stepper s(kFilter);
  size_t stops = 0;
  ASSERT_TRUE(s.vm->request_step({Kind::Instruction}, [&](const WasmLocation&) {
    ++stops;
    s.vm->terminate();
    return StepRequest{Kind::Run};
  }));
  Value result;
  Result<void, VmError> called = s.call("proxy_on_request_headers", kHeadersType,
                                        {Value::i32(1), Value::i32(1), Value::i32(1)}, result);
  ASSERT_FALSE(called);
  EXPECT_EQ(called.error().fault, VmFault::Terminated);
  EXPECT_EQ(called.error().message, "terminated by request");
  EXPECT_EQ(stops, 1u);
  EXPECT_TRUE(s.logged.empty()) << "nothing ran after the stop";
  ASSERT_TRUE(s.call("proxy_on_request_headers", kHeadersType,
                     {Value::i32(1), Value::i32(1), Value::i32(1)}, result));
  EXPECT_EQ(s.logged.size(), 1u);
}

TEST(WabtSteppingTest, TrapBacktraceOffsetsMatchTheDisassembly) {
  Stepper s(kFilter);
  Value result;
  Result<void, VmError> called = s.call("divide", kI32ToI32, {Value::i32(0)}, result);
  ASSERT_FALSE(called);
  EXPECT_EQ(called.error().fault, VmFault::Trap);
  EXPECT_NE(called.error().message.find("divide by zero"), std::string::npos)
      << called.error().message;
  ASSERT_EQ(called.error().backtrace.size(), 1u);
  EXPECT_EQ(called.error().backtrace[0].code_offset, s.offset_of("3", "i32.div_u"));
}

TEST(WabtSteppingTest, StepsThroughTheAddHeaderWatSample) {
  std::ifstream file(std::string(PWPLAY_SAMPLES_DIR) + "/add_header_wat.wasm", std::ios::binary);
  ASSERT_TRUE(file) << "build the samples first";
  std::vector<uint8_t> wasm((std::istreambuf_iterator<char>(file)), {});
  Result<std::unique_ptr<Vm>> created = create_vm("wabt", {});
  ASSERT_TRUE(created);
  std::unique_ptr<Vm> vm = std::move(*created);
  ASSERT_TRUE(vm->load(wasm));
  std::vector<std::vector<uint32_t>> added;
  ASSERT_TRUE(vm->link([&](const ImportDesc& import) -> std::optional<HostFunction> {
    return HostFunction(
        [&, name = import.name](std::span<const Value> args, std::span<Value> results) {
          if (name == "proxy_add_header_map_value")
            added.push_back(u32s({args.begin(), args.end()}));
          for (Value& r : results) r = Value::i32(0);
          return kReturn;
        });
  }));
  Result<ModuleWat> wat = disassemble(wasm);
  ASSERT_TRUE(wat);
  const FunctionWat* callback = wat->find("proxy_on_request_headers");
  ASSERT_TRUE(callback);

  Script script;
  script.next = {{Kind::Instruction}, {Kind::Instruction}, {Kind::Instruction}, {Kind::Instruction},
                 {Kind::Instruction}, {Kind::Over},        {Kind::Instruction}, {Kind::Run}};
  ASSERT_TRUE(vm->request_step({Kind::Instruction}, script.hook()));
  Result<FunctionRef> ref = vm->find_function("proxy_on_request_headers", kHeadersType);
  ASSERT_TRUE(ref && ref->valid());
  Value result = Value::i32(99);
  const Value args[] = {Value::i32(2), Value::i32(3), Value::i32(1)};
  ASSERT_TRUE(vm->call(*ref, args, {&result, 1}));
  EXPECT_EQ(result.as_u32(), 0u) << "Continue";
  EXPECT_EQ(added, (std::vector<std::vector<uint32_t>>{{0, 16, 13, 32, 10}}));

  const std::vector<std::string> texts = {"i32.const 0",  "i32.const 16",
                                          "i32.const 13", "i32.const 32",
                                          "i32.const 10", "call $proxy_add_header_map_value",
                                          "drop",         "i32.const 0"};
  const std::vector<Stack> stacks = {
      {}, {0}, {0, 16}, {0, 16, 13}, {0, 16, 13, 32}, {0, 16, 13, 32, 10}, {0}, {}};
  ASSERT_EQ(script.stops.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    SCOPED_TRACE(texts[i]);
    EXPECT_EQ(script.stops[i].instruction, texts[i]);
    EXPECT_EQ(script.stops[i].file_offset, callback->instructions[i].offset);
    EXPECT_EQ(u32s(script.stops[i].stack), stacks[i]);
    ASSERT_EQ(script.stops[i].locals.size(), 3u);
    EXPECT_EQ(script.stops[i].locals[1].as_u32(), 3u) << "$num_headers";
    EXPECT_EQ(script.stops[i].local_names[1], "num_headers");
  }
}

TEST(WabtSteppingTest, OtherEnginesRefuseToStep) {
  PWPLAY_REQUIRE_ENGINE("v8");
  Result<std::unique_ptr<Vm>> v8 = create_vm("v8", {});
  ASSERT_TRUE(v8);
  EXPECT_FALSE((*v8)->supports_stepping());
  Result<void> refused = (*v8)->request_step({Kind::Instruction}, nullptr);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("use the wabt engine"), std::string::npos);
}

}  // namespace
}  // namespace pwplay::host
