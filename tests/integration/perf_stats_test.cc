// The host's performance counters (host/perf_stats.h) and the debugger's windows over them
// (debugger/perf_model.h): what a real filter's requests leave in the counters on each engine,
// the ABI minimum of copies, histogram accuracy, and windows computed from readings.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "debugger/leak_check.h"
#include "debugger/perf_model.h"
#include "host/filter_chain.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "support/cli.h"
#include "support/engines.h"
#include "support/session_support.h"
#include "support/wat.h"

namespace pwplay::testing {
namespace {

using host::Histogram;

TEST(PerfHistogram, BucketsCoverEveryValueWithinASixteenth) {
  for (uint64_t value : {0ull, 1ull, 15ull, 16ull, 17ull, 31ull, 32ull, 1000ull, 123456789ull,
                         (1ull << 44) + 12345}) {
    size_t bucket = Histogram::bucket_of(value);
    EXPECT_LE(Histogram::bucket_low(bucket), value) << value;
    EXPECT_GE(Histogram::bucket_high(bucket), value) << value;
    EXPECT_LE(Histogram::bucket_high(bucket) - Histogram::bucket_low(bucket),
              Histogram::bucket_low(bucket) / 16)
        << value;
  }
  // Buckets are contiguous and increasing.
  for (size_t b = 1; b + 1 < Histogram::kBuckets; ++b)
    ASSERT_EQ(Histogram::bucket_low(b), Histogram::bucket_high(b - 1) + 1) << b;
}

TEST(PerfHistogram, PercentilesOfAKnownDistribution) {
  host::LiveHistogram live;
  std::vector<uint64_t> values;
  std::mt19937_64 random(7);
  for (int i = 0; i < 20000; ++i) values.push_back(1000 + random() % 99001);  // 1 us .. 100 us
  for (uint64_t v : values) live.record(v);
  Histogram h = live.read();
  std::sort(values.begin(), values.end());
  EXPECT_EQ(h.count, values.size());
  EXPECT_EQ(h.max, values.back());
  for (double q : {0.5, 0.9, 0.99}) {
    const double exact = static_cast<double>(values[static_cast<size_t>(q * values.size()) - 1]);
    EXPECT_NEAR(static_cast<double>(h.percentile(q)), exact, exact / 16) << q;
  }
  // A window: the second half of the values alone.
  Histogram first = h;
  host::LiveHistogram more;
  for (uint64_t v : values) more.record(v);
  for (int i = 0; i < 1000; ++i) more.record(5'000'000);  // 5 ms
  Histogram window = more.read().minus(first);
  EXPECT_EQ(window.count, 1000u);
  EXPECT_NEAR(static_cast<double>(window.percentile(0.5)), 5e6, 5e6 / 16);
}

// One plugin on one engine with a simulated clock, for many requests in a row.
struct Bench {
  host::SimulatedDispatcher dispatcher;
  host::MockCalloutClient callouts{dispatcher};
  host::HostEnv env{dispatcher, callouts};
  host::FilterChain chain{env};

