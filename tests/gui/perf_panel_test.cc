// The Performance panel's model without a window: the session samples its counters into the
// snapshot after requests, the perf-* commands switch the window, reset and run leak checks, the
// automation log reports the panel, and the per-request profile nests host calls in callbacks.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "app/gui/core/perf_commands.h"
#include "app/gui/core/perf_profile.h"
#include "app/gui/core/session_commands.h"
#include "gui/gui_test_support.h"
#include "support/wat.h"

namespace pwplay::gui {
namespace {

using namespace std::chrono_literals;

using test_support::sample;

// Keeps a 1 KiB block from every request's headers callback and never frees it: linear memory
// grows by a page every 64 requests for as long as requests come.
constexpr const char* kLeakyWat = R"((module
  (memory (export "memory") 1)
  (global $heap_top (mut i32) (i32.const 4096))
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $ptr i32) (local $end i32)
    (local.set $ptr (global.get $heap_top))
    (local.set $end (i32.and (i32.add (i32.add (local.get $ptr) (local.get $size)) (i32.const 7))
                             (i32.const -8)))
    (if (i32.gt_u (local.get $end) (i32.shl (memory.size) (i32.const 16)))
      (then (if (i32.eq (memory.grow (i32.const 1)) (i32.const -1))
              (then (return (i32.const 0))))))
    (global.set $heap_top (local.get $end))
    (local.get $ptr))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_done") (param i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    (drop (call $malloc (i32.const 1024)))
    (i32.const 0)))
)";

class PerfPanel : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("pwplay-perf-panel-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    register_perf_commands(commands_, session_, workspace_, [this] { ++shown_; });
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  Result<void> run(std::string_view id, std::string_view arg = {}) {
    return commands_.run(id, CommandSource::Automation, arg);
  }
  void send(int count) {
    for (int i = 0; i < count; ++i) {
      auto request = workspace_.build_request();
      ASSERT_TRUE(request) << request.error().message;
      ASSERT_TRUE(send_request(session_, workspace_, std::move(*request), debugger::Pausing::Off));
    }
    ASSERT_EQ(session_.wait(30s), debugger::SessionState::Idle);
  }
  // The requests the snapshot's views count, over every plugin.
  uint64_t requests() const {
    auto perf = session_.snapshot()->perf;
    uint64_t total = 0;
    if (perf)
      for (const auto& view : perf->views) total += view.requests;
    return total;
  }
  std::shared_ptr<const debugger::LeakCheckState> leak_check_result(std::chrono::seconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      auto leak = session_.snapshot()->leak_check;
      if (leak && !leak->running) return leak;
      std::this_thread::sleep_for(20ms);
    }
    return nullptr;
  }
  bool have_samples() const { return std::filesystem::exists(sample("add_header.wasm")); }
  std::string write_leaky() const {
    auto wasm = test::wat_to_wasm(kLeakyWat);
    std::string path = (dir_ / "leaky.wasm").string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(wasm.data()),
               static_cast<std::streamsize>(wasm.size()));
    return path;
  }

  std::filesystem::path dir_;
  Workspace workspace_;
  debugger::Session session_;
  Commands commands_;
  int shown_ = 0;
};

TEST_F(PerfPanel, SnapshotHasTheViewsAfterSendsAndCommandsSwitchTheWindow) {
  if (!have_samples()) GTEST_SKIP() << "samples not built";
  workspace_.filter.wasm_path = sample("add_header.wasm");
  send(5);
  auto perf = session_.snapshot()->perf;
  ASSERT_TRUE(perf);
  EXPECT_EQ(perf->window, debugger::PerfWindow::Last10s);
  ASSERT_EQ(perf->views.size(), 1u);
  const auto& view = perf->views.front();
  EXPECT_EQ(view.plugin, "add_header");
  EXPECT_EQ(view.requests, 5u);
  EXPECT_GT(view.filter_ns.count, 0u);
  EXPECT_FALSE(view.callbacks.empty());
  bool adds_header = false;
  for (const auto& row : view.host_calls)
    if (row.name == "proxy_add_header_map_value") adds_header = row.per_request >= 1;
  EXPECT_TRUE(adds_header);
  EXPECT_GT(view.memory_bytes, 0u);
  EXPECT_FALSE(view.loads.empty());
  ASSERT_FALSE(perf->series.empty());
  EXPECT_GE(perf->series.front().memory_bytes.size(), 2u);

  ASSERT_TRUE(run("show-performance"));
  EXPECT_EQ(shown_, 1);
  ASSERT_TRUE(run("perf-window", "60s"));
  EXPECT_EQ(session_.snapshot()->perf->window, debugger::PerfWindow::Last60s);
  EXPECT_EQ(requests(), 5u);
  EXPECT_FALSE(run("perf-window", "5m"));
  EXPECT_EQ(session_.snapshot()->perf->window, debugger::PerfWindow::Last60s);

  // Since reset: nothing, then only what came after.
  ASSERT_TRUE(run("perf-window", "reset"));
  ASSERT_TRUE(run("perf-reset"));
  EXPECT_EQ(requests(), 0u);
  send(3);
  EXPECT_EQ(requests(), 3u);
  // A reset bounds every window: the last 10 s begin at it too.
  ASSERT_TRUE(run("perf-window", "10s"));
  EXPECT_EQ(requests(), 3u);

  auto log = summarize_performance(*session_.snapshot());
  EXPECT_EQ(log["window"], "10s");
  EXPECT_EQ(log["requests"], 3u);
  EXPECT_TRUE(log["leak_verdict"].is_null());
  ASSERT_EQ(log["plugins"].size(), 1u);
  EXPECT_EQ(log["plugins"][0]["plugin"], "add_header");
}

