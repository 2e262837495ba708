// The two leak-hunting samples on each wasm engine: leaky_headers keeps every request's headers
// in a global list, tidy_headers frees its copy when the stream ends. Requests run through a
// local one-plugin chain on the simulated dispatcher, and the plugin's linear memory is read
// through the host (Vm::memory()) before and after a batch of requests, and sampled for the leak
// check's verdict.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "debugger/formats/request_file.h"
#include "debugger/leak_check.h"
#include "host/environment.h"
#include "host/filter_chain.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "support/engines.h"
#include "support/vm_types.h"

namespace pwplay::host {
namespace {

using vm_types::kPage;
// Requests before the first measurement: the allocator and the module's tables settle.
constexpr int kWarmup = 500;
constexpr int kMeasured = 5000;

std::vector<uint8_t> read_file(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(file)), {});
}

std::string header(const abi::HeaderPairs& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return "";
}

// One sample behind a local chain, as `pwplay run` drives it, kept across requests.
class SampleChain {
 public:
  SampleChain(const std::string& sample, const std::string& engine) {
    PluginConfig config;
    config.name = sample;
    config.engine = engine;
    auto plugin = Plugin::create(
        env_, config, read_file(std::string(PWPLAY_SAMPLES_DIR) + "/" + sample + ".wasm"));
    if (!plugin) {
      error_ = plugin.error().message;
      return;
    }
    plugin_ = plugin->get();
    chain_.add(std::move(*plugin));
    auto request =
        debugger::load_request_file(std::string(PWPLAY_SOURCE_DIR) + "/samples/requests/get.json");
    if (!request) {
      error_ = request.error().message;
      return;
    }
    request_ = request->request;
  }

  const std::string& error() const { return error_; }

  RunReport send() { return run_request(chain_, dispatcher_, request_, UpstreamSpec{}); }

  // Sends `count` requests; false (with a test failure) when one did not complete normally.
  bool send(int count) {
    for (int i = 0; i < count; ++i) {
      RunReport report = send();
      if (!report.response || report.response->status != 200 || !report.failed_plugins.empty()) {
        ADD_FAILURE() << "request " << i + 1 << " did not get through the filter";
        return false;
      }
    }
    return true;
  }

  size_t memory_bytes() { return plugin_->vm().memory().size(); }

 private:
  SimulatedDispatcher dispatcher_;
  MockCalloutClient callouts_{dispatcher_};
  HostEnv env_{dispatcher_, callouts_};
  FilterChain chain_{env_};
  Plugin* plugin_ = nullptr;
  RequestSpec request_;
  std::string error_;
};

class LeakSamplesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(LeakSamplesTest, LeakyCountsTheRequestsItKeeps) {
  SampleChain chain("leaky_headers", GetParam());
  ASSERT_EQ(chain.error(), "");
  for (int i = 1; i <= 3; ++i) {
    RunReport report = chain.send();
    ASSERT_TRUE(report.upstream_request) << "request " << i << " did not reach the upstream";
    EXPECT_EQ(header(report.upstream_request->headers, "x-kept-requests"), std::to_string(i));
    EXPECT_EQ(header(report.upstream_request->headers, "user-agent"), "curl/7.88");
  }
}

TEST_P(LeakSamplesTest, TidyCountsTheRequestHeaders) {
  SampleChain chain("tidy_headers", GetParam());
  ASSERT_EQ(chain.error(), "");
  for (int i = 0; i < 2; ++i) {
    RunReport report = chain.send();
    ASSERT_TRUE(report.response);
    EXPECT_EQ(report.response->status, 200u);
    // :method, :path, :authority (get.json's host) and :scheme, then user-agent and accept.
    EXPECT_EQ(header(report.response->headers, "x-header-count"), "6");
    ASSERT_TRUE(report.upstream_request);
    EXPECT_EQ(header(report.upstream_request->headers, "x-header-count"), "");
  }
}

TEST_P(LeakSamplesTest, LeakyGrowsLinearMemoryWithTheRequestCount) {
  SampleChain chain("leaky_headers", GetParam());
  ASSERT_EQ(chain.error(), "");
  ASSERT_TRUE(chain.send(kWarmup));
  const size_t before = chain.memory_bytes();
  ASSERT_TRUE(chain.send(kMeasured));
  const size_t after = chain.memory_bytes();
  EXPECT_GE(after, before + kPage) << "linear memory went from " << before << " to " << after
                                   << " bytes over " << kMeasured << " requests";
}

TEST_P(LeakSamplesTest, TidyStopsGrowingAfterWarmup) {
  SampleChain chain("tidy_headers", GetParam());
  ASSERT_EQ(chain.error(), "");
  ASSERT_TRUE(chain.send(kWarmup));
  const size_t before = chain.memory_bytes();
  ASSERT_TRUE(chain.send(kMeasured));
  EXPECT_EQ(chain.memory_bytes(), before) << "linear memory grew over " << kMeasured << " requests";
}

// The samples through the leak check's judgement (debugger/leak_check.h), sampled as the bench
// samples: memory after every 250 requests.
debugger::LeakVerdict judge(const std::string& sample, const std::string& engine) {
  SampleChain chain(sample, engine);
  EXPECT_EQ(chain.error(), "");
  std::vector<debugger::LeakSample> samples;
  constexpr int kEvery = 250;
  for (int sent = 0; sent <= kWarmup + kMeasured; sent += kEvery) {
    if (sent > 0 && !chain.send(kEvery)) break;
    samples.push_back({static_cast<uint64_t>(sent), chain.memory_bytes()});
  }
  return debugger::judge_leak(samples, kWarmup);
}

TEST_P(LeakSamplesTest, LeakCheckVerdicts) {
  const debugger::LeakVerdict leaky = judge("leaky_headers", GetParam());
  EXPECT_STREQ(debugger::verdict_name(leaky), "leak") << leaky.reason;
  EXPECT_EQ(leaky.after_warmup_requests, static_cast<uint64_t>(kMeasured));
  EXPECT_GE(leaky.growth_bytes, kPage);
  const debugger::LeakVerdict tidy = judge("tidy_headers", GetParam());
  EXPECT_STREQ(debugger::verdict_name(tidy), "no leak") << tidy.reason;
  EXPECT_EQ(tidy.growth_bytes, 0u);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(LeakSamplesTest);
INSTANTIATE_TEST_SUITE_P(Engines, LeakSamplesTest, ::testing::ValuesIn(test::built_wasm_engines()),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace pwplay::host
