// End-to-end tests of the VM and host limits through `pwplay run`, `serve`, `debug` and `test`:
// each fails when the limit is ignored (the filters report what they got, rather than trapping
// either way).
#include <gtest/gtest.h>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "hostile/hostile_support.h"
#include "support/cli.h"
#include "support/http_test_client.h"
#include "support/serve_process.h"
#include "support/wat.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

std::string module_file(const std::string& name, const hostile::FilterWat& wat) {
  const std::vector<uint8_t> wasm = test::wat_to_wasm(wat.text());
  return write_temp_file(name, std::string(wasm.begin(), wasm.end()));
}

// `pwplay run ARGS --request REQUEST --json`.
json run_with_request(std::vector<std::string> args,
                      const std::string& request = request_file("get.json")) {
  args.push_back("--request");
  args.push_back(request);
  return run_json(args);
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
    json limited = run_with_request({filter, "--engine", engine, "--max-memory-pages", "4"});
    EXPECT_EQ(limited["response"]["status"], 200);
    EXPECT_EQ(header(limited["upstream_request"]["headers"], "x-result"), "4");
    EXPECT_EQ(header(limited["upstream_request"]["headers"], "x-status"), "-1");
    EXPECT_TRUE(limited["failure"].is_null());
    // Without the limit the same filter gets all 64 pages it asks for.
    json unlimited = run_with_request({filter, "--engine", engine});
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
  json accepted =
      run_with_request({filter, "--max-memory-pages", "65536", "--engine-flag=--no-liftoff"});
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
  json closed = run_with_request({filter}, request);
  EXPECT_EQ(closed["response"]["status"], 503);
  ASSERT_TRUE(closed["failure"].is_object());
  EXPECT_NE(closed["failure"].dump().find("proxy_on_http_call_response"), std::string::npos);
  json open = run_with_request({filter, "--fail-open"}, request);
  EXPECT_EQ(open["response"]["status"], 200);
  EXPECT_TRUE(open["upstream_request"].is_object());
}

// --- The host limits (shared queues and data, header maps, the trace store) -------------------

// Fills `len` bytes at `addr` with 'a' (a header value must not hold NUL).
constexpr const char* kFill = R"(
  (func $fill (param $addr i32) (param $len i32)
    (block $done
      (loop $more
        (br_if $done (i32.eqz (local.get $len)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (i32.store8 (i32.add (local.get $addr) (local.get $len)) (i32.const 97))
        (br $more)))))";

// Registers queue "q" at configure, then enqueues the 1-byte item "x" up to 20 times per request;
// reports the items taken in x-result and the last status in x-status.
std::string queue_filter() {
  hostile::FilterWat wat;
  wat.body = R"(
  (func (export "proxy_on_configure") (param i32 i32) (result i32)
    (drop (call $register_queue (i32.const 256) (i32.const 1) (i32.const 528)))
    (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (local $s i32) (local $n i32)
    (block $done
      (loop $more
        (local.set $s (call $enqueue (i32.load (i32.const 528)) (i32.const 272) (i32.const 1)))
        (br_if $done (local.get $s))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const 20)))))
    (call $report (i32.const 32) (i32.const 8) (local.get $n))
    (call $report (i32.const 48) (i32.const 8) (local.get $s))
    (i32.const 0)))";
  return module_file("queue.wasm", wat);
}

// Sets shared data "x" to 2000 bytes; reports the status in x-status.
std::string shared_data_filter() {
  hostile::FilterWat wat;
  wat.body = std::string(kFill) + R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (call $fill (i32.const 16384) (i32.const 2000))
    (call $report (i32.const 48) (i32.const 8)
      (call $set_shared (i32.const 272) (i32.const 1) (i32.const 16384) (i32.const 2000)
                        (i32.const 0)))
    (i32.const 0)))";
  return module_file("shared.wasm", wat);
}

// Adds the request header x-result with a 2000-byte value; reports the status in x-status.
std::string big_header_filter() {
  hostile::FilterWat wat;
  wat.body = std::string(kFill) + R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (call $fill (i32.const 16384) (i32.const 2000))
    (call $report (i32.const 48) (i32.const 8)
      (call $add (i32.const 0) (i32.const 32) (i32.const 8) (i32.const 16384) (i32.const 2000)))
    (i32.const 0)))";
  return module_file("big_header.wasm", wat);
}

// Adds the request header "x: x" up to 30 times; reports how many went in in x-result.
std::string many_headers_filter() {
  hostile::FilterWat wat;
  wat.body = R"(
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (local $n i32)
    (block $done
      (loop $more
        (br_if $done
          (call $add (i32.const 0) (i32.const 272) (i32.const 1) (i32.const 272) (i32.const 1)))
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $more (i32.lt_u (local.get $n) (i32.const 30)))))
    (call $report (i32.const 32) (i32.const 8) (local.get $n))
    (i32.const 0)))";
  return module_file("many_headers.wasm", wat);
}

