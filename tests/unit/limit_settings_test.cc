// The parsing of the host limits users set (flags and file fields) and how settings combine.
#include "debugger/limit_settings.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace pwplay::debugger {
namespace {

const LimitField& field(std::string_view name) {
  const LimitField* found = find_limit_field(name);
  EXPECT_NE(found, nullptr) << name;
  return *found;
}

TEST(LimitSettings, SizesTakeSuffixesAndCountsDoNot) {
  const LimitField& bytes = field("max_queue_bytes");
  EXPECT_EQ(*parse_limit_value("65536", bytes, "--max-queue-bytes"), 65536u);
  EXPECT_EQ(*parse_limit_value("64K", bytes, "--max-queue-bytes"), 65536u);
  EXPECT_EQ(*parse_limit_value("16m", bytes, "--max-queue-bytes"), 16u << 20);
  EXPECT_EQ(*parse_limit_value("2G", bytes, "--max-queue-bytes"), uint64_t{2} << 30);
  const LimitField& items = field("max_queue_items");
  EXPECT_EQ(*parse_limit_value("7", items, "--max-queue-items"), 7u);
  auto suffixed = parse_limit_value("7K", items, "--max-queue-items");
  ASSERT_FALSE(suffixed);
  EXPECT_EQ(suffixed.error().message,
            "--max-queue-items: '7K' is not a whole number from 1 to 1099511627776");
}

TEST(LimitSettings, ZeroGarbageAndOverflowAreRefused) {
  const LimitField& bytes = field("max_header_map_bytes");
  for (const char* text : {"0", "", "K", "-1", "+1", "1.5", "1KB", " 1", "1 ", "abc",
                           "18446744073709551616", "1048577M", "1025G"}) {
    SCOPED_TRACE(text);
    auto value = parse_limit_value(text, bytes, "--max-header-map-bytes");
    ASSERT_FALSE(value);
    EXPECT_NE(value.error().message.find("--max-header-map-bytes: '"), std::string::npos);
  }
  EXPECT_EQ(*parse_limit_value("1024G", bytes, "x"), uint64_t{1} << 40);
  const LimitField& trace = field("trace_budget_mb");
  EXPECT_FALSE(parse_limit_value("1048577", trace, "--trace-budget-mb"));
  EXPECT_EQ(*parse_limit_value("1048576", trace, "--trace-budget-mb"), 1048576u);
}

TEST(LimitSettings, JsonTakesNumbersAndSizeStrings) {
  using nlohmann::json;
  EXPECT_EQ(*parse_limit_json(json(4096), field("max_queue_bytes"), "limits.max_queue_bytes"),
            4096u);
  EXPECT_EQ(*parse_limit_json(json("4K"), field("max_queue_bytes"), "limits.max_queue_bytes"),
            4096u);
  auto text_count = parse_limit_json(json("4"), field("max_queue_items"), "limits.max_queue_items");
  ASSERT_FALSE(text_count);
  EXPECT_NE(text_count.error().message.find("limits.max_queue_items must be a whole number"),
            std::string::npos)
      << text_count.error().message;
  EXPECT_FALSE(parse_limit_json(json(-3), field("max_queue_items"), "x"));
  EXPECT_FALSE(parse_limit_json(json(2.5), field("max_queue_bytes"), "x"));
  EXPECT_FALSE(parse_limit_json(json(0), field("max_queue_bytes"), "x"));
}

TEST(LimitSettings, SetFieldsReachTheHostAndWinOverABase) {
  LimitSettings file;
  file.max_queue_items = 3;
  file.max_header_pairs = 50;
  LimitSettings flags;
  flags.max_queue_items = 9;
  flags.max_header_value_bytes = 100;
  flags.trace_budget_mb = 2;
  host::HostEnvOptions options;
  flags.over(file).apply_to(options);
  EXPECT_EQ(options.limits.max_queue_items, 9u);
  EXPECT_EQ(options.limits.max_queue_bytes, host::SharedLimits{}.max_queue_bytes);
  EXPECT_EQ(options.limits.max_shared_data_value_bytes,
            host::SharedLimits{}.max_shared_data_value_bytes);
  EXPECT_EQ(options.header_limits.max_pairs, 50u);
  EXPECT_EQ(options.header_limits.max_value_bytes, 100u);
  EXPECT_EQ(options.header_limits.max_map_bytes, host::HeaderLimits{}.max_map_bytes);
  EXPECT_EQ(flags.trace_budget_bytes(1), size_t{2} << 20);
  EXPECT_EQ(file.trace_budget_bytes(1), 1u);
  // Every flag has its field and the reverse, spelled alike.
  for (const auto& limit : limit_fields()) {
    std::string flag = "--" + std::string(limit.field);
    for (char& c : flag)
      if (c == '_') c = '-';
    EXPECT_EQ(flag, limit.flag);
    EXPECT_EQ(find_limit_field(limit.field), &limit);
  }
}

}  // namespace
}  // namespace pwplay::debugger
