// The sample filters over what one scenario (one request through a fresh plugin) cannot show:
// rate_limiter's bucket drained and refilled by its tick, memory_hog growing until the memory
// limit, shared_queue's producer and consumer as two plugins of one vm_id, and the samples that
// refuse to start (startup_failure, and bad configurations) as `pwplay run` reports them. Also
// checks that every request preset in assets/requests/ loads. The samples' own scenario files
// run as ctests (samples/cmake/scenario_tests.cmake).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "debugger/formats/request_file.h"
#include "host/abi_host.h"
#include "host/environment.h"
#include "host/filter_chain.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "support/cli.h"
#include "support/engines.h"

namespace pwplay::testing {
namespace {

namespace fs = std::filesystem;
using host::RunReport;

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), {});
}

std::string header_of(const abi::HeaderPairs& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return "<absent>";
}

// Plugins of the built samples in one local chain on the simulated dispatcher, kept across
// requests, with their logs collected.
class SampleChain {
 public:
  explicit SampleChain(std::string engine) : engine_(std::move(engine)) {
    env_.set_log_handler(
        [this](const host::LogRecord& record) { logs_.push_back(record.message); });
  }

  // Adds `sample` as a plugin; false (with a test failure) when it does not start.
  bool add(const std::string& sample, host::PluginConfig config) {
    config.name = config.name.empty() ? sample : config.name;
    config.engine = engine_;
    auto plugin =
        host::Plugin::create(env_, std::move(config), read_bytes(sample_for(sample, engine_)));
    if (!plugin) {
      ADD_FAILURE() << sample << " did not start: " << plugin.error().message;
      return false;
    }
    chain_.add(std::move(*plugin));
    return true;
  }

  RunReport send(const std::string& path = "/hello") {
    host::RequestSpec request;
    request.path = path;
    request.headers = {{"host", "example.com"}};
    return host::run_request(chain_, dispatcher_, request, host::UpstreamSpec{});
  }

  // Lets `ms` of simulated time pass: timers (ticks) due meanwhile run.
  void wait_ms(int ms) {
    dispatcher_.run_until([] { return false; }, std::chrono::milliseconds(ms));
  }

  bool logged(std::string_view part) const {
    for (const std::string& message : logs_)
      if (message.find(part) != std::string::npos) return true;
    return false;
  }
  std::string all_logs() const {
    std::string out;
    for (const std::string& message : logs_) out += "  " + message + "\n";
    return out;
  }

 private:
  std::string engine_;
  host::SimulatedDispatcher dispatcher_;
  host::MockCalloutClient callouts_{dispatcher_};
  host::HostEnv env_{dispatcher_, callouts_};
  host::FilterChain chain_{env_};
  std::vector<std::string> logs_;
};

std::string engine_name(const ::testing::TestParamInfo<std::string>& param_info) {
  return param_info.param;
}

// --- Every engine, the C++ samples natively too ----------------------------------------------

class SampleFiltersOnEngine : public ::testing::TestWithParam<std::string> {};

TEST_P(SampleFiltersOnEngine, RateLimiterDrainsTheBucketAndTheTickRefillsIt) {
  SampleChain chain(GetParam());
  host::PluginConfig config;
  config.configuration = R"({"capacity": 3, "refill": 1, "tick_ms": 1000})";
  ASSERT_TRUE(chain.add("rate_limiter", config));
  for (const char* left : {"2", "1", "0"}) {
    RunReport report = chain.send();
    ASSERT_TRUE(report.upstream_request) << "a request with tokens left was not let through";
    EXPECT_EQ(header_of(report.upstream_request->headers, "x-ratelimit-remaining"), left);
  }
  RunReport empty = chain.send();
  ASSERT_TRUE(empty.response);
  EXPECT_EQ(empty.response->status, 429u);
  EXPECT_FALSE(empty.upstream_request);
  EXPECT_EQ(header_of(empty.response->headers, "retry-after"), "1");

  chain.wait_ms(1000);  // one tick: one token
  RunReport refilled = chain.send();
  ASSERT_TRUE(refilled.upstream_request) << chain.all_logs();
  EXPECT_EQ(header_of(refilled.upstream_request->headers, "x-ratelimit-remaining"), "0");
  ASSERT_TRUE(chain.send().response);
  EXPECT_EQ(chain.send().response->status, 429u);

  chain.wait_ms(10000);  // ten ticks, but the bucket holds three
  for (int i = 0; i < 3; ++i) EXPECT_EQ(chain.send().response->status, 200u) << "request " << i;
  EXPECT_EQ(chain.send().response->status, 429u);
}

