// `pwplay serve --stats-every` and `--stats-json`: while requests flow through the real proxy,
// a line per interval on stdout and a JSON object per interval in the file, with the filter's
// counters (requests, latency, host calls, bytes copied, memory) from the host.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "support/cli.h"
#include "support/http_test_client.h"
#include "support/serve_process.h"
#include "support/session_support.h"

namespace pwplay::testing {
namespace {

std::vector<nlohmann::json> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

TEST(ServeStatsCli, EveryIntervalALineAndAJsonObjectWithTheFiltersCounters) {
  UniqueTempDir dir;
  const std::string stats = dir.file("stats.jsonl");
  ServeProcess serve;
  ASSERT_TRUE(serve.start({sample("add_header"), "--listen", "127.0.0.1:0", "--quiet",
                           "--stats-every", "0.5", "--stats-json", stats}))
      << serve.out() << serve.err();
  for (int i = 0; i < 30; ++i) {
    HttpResponse response = http_request(serve.port(), "GET", "/n" + std::to_string(i), {});
    ASSERT_TRUE(response.ok) << response.error;
    ASSERT_EQ(response.header("x-wasm-response"), "add-header");
  }
  // Two more intervals, so one of them has every request.
  ASSERT_TRUE(serve.wait_for_output("stats: ", std::chrono::seconds(10))) << serve.out();
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  EXPECT_EQ(serve.stop(SIGINT), 0) << serve.err();

  EXPECT_NE(serve.out().find("| add_header (v8): filter p50 "), std::string::npos) << serve.out();
  EXPECT_NE(serve.out().find("host calls/req"), std::string::npos) << serve.out();
  const std::vector<nlohmann::json> objects = read_lines(stats);
  ASSERT_GE(objects.size(), 2u);
  uint64_t requests = 0, filter_requests = 0;
  for (const nlohmann::json& object : objects) {
    for (const char* key : {"time", "interval_s", "requests", "requests_per_s", "plugins"})
      EXPECT_TRUE(object.contains(key)) << key << " in " << object;
    requests += object["requests"].get<uint64_t>();
    ASSERT_EQ(object["plugins"].size(), 1u);
    const nlohmann::json& plugin = object["plugins"][0];
    EXPECT_EQ(plugin["plugin"], "add_header");
    EXPECT_EQ(plugin["engine"], "v8");
    filter_requests += plugin["requests"].get<uint64_t>();
    if (plugin["requests"] == 0) continue;
    EXPECT_GT(plugin["filter_us"]["p99"].get<double>(), 0.0) << plugin;
    EXPECT_GE(plugin["filter_us"]["p99"].get<double>(), plugin["filter_us"]["p50"].get<double>());
    EXPECT_TRUE(plugin["callbacks"].contains("proxy_on_request_headers")) << plugin;
    // add_header adds a request and a response header: at least two host calls a request, and
    // what it writes crosses VM -> host.
    EXPECT_GE(plugin["host_calls_per_request"].get<double>(), 2.0) << plugin;
    EXPECT_GT(plugin["bytes_copied_per_request"]["vm_to_host"].get<double>(), 0.0) << plugin;
    EXPECT_GT(plugin["memory_bytes"].get<uint64_t>(), 0u);
    EXPECT_TRUE(object["proxy_us_per_request"].is_number()) << object;
  }
  EXPECT_EQ(requests, 30u);
  EXPECT_EQ(filter_requests, 30u);

  // Bad values are refused before the proxy starts.
  CommandResult tiny = run_pwplay({"serve", sample("add_header"), "--stats-every", "0.01"});
  EXPECT_EQ(tiny.exit_code, 2);
  EXPECT_NE(tiny.err.find("--stats-every"), std::string::npos) << tiny.err;
  CommandResult unwritable =
      run_pwplay({"serve", sample("add_header"), "--stats-json", dir.file("no/such/dir/s.jsonl")});
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_NE(unwritable.err.find("--stats-json"), std::string::npos) << unwritable.err;
}

}  // namespace
}  // namespace pwplay::testing
