// Callouts made during start-up (proxy_on_configure) are answered before the first request in
// every simulated run (run, the debugger session, debug --batch) and by the real cluster in
// serve: the deny_list samples (C++ and AssemblyScript) fetch their list that way and deny
// /admin with a local 403.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <ostream>
#include <thread>

#include "debugger/formats/request_file.h"
#include "debugger/session.h"
#include "support/cli.h"
#include "support/engines.h"
#include "support/http_test_client.h"
#include "support/serve_process.h"
#include "support/session_support.h"
#include "support/test_upstream.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

std::string logs_of(const json& out) {
  std::string all;
  for (const auto& log : out["logs"]) all += log["message"].get<std::string>() + "\n";
  return all;
}

struct Sample {
  std::string module;  // a built sample's name
  std::string engine;
};

void PrintTo(const Sample& sample_param, std::ostream* out) {
  *out << sample_param.module << " on " << sample_param.engine;
}

class StartupCallouts : public ::testing::TestWithParam<Sample> {
 protected:
  std::vector<std::string> filter_args() const {
    const Sample& s = GetParam();
    if (s.engine == "native")
      return {std::string(PWPLAY_SAMPLES_DIR) + "/native/" + s.module + ".so", "--engine",
              "native"};
    return {sample(s.module), "--engine", s.engine};
  }
};

TEST_P(StartupCallouts, RunAnswersTheStartupCalloutBeforeTheRequest) {
  std::vector<std::string> args = filter_args();
  args.insert(args.end(), {"--request", request_file("deny_list.json")});
  json out = run_json(args);
  ASSERT_TRUE(out.is_object());
  EXPECT_EQ(out["response"]["status"], 403) << out.dump(2);
  EXPECT_TRUE(out["upstream_request"].is_null());
  EXPECT_EQ(out["response"]["body"], "denied by deny_list\n");
  // The mock answers after its 150 ms delay; the request waited for it.
  EXPECT_DOUBLE_EQ(out["warmup"]["virtual_ms"].get<double>(), 150.0);
  EXPECT_EQ(out["warmup"]["pending_callouts"], 0);
  EXPECT_EQ(out["warmup"]["limit_reached"], false);
  const std::string logs = logs_of(out);
  EXPECT_NE(logs.find("deny_list: loaded 2 denied paths"), std::string::npos) << logs;
  // The order: the answer (a root callback) comes before the request's first callback.
  size_t answer = std::string::npos, request = std::string::npos;
  for (size_t i = 0; i < out["trace"].size(); ++i) {
    const json& event = out["trace"][i];
    if (event["kind"] != "callback" || event["phase"] != "enter") continue;
    if (event["name"] == "proxy_on_http_call_response" && answer == std::string::npos) answer = i;
    if (event["name"] == "proxy_on_request_headers" && request == std::string::npos) request = i;
  }
  ASSERT_NE(answer, std::string::npos) << out["trace"].dump(1);
  ASSERT_NE(request, std::string::npos);
  EXPECT_LT(answer, request);
}

TEST_P(StartupCallouts, WithoutWarmupTheRequestRunsBeforeTheRules) {
  std::vector<std::string> args = filter_args();
  args.insert(args.end(), {"--request", request_file("deny_list.json"), "--warmup-ms", "0"});
  json out = run_json(args);
  ASSERT_TRUE(out.is_object());
  EXPECT_EQ(out["response"]["status"], 200) << out.dump(2);
  EXPECT_EQ(out["warmup"]["virtual_ms"], 0.0);
  EXPECT_NE(logs_of(out).find("has not arrived yet; letting /admin?debug=1 through"),
            std::string::npos)
      << logs_of(out);
}

TEST_P(StartupCallouts, AWarmupLimitShorterThanTheCalloutIsReported) {
  std::vector<std::string> args = filter_args();
  args.insert(args.end(), {"--request", request_file("deny_list.json"), "--warmup-ms", "100"});
  json out = run_json(args);
  ASSERT_TRUE(out.is_object());
  EXPECT_EQ(out["response"]["status"], 200) << out.dump(2);
  EXPECT_EQ(out["warmup"]["limit_reached"], true);
  EXPECT_EQ(out["warmup"]["pending_callouts"], 1);
  EXPECT_DOUBLE_EQ(out["warmup"]["virtual_ms"].get<double>(), 100.0);

  std::vector<std::string> text_args = {"run"};
  text_args.insert(text_args.end(), args.begin(), args.end());
  CommandResult text = run_pwplay(text_args);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("!! start-up work unfinished after the warm-up (100 ms, --warmup-ms): 1 "
                          "callout(s) unanswered"),
            std::string::npos)
      << text.out;
}

