// End-to-end tests of the VM limits through `pwplay run`: each fails when the limit is ignored
// (the filters report what they got, rather than trapping either way).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "hostile/hostile_support.h"
#include "support/cli.h"
#include "support/wat.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

std::string module_file(const std::string& name, const hostile::FilterWat& wat) {
  const std::vector<uint8_t> wasm = test::wat_to_wasm(wat.text());
  return write_temp_file(name, std::string(wasm.begin(), wasm.end()));
}

json run_json(std::vector<std::string> args,
              const std::string& request = request_file("get.json")) {
  args.insert(args.begin(), "run");
  args.push_back("--request");
  args.push_back(request);
  args.push_back("--json");
  CommandResult result = run_pwplay(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  try {
    return json::parse(result.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "output is not JSON: " << e.what() << "\n" << result.out << result.err;
    return json::object();
  }
}

std::string header(const json& headers, const std::string& name) {
  for (const auto& pair : headers)
    if (pair[0] == name) return pair[1].get<std::string>();
  return "<absent>";
}

// Grows memory a page at a time, at most 64 times; reports the pages reached in x-result and
// the last memory.grow result in x-status.
std::string grow_filter() {
  hostile::FilterWat wat;
  wat.body = R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (local $r i32) (local $n i32)
    (block $done
      (loop $more
        (local.set $r (memory.grow (i32.const 1)))
        (br_if $done (i32.eq (local.get $r) (i32.const -1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const 64)))))
    (call $report (i32.const 32) (i32.const 8) (memory.size))
    (call $report (i32.const 48) (i32.const 8) (local.get $r))
    (i32.const 0)))";
  return module_file("grow.wasm", wat);
}

TEST(LimitsCli, MaxMemoryPagesMakesMemoryGrowFailInsideTheFilter) {
  const std::string filter = grow_filter();
  for (const char* engine : {"v8", "wabt"}) {
    SCOPED_TRACE(engine);
    json limited = run_json({filter, "--engine", engine, "--max-memory-pages", "4"});
    EXPECT_EQ(limited["response"]["status"], 200);
    EXPECT_EQ(header(limited["upstream_request"]["headers"], "x-result"), "4");
    EXPECT_EQ(header(limited["upstream_request"]["headers"], "x-status"), "-1");
    EXPECT_TRUE(limited["failure"].is_null());
    // Without the limit the same filter gets all 64 pages it asks for.
    json unlimited = run_json({filter, "--engine", engine});
    EXPECT_EQ(header(unlimited["upstream_request"]["headers"], "x-result"), "66");
  }
}

TEST(LimitsCli, OutOfRangeLimitsAreErrors) {
  const std::string filter = grow_filter();
  struct Case {
    std::vector<std::string> flags;
    std::string message;
  };
  const Case cases[] = {
      {{"--max-memory-pages", "0"}, "must be at least 1 page (got 0)"},
      {{"--max-memory-pages", "65537"}, "must be at most 65536 pages (4 GiB) (got 65537)"},
      {{"--budget-ms", "0"}, "must be at least 1 ms (got 0)"},
      {{"--engine-flag=--no-such-v8-flag"}, "engine flag --no-such-v8-flag not recognized by v8"},
      {{"--engine-flag=--help"}, "engine flag --help not recognized by v8"},
      {{"--engine", "wabt", "--engine-flag=--liftoff-only"},
       "engine flag --liftoff-only not recognized by wabt"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"run", filter, "--request", request_file("get.json")};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    SCOPED_TRACE(args.back());
    CommandResult result = run_pwplay(args);
    EXPECT_NE(result.exit_code, 0);
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err << result.out;
  }
  // The largest limit and a flag V8 knows are accepted.
  json accepted = run_json({filter, "--max-memory-pages", "65536", "--engine-flag=--no-liftoff"});
  EXPECT_EQ(accepted["response"]["status"], 200);
}

TEST(LimitsCli, TrapInCalloutResponseAnswers503InsteadOfHanging) {
  hostile::FilterWat wat;
  wat.body = R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $http_call (i32.const 96) (i32.const 3) (i32.const 112) (i32.const )" +
             std::to_string(hostile::callout_headers_size()) + R"()
                           (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 0)
                           (i32.const 1000) (i32.const 524)))
    (i32.const 1))
  (func (export "proxy_on_http_call_response") (param i32 i32 i32 i32 i32) (unreachable)))";
  const std::string filter = module_file("callout_trap.wasm", wat);
  const std::string request = write_temp_file(
      "callout.json", R"({"method":"GET","path":"/","callouts":{"svc":{"status":200}}})");
  json closed = run_json({filter}, request);
  EXPECT_EQ(closed["response"]["status"], 503);
  ASSERT_TRUE(closed["failure"].is_object());
  EXPECT_NE(closed["failure"].dump().find("proxy_on_http_call_response"), std::string::npos);
  json open = run_json({filter, "--fail-open"}, request);
  EXPECT_EQ(open["response"]["status"], 200);
  EXPECT_TRUE(open["upstream_request"].is_object());
}

}  // namespace
}  // namespace pwplay::testing
