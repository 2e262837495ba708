// The app's frame times as the automation log reports them: percentiles of a list of durations,
// the summary of what a script's frames took, and the clocks the app reads.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "app/gui/core/automation.h"
#include "app/gui/core/frame_times.h"

namespace pwplay::gui {
namespace {

TEST(FramePercentile, NearestRankOfUnsortedDurations) {
  std::vector<double> hundred;
  for (int i = 100; i >= 1; --i) hundred.push_back(i);  // 100 .. 1, unsorted on purpose
  EXPECT_EQ(percentile(hundred, 50), 50);
  EXPECT_EQ(percentile(hundred, 99), 99);
  EXPECT_EQ(percentile(hundred, 100), 100);
  EXPECT_EQ(percentile(hundred, 0), 1);
  EXPECT_EQ(percentile(hundred, 0.5), 1);
  EXPECT_EQ(percentile(hundred, 1.5), 2);

  // Fewer than a hundred frames: p99 is the slowest one, p50 the lower middle.
  EXPECT_EQ(percentile({4, 1, 3, 2}, 50), 2);
  EXPECT_EQ(percentile({4, 1, 3, 2}, 99), 4);
  EXPECT_EQ(percentile({7.5}, 50), 7.5);
  EXPECT_EQ(percentile({}, 50), 0);
}

TEST(FramePercentile, OneSlowFrameInAHundredIsTheP99) {
  std::vector<double> frames(199, 2.0);
  frames.push_back(40.0);
  EXPECT_EQ(percentile(frames, 99), 2.0);  // 1 of 200 is under 1 %
  frames.push_back(40.0);
  frames.push_back(40.0);
  EXPECT_EQ(percentile(frames, 99), 40.0);  // 3 of 202 is over 1 %
  EXPECT_EQ(percentile(frames, 50), 2.0);
}

TEST(FrameTimes, SummaryAndJson) {
  FrameTimes times;
  nlohmann::json empty = times.to_json();
  EXPECT_EQ(empty["frames"], 0);
  EXPECT_TRUE(empty["p50_ms"].is_null());
  EXPECT_TRUE(empty["first_frame_ms"].is_null());

  for (double ms : {3.0, 1.0, 2.0, 10.0}) times.record(ms);
  times.record_first_frame(250.0);
  times.record_first_frame(999.0);  // only the first frame counts
  const FrameTimeSummary summary = times.summary();
  EXPECT_EQ(summary.frames, 4u);
  EXPECT_EQ(summary.p50_ms, 2.0);
  EXPECT_EQ(summary.p99_ms, 10.0);
  EXPECT_EQ(summary.max_ms, 10.0);
  ASSERT_TRUE(summary.first_frame_ms);
  EXPECT_EQ(*summary.first_frame_ms, 250.0);
  nlohmann::json json = times.to_json();
  EXPECT_EQ(json["frames"], 4);
  EXPECT_EQ(json["p50_ms"], 2.0);
  EXPECT_EQ(json["p99_ms"], 10.0);
  EXPECT_EQ(json["max_ms"], 10.0);
  EXPECT_EQ(json["first_frame_ms"], 250.0);
}

TEST(FrameTimes, TheAutomationLogCarriesThem) {
  AutomationRunner runner(command_line_script({}, "", 0));
  runner.record_frame_time(5.0);
  runner.record_frame_time(7.0);
  runner.record_first_frame(std::nullopt);  // no start time: null, not 0
  Commands commands;
  const nlohmann::json log = runner.log(Snapshot{}, commands);
  ASSERT_TRUE(log.contains("frame_times"));
  EXPECT_EQ(log["frame_times"]["frames"], 2);
  EXPECT_EQ(log["frame_times"]["p50_ms"], 5.0);
  EXPECT_EQ(log["frame_times"]["max_ms"], 7.0);
  EXPECT_TRUE(log["frame_times"]["first_frame_ms"].is_null());
}

TEST(FrameClocks, ThreadCpuTimeCountsWorkNotSleep) {
  const double before = thread_cpu_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  const double slept = thread_cpu_ms() - before;
  EXPECT_LT(slept, 30.0) << "sleeping used " << slept << " ms of CPU";
  // Working makes it advance, however loaded the machine (the wall-clock bound is generous).
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  volatile uint64_t spin = 0;
  while (thread_cpu_ms() - before < slept + 20.0 && std::chrono::steady_clock::now() < give_up)
    spin = spin + 1;
  EXPECT_GE(thread_cpu_ms() - before, slept + 20.0);
}

TEST(FrameClocks, ProcessUptimeIsSinceThisProcessStarted) {
  const std::optional<double> first = process_uptime_ms();
  ASSERT_TRUE(first) << "/proc/self/stat not readable";
  EXPECT_GE(*first, 0.0);
  // This test binary has not been running for an hour (the kernel's clock, not the machine's).
  EXPECT_LT(*first, 3600.0 * 1000);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  const std::optional<double> second = process_uptime_ms();
  ASSERT_TRUE(second);
  // The start time has a clock tick's resolution (10 ms at 100 Hz).
  EXPECT_GE(*second - *first, 30.0);
}

}  // namespace
}  // namespace pwplay::gui
