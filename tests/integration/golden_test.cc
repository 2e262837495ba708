// Golden transcripts: `pwplay debug --batch` sessions compared line by line with files under
// tests/golden/. The debugger's output is meant to be stable text, so any change shows up here
// as a diff; when a change is intended, run the test with PWPLAY_UPDATE_GOLDEN=1 to rewrite the
// expected file, and review the diff in version control.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/cli.h"
#include "support/engines.h"

namespace pwplay::testing {
namespace {

std::string golden_path(const std::string& name) {
  return std::string(PWPLAY_SOURCE_DIR) + "/tests/golden/" + name;
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The first lines that differ, with their numbers: enough to see what changed.
std::string first_differences(const std::string& expected, const std::string& actual) {
  auto a = lines_of(expected);
  auto b = lines_of(actual);
  std::string out;
  int shown = 0;
  for (size_t i = 0; i < std::max(a.size(), b.size()) && shown < 8; ++i) {
    const std::string left = i < a.size() ? a[i] : "(end)";
    const std::string right = i < b.size() ? b[i] : "(end)";
    if (left == right) continue;
    out +=
        "line " + std::to_string(i + 1) + "\n  expected: " + left + "\n  actual:   " + right + "\n";
    ++shown;
  }
  return out;
}

// Runs `pwplay debug` on a sample with a batch file and compares its output (sample and request
// paths made relative) with NAME.expected.
void check_transcript(const std::string& name, const std::vector<std::string>& args) {
  std::vector<std::string> command = {"debug"};
  command.insert(command.end(), args.begin(), args.end());
  command.push_back("--batch");
  command.push_back(golden_path(name + ".batch"));
  CommandResult result = run_pwplay(command);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::string actual = result.out;
  replace_all(actual, std::string(PWPLAY_SAMPLES_DIR) + "/", "<samples>/");
  replace_all(actual, std::string(PWPLAY_SOURCE_DIR) + "/samples/requests/", "<requests>/");
  const std::string expected_path = golden_path(name + ".expected");
  if (const char* update = std::getenv("PWPLAY_UPDATE_GOLDEN"); update && *update == '1') {
    std::ofstream(expected_path, std::ios::binary) << actual;
    GTEST_SKIP() << "rewrote " << expected_path;
  }
  const std::string expected = read_text(expected_path);
  ASSERT_FALSE(expected.empty()) << expected_path << " is missing or empty";
  EXPECT_TRUE(expected == actual) << name << ": the transcript changed\n"
                                  << first_differences(expected, actual);
}

TEST(GoldenTranscripts, DebugWalksTheWatSampleOnWabt) {
  PWPLAY_REQUIRE_ENGINE("wabt");
  check_transcript("debug_wabt_walk", {sample("add_header_wat"), "--engine", "wabt", "--request",
                                       request_file("get.json")});
}

TEST(GoldenTranscripts, DebugShowsWhatTheFilterChangedInBothBodies) {
  check_transcript("debug_body_diff",
                   {sample("body_rewrite"), "--request", request_file("post.json")});
}

TEST(GoldenTranscripts, DebugInjectsAFaultAndComparesTheRuns) {
  check_transcript("debug_inject_compare",
                   {sample("http_callout"), "--request", request_file("callout.json")});
}

TEST(GoldenTranscripts, DebugStopsOnceAtATbreakAndWhereAConditionHolds) {
  check_transcript("debug_tbreak_condition",
                   {sample("add_header"), "--request", request_file("get.json")});
}

}  // namespace
}  // namespace pwplay::testing