TEST_P(SampleFiltersOnEngine, SharedQueueConsumerGetsWhatTheProducerEnqueues) {
  SampleChain chain(GetParam());
  host::PluginConfig consumer;
  consumer.name = "queue_consumer";
  consumer.root_id = "consumer";
  consumer.vm_id = "shared_queue";
  host::PluginConfig producer = consumer;
  producer.name = "queue_producer";
  producer.root_id = "producer";
  ASSERT_TRUE(chain.add("shared_queue", consumer));
  ASSERT_TRUE(chain.add("shared_queue", producer));
  for (const char* path : {"/orders/1", "/orders/2"}) {
    RunReport report = chain.send(path);
    ASSERT_TRUE(report.upstream_request);
    EXPECT_EQ(header_of(report.upstream_request->headers, "x-queued"), "yes");
  }
  EXPECT_TRUE(chain.logged("shared_queue consumer: got 'GET /orders/1' (1 so far)"))
      << chain.all_logs();
  EXPECT_TRUE(chain.logged("shared_queue consumer: got 'GET /orders/2' (2 so far)"))
      << chain.all_logs();
}

TEST_P(SampleFiltersOnEngine, SharedQueueProducerInAnotherVmFindsNoQueue) {
  SampleChain chain(GetParam());
  host::PluginConfig consumer;
  consumer.root_id = "consumer";
  consumer.vm_id = "one_vm";
  host::PluginConfig producer;
  producer.name = "producer";
  producer.root_id = "producer";
  producer.vm_id = "another_vm";
  ASSERT_TRUE(chain.add("shared_queue", consumer));
  ASSERT_TRUE(chain.add("shared_queue", producer));
  RunReport report = chain.send();
  ASSERT_TRUE(report.upstream_request);
  EXPECT_EQ(header_of(report.upstream_request->headers, "x-queued"), "no");
  EXPECT_FALSE(chain.logged("shared_queue consumer: got")) << chain.all_logs();
}

INSTANTIATE_TEST_SUITE_P(Engines, SampleFiltersOnEngine, ::testing::ValuesIn(test::built_engines()),
                         engine_name);

// --- Wasm engines: the VM's memory limit ------------------------------------------------------

class SampleFiltersOnWasm : public ::testing::TestWithParam<std::string> {};

TEST_P(SampleFiltersOnWasm, MemoryHogGrowsUntilTheMemoryLimitStopsIt) {
  SampleChain chain(GetParam());
  host::PluginConfig config;
  config.configuration = "4";                // MiB per request
  config.vm_options.max_memory_pages = 320;  // 20 MiB
  ASSERT_TRUE(chain.add("memory_hog", config));
  int held = 0;
  RunReport report;
  for (int i = 0; i < 10; ++i) {
    report = chain.send();
    if (!report.failed_plugins.empty()) break;
    held += 4;
    ASSERT_TRUE(report.upstream_request);
    EXPECT_EQ(header_of(report.upstream_request->headers, "x-memory-held"),
              std::to_string(held) + " MiB");
  }
  EXPECT_GE(held, 8) << "the limit stopped it too early";
  EXPECT_LE(held, 20) << "it held more than the 20 MiB limit";
  ASSERT_FALSE(report.failed_plugins.empty()) << "ten requests of 4 MiB fit in 20 MiB";
  ASSERT_TRUE(report.response);
  EXPECT_EQ(report.response->status, 503u);
  EXPECT_TRUE(chain.logged("failed holding " + std::to_string(held) +
                           " MiB: the VM is at its memory limit; aborting"))
      << chain.all_logs();
}

INSTANTIATE_TEST_SUITE_P(Engines, SampleFiltersOnWasm,
                         ::testing::ValuesIn(test::built_wasm_engines()), engine_name);

// --- The command line -------------------------------------------------------------------------

std::string asset_request(const std::string& name) {
  return std::string(PWPLAY_SOURCE_DIR) + "/assets/requests/" + name;
}

bool logs_contain(const nlohmann::json& logs, const std::string& part) {
  for (const auto& record : logs)
    if (record.value("message", "").find(part) != std::string::npos) return true;
  return false;
}

