// A session running a chain of filters: hot reload watches every filter's module, so a rebuilt
// second filter reloads the chain and the runs after it use the new build; the result's header
// changes are attributed to the filter that made each.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "debugger/change_attribution.h"
#include "debugger/session.h"
#include "support/cli.h"
#include "support/session_support.h"

namespace pwplay::testing {
namespace {

using debugger::Session;

// The values of every `name` header the upstream received, in order.
std::vector<std::string> upstream_values(const debugger::HistoryEntry& entry,
                                         const std::string& name) {
  std::vector<std::string> values;
  if (!entry.report.upstream_request) return values;
  for (const auto& [key, value] : entry.report.upstream_request->headers)
    if (key == name) values.push_back(value);
  return values;
}

TEST(SessionChain, HotReloadWatchesTheSecondFiltersModule) {
  namespace fs = std::filesystem;
  const UniqueTempDir temp;
  const fs::path first = temp.file("first.wasm");
  const fs::path second = temp.file("second.wasm");
  fs::copy_file(sample("add_header"), first);
  fs::copy_file(sample("add_header_as"), second);
  debugger::PluginSpec one;
  one.wasm_path = first.string();
  one.configuration = "first";
  debugger::PluginSpec two;
  two.wasm_path = second.string();
  Session session;
  ASSERT_TRUE(session.load(std::vector<debugger::PluginSpec>{one, two}).ok())
      << session.plugin_info().error;
  session.watch(true, true);
  const uint64_t before = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto ran = session.history_entry(before);
  ASSERT_TRUE(ran.has_value());
  EXPECT_EQ(upstream_values(*ran, "x-wasm-filter"),
            (std::vector<std::string>{"first", "add-header"}));

  // "Rebuild" the second filter only: it no longer adds its header.
  const fs::path staged = temp.file("staged.wasm");
  fs::copy_file(sample("noop"), staged);
  fs::last_write_time(staged, fs::last_write_time(second) + std::chrono::seconds(2));
  fs::rename(staged, second);
  std::optional<debugger::RunDiff> diff;
  for (int i = 0; i < 300 && !diff; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    session.wait(std::chrono::milliseconds(100));
    diff = session.last_reload_diff();
  }
  ASSERT_TRUE(diff.has_value()) << "the change of the second module was not picked up";
  EXPECT_EQ(session.reload_count(), 1u);
  bool removed = false;
  for (const auto& line : diff->outcome)
    removed = removed || line == "upstream header removed x-wasm-filter: add-header";
  EXPECT_TRUE(removed) << ::testing::PrintToString(diff->outcome);
  auto snapshot = session.snapshot();
  ASSERT_EQ(snapshot->chain.size(), 2u);
  EXPECT_EQ(snapshot->chain[1].build, snapshot->plugin.build);

  // The next request runs on the new build: only the first filter's header arrives.
  const uint64_t after = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto next = session.history_entry(after);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(upstream_values(*next, "x-wasm-filter"), (std::vector<std::string>{"first"}));
  session.watch(false);
  EXPECT_EQ(session.reload_count(), 1u);
}

// Two filters add the same header with different values: each added row names its filter, in
// chain order, and both filters have their place (and so their colour) in the run.
TEST(SessionChain, EachAddedHeaderIsAttributedToItsFilter) {
  debugger::PluginSpec one = filter("add_header");
  one.configuration = "first";
  debugger::PluginSpec two = filter("add_header_as");
  Session session;
  ASSERT_TRUE(session.load(std::vector<debugger::PluginSpec>{one, two}).ok())
      << session.plugin_info().error;
  const uint64_t id = session.send(get_request());
  ASSERT_EQ(session.wait(), Session::State::Idle);
  auto run = session.history_entry(id);
  ASSERT_TRUE(run.has_value() && run->ran());
  debugger::RunChanges changes = debugger::run_changes(*run);
  EXPECT_EQ(changes.filters, (std::vector<std::string>{"add_header", "add_header_as"}));
  ASSERT_EQ(changes.request.rows.size(), changes.request.filters.size());
  std::vector<std::pair<std::string, std::string>> added;  // value, filter
  for (size_t i = 0; i < changes.request.rows.size(); ++i) {
    const auto& row = changes.request.rows[i];
    if (row.change == debugger::HeaderChange::Same) {
      EXPECT_EQ(changes.request.filters[i], "") << row.name;
      continue;
    }
    if (row.name == "x-wasm-filter") added.emplace_back(row.value, changes.request.filters[i]);
  }
  EXPECT_EQ(added, (std::vector<std::pair<std::string, std::string>>{
                       {"first", "add_header"}, {"add-header", "add_header_as"}}));
  // On the way back the chain runs in reverse: both add the same response header, the second
  // filter first.
  ASSERT_EQ(changes.response.rows.size(), changes.response.filters.size());
  std::vector<std::string> responders;
  for (size_t i = 0; i < changes.response.rows.size(); ++i) {
    const auto& row = changes.response.rows[i];
    if (row.change != debugger::HeaderChange::Same && row.name == "x-wasm-response")
      responders.push_back(changes.response.filters[i]);
  }
  EXPECT_EQ(responders, (std::vector<std::string>{"add_header_as", "add_header"}));
}

}  // namespace
}  // namespace pwplay::testing
