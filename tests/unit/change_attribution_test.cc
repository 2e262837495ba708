// Attribution of header changes to filters from trace events alone: exact value matches before
// name-only ones, removals, refused calls, a whole-map rewrite and a local response's sender.
#include "debugger/change_attribution.h"

#include <gtest/gtest.h>

namespace pwplay::debugger {
namespace {

host::TraceEvent write(const std::string& function, const std::string& plugin,
                       const std::string& map, const std::string& key,
                       const std::string& value = "", const std::string& result = "OK") {
  host::TraceEvent event;
  event.kind = host::EventKind::HostCall;
  event.name = function;
  event.plugin = plugin;
  event.args = {{"map_type", map}, {"key", key}};
  if (!value.empty()) event.args.push_back({"value", value});
  event.result = result;
  return event;
}

constexpr const char* kRequest = "HTTP_REQUEST_HEADERS";
constexpr const char* kResponse = "HTTP_RESPONSE_HEADERS";

TEST(ChangeAttribution, AddsReplacesAndRemovesNameTheirFilter) {
  const abi::HeaderPairs before = {{"host", "a"}, {"x-old", "1"}, {"x-gone", "g"}};
  const abi::HeaderPairs after = {{"host", "a"}, {"x-old", "2"}, {"x-new", "b"}, {"x-new", "a"}};
  const std::vector<host::TraceEvent> trace = {
      write("proxy_add_header_map_value", "one", kRequest, "x-new", "a"),
      write("proxy_add_header_map_value", "two", kRequest, "x-new", "b"),
      // Refused, or on another map: not a change of this message.
      write("proxy_remove_header_map_value", "one", kRequest, "x-gone", "", "BAD_ARGUMENT"),
      write("proxy_remove_header_map_value", "one", kResponse, "x-gone"),
      write("proxy_replace_header_map_value", "one", kRequest, "X-Old", "2"),
      write("proxy_remove_header_map_value", "two", kRequest, "x-gone"),
  };
  auto rows = diff_header_rows(before, after);
  auto filters = attribute_rows(rows, kRequest, trace);
  ASSERT_EQ(filters.size(), rows.size());
  std::vector<std::string> described;
  for (size_t i = 0; i < rows.size(); ++i)
    described.push_back(std::string(header_change_name(rows[i].change)) + " " + rows[i].name +
                        ": " + rows[i].value + " by " + filters[i]);
  EXPECT_EQ(described, (std::vector<std::string>{"same host: a by ", "changed x-old: 2 by one",
                                                 "added x-new: b by two", "added x-new: a by one",
                                                 "removed x-gone: g by two"}));
}

TEST(ChangeAttribution, WholeMapRewritesAndLocalResponsesTakeWhatIsLeft) {
  const std::vector<HeaderDiffRow> rows = {{"x-a", "1", "", HeaderChange::Added},
                                           {"x-b", "2", "", HeaderChange::Removed}};
  const std::vector<host::TraceEvent> rewrite = {
      write("proxy_set_header_map_pairs", "early", kRequest, ""),
      write("proxy_set_header_map_pairs", "late", kRequest, "")};
  EXPECT_EQ(attribute_rows(rows, kRequest, rewrite), (std::vector<std::string>{"late", "late"}));
  // Nothing in the trace explains them: the fallback (a local response's sender), else nobody.
  EXPECT_EQ(attribute_rows(rows, kResponse, rewrite, "sender"),
            (std::vector<std::string>{"sender", "sender"}));
  EXPECT_EQ(attribute_rows(rows, kResponse, {}), (std::vector<std::string>{"", ""}));
}

TEST(ChangeAttribution, FiltersInTheOrderTheyFirstAct) {
  std::vector<host::TraceEvent> trace = {
      write("proxy_add_header_map_value", "b", kRequest, "x", "1"),
      write("proxy_add_header_map_value", "a", kRequest, "x", "1"),
      write("proxy_add_header_map_value", "b", kRequest, "x", "1")};
  trace.push_back(host::TraceEvent{});  // no plugin: not a filter
  EXPECT_EQ(filters_in_order(trace), (std::vector<std::string>{"b", "a"}));
}

}  // namespace
}  // namespace pwplay::debugger