bool contains(const json& value, const std::string& text) {
  return value.dump().find(text) != std::string::npos;
}

size_t count_header(const json& headers, const std::string& name) {
  size_t count = 0;
  for (const auto& pair : headers)
    if (pair[0] == name) ++count;
  return count;
}

TEST(LimitsCli, QueueLimitsComeFromTheFlags) {
  const std::string filter = queue_filter();
  json unlimited = run_with_request({filter});
  EXPECT_EQ(header(unlimited["upstream_request"]["headers"], "x-result"), "20");
  EXPECT_EQ(header(unlimited["upstream_request"]["headers"], "x-status"), "0");
  EXPECT_FALSE(contains(unlimited["trace"], "queue full"));

  json items = run_with_request({filter, "--max-queue-items", "5"});
  EXPECT_EQ(items["response"]["status"], 200);
  EXPECT_EQ(header(items["upstream_request"]["headers"], "x-result"), "5");
  EXPECT_EQ(header(items["upstream_request"]["headers"], "x-status"), "10");  // INTERNAL_FAILURE
  EXPECT_TRUE(contains(items["trace"], "queue full: 5 items, the limit")) << items["trace"];

  json bytes = run_with_request({filter, "--max-queue-bytes", "3"});
  EXPECT_EQ(header(bytes["upstream_request"]["headers"], "x-result"), "3");
  EXPECT_EQ(header(bytes["upstream_request"]["headers"], "x-status"), "10");
  EXPECT_TRUE(contains(bytes["trace"], "queue full: 3 bytes queued, the limit is 3"))
      << bytes["trace"];
}

TEST(LimitsCli, SharedDataLimitComesFromTheFlag) {
  const std::string filter = shared_data_filter();
  json unlimited = run_with_request({filter});
  EXPECT_EQ(header(unlimited["upstream_request"]["headers"], "x-status"), "0");
  // 1K: 1024 bytes, less than the key and value's 2001.
  json limited = run_with_request({filter, "--max-shared-data-bytes", "1K"});
  EXPECT_EQ(header(limited["upstream_request"]["headers"], "x-status"), "2");  // BAD_ARGUMENT
  EXPECT_TRUE(contains(limited["trace"], "over the limit of 1024")) << limited["trace"];
  json enough = run_with_request({filter, "--max-shared-data-bytes", "2001"});
  EXPECT_EQ(header(enough["upstream_request"]["headers"], "x-status"), "0");
}

// body_rewrite buffers a body (StopIterationAndBuffer) until its end, so a body that arrives in
// chunks is held at the filter, as Envoy's buffer limit assumes. (Its response side is tested
// through the proxy: ProxyAbuse.ResponseBodyPastTheBufferLimitGets500.)
TEST(LimitsCli, BufferedRequestBodiesPastTheBufferLimitGet413) {
  const std::string filter = sample("body_rewrite");
  const std::string big_request = write_temp_file(
      "big.json", json({{"method", "POST"},
                        {"path", "/up"},
                        {"body_chunks", std::vector<std::string>(20, std::string(60000, 'b'))}})
                      .dump());
  // Envoy's default limit, 1 MiB: the request gets 413 (the filter upper-cases it on its way
  // back, as the local reply goes through the response callbacks) and never reaches the upstream.
  json refused = run_with_request({filter}, big_request);
  EXPECT_EQ(refused["response"]["status"], 413);
  EXPECT_EQ(refused["response"]["body"], "PAYLOAD TOO LARGE");
  EXPECT_TRUE(refused["upstream_request"].is_null());
  EXPECT_TRUE(contains(refused["trace"], "buffer_limit"));
  EXPECT_TRUE(contains(refused["trace"], "1048576"));
  // Raised, the same body goes through whole.
  json raised = run_with_request({filter, "--max-buffered-body-bytes", "2M"}, big_request);
  EXPECT_EQ(raised["response"]["status"], 200);
  EXPECT_TRUE(contains(raised["upstream_request"]["body"], std::string(1200000, 'b')));
  // Lowered, a small body is refused too.
  json lowered = run_with_request(
      {filter, "--max-buffered-body-bytes", "100K"},
      write_temp_file("small.json",
                      json({{"method", "POST"},
                            {"path", "/up"},
                            {"body_chunks", std::vector<std::string>(3, std::string(60000, 'b'))}})
                          .dump()));
  EXPECT_EQ(lowered["response"]["status"], 413);
}

