// Suspicious host-call arguments: each rule flags what it should and nothing else.
#include "host/argument_checks.h"

#include <gtest/gtest.h>

namespace pwplay::host {
namespace {

const abi::HostFunctionSpec& spec(std::string_view name) {
  const abi::HostFunctionSpec* found = abi::find_host_function(name);
  EXPECT_NE(found, nullptr) << name;
  return *found;
}

bool has(const std::vector<std::string>& warnings, std::string_view part) {
  for (const auto& warning : warnings)
    if (warning.find(part) != std::string::npos) return true;
  return false;
}

TEST(ArgumentChecks, WellFormedCallsAreNotFlagged) {
  // proxy_get_buffer_bytes(buffer_type, start, max_size, ret_data, ret_size)
  const uint64_t get[] = {0, 0, 100, 2048, 2052};
  EXPECT_TRUE(suspicious_arguments(spec("proxy_get_buffer_bytes"), get).empty());
  // proxy_get_header_map_value(map_type, key, key_size, ret_value, ret_value_size)
  const uint64_t header[] = {0, 3000, 5, 2048, 2052};
  EXPECT_TRUE(suspicious_arguments(spec("proxy_get_header_map_value"), header).empty());
  // proxy_log has no out-pointer.
  const uint64_t log[] = {2, 0, 0};
  EXPECT_TRUE(suspicious_arguments(spec("proxy_log"), log).empty());
}

TEST(ArgumentChecks, NullOutPointer) {
  const uint64_t get[] = {0, 0, 100, 2048, 0};
  auto warnings = suspicious_arguments(spec("proxy_get_buffer_bytes"), get);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(has(warnings, "ret_size is a null pointer")) << warnings[0];
}

TEST(ArgumentChecks, UnalignedOutPointer) {
  const uint64_t get[] = {0, 0, 100, 2049, 2056};
  auto warnings = suspicious_arguments(spec("proxy_get_buffer_bytes"), get);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(has(warnings, "ret_data (0x801) is not 4-byte aligned")) << warnings[0];
}

TEST(ArgumentChecks, OutPointerOverlappingTheInput) {
  const uint64_t header[] = {0, 3000, 8, 3004, 2052};
  auto warnings = suspicious_arguments(spec("proxy_get_header_map_value"), header);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(has(warnings, "ret_value (0xbbc) overlaps the input key")) << warnings[0];
  // Right after the input is fine.
  const uint64_t after[] = {0, 3000, 8, 3008, 2052};
  EXPECT_TRUE(suspicious_arguments(spec("proxy_get_header_map_value"), after).empty());
}

TEST(ArgumentChecks, ASizeWhereAPointerBelongs) {
  // An SDK passing the size it wants as ret_size: the host would write the size at address 64.
  const uint64_t get[] = {0, 0, 64, 2048, 64};
  auto warnings = suspicious_arguments(spec("proxy_get_buffer_bytes"), get);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_TRUE(has(warnings, "ret_size is 64, the same as max_size")) << warnings[0];
  // The same value at a normal address is a coincidence, not flagged.
  const uint64_t high[] = {0, 0, 4096, 2048, 4096};
  EXPECT_TRUE(suspicious_arguments(spec("proxy_get_buffer_bytes"), high).empty());
}

}  // namespace
}  // namespace pwplay::host