  Bench(const std::string& engine, std::vector<uint8_t> wasm, const std::string& name) {
    host::PluginConfig config;
    config.name = name;
    config.engine = engine;
    auto plugin = host::Plugin::create(env, config, std::move(wasm));
    if (!plugin) throw std::runtime_error(plugin.error().message);
    chain.add(std::move(*plugin));
  }
  host::RunReport send(const std::string& path = "/abc") {
    host::RequestSpec request;
    request.path = path;
    request.headers = {{"host", "example.com"}};
    return host::run_request(chain, dispatcher, request, {});
  }
  host::PluginPerfSnapshot read() {
    auto all = env.perf().read(env.elapsed_ns());
    EXPECT_EQ(all.size(), 1u);
    return all.at(0);
  }
};

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class PerfCounters : public ::testing::TestWithParam<std::string> {};

TEST_P(PerfCounters, AddHeaderRequestsLandInTheCounters) {
  PWPLAY_REQUIRE_SAMPLE("add_header", GetParam());
  Bench bench(GetParam(), read_file(sample_for("add_header", GetParam())), "add_header");
  for (int i = 0; i < 40; ++i) ASSERT_TRUE(bench.send().response);
  host::PluginPerfSnapshot s = bench.read();
  EXPECT_EQ(s.plugin, "add_header");
  EXPECT_EQ(s.engine, GetParam());
  EXPECT_EQ(s.requests, 40u);
  EXPECT_EQ(s.filter_ns.count, 40u);
  EXPECT_GT(s.filter_ns.percentile(0.5), 0u);
  // Every stream ran its headers callbacks once; the root context's start-up ran once.
  auto callback = [&](host::Callback c) { return s.callbacks[static_cast<size_t>(c)].count; };
  EXPECT_EQ(callback(host::Callback::OnRequestHeaders), 40u);
  EXPECT_EQ(callback(host::Callback::OnResponseHeaders), 40u);
  EXPECT_EQ(callback(host::Callback::OnConfigure), 1u);
  // Its host calls: the added headers cross VM -> host, counted per function and per request.
  uint64_t add_calls = 0, add_bytes_out = 0, all_calls = 0;
  for (size_t i = 0; i < s.host_calls.size(); ++i) {
    all_calls += s.host_calls[i].calls;
    if (host::PluginPerfSnapshot::host_call_name(i) == "proxy_add_header_map_value") {
      add_calls = s.host_calls[i].calls;
      add_bytes_out = s.host_calls[i].bytes_out;
    }
  }
  EXPECT_GE(add_calls, 80u);  // request and response header
  EXPECT_GT(add_bytes_out, 0u);
  EXPECT_GE(all_calls, s.totals.host_calls);
  EXPECT_GE(s.totals.host_calls, 80u);
  EXPECT_GT(s.totals.bytes_out, 0u);
  EXPECT_LE(s.totals.min_bytes_out, s.totals.bytes_out);
  // One load, timed; memory as the VM has it.
  ASSERT_EQ(s.loads.size(), 1u);
  EXPECT_TRUE(s.loads[0].ok);
  EXPECT_GT(s.loads[0].compile_ns + s.loads[0].instantiate_ns + s.loads[0].startup_ns, 0u);
  EXPECT_EQ(s.memory_bytes, bench.chain.plugin(0).vm().memory().size());
  // WABT counts the instructions each request ran (add_header: about 3,000); others cannot.
  EXPECT_EQ(s.counts_instructions, GetParam() == "wabt");
  if (GetParam() == "wabt") {
    EXPECT_GT(s.totals.instructions, 40u * 1000);
  } else {
    EXPECT_EQ(s.totals.instructions, 0u);
  }
  EXPECT_GE(s.peak_memory_bytes, s.memory_bytes);
}

// Reads :path twice per request with the same call: twice the bytes cross, the minimum once.
constexpr std::string_view kReadsPathTwice = R"((module
  (import "env" "proxy_get_header_map_value"
    (func $get (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) ":path")
  (global $top (mut i32) (i32.const 4096))
  (func (export "malloc") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top (i32.add (local.get $p) (i32.and (i32.add (local.get $size) (i32.const 7))
                                                      (i32.const -8))))
    (if (i32.gt_u (global.get $top) (i32.shl (memory.size) (i32.const 16)))
      (then (drop (memory.grow (i32.const 1)))))
    (local.get $p))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $get (i32.const 0) (i32.const 16) (i32.const 5) (i32.const 64) (i32.const 68)))
    (drop (call $get (i32.const 0) (i32.const 16) (i32.const 5) (i32.const 64) (i32.const 68)))
    (i32.const 0))))";

TEST_P(PerfCounters, RepeatedReadsCostTwiceTheAbiMinimum) {
  if (GetParam() == "native") GTEST_SKIP() << "a WAT module";
  Bench bench(GetParam(), test::wat_to_wasm(kReadsPathTwice), "reads_path");
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(bench.send("/abcdef").response);  // 7 bytes
  host::PluginPerfSnapshot s = bench.read();
  EXPECT_EQ(s.requests, 20u);
  EXPECT_EQ(s.totals.bytes_in, 20u * 2 * 7);
  EXPECT_EQ(s.totals.min_bytes_in, 20u * 7);
  EXPECT_EQ(s.totals.copies_in, 40u);
  EXPECT_EQ(s.totals.allocations, 40u);
  EXPECT_EQ(s.allocations, 40u);
  EXPECT_EQ(s.totals.host_calls, 40u);
  // The bump allocator never frees: 8 bytes a read from 4096 fill the first page after 7,680
  // reads; the growth is seen after the callback that made it.
  for (int i = 0; i < 3900; ++i) bench.send("/abcdef");
  s = bench.read();
  ASSERT_FALSE(s.growth.empty());
  EXPECT_EQ(s.growth.back().callback, "proxy_on_request_headers");
  EXPECT_EQ(s.growth.back().to_bytes, 2u * 65536);
  EXPECT_EQ(s.memory_bytes, 2u * 65536);
}

INSTANTIATE_TEST_SUITE_P(Engines, PerfCounters, ::testing::ValuesIn(test::built_engines()),
                         [](const ::testing::TestParamInfo<std::string>& engine) {
                           return engine.param;
                         });

