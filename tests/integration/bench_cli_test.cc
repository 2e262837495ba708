// End-to-end tests of `pwplay bench`: the JSON object's shape and values on every built engine,
// the proxy path reaching the upstream, the table, bad input, and the leak verdicts.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/engines.h"
#include "support/wat.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

json bench_json(const std::vector<std::string>& args, CommandResult* raw = nullptr) {
  SCOPED_TRACE(::testing::PrintToString(args));
  std::vector<std::string> full = {"bench"};
  full.insert(full.end(), args.begin(), args.end());
  full.push_back("--json");
  CommandResult result = run_pwplay(full);
  if (raw) *raw = result;
  EXPECT_EQ(result.exit_code, 0) << result.err;
  try {
    return json::parse(result.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "output is not JSON: " << e.what() << "\n" << result.out << "\n" << result.err;
    return json::object();
  }
}

const json* engine_entry(const json& out, const std::string& engine) {
  if (!out.contains("engines")) return nullptr;
  for (const auto& entry : out["engines"])
    if (entry.value("engine", "") == engine) return &entry;
  return nullptr;
}

// Checks one engine's object: every field the issue names, with values a real run gives.
void expect_engine_figures(const json& entry, uint64_t requests) {
  SCOPED_TRACE(entry.dump());
  EXPECT_EQ(entry["requests"], requests);
  EXPECT_GT(entry["requests_per_s"].get<double>(), 0);
  EXPECT_GT(entry["filter_us"]["p50"].get<double>(), 0);
  EXPECT_GE(entry["filter_us"]["p99"].get<double>(), entry["filter_us"]["p50"].get<double>());
  ASSERT_TRUE(entry["callbacks"].contains("proxy_on_request_headers"));
  const json& headers = entry["callbacks"]["proxy_on_request_headers"];
  EXPECT_GT(headers["p50_us"].get<double>(), 0);
  EXPECT_GE(headers["p99_us"].get<double>(), headers["p50_us"].get<double>());
  EXPECT_EQ(headers["calls"], requests);
  EXPECT_GT(entry["host_calls_per_request"].get<double>(), 0);
  // add_header sends its header names and values to the host.
  EXPECT_GT(entry["bytes_copied_per_request"]["vm_to_host"].get<double>(), 0);
  EXPECT_TRUE(entry["bytes_copied_per_request"]["host_to_vm"].is_number());
  EXPECT_LE(entry["abi_minimum_bytes_per_request"]["vm_to_host"].get<double>(),
            entry["bytes_copied_per_request"]["vm_to_host"].get<double>());
  EXPECT_TRUE(entry["peak_memory_bytes"].is_number_unsigned());
  EXPECT_TRUE(entry.contains("ratio_to_native"));
}

TEST(BenchCli, JsonOnAddHeaderForEveryBuiltEngine) {
  constexpr uint64_t kRequests = 300;
  CommandResult raw;
  json out = bench_json({sample("add_header"), "--request", request_file("get.json"), "--requests",
                         std::to_string(kRequests)},
                        &raw);
  EXPECT_EQ(out["filter"], sample("add_header"));
  EXPECT_EQ(out["requests"], kRequests);
  ASSERT_TRUE(out["engines"].is_array());
  // Every built engine ran: the native one finds samples/native/add_header.so.
  EXPECT_EQ(out["engines"].size(), test::built_engines().size()) << out.dump(2);
  const bool native = test::engine_built("native");
  for (const std::string& engine : test::built_engines()) {
    SCOPED_TRACE(engine);
    const json* entry = engine_entry(out, engine);
    ASSERT_NE(entry, nullptr) << out.dump(2);
    expect_engine_figures(*entry, kRequests);
    EXPECT_EQ((*entry)["upstream_requests"], kRequests);
    if (native) {
      ASSERT_TRUE((*entry)["ratio_to_native"].is_number()) << entry->dump();
      EXPECT_GT((*entry)["ratio_to_native"].get<double>(), 0);
    } else {
      EXPECT_TRUE((*entry)["ratio_to_native"].is_null());
    }
  }
  if (native) {
    EXPECT_DOUBLE_EQ((*engine_entry(out, "native"))["ratio_to_native"], 1.0);
  }
  // Only engines that count wasm instructions report them; V8 does not.
  if (const json* v8 = engine_entry(out, "v8")) {
    EXPECT_FALSE(v8->contains("instructions_per_request"));
  }
}

TEST(BenchCli, RatioToNativeIsNullWithoutNative) {
  const std::string engine =
      test::built_wasm_engines().empty() ? "" : test::built_wasm_engines()[0];
  if (engine.empty()) GTEST_SKIP() << "no wasm engine built";
  // A copy of add_header with no shared object next to it: native is skipped with a note.
  const std::string copy = write_temp_file("lonely_add_header.wasm", "");
  std::filesystem::copy_file(sample("add_header"), copy,
                             std::filesystem::copy_options::overwrite_existing);
  CommandResult raw;
  json out = bench_json({copy, "--request", request_file("get.json"), "--requests", "50"}, &raw);
  ASSERT_EQ(out["engines"].size(), test::built_wasm_engines().size()) << out.dump(2);
  for (const auto& entry : out["engines"]) {
    EXPECT_NE(entry["engine"], "native");
    EXPECT_TRUE(entry["ratio_to_native"].is_null()) << entry.dump();
  }
  if (test::engine_built("native")) {
    ASSERT_EQ(out["skipped"].size(), 1u);
    EXPECT_EQ(out["skipped"][0]["engine"], "native");
    EXPECT_NE(raw.err.find("skipping native"), std::string::npos) << raw.err;
  }
}

TEST(BenchCli, ViaProxyReachesTheUpstreamEveryTime) {
  PWPLAY_REQUIRE_ENGINE("v8");
  constexpr uint64_t kRequests = 200;
  json out =
      bench_json({sample("add_header"), "--request", request_file("get.json"), "--engine", "v8",
                  "--requests", std::to_string(kRequests), "--via-proxy", "--concurrency", "4"});
  EXPECT_EQ(out["mode"], "proxy");
  EXPECT_EQ(out["concurrency"], 4);
  ASSERT_EQ(out["engines"].size(), 1u);
  const json& entry = out["engines"][0];
  expect_engine_figures(entry, kRequests);
  // The echo upstream answered every measured request.
  EXPECT_EQ(entry["upstream_requests"], kRequests);
}

// Pauses every request in its headers callback and never resumes it.
constexpr std::string_view kPausesForGoodWat = R"((module
  (memory (export "memory") 1)
  (func (export "malloc") (param i32) (result i32) (i32.const 1024))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32) (i32.const 1)))
)";

