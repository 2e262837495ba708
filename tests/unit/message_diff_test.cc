// Structured message diffs: header rows (case-insensitive names, repeated names by position),
// body byte changes, per-stream diffs, their text and the `diff` field of `pwplay run --json`.
#include "debugger/message_diff.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli.h"

namespace pwplay::testing {
namespace {

using debugger::HeaderChange;

TEST(MessageDiff, AddedChangedRemovedAndRepeatedNames) {
  abi::HeaderPairs before = {{"host", "a"},
                             {"Accept", "*/*"},
                             {"set-cookie", "1"},
                             {"set-cookie", "2"},
                             {"x-gone", "bye"}};
  abi::HeaderPairs after = {
      {"host", "a"}, {"accept", "text/html"}, {"set-cookie", "1"}, {"x-new", "hi"}};
  auto rows = debugger::diff_header_rows(before, after);
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0].change, HeaderChange::Same);
  EXPECT_EQ(rows[1].change, HeaderChange::Changed);
  EXPECT_EQ(rows[1].old_value, "*/*");
  EXPECT_EQ(rows[1].value, "text/html");
  EXPECT_EQ(rows[2].change, HeaderChange::Same);
  EXPECT_EQ(rows[3].change, HeaderChange::Added);
  EXPECT_EQ(rows[3].name, "x-new");
  EXPECT_EQ(rows[4].change, HeaderChange::Removed);
  EXPECT_EQ(rows[4].value, "2");
  EXPECT_EQ(rows[5].change, HeaderChange::Removed);
  EXPECT_EQ(rows[5].name, "x-gone");
  auto counts = debugger::count_changes(rows);
  EXPECT_EQ(counts.added, 1);
  EXPECT_EQ(counts.changed, 1);
  EXPECT_EQ(counts.removed, 2);
  EXPECT_EQ(debugger::describe(rows),
            (std::vector<std::string>{"changed accept: */* -> text/html", "added x-new: hi",
                                      "removed set-cookie: 2", "removed x-gone: bye"}));
}

TEST(MessageDiff, BodyChangesAreLocatedBetweenCommonPrefixAndSuffix) {
  auto same = debugger::diff_body("hello", "hello");
  EXPECT_FALSE(same.changed);
  EXPECT_EQ(same.before_size, 5u);

  auto replaced = debugger::diff_body("user=alice&role=guest", "user=alice&role=admin");
  ASSERT_TRUE(replaced.changed);
  EXPECT_EQ(replaced.offset, 16u);
  EXPECT_EQ(replaced.removed_bytes, 5u);
  EXPECT_EQ(replaced.inserted_bytes, 5u);

  auto inserted = debugger::diff_body("ab", "aXYb");
  EXPECT_EQ(inserted.offset, 1u);
  EXPECT_EQ(inserted.removed_bytes, 0u);
  EXPECT_EQ(inserted.inserted_bytes, 2u);

  // Repeated bytes: prefix and suffix never overlap.
  auto grown = debugger::diff_body("aa", "aaa");
  EXPECT_EQ(grown.offset, 2u);
  EXPECT_EQ(grown.removed_bytes, 0u);
  EXPECT_EQ(grown.inserted_bytes, 1u);

  auto lines = [](const std::string& before, const std::string& after) {
    debugger::MessageDiff diff;
    diff.body = debugger::diff_body(before, after);
    return debugger::describe(diff);
  };
  EXPECT_EQ(lines("ab", "aXYb"),
            std::vector<std::string>{"body: 2 -> 4 bytes, 2 inserted at offset 1"});
  EXPECT_EQ(lines("abc", "c"),
            std::vector<std::string>{"body: 3 -> 1 bytes, 2 removed at offset 0"});

  auto emptied = debugger::diff_body("abc", "");
  EXPECT_EQ(emptied.offset, 0u);
  EXPECT_EQ(emptied.removed_bytes, 3u);
  EXPECT_EQ(emptied.inserted_bytes, 0u);
}

TEST(MessageDiff, StreamDiffHasOneSidePerHopThatHappened) {
  host::RunReport report;
  report.client_request.headers = {{"host", "x"}};
  report.client_request.body = "abc";
  host::MessageView upstream;
  upstream.headers = {{"host", "x"}, {"x-added", "1"}};
  upstream.body = "abd";
  upstream.trailers = {{"grpc-status", "0"}};
  report.upstream_request = upstream;
  auto diff = debugger::diff_stream(report);
  ASSERT_TRUE(diff.request.has_value());
  EXPECT_FALSE(diff.response.has_value());  // no upstream response in this report
  EXPECT_FALSE(diff.request->same());
  EXPECT_EQ(debugger::describe(*diff.request),
            (std::vector<std::string>{"added x-added: 1", "trailer added grpc-status: 0",
                                      "body: 3 -> 3 bytes, 1 at offset 2 replaced by 1"}));
}

TEST(MessageDiff, RunJsonCarriesTheStreamDiff) {
  CommandResult result =
      run_pwplay({"run", sample("add_header"), "--request", request_file("get.json"), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto json = nlohmann::json::parse(result.out);
  ASSERT_TRUE(json.contains("diff"));
  const auto& request = json["diff"]["request"];
  ASSERT_TRUE(request.is_object());
  ASSERT_EQ(request["headers"].size(), 1u);
  EXPECT_EQ(request["headers"][0]["name"], "x-wasm-filter");
  EXPECT_EQ(request["headers"][0]["change"], "added");
  EXPECT_EQ(request["headers"][0]["value"], "add-header");
  EXPECT_EQ(request["body"]["changed"], false);
  const auto& response = json["diff"]["response"];
  ASSERT_TRUE(response.is_object());
  bool added = false;
  for (const auto& row : response["headers"])
    added |= row["name"] == "x-wasm-response" && row["change"] == "added";
  EXPECT_TRUE(added) << response.dump();
}

}  // namespace
}  // namespace pwplay::testing