// A response held behind its paused headers past the limit: nothing went out yet, so the client
// gets Envoy's 500 instead.
TEST(LimitsCli, AResponseHeldPastTheBufferLimitGets500) {
  hostile::FilterWat wat;
  wat.body = R"(
  (func (export "proxy_on_response_headers") (param i32 i32 i32) (result i32)
    (i32.const 1)))";
  const std::string filter = module_file("hold_response.wasm", wat);
  const std::string request = write_temp_file(
      "post.json",
      json({{"method", "POST"}, {"path", "/echo"}, {"body", std::string(150000, 'e')}}).dump());
  json failed = run_with_request({filter, "--max-buffered-body-bytes", "100K"}, request);
  EXPECT_EQ(failed["response"]["status"], 500);
  EXPECT_EQ(failed["response"]["body"], "Internal Server Error");
  EXPECT_TRUE(contains(failed, "response_payload_too_large"));
  // Under Envoy's default the echo (150 KB and its JSON) is only held, never refused; the
  // paused stream then stalls, as it would in Envoy, so `run` exits 3.
  CommandResult held = run_pwplay({"run", filter, "--request", request, "--json"});
  EXPECT_EQ(held.exit_code, 3) << held.err;
}

TEST(LimitsCli, HeaderMapLimitsComeFromTheFlags) {
  const std::string big = big_header_filter();
  json unlimited = run_with_request({big});
  EXPECT_EQ(header(unlimited["upstream_request"]["headers"], "x-status"), "0");
  EXPECT_EQ(header(unlimited["upstream_request"]["headers"], "x-result"), std::string(2000, 'a'));

  json value = run_with_request({big, "--max-header-value-bytes", "1k"});
  EXPECT_EQ(header(value["upstream_request"]["headers"], "x-status"), "2");  // BAD_ARGUMENT
  EXPECT_EQ(header(value["upstream_request"]["headers"], "x-result"), "<absent>");
  EXPECT_TRUE(contains(value["logs"], "proxy_add_header_map_value refused")) << value["logs"];
  EXPECT_TRUE(contains(value["logs"], "value of 2000 bytes is over the limit of 1024"))
      << value["logs"];

  json map = run_with_request({big, "--max-header-map-bytes", "1024"});
  EXPECT_EQ(header(map["upstream_request"]["headers"], "x-status"), "2");
  EXPECT_EQ(header(map["upstream_request"]["headers"], "x-result"), "<absent>");
  EXPECT_TRUE(contains(map["logs"], "bytes, over the limit of 1024")) << map["logs"];

  const std::string many = many_headers_filter();
  json all = run_with_request({many});
  EXPECT_EQ(header(all["upstream_request"]["headers"], "x-result"), "30");
  EXPECT_EQ(count_header(all["upstream_request"]["headers"], "x"), 30u);
  json pairs = run_with_request({many, "--max-header-pairs", "20"});
  EXPECT_EQ(pairs["response"]["status"], 200);
  const size_t added = count_header(pairs["upstream_request"]["headers"], "x");
  EXPECT_GT(added, 0u);
  EXPECT_LT(added, 30u);
  // The report is refused too: the map is full.
  EXPECT_EQ(header(pairs["upstream_request"]["headers"], "x-result"), "<absent>");
  EXPECT_TRUE(contains(pairs["logs"], "pairs, over the limit of 20")) << pairs["logs"];
}

TEST(LimitsCli, BadHostLimitValuesAreUsageErrors) {
  const std::string filter = queue_filter();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string request = request_file("get.json");
  const Case cases[] = {
      {{"run", filter, "--request", request, "--max-queue-items", "0"},
       "--max-queue-items: '0' is not a whole number from 1 to"},
      {{"run", filter, "--request", request, "--max-queue-bytes", "12Q"},
       "--max-queue-bytes: '12Q' is not a whole number from 1 to"},
      {{"run", filter, "--request", request, "--max-header-pairs", "2K"},
       "--max-header-pairs: '2K' is not a whole number from 1 to"},
      {{"run", filter, "--request", request, "--max-header-map-bytes", "-5"},
       "--max-header-map-bytes: '-5' is not a whole number from 1 to"},
      {{"run", filter, "--request", request, "--max-shared-data-bytes", "99999999G"},
       "--max-shared-data-bytes: '99999999G' is not a whole number from 1 to 1099511627776 "
       "(bytes; a K, M or G suffix"},
      {{"serve", filter, "--max-header-value-bytes", "none"},
       "--max-header-value-bytes: 'none' is not"},
      {{"debug", filter, "--trace-budget-mb", "0"}, "--trace-budget-mb: '0' is not"},
      {{"test", "--har", "x.har", "--filter", filter, "--max-queue-items", "x"},
       "--max-queue-items: 'x' is not"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    CommandResult result = run_pwplay(c.args, "quit\n");
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << result.err << result.out;
  }
  // `run` has no trace store to bound.
  CommandResult run = run_pwplay({"run", filter, "--request", request, "--trace-budget-mb", "1"});
  EXPECT_NE(run.exit_code, 0);
}

// One request through `pwplay serve ARGS`: the echo upstream's view of the request headers.
json serve_once(std::vector<std::string> args) {
  args.push_back("--listen");
  args.push_back("127.0.0.1:0");
  args.push_back("--quiet");
  ServeProcess serve;
  if (!serve.start(args)) {
    ADD_FAILURE() << "serve did not start: " << serve.out() << serve.err();
    return json::array();
  }
  HttpResponse response = http_request(serve.port(), "GET", "/");
  EXPECT_EQ(serve.stop(SIGINT), 0) << serve.err();
  EXPECT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200) << response.body;
  try {
    return json::parse(response.body)["headers"];
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the echo is not JSON: " << e.what() << "\n" << response.body;
    return json::array();
  }
}