TEST_F(PerfPanel, RequestProfileNestsHostCallsInsideCallbacks) {
  if (!have_samples()) GTEST_SKIP() << "samples not built";
  workspace_.filter.wasm_path = sample("add_header.wasm");
  send(1);
  auto snapshot = session_.snapshot();
  ASSERT_NE(snapshot->last(), nullptr);
  auto profile = request_profile(*snapshot->last());
  ASSERT_FALSE(profile.spans.empty());
  EXPECT_GT(profile.total_ns, 0u);
  // add_header adds one header in each headers callback: two host calls, each inside its
  // callback's bar.
  auto inside = [&](const ProfileSpan& call, const char* callback) {
    for (const auto& span : profile.spans)
      if (span.callback && span.name == callback && span.depth < call.depth &&
          call.start_ns >= span.start_ns &&
          call.start_ns + call.duration_ns <= span.start_ns + span.duration_ns)
        return true;
    return false;
  };
  int adds = 0;
  bool request_side = false, response_side = false;
  for (const auto& span : profile.spans) {
    EXPECT_LE(span.start_ns + span.duration_ns, profile.total_ns);
    if (span.name != "proxy_add_header_map_value") continue;
    ++adds;
    EXPECT_FALSE(span.callback);
    EXPECT_GT(span.depth, 0u);
    request_side = request_side || inside(span, "proxy_on_request_headers");
    response_side = response_side || inside(span, "proxy_on_response_headers");
  }
  EXPECT_EQ(adds, 2);
  EXPECT_TRUE(request_side);
  EXPECT_TRUE(response_side);
}

TEST_F(PerfPanel, LeakCheckFindsTheLeakAndNotOnAddHeader) {
  workspace_.filter.wasm_path = write_leaky();
  ASSERT_TRUE(run("perf-leak-check", "640"));
  EXPECT_FALSE(run("perf-leak-check", "640"));  // one at a time
  auto leak = leak_check_result(120s);
  ASSERT_TRUE(leak);
  EXPECT_EQ(leak->done, 640u);
  ASSERT_TRUE(leak->verdict) << leak->error;
  EXPECT_STREQ(debugger::verdict_name(*leak->verdict), "leak") << leak->verdict->reason;
  EXPECT_GT(leak->verdict->growth_bytes_per_1000_requests, 0);
  EXPECT_EQ(leak->verdict->callback, "proxy_on_request_headers");
  EXPECT_GE(leak->samples.size(), 100u);
  EXPECT_EQ(summarize_performance(*session_.snapshot())["leak_verdict"], "leak");

  if (!have_samples()) GTEST_SKIP() << "samples not built";
  workspace_.filter.wasm_path = sample("add_header.wasm");
  ASSERT_TRUE(run("perf-leak-check", "640"));
  leak = leak_check_result(120s);
  ASSERT_TRUE(leak);
  ASSERT_TRUE(leak->verdict) << leak->error;
  EXPECT_STREQ(debugger::verdict_name(*leak->verdict), "no leak") << leak->verdict->reason;
  EXPECT_EQ(summarize_performance(*session_.snapshot())["leak_verdict"], "no leak");
  EXPECT_FALSE(run("perf-leak-check", "x12"));
  EXPECT_FALSE(run("perf-leak-check", "3"));
  auto too_many = run("perf-leak-check", "1000001");
  ASSERT_FALSE(too_many);
  EXPECT_NE(too_many.error().message.find("between 10 and 1000000"), std::string::npos);
}

TEST_F(PerfPanel, LeakCheckCancels) {
  if (!have_samples()) GTEST_SKIP() << "samples not built";
  workspace_.filter.wasm_path = sample("add_header.wasm");
  ASSERT_TRUE(run("perf-leak-check", "1000000"));
  // Cancel once it is under way; the UI thread is never blocked meanwhile.
  const auto until = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < until) {
    auto leak = session_.snapshot()->leak_check;
    if (leak && leak->done > 0) break;
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_TRUE(run("perf-leak-cancel"));
  auto leak = leak_check_result(30s);
  ASSERT_TRUE(leak);
  EXPECT_TRUE(leak->cancelled);
  EXPECT_LT(leak->done, 1000000u);
  EXPECT_FALSE(run("perf-leak-cancel"));  // disabled once over
}

}  // namespace
}  // namespace pwplay::gui
