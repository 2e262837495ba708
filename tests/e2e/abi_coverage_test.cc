// The ABI coverage table (docs/abi-coverage.md, written by scripts/abi_coverage from the source of
// abi/functions.cc) has one row for every host function and callback the compiled table holds, so
// the script's reading of the table cannot drift from the table itself.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "abi/functions.h"

namespace pwplay::test {
namespace {

std::set<std::string> table_rows() {
  std::ifstream in(std::string(PWPLAY_SOURCE_DIR) + "/docs/abi-coverage.md");
  std::set<std::string> rows;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("| `")) continue;
    const size_t end = line.find('`', 3);
    if (end != std::string::npos) rows.insert(line.substr(3, end - 3));
  }
  return rows;
}

TEST(AbiCoverageTable, HasOneRowPerHostFunctionAndCallback) {
  const std::set<std::string> rows = table_rows();
  ASSERT_FALSE(rows.empty())
      << "docs/abi-coverage.md has no rows: run python3 scripts/abi_coverage";
  std::set<std::string> names;
  for (const abi::HostFunctionSpec& spec : abi::host_functions()) names.emplace(spec.name);
  for (const abi::CallbackSpec& spec : abi::callbacks()) names.emplace(spec.name);
  for (const std::string& name : names) EXPECT_TRUE(rows.count(name)) << name << " has no row";
  for (const std::string& row : rows) EXPECT_TRUE(names.count(row)) << row << " is no ABI name";
}

}  // namespace
}  // namespace pwplay::test
