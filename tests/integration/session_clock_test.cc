// The session's virtual clock catching up with the wall time between requests
// (SessionOptions::clock_follows_wall_time, which the desktop app sets): rate_limiter's tick
// refills its bucket between two Sends as a proxy's would, and without the option it does not.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "debugger/session.h"
#include "support/cli.h"
#include "support/session_support.h"

namespace pwplay::testing {
namespace {

using debugger::Session;

// Status of one request through the session.
uint32_t send_status(Session& session) {
  const uint64_t id = session.send(get_request());
  EXPECT_EQ(session.wait(), Session::State::Idle);
  auto run = session.history_entry(id);
  if (!run || !run->ran() || !run->report.response) return 0;
  return run->report.response->status;
}

// Whether the run's trace holds a proxy_on_tick callback.
bool ticked_in_last_run(Session& session) {
  auto history = session.history();
  if (history.empty()) return false;
  for (const auto& event : history.back().trace)
    if (event.name == "proxy_on_tick") return true;
  return false;
}

debugger::PluginSpec bucket_of_one(const char* tick_ms) {
  debugger::PluginSpec spec = filter("rate_limiter");
  spec.configuration =
      std::string("{\"capacity\": 1, \"refill\": 1, \"tick_ms\": ") + tick_ms + "}";
  return spec;
}

TEST(SessionClock, TicksDueBetweenTwoRequestsRunBeforeTheSecond) {
  Session session(debugger::SessionOptions{.clock_follows_wall_time = true});
  ASSERT_TRUE(session.load(bucket_of_one("1000")).ok()) << session.plugin_info().error;
  EXPECT_EQ(send_status(session), 200u);  // the bucket's one token
  EXPECT_EQ(send_status(session), 429u);  // sent at once: no tick in between
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_EQ(send_status(session), 200u);  // the ticks meanwhile put a token back
  EXPECT_TRUE(ticked_in_last_run(session));
}

TEST(SessionClock, WithoutTheOptionTheClockWaitsForRequests) {
  Session session;
  ASSERT_TRUE(session.load(bucket_of_one("1000")).ok()) << session.plugin_info().error;
  EXPECT_EQ(send_status(session), 200u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_EQ(send_status(session), 429u);
}

}  // namespace
}  // namespace pwplay::testing