std::string wat_file(const std::string& name, std::string_view wat) {
  std::vector<uint8_t> wasm = test::wat_to_wasm(wat);
  return write_temp_file(name, std::string(wasm.begin(), wasm.end()));
}

TEST(BenchCli, ViaProxyFailsARequestTheFilterNeverLetsThrough) {
  PWPLAY_REQUIRE_ENGINE("v8");
  const std::string module = wat_file("pauses.wasm", kPausesForGoodWat);
  CommandResult result = run_pwplay({"bench", module, "--request", request_file("get.json"),
                                     "--engine", "v8", "--requests", "10", "--via-proxy"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("v8: warm-up: request failed: no response within 10 s"),
            std::string::npos)
      << result.err;
  // In process the stalled request is seen at once.
  result = run_pwplay({"bench", module, "--request", request_file("get.json"), "--engine", "v8",
                       "--requests", "10"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find("v8: warm-up request 1 failed: it never completed"), std::string::npos)
      << result.err;
}

TEST(BenchCli, PrintsTheTable) {
  const std::string engine = test::built_engines().at(0);
  CommandResult result =
      run_pwplay({"bench", sample_for("add_header", engine), "--request", request_file("get.json"),
                  "--engine", engine, "--requests", "100"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("100 requests per engine"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("requests/s"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("filter p50"), std::string::npos) << result.out;
  // One row for the engine.
  EXPECT_NE(result.out.find("\n" + engine + " "), std::string::npos) << result.out;
  // Not a terminal: plain progress lines, the last one at 100/100.
  EXPECT_NE(result.err.find(engine + ": 100/100 requests"), std::string::npos) << result.err;
}

TEST(BenchCli, BadInputIsNamed) {
  const std::string request = request_file("get.json");
  auto check = [](const std::vector<std::string>& args, int code, const std::string& needle) {
    SCOPED_TRACE(::testing::PrintToString(args));
    std::vector<std::string> full = {"bench"};
    full.insert(full.end(), args.begin(), args.end());
    CommandResult result = run_pwplay(full);
    EXPECT_EQ(result.exit_code, code) << result.err;
    EXPECT_NE(result.err.find(needle), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
  };
  check({"/nonexistent/filter.wasm", "--request", request}, 1,
        "/nonexistent/filter.wasm: no such file");
  const std::string text = write_temp_file("not_wasm.wasm", "hello");
  check({text, "--request", request}, 1, "not a wasm module");
  check({sample("add_header"), "--request", "/nonexistent/req.json"}, 1, "/nonexistent/req.json");
  const std::string bad_request = write_temp_file("bad_request.json", "{\"method\": 7}");
  check({sample("add_header"), "--request", bad_request}, 1, "bad_request.json");
  check({sample("add_header"), "--request", request, "--engine", "v9"}, 2, "unknown engine 'v9'");
  check({sample("add_header"), "--request", request, "--requests", "0"}, 2, "--requests");
  check({sample("add_header")}, 2, "--request");
  // A module that cannot start: exit 1 naming the engine.
  const std::string engine = test::built_wasm_engines().at(0);
  check({sample("no_abi"), "--request", request, "--engine", engine}, 1,
        engine + ": the filter did not load");
}

// A filter that keeps 200 bytes of every request in its heap (a bump allocator never frees), and
// one that keeps nothing.
constexpr std::string_view kLeakyWat = R"((module
  (memory (export "memory") 1)
  (global $top (mut i32) (i32.const 4096))
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $top))
    (global.set $top (i32.add (local.get $p) (i32.and (i32.add (local.get $size) (i32.const 7))
                                                      (i32.const -8))))
    (if (i32.gt_u (global.get $top) (i32.shl (memory.size) (i32.const 16)))
      (then (drop (memory.grow (i32.const 1)))))
    (local.get $p))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $malloc (i32.const 200)))
    (i32.const 0)))
)";

