// Golden transcripts: `pwplay debug --batch` sessions compared line by line with files under
// tests/golden/. The debugger's output is meant to be stable text, so any change shows up here
// as a diff; when a change is intended, run the test with PWPLAY_UPDATE_GOLDEN=1 to rewrite the
// expected file (the test then fails, and refuses when CI=true), and review the diff in version
// control. Each batch runs on every engine; NAME.ENGINE.expected holds an engine's own output
// where it legitimately differs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
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

// Where each engine's transcript is: NAME.ENGINE.expected where the output legitimately differs
// on that engine, else the shared NAME.expected.
std::string expected_path_for(const std::string& name, const std::string& engine) {
  const std::string own = golden_path(name + "." + engine + ".expected");
  return std::filesystem::exists(own) ? own : golden_path(name + ".expected");
}

// PWPLAY_UPDATE_GOLDEN=1 rewrites the expected file and still fails, so that no run with it set
// can pass (and CI refuses it outright): a rewritten transcript is reviewed before it is trusted.
void update_golden(const std::string& name, const std::string& engine, const std::string& actual) {
  if (const char* ci = std::getenv("CI"); ci && std::string(ci) == "true")
    FAIL() << "PWPLAY_UPDATE_GOLDEN is set in CI: golden transcripts are only rewritten by hand";
  std::string path = expected_path_for(name, engine);
  const bool shared = path == golden_path(name + ".expected");
  // The first engine writes the shared file; another engine whose output differs gets its own.
  if (shared && engine != test::built_wasm_engines().front() && read_text(path) != actual)
    path = golden_path(name + "." + engine + ".expected");
  if (read_text(path) == actual)
    FAIL() << path << " is unchanged; run again without PWPLAY_UPDATE_GOLDEN";
  std::ofstream(path, std::ios::binary) << actual;
  FAIL() << "rewrote " << path
         << ": review it (git diff tests/golden/), then run again without PWPLAY_UPDATE_GOLDEN";
}

// Runs `pwplay debug` on a sample on `engine` with a batch file and compares its output (sample
// and request paths made relative) with the engine's expected file. `exit_code`: what the batch
// exits with (1 when one of its commands fails on purpose).
void check_transcript(const std::string& name, const std::string& engine,
                      const std::vector<std::string>& args, int exit_code = 0) {
  std::vector<std::string> command = {"debug"};
  command.insert(command.end(), args.begin(), args.end());
  command.insert(command.end(), {"--engine", engine, "--batch", golden_path(name + ".batch")});
  CommandResult result = run_pwplay(command);
  EXPECT_EQ(result.exit_code, exit_code) << result.err;
  std::string actual = result.out;
  replace_all(actual, std::string(PWPLAY_SAMPLES_DIR) + "/", "<samples>/");
  replace_all(actual, std::string(PWPLAY_SOURCE_DIR) + "/samples/requests/", "<requests>/");
  if (const char* update = std::getenv("PWPLAY_UPDATE_GOLDEN"); update && *update == '1')
    return update_golden(name, engine, actual);
  const std::string expected_path = expected_path_for(name, engine);
  const std::string expected = read_text(expected_path);
  ASSERT_FALSE(expected.empty()) << expected_path << " is missing or empty";
  EXPECT_TRUE(expected == actual) << name << " on " << engine << ": the transcript changed\n"
                                  << first_differences(expected, actual);
}

TEST(GoldenTranscripts, DebugWalksTheWatSampleOnWabt) {
  PWPLAY_REQUIRE_ENGINE("wabt");
  check_transcript("debug_wabt_walk", "wabt",
                   {sample("add_header_wat"), "--request", request_file("get.json")});
}

// The other transcripts run on every engine, on the native one with the C++ samples built as shared
// objects (<samples>/native/NAME.so in its transcripts).
class GoldenOnEngine : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenOnEngine, DebugShowsWhatTheFilterChangedInBothBodies) {
  check_transcript(
      "debug_body_diff", GetParam(),
      {sample_for("body_rewrite", GetParam()), "--request", request_file("post.json")});
}

TEST_P(GoldenOnEngine, DebugInjectsAFaultAndComparesTheRuns) {
  check_transcript(
      "debug_inject_compare", GetParam(),
      {sample_for("http_callout", GetParam()), "--request", request_file("callout.json")});
}

// Its last commands are refused on purpose (bad numbers and conditions): the batch exits 1.
TEST_P(GoldenOnEngine, DebugStopsOnceAtATbreakAndWhereAConditionHolds) {
  check_transcript("debug_tbreak_condition", GetParam(),
                   {sample_for("add_header", GetParam()), "--request", request_file("get.json")},
                   1);
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(GoldenOnEngine);
INSTANTIATE_TEST_SUITE_P(GoldenTranscripts, GoldenOnEngine,
                         ::testing::ValuesIn(test::built_engines()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace pwplay::testing
