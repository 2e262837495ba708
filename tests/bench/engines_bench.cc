// Engine benchmarks (Google Benchmark; `pwplay_bench_engines`, not run by ctest):
//  - a whole request through the add-header sample on V8, WABT and native (callback cost as the
//    performance view shows it: every callback and host call of one stream), with the wasm
//    instructions per request where the engine counts them (WABT);
//  - one call of an exported function through the Vm interface (the crossing alone);
//  - WABT's interpreter speed in wasm instructions per second, the loop's instructions counted
//    exactly by WABT itself, and the same loop on V8 for comparison.
// Results are recorded in docs/performance.md.
#include <benchmark/benchmark.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "debugger/formats/request_file.h"
#include "host/environment.h"
#include "host/filter_chain.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "host/vm.h"
#include "support/wat.h"

namespace pwplay::bench {
namespace {

using host::ValType;
using host::Value;

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), {});
}

// A request through a one-plugin chain, with the chain kept between iterations.
void BM_Request(benchmark::State& state, std::string engine, std::string module) {
  host::SimulatedDispatcher dispatcher;
  host::MockCalloutClient callouts(dispatcher);
  host::HostEnv env(dispatcher, callouts);
  host::FilterChain chain(env);
  host::PluginConfig config;
  config.name = "bench";
  config.engine = engine;
  auto plugin = host::Plugin::create(env, config, read_file(module));
  if (!plugin) {
    state.SkipWithError(plugin.error().message.c_str());
    return;
  }
  host::Vm& vm = (*plugin)->vm();
  chain.add(std::move(*plugin));
  auto request =
      debugger::load_request_file(std::string(PWPLAY_SOURCE_DIR) + "/samples/requests/get.json");
  if (!request) {
    state.SkipWithError(request.error().message.c_str());
    return;
  }
  const std::optional<uint64_t> instructions_before = vm.instructions_executed();
  for (auto _ : state) {
    host::RunReport report =
        host::run_request(chain, dispatcher, request->request, request->upstream);
    benchmark::DoNotOptimize(report);
  }
  state.SetItemsProcessed(state.iterations());
  // WABT counts the instructions it runs: per request, exactly.
  if (instructions_before && state.iterations() > 0) {
    state.counters["instructions_per_request"] =
        static_cast<double>(*vm.instructions_executed() - *instructions_before) /
        static_cast<double>(state.iterations());
  }
  state.SetLabel(engine + " " + host::engine_version(engine));
}

constexpr std::string_view kLoop = R"((module
  (func (export "identity") (param i32) (result i32) local.get 0)
  ;; sum of 0..n-1: 13 executed instructions per iteration
  (func (export "sum") (param $n i32) (result i32)
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
))";

std::unique_ptr<host::Vm> loop_vm(const std::string& engine, const host::VmOptions& options = {}) {
  auto vm = host::create_vm(engine, options);
  if (!vm) return nullptr;
  if (!(*vm)->load(test::wat_to_wasm(kLoop))) return nullptr;
  if (!(*vm)->link([](const host::ImportDesc&) { return std::nullopt; })) return nullptr;
  return std::move(*vm);
}

void BM_CallCrossing(benchmark::State& state, std::string engine) {
  std::unique_ptr<host::Vm> vm = loop_vm(engine);
  auto ref = vm->find_function("identity", {{ValType::I32}, {ValType::I32}});
  const Value args[] = {Value::i32(7)};
  Value result;
  for (auto _ : state) {
    auto called = vm->call(*ref, args, {&result, 1});
    benchmark::DoNotOptimize(called);
  }
  state.SetItemsProcessed(state.iterations());
}

// Wasm instructions one call of sum(n) executes, as WABT counts them (Vm::instructions_executed).
uint64_t count_instructions(uint32_t n) {
  host::VmOptions options;
  options.runaway_budget_ms = 0;
  std::unique_ptr<host::Vm> vm = loop_vm("wabt", options);
  auto ref = vm->find_function("sum", {{ValType::I32}, {ValType::I32}});
  const Value args[] = {Value::i32(n)};
  Value result;
  const uint64_t before = vm->instructions_executed().value_or(0);
  (void)vm->call(*ref, args, {&result, 1});
  return vm->instructions_executed().value_or(0) - before;
}

void BM_Loop(benchmark::State& state, std::string engine) {
  const auto n = static_cast<uint32_t>(state.range(0));
  static const uint64_t per_call_100k = count_instructions(100000);
  const uint64_t instructions = per_call_100k * n / 100000;
  host::VmOptions options;
  options.runaway_budget_ms = 0;
  std::unique_ptr<host::Vm> vm = loop_vm(engine, options);
  auto ref = vm->find_function("sum", {{ValType::I32}, {ValType::I32}});
  const Value args[] = {Value::i32(n)};
  Value result;
  for (auto _ : state) {
    auto called = vm->call(*ref, args, {&result, 1});
    benchmark::DoNotOptimize(called);
  }
  // items/s = wasm instructions per second.
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * instructions));
  state.counters["instructions_per_call"] = static_cast<double>(instructions);
}

const std::string kSamples = PWPLAY_SAMPLES_DIR;

BENCHMARK_CAPTURE(BM_Request, v8_add_header, "v8", kSamples + "/add_header.wasm")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Request, wabt_add_header, "wabt", kSamples + "/add_header.wasm")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Request, native_add_header, "native", kSamples + "/native/add_header.so")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Request, v8_noop, "v8", kSamples + "/noop.wasm")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Request, wabt_noop, "wabt", kSamples + "/noop.wasm")
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_CallCrossing, v8, "v8");
BENCHMARK_CAPTURE(BM_CallCrossing, wabt, "wabt");
BENCHMARK_CAPTURE(BM_Loop, v8, "v8")->Arg(1000000)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Loop, wabt, "wabt")->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace pwplay::bench

BENCHMARK_MAIN();