TEST(LimitsCli, ServeTakesHostLimitsFromFlagsOrTheProxyConfig) {
  const std::string filter = queue_filter();
  EXPECT_EQ(header(serve_once({filter}), "x-result"), "20");
  EXPECT_EQ(header(serve_once({filter, "--max-queue-items", "5"}), "x-result"), "5");

  json config = {{"filters", {{{"vm_config", {{"code", {{"local", {{"filename", filter}}}}}}}}}},
                 {"limits", {{"max_queue_bytes", "3"}, {"max_header_pairs", 10000}}}};
  const std::string path = write_temp_file("limits.json", config.dump());
  json from_file = serve_once({"--proxy-config", path});
  EXPECT_EQ(header(from_file, "x-result"), "3");
  EXPECT_EQ(header(from_file, "x-status"), "10");
  // The flag wins over the file.
  EXPECT_EQ(header(serve_once({"--proxy-config", path, "--max-queue-bytes", "7"}), "x-result"),
            "7");

  json bad = {{"limits", {{"max_queue_items", 0}}}};
  CommandResult refused =
      run_pwplay({"serve", "--proxy-config", write_temp_file("bad.json", bad.dump())});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("limits.max_queue_items: '0' is not a whole number from 1 to"),
            std::string::npos)
      << refused.err;
  json unknown = {{"limits", {{"trace_budget_mb", 16}}}};
  refused =
      run_pwplay({"serve", "--proxy-config", write_temp_file("unknown.json", unknown.dump())});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("unknown field 'trace_budget_mb' (expected max_header_kb"),
            std::string::npos)
      << refused.err;
}

TEST(LimitsCli, DebugTakesHostLimitsAndTheTraceBudget) {
  const std::string filter = queue_filter();
  const std::string request = request_file("get.json");
  CommandResult limited = run_pwplay(
      {"debug", filter, "--request", request, "--max-queue-items", "4", "--trace-budget-mb", "3"},
      "send\ninfo trace\nquit\n");
  EXPECT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_NE(limited.out.find("of a 3072 KiB budget"), std::string::npos) << limited.out;
  CommandResult defaults =
      run_pwplay({"debug", filter, "--request", request}, "send\ninfo trace\nquit\n");
  EXPECT_EQ(defaults.exit_code, 0) << defaults.err;
  EXPECT_NE(defaults.out.find("of a 262144 KiB budget"), std::string::npos) << defaults.out;
  // The session's runs take the host limits: the queue holds 4.
  CommandResult queue = run_pwplay(
      {"debug", filter, "--request", request, "--max-queue-items", "4"}, "send\ndiff\nquit\n");
  EXPECT_EQ(queue.exit_code, 0) << queue.err;
  EXPECT_NE(queue.out.find("x-result: 4"), std::string::npos) << queue.out;
  EXPECT_NE(queue.out.find("x-status: 10"), std::string::npos) << queue.out;
  CommandResult all = run_pwplay({"debug", filter, "--request", request}, "send\ndiff\nquit\n");
  EXPECT_NE(all.out.find("x-result: 20"), std::string::npos) << all.out;
}

TEST(LimitsCli, TestRunsScenariosWithTheHostLimits) {
  const std::string filter = queue_filter();
  json scenarios = {{"filter", filter},
                    {"scenarios",
                     {{{"name", "queue"},
                       {"request", {{"method", "GET"}, {"path", "/"}}},
                       {"expect", {{"upstream_headers", {{"x-result", "5"}}}}}}}}};
  const std::string path = write_temp_file("queue.json", scenarios.dump());
  CommandResult limited = run_pwplay({"test", path, "--max-queue-items", "5"});
  EXPECT_EQ(limited.exit_code, 0) << limited.out << limited.err;
  EXPECT_NE(limited.out.find("PASS queue"), std::string::npos) << limited.out;
  CommandResult defaults = run_pwplay({"test", path});
  EXPECT_EQ(defaults.exit_code, 1) << defaults.out << defaults.err;
  EXPECT_NE(defaults.out.find("FAIL queue"), std::string::npos) << defaults.out;
}

}  // namespace
}  // namespace pwplay::testing