json leak_of(const std::string& module, const std::string& engine, uint64_t requests) {
  json out = bench_json({module, "--request", request_file("get.json"), "--engine", engine,
                         "--requests", std::to_string(requests), "--leak-check"});
  if (!out.contains("engines") || out["engines"].empty()) return json::object();
  return out["engines"][0].value("leak", json::object());
}

class BenchLeak : public ::testing::TestWithParam<std::string> {};

TEST_P(BenchLeak, AModuleThatKeepsEveryRequestLeaks) {
  json leak = leak_of(wat_file("leaky.wasm", kLeakyWat), GetParam(), 3000);
  SCOPED_TRACE(leak.dump());
  EXPECT_EQ(leak["verdict"], "leak");
  // 200 bytes per request: about 200,000 bytes per 1000 requests, in whole pages.
  EXPECT_GT(leak["growth_bytes_per_1000_requests"].get<double>(), 100000);
  EXPECT_LT(leak["growth_bytes_per_1000_requests"].get<double>(), 300000);
  EXPECT_EQ(leak["after_warmup_requests"], 2700);
  EXPECT_EQ(leak["callback"], "proxy_on_request_headers");
}

TEST_P(BenchLeak, LeakyHeadersSampleLeaksAndTidyHeadersDoesNot) {
  // From the sources, not the build: once the samples exist, a missing build fails the test.
  if (!std::filesystem::exists(std::string(PWPLAY_SOURCE_DIR) + "/samples/cpp/leaky_headers.cc"))
    GTEST_SKIP() << "this tree has no leaky_headers sample";
  json leaky = leak_of(sample("leaky_headers"), GetParam(), 3000);
  EXPECT_EQ(leaky["verdict"], "leak") << leaky.dump();
  EXPECT_GT(leaky["growth_bytes_per_1000_requests"].get<double>(), 0) << leaky.dump();
  json tidy = leak_of(sample("tidy_headers"), GetParam(), 3000);
  EXPECT_EQ(tidy["verdict"], "no leak") << tidy.dump();
  EXPECT_EQ(tidy["after_warmup_requests"], 2700) << tidy.dump();
}

TEST_P(BenchLeak, AddHeaderDoesNotLeakAndTheTextShowsTheVerdict) {
  CommandResult result =
      run_pwplay({"bench", sample("add_header"), "--request", request_file("get.json"), "--engine",
                  GetParam(), "--requests", "1000", "--leak-check"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("leak check on " + GetParam() + ": no leak"), std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("bytes per 1000 requests"), std::string::npos) << result.out;
}

TEST(BenchCli, LeakCheckOnNativeSaysItCannotSee) {
  PWPLAY_REQUIRE_ENGINE("native");
  json out = bench_json({sample("add_header"), "--request", request_file("get.json"), "--engine",
                         "native", "--requests", "200", "--leak-check"});
  ASSERT_EQ(out["engines"].size(), 1u) << out.dump(2);
  EXPECT_EQ(out["engines"][0]["engine"], "native");
  ASSERT_TRUE(out["engines"][0].contains("leak")) << out.dump(2);
  EXPECT_TRUE(out["engines"][0]["leak"].is_null()) << out.dump(2);
}

INSTANTIATE_TEST_SUITE_P(WasmEngines, BenchLeak, ::testing::ValuesIn(test::built_wasm_engines()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           return param.param;
                         });

}  // namespace
}  // namespace pwplay::testing