std::vector<Sample> samples_on_engines() {
  std::vector<Sample> all;
  for (const std::string& engine : test::built_engines()) {
    all.push_back({"deny_list", engine});
    if (engine != "native") all.push_back({"deny_list_as", engine});
  }
  return all;
}

INSTANTIATE_TEST_SUITE_P(Samples, StartupCallouts, ::testing::ValuesIn(samples_on_engines()),
                         [](const ::testing::TestParamInfo<Sample>& param_info) {
                           return param_info.param.module + "_" + param_info.param.engine;
                         });

TEST(StartupCallouts, WarmupLimitOutOfRangeIsRefused) {
  CommandResult result = run_pwplay({"run", sample("deny_list"), "--request",
                                     request_file("deny_list.json"), "--warmup-ms", "3600001"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("--warmup-ms"), std::string::npos) << result.err;
}

TEST(StartupCallouts, TheDebuggerSessionAnswersThemFromTheFirstRequest) {
  for (const std::string& engine : test::built_wasm_engines()) {
    SCOPED_TRACE(engine);
    debugger::Session session;
    ASSERT_TRUE(session.load(filter("deny_list", engine)));
    auto request = debugger::load_request_file(request_file("deny_list.json"));
    ASSERT_TRUE(request) << request.error().message;
    session.send(*request, "", debugger::Pausing::Off);
    ASSERT_TRUE(session.wait_for_history(1, std::chrono::seconds(30)));
    auto entry = session.history().back();
    ASSERT_TRUE(entry.report.response);
    EXPECT_EQ(entry.report.response->status, 403u);
    EXPECT_EQ(entry.warmup.virtual_ns, 150'000'000u);
    // A second request needs no warm-up: the list is there.
    session.send(*request, "", debugger::Pausing::Off);
    ASSERT_TRUE(session.wait_for_history(2, std::chrono::seconds(30)));
    entry = session.history().back();
    ASSERT_TRUE(entry.report.response);
    EXPECT_EQ(entry.report.response->status, 403u);
    EXPECT_EQ(entry.warmup.virtual_ns, 0u);
  }
}

TEST(StartupCallouts, ARequestWithoutTheClusterAnswersTheHeldCalloutAsFailed) {
  debugger::Session session;
  ASSERT_TRUE(session.load(filter("deny_list")));
  session.send(get_request("/admin"), "", debugger::Pausing::Off);
  ASSERT_TRUE(session.wait_for_history(1, std::chrono::seconds(30)));
  auto entry = session.history().back();
  ASSERT_TRUE(entry.report.response);
  EXPECT_EQ(entry.report.response->status, 200u);
  std::string logs;
  for (const auto& log : entry.logs) logs += log.message + "\n";
  EXPECT_NE(logs.find("the rules call failed"), std::string::npos) << logs;
}

TEST(StartupCallouts, DebugBatchSendsAfterTheWarmup) {
  CommandResult result =
      run_pwplay({"debug", sample("deny_list"), "--request", request_file("deny_list.json"),
                  "--batch", write_temp_file("deny.batch", "send\nwait 5\nhistory\nquit\n")});
  EXPECT_EQ(result.exit_code, 0) << result.err << result.out;
  EXPECT_NE(result.out.find("403"), std::string::npos) << result.out;
}

TEST(StartupCallouts, ServeAsksTheRealClusterAtStartup) {
  TestUpstream rules([](const ReceivedRequest& request) {
    return UpstreamReply{
        TestUpstream::response(200, request.path == "/deny-list" ? "/admin\n" : "")};
  });
  TestUpstream upstream;
  ServeProcess serve;
  ASSERT_TRUE(serve.start({sample("deny_list"), "--listen", "127.0.0.1:0", "--upstream",
                           "127.0.0.1:" + std::to_string(upstream.port()), "--cluster",
                           "rules=127.0.0.1:" + std::to_string(rules.port()), "--quiet"}))
      << serve.out() << serve.err();
  // The answer arrives in real time: wait until the proxy has it (a few ms), then check.
  int status = 0;
  for (int attempt = 0; attempt < 100 && status != 403; ++attempt) {
    HttpResponse response = http_request(serve.port(), "GET", "/admin");
    ASSERT_TRUE(response.ok) << response.error;
    status = response.status;
    if (status != 403) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 403);
  HttpResponse open = http_request(serve.port(), "GET", "/public");
  ASSERT_TRUE(open.ok) << open.error;
  EXPECT_EQ(open.status, 200);
  auto asked = rules.requests();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].path, "/deny-list");
  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.err();
}

}  // namespace
}  // namespace pwplay::testing