host::PluginPerfSnapshot reading(uint64_t at_s, uint64_t requests, uint64_t latency_ns,
                                 uint64_t memory) {
  host::PluginPerfSnapshot s;
  s.plugin = "f";
  s.engine = "v8";
  s.taken_ns = at_s * 1'000'000'000ull;
  s.requests = requests;
  host::LiveHistogram live;
  for (uint64_t i = 0; i < requests; ++i) live.record(latency_ns);
  s.filter_ns = live.read();
  s.totals.host_calls = requests * 3;
  s.totals.bytes_in = requests * 100;
  s.memory_bytes = memory;
  return s;
}

TEST(PerfModel, WindowsSubtractTheReadingAtTheirStart) {
  debugger::PerfModel model;
  model.sample({reading(0, 0, 0, 65536)});
  model.sample({reading(50, 500, 1000, 65536)});
  model.sample({reading(55, 600, 1000, 131072)});
  model.sample({reading(65, 1600, 1000, 131072)});
  auto last10 = model.view(debugger::PerfWindow::Last10s);
  ASSERT_EQ(last10.size(), 1u);
  EXPECT_EQ(last10[0].requests, 1000u);  // 55 s .. 65 s
  EXPECT_DOUBLE_EQ(last10[0].seconds, 10.0);
  EXPECT_DOUBLE_EQ(last10[0].requests_per_s, 100.0);
  EXPECT_DOUBLE_EQ(last10[0].host_calls_per_request, 3.0);
  EXPECT_DOUBLE_EQ(last10[0].bytes_in_per_request, 100.0);
  auto last60 = model.view(debugger::PerfWindow::Last60s);
  EXPECT_EQ(last60[0].requests, 1600u);  // from the 0 s reading, 65 s before
  auto all = model.view(debugger::PerfWindow::SinceReset);
  EXPECT_EQ(all[0].requests, 1600u);
  model.reset();
  model.sample({reading(66, 1700, 1000, 131072)});
  all = model.view(debugger::PerfWindow::SinceReset);
  EXPECT_EQ(all[0].requests, 100u);
  EXPECT_DOUBLE_EQ(all[0].seconds, 1.0);
  // Series: one point per reading, requests/s between readings.
  auto series = model.series();
  ASSERT_EQ(series.size(), 1u);
  ASSERT_EQ(series[0].requests_per_s.size(), 5u);
  EXPECT_DOUBLE_EQ(series[0].requests_per_s[3], 100.0);
  EXPECT_DOUBLE_EQ(series[0].memory_bytes[2], 131072.0);
  EXPECT_EQ(debugger::parse_perf_window("60s"), debugger::PerfWindow::Last60s);
  EXPECT_FALSE(debugger::parse_perf_window("5m"));
}

TEST(LeakCheck, VerdictsFromMemorySamples) {
  constexpr uint64_t kPage = 65536;
  std::vector<debugger::LeakSample> steady, flat, once;
  for (uint64_t r = 0; r <= 10000; r += 500) {
    steady.push_back({r, 2 * kPage + (r / 2000) * kPage});  // a page every 2000 requests
    flat.push_back({r, r < 1000 ? kPage : 3 * kPage});      // grows in the warm-up only
    once.push_back({r, r < 3000 ? 2 * kPage : 3 * kPage});  // one late arena
  }
  std::vector<host::MemoryGrowth> growth = {
      {1, kPage, 2 * kPage, 10, "proxy_on_vm_start"},
      {2, 2 * kPage, 3 * kPage, 2000, "proxy_on_request_headers"},
      {3, 3 * kPage, 4 * kPage, 4000, "proxy_on_request_headers"}};
  auto leak = debugger::judge_leak(steady, 1000, growth);
  EXPECT_TRUE(leak.leak) << leak.reason;
  EXPECT_STREQ(debugger::verdict_name(leak), "leak");
  EXPECT_EQ(leak.after_warmup_requests, 9000u);
  EXPECT_EQ(leak.growth_bytes, 5 * kPage);  // 2 pages at 1000 .. 7 pages at 10000
  EXPECT_NEAR(leak.growth_bytes_per_1000_requests, 5.0 * kPage * 1000 / 9000, 1e-6);
  EXPECT_EQ(leak.callback, "proxy_on_request_headers");
  auto none = debugger::judge_leak(flat, 1000);
  EXPECT_FALSE(none.leak) << none.reason;
  EXPECT_EQ(none.growth_bytes, 0u);
  EXPECT_STREQ(debugger::verdict_name(none), "no leak");
  auto arena = debugger::judge_leak(once, 1000);
  EXPECT_FALSE(arena.leak) << arena.reason;
  EXPECT_EQ(arena.growth_bytes, kPage);
  EXPECT_FALSE(debugger::judge_leak({{0, kPage}, {100, kPage}}, 1000).leak);
}

}  // namespace
}  // namespace pwplay::testing