TEST(SampleFiltersCli, SharedQueueRunsAsTwoPluginsFromItsEnvoyConfig) {
  PWPLAY_REQUIRE_ENGINE("v8");
  nlohmann::json run =
      run_json({"--envoy-config", std::string(PWPLAY_SAMPLES_DIR) + "/shared_queue.yaml",
                "--request", asset_request("shared_queue.json")});
  EXPECT_EQ(header(run["upstream_request"]["headers"], "x-queued"), "yes") << run.dump(2);
  EXPECT_TRUE(logs_contain(run["logs"], "shared_queue consumer: got 'GET /orders/42' (1 so far)"))
      << run["logs"].dump(2);
}

TEST(SampleFiltersCli, StartupFailureIsReportedWithItsPhaseAndLogs) {
  PWPLAY_REQUIRE_ENGINE("v8");
  nlohmann::json run =
      run_json({sample("startup_failure"), "--request", asset_request("startup_failure.json")}, 1);
  const nlohmann::json& startup = run["startup"];
  EXPECT_EQ(startup["ok"], false) << run.dump(2);
  EXPECT_EQ(startup["phase"], "proxy_on_configure");
  EXPECT_TRUE(logs_contain(startup["logs"], "startup_failure: proxy_on_vm_start ok"));
  EXPECT_TRUE(
      logs_contain(startup["logs"], "startup_failure: proxy_on_configure refuses: nothing to run"));
  EXPECT_FALSE(run.contains("upstream_request")) << "no request runs when start-up fails";
}

struct BadConfiguration {
  const char* sample;
  const char* configuration;
  const char* log;  // what the filter logs before refusing to start
};

class SampleFiltersBadConfiguration : public ::testing::TestWithParam<BadConfiguration> {};

TEST_P(SampleFiltersBadConfiguration, RefusesToStartAndLogsWhy) {
  PWPLAY_REQUIRE_ENGINE("v8");
  const BadConfiguration& bad = GetParam();
  nlohmann::json run = run_json(
      {sample(bad.sample), "--config", bad.configuration, "--request", request_file("get.json")},
      1);
  EXPECT_EQ(run["startup"]["ok"], false) << run.dump(2);
  EXPECT_EQ(run["startup"]["phase"], "proxy_on_configure");
  EXPECT_TRUE(logs_contain(run["startup"]["logs"], bad.log)) << run["startup"]["logs"].dump(2);
}

INSTANTIATE_TEST_SUITE_P(
    Samples, SampleFiltersBadConfiguration,
    ::testing::Values(
        BadConfiguration{"header_rules", R"({"request": {"add": )",
                         "header_rules: bad configuration: invalid JSON: expected a value at "
                         "byte 20"},
        BadConfiguration{"header_rules", R"({"request": {"add": {"x-a": 1}}})",
                         "header_rules: bad configuration: request.add.x-a: expected a string "
                         "value"},
        BadConfiguration{"header_rules", R"({"requests": {}})",
                         "header_rules: bad configuration: unknown field 'requests' (expected "
                         "request, response)"},
        BadConfiguration{"jwt", R"({"require": {"role": "admin"}})",
                         "jwt: bad configuration: 'secret' must be a non-empty string"},
        BadConfiguration{"rate_limiter", R"({"capacity": -1})",
                         "rate_limiter: bad configuration: 'capacity' must be a number from 0"},
        BadConfiguration{"rate_limiter", R"({"tick_ms": 0})",
                         "rate_limiter: bad configuration: 'tick_ms' must be at least 1"},
        BadConfiguration{"memory_hog", "lots",
                         "memory_hog: the configuration must be MiB per request, 1 to 4096"},
        BadConfiguration{"config_as", "request delete x-debug",
                         "config: bad configuration, line 1: expected add, replace or remove, "
                         "got 'delete'"}),
    [](const ::testing::TestParamInfo<BadConfiguration>& param_info) {
      return std::string(param_info.param.sample) + "_" + std::to_string(param_info.index);
    });

TEST(SampleFiltersPresets, EveryRequestPresetLoads) {
  const fs::path dir = fs::path(PWPLAY_SOURCE_DIR) / "assets" / "requests";
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    ++count;
    auto loaded = debugger::load_request_file(entry.path().string());
    EXPECT_TRUE(loaded) << entry.path() << ": " << (loaded ? "" : loaded.error().message);
  }
  EXPECT_GE(count, 20u) << "the presets are missing from " << dir;
}

}  // namespace
}  // namespace pwplay::testing
