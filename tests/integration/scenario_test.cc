// Scenario tests end to end: `pwplay test` on the committed sample scenarios
// (what CI runs), on failing scenarios (exit code, the diff, the summary line,
// the JUnit report), on bad scenario files (exit 2 and the place), and saving a
// run as a scenario that then passes.
#include "debugger/formats/scenario.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "debugger/runner.h"
#include "support/cli.h"
#include "support/engines.h"
#include "support/session_support.h"

namespace pwplay::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string sample_scenarios() {
  return std::string(PWPLAY_SOURCE_DIR) + "/samples/scenarios/add_header.json";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// A scenario file in a temporary directory, with the sample module path (for `engine`) filled
// in.
std::string scenario_file(const std::string& name, json document, const std::string& engine = "") {
  if (!document.contains("filter"))
    document["filter"] = engine.empty() ? sample("add_header") : sample_for("add_header", engine);
  return write_temp_file(name, document.dump(2));
}

// `pwplay test` on the sample scenarios on `engine`, with `extra` arguments. The native engine
// runs the C++ samples' shared objects: a copy of the file names NAME.so where it names NAME.wasm,
// and ${PWPLAY_SAMPLES} is the folder of the native builds.
CommandResult test_sample_scenarios(const std::string& engine,
                                    const std::vector<std::string>& extra = {}) {
  std::vector<std::string> args = {"test", sample_scenarios(), "--engine", engine};
  if (engine == "native") {
    std::string text = read_text(sample_scenarios());
    for (size_t at = text.find(".wasm\""); at != std::string::npos; at = text.find(".wasm\"", at))
      text.replace(at, 5, ".so");
    args[1] = write_temp_file("add_header.json", text);
    args.insert(args.end(), {"--samples-dir", std::string(PWPLAY_SAMPLES_DIR) + "/native"});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return run_pwplay(args);
}

// Scenarios, and runs saved as scenarios, pass and fail the same way on every engine
// (`pwplay test --engine`); the native engine runs the C++ samples built as shared objects.
class ScenarioOnEngine : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioOnEngine, SampleScenariosPass) {
  CommandResult result = test_sample_scenarios(GetParam());
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(contains(result.out, "PASS add_header adds a request and a response header\n"))
      << result.out;
  EXPECT_TRUE(contains(result.out, "PASS local_response answers 401 without credentials\n"));
  EXPECT_TRUE(contains(result.out,
                       "PASS http_callout resumes the request "
                       "after the auth service says yes\n"));
  EXPECT_TRUE(contains(result.out, "\n6 passed, 0 failed\n")) << result.out;
  EXPECT_FALSE(contains(result.out, "FAIL"));
}

TEST(ScenarioCli, SamplesDirectoryCanBeGivenExplicitly) {
  PWPLAY_REQUIRE_ENGINE("v8");
  CommandResult result = run_pwplay(
      {"test", sample_scenarios(), "--samples-dir", PWPLAY_SAMPLES_DIR, "--engine", "v8"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(contains(result.out, "6 passed, 0 failed\n")) << result.out;
  // A relative directory is relative to where pwplay runs, not to the scenario file.
  std::string relative = fs::relative(PWPLAY_SAMPLES_DIR, fs::current_path()).string();
  CommandResult from_here = run_pwplay({"test", sample_scenarios(), "--samples-dir", relative});
  EXPECT_EQ(from_here.exit_code, 0) << relative << "\n" << from_here.out << from_here.err;
  CommandResult wrong = run_pwplay({"test", sample_scenarios(), "--samples-dir", "/nonexistent"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
  EXPECT_TRUE(
      contains(wrong.out, "could not run the filter: /nonexistent/add_header.wasm: no such file"))
      << wrong.out;
  EXPECT_TRUE(contains(wrong.out, "0 passed, 6 failed\n")) << wrong.out;
}

TEST_P(ScenarioOnEngine, FailingScenariosShowADiffAndExitOne) {
  json document = json::parse(R"({
    "scenarios": [
      {"name": "passes", "request": {"path": "/ok", "headers": [["host", "a"]]},
       "expect": {"status": 200, "no_trap": true}},
      {"name": "expects <the wrong> & \"things\"",
       "request": {"path": "/hello", "headers": [["host", "example.com"]]},
       "expect": {
         "status": 201,
         "headers": {"x-wasm-response": "something-else", "x-missing": "v"},
         "headers_absent": ["x-wasm-response"],
         "upstream_headers_present": ["x-never"],
         "body_contains": "no such text",
         "logs_contain": ["not logged"],
         "host_calls": {"proxy_add_header_map_value": 1, "proxy_http_call": 1},
         "local_response": true,
         "upstream_reached": false,
         "no_trap": false
       }}
    ]})");
  std::string path = scenario_file("failing.json", document, GetParam());
  std::string junit = (fs::path(path).parent_path() / "report.xml").string();
  CommandResult result = run_pwplay({"test", path, "--junit", junit, "--engine", GetParam()});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  const std::string& out = result.out;
  EXPECT_TRUE(contains(out, "PASS passes\n")) << out;
  EXPECT_TRUE(contains(out, "FAIL expects <the wrong> & \"things\"\n")) << out;
  EXPECT_TRUE(contains(out, "  status: expected 201, got 200\n")) << out;
  EXPECT_TRUE(contains(out,
                       "  response header 'x-wasm-response': expected \"something-else\", got "
                       "\"add-header\"\n"))
      << out;
  EXPECT_TRUE(contains(out, "  response header 'x-missing': expected \"v\", got (absent)\n"))
      << out;
  EXPECT_TRUE(contains(out,
                       "  response header 'x-wasm-response': expected "
                       "(absent), got \"add-header\"\n"))
      << out;
  EXPECT_TRUE(contains(out, "  upstream header 'x-never': expected present, got (absent)\n"))
      << out;
  EXPECT_TRUE(contains(out,
                       "  body_contains: expected a response body "
                       "containing \"no such text\", got \"{"))
      << out;
  EXPECT_TRUE(
      contains(out, "  logs_contain: expected a log message containing \"not logged\", got "))
      << out;
  EXPECT_TRUE(contains(out, "\n      [info] \"add-header: GET /hello\"\n")) << out;
  EXPECT_TRUE(contains(out,
                       "  host_calls.proxy_add_header_map_value: expected "
                       "1 call, got 2 calls\n"))
      << out;
  EXPECT_TRUE(contains(out, "  host_calls.proxy_http_call: expected 1 call, got 0 calls\n")) << out;
  EXPECT_TRUE(contains(out, "  local_response: expected true, got false\n")) << out;
  EXPECT_TRUE(contains(out, "  upstream_reached: expected false, got true\n")) << out;
  EXPECT_TRUE(contains(out,
                       "  no_trap: expected a filter failure (no_trap is "
                       "false), got no failure\n"))
      << out;
  EXPECT_TRUE(contains(out, "\n1 passed, 1 failed\n")) << out;

  std::string xml = read_text(junit);
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 0), 0u) << xml;
  EXPECT_TRUE(contains(xml, "<testsuites name=\"pwplay\" tests=\"2\" failures=\"1\" errors=\"0\""))
      << xml;
  EXPECT_TRUE(contains(xml,
                       "<testsuite name=\"failing.json\" tests=\"2\" "
                       "failures=\"1\" errors=\"0\""))
      << xml;
  EXPECT_TRUE(contains(xml, "<testcase name=\"passes\" classname=\"failing.json\"")) << xml;
  EXPECT_TRUE(
      contains(xml, "<testcase name=\"expects &lt;the wrong&gt; &amp; &quot;things&quot;\""))
      << xml;
  EXPECT_TRUE(contains(xml, "<failure message=\"12 expectations failed\">")) << xml;
  EXPECT_TRUE(contains(xml, "  status: expected 201, got 200\n")) << xml;
  // Failure text keeps its quotes readable; only attributes escape them.
  EXPECT_TRUE(contains(xml,
                       "  response header 'x-wasm-response': expected \"something-else\", got "
                       "\"add-header\"\n"))
      << xml;
  EXPECT_TRUE(contains(xml, "</failure>\n    </testcase>")) << xml;
  EXPECT_FALSE(fs::exists(junit + ".tmp")) << "temporary report left behind";
}

TEST_P(ScenarioOnEngine, BodyDifferencesPointAtTheFirstDifferentByte) {
  json document = json::parse(R"({
    "filter": "LOCAL",
    "scenarios": [{"name": "body", "request": {"path": "/"},
                   "expect": {"body_equals": "missing authorisation\n"}}]})");
  document["filter"] = sample_for("local_response", GetParam());
  CommandResult result =
      run_pwplay({"test", scenario_file("body.json", document), "--engine", GetParam()});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_TRUE(contains(result.out,
                       "  body_equals: expected \"missing authorisation\\n\", got \"missing "
                       "authorization\\n\"\n      first difference at byte 15 (line 1, column "
                       "16)\n"))
      << result.out;
}

TEST_P(ScenarioOnEngine, TrapsAreReported) {
  PWPLAY_REQUIRE_SAMPLE("trap", GetParam());
  json document = json::parse(R"({
    "scenarios": [{"name": "trap", "request": "REQ", "expect": {"no_trap": true, "status": 503}}]})");
  document["filter"] = sample("trap");
  document["scenarios"][0]["request"] = request_file("get.json");
  // The request file lies outside the scenario's folder (samples/requests): allowed by the flag.
  CommandResult result = run_pwplay({"test", scenario_file("trap.json", document), "--engine",
                                     GetParam(), "--allow-paths-outside"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_TRUE(contains(result.out,
                       "  no_trap: expected no filter failure, got trap in "
                       "proxy_on_request_headers: "))
      << result.out;
  EXPECT_FALSE(contains(result.out, "status:")) << result.out;  // 503 was right
  EXPECT_TRUE(contains(result.out, "0 passed, 1 failed\n"));
}

TEST(ScenarioCli, BadScenarioFilesExitTwoAndNameThePlace) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"({"filter": "f.wasm", "scenarios": [{"name": "a", "request": {}, "expect": {"stauts": 200}}]})",
       ": scenarios[0].expect: unknown field 'stauts' (allowed: status, "
       "headers, headers_present, "
       "headers_absent, upstream_headers, upstream_headers_present, "
       "upstream_headers_absent, "
       "upstream_reached, body_contains, body_equals, upstream_body_equals, "
       "logs_contain, "
       "host_calls, no_trap, local_response)"},
      {R"({"filter": "f.wasm", "senarios": []})",
       ": unknown field 'senarios' (allowed: filter, engine, config, "
       "config_file, plugin_config, "
       "fail_open, root_id, vm_id, description, scenarios)"},
      {R"({"filter": "f.wasm", "scenarios": [{"name": "a", "request": {}, "expected": {}}]})",
       ": scenarios[0]: unknown field 'expected' (allowed: filter, engine, "
       "config, config_file, "
       "plugin_config, fail_open, root_id, vm_id, name, description, request, "
       "expect)"},
      {R"({"filter": "f.wasm", "scenarios": [{"name": "a", "request": {"pth": "/"}}]})",
       ": scenarios[0].request: unknown field 'pth'"},
      {R"({"filter": "f.wasm", "scenarios": [{"name": "a", "request": {}, "expect": {"status": "200"}}]})",
       ": scenarios[0].expect.status: expected an HTTP status code (100-999), "
       "got a string"},
      {R"({"filter": "f.wasm", "scenarios": [{"name": "a", "request": {},
           "expect": {"host_calls": {"proxy_log": -1}}}]})",
       ": scenarios[0].expect.host_calls.proxy_log: expected a call count (a "
       "non-negative "
       "integer), got an integer (-1)"},
      {R"({"filter": "f.wasm", "scenarios": [{"name": "a", "request": {}, "expect": {"headers": {"x": 1}}}]})",
       ": scenarios[0].expect.headers.x: expected a string, got an integer "
       "(1)"},
      {R"({"filter": "f.wasm", "scenarios": [{"name": "a", "request": {}},
                                            {"name": "a", "request": {}}]})",
       ": scenarios[1].name: \"a\" is used by an earlier scenario"},
      {R"({"scenarios": [{"name": "a", "request": {}}]})",
       ": scenarios[0]: no filter: give \"filter\" in the scenario or at the "
       "top of the file"},
      {R"({"filter": "${NO_SUCH_PWPLAY_VARIABLE}/f.wasm", "scenarios": [{"name": "a", "request": {}}]})",
       ": filter: ${NO_SUCH_PWPLAY_VARIABLE} is not set (set it in the "
       "environment)"},
      {R"({"filter": "f.wasm", "scenarios": [{"name": "a", "request": "missing.json"}]})",
       "missing.json: cannot open file"},
      {R"({"filter": "f.wasm", "scenarios": []})", ": scenarios: the list is empty"},
      {R"({"filter": "f.wasm", "scenarios": [{"request": {}}]})",
       ": scenarios[0].name: missing; every scenario needs a name"},
      {"{\"filter\": \"f.wasm\",\n \"scenarios\": [\n  {\"name\": \"a\" "
       "\"request\": {}}]}",
       ":3:"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    SCOPED_TRACE(cases[i].text);
    std::string path = write_temp_file("bad" + std::to_string(i) + ".json", cases[i].text);
    CommandResult result = run_pwplay({"test", path});
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_TRUE(contains(result.err, "pwplay test: " + path)) << result.err;
    EXPECT_TRUE(contains(result.err, cases[i].message)) << result.err;
    EXPECT_EQ(result.out, "") << "nothing runs when a scenario file is bad";
  }
  CommandResult missing = run_pwplay({"test", "/no/such/scenarios.json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(contains(missing.err, "/no/such/scenarios.json: cannot open file")) << missing.err;
  CommandResult usage = run_pwplay({"test"});
  EXPECT_EQ(usage.exit_code, 2) << usage.err;
}

TEST(ScenarioCli, EngineOverrideAppliesToEveryScenario) {
  CommandResult result = run_pwplay({"test", sample_scenarios(), "--engine", "no-such-engine"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_TRUE(contains(result.out, "could not run the filter")) << result.out;
  EXPECT_TRUE(contains(result.out, "0 passed, 6 failed\n")) << result.out;
}

TEST_P(ScenarioOnEngine, JunitReportWithAllPassing) {
  std::string junit = write_temp_file("passing.xml", "previous report");
  CommandResult result = test_sample_scenarios(GetParam(), {"--junit", junit});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  std::string xml = read_text(junit);
  EXPECT_TRUE(contains(xml,
                       "<testsuite name=\"add_header.json\" tests=\"6\" "
                       "failures=\"0\" errors=\"0\""))
      << xml;
  EXPECT_TRUE(contains(xml,
                       "<testcase name=\"local_response answers 401 without credentials\" "
                       "classname=\"add_header.json\" time=\""))
      << xml;
  EXPECT_FALSE(contains(xml, "<failure"));
  // A report that cannot be written is an error, even when every scenario
  // passed.
  CommandResult unwritable =
      test_sample_scenarios(GetParam(), {"--junit", "/no/such/dir/report.xml"});
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_TRUE(contains(unwritable.err, "cannot write the JUnit report: /no/such/dir/report.xml"))
      << unwritable.err;
}

// The app's "save as scenario": a run's request and outcome become a scenario
// that passes.
TEST_P(ScenarioOnEngine, ObservedOutcomeBecomesAPassingScenario) {
  auto request = debugger::load_request_file(request_file("get.json"));
  ASSERT_TRUE(request.ok()) << request.error().message;
  debugger::PluginSpec options;
  options.wasm_path = sample_for("add_header", GetParam());
  options.engine = GetParam();
  auto run = debugger::run_once(options, *request);
  ASSERT_TRUE(run.ok()) << run.error().message;
  auto scenario = debugger::scenario_from_run(*request, *run);
  ASSERT_TRUE(scenario.ok()) << scenario.error().message;
  const json& expect = (*scenario)["expect"];
  EXPECT_EQ((*scenario)["name"], "GET /hello");
  EXPECT_EQ(expect["status"], 200);
  EXPECT_EQ(expect["headers"], json::parse(R"({"x-wasm-response": "add-header"})"));
  EXPECT_EQ(expect["upstream_headers"], json::parse(R"({"x-wasm-filter": "add-header"})"));
  EXPECT_EQ(expect["no_trap"], true);
  EXPECT_EQ(expect["local_response"], false);
  EXPECT_EQ(expect["upstream_reached"], true);

  // Saved twice into a new file (the second gets a distinct name), then run by
  // `pwplay test`.
  const UniqueTempDir dir;
  std::string path = dir.file("saved.json");
  ASSERT_TRUE(debugger::append_scenario(path, *scenario, options.wasm_path).ok());
  ASSERT_TRUE(debugger::append_scenario(path, *scenario, options.wasm_path).ok());
  json saved = json::parse(read_text(path));
  ASSERT_EQ(saved["scenarios"].size(), 2u);
  EXPECT_EQ(saved["scenarios"][1]["name"], "GET /hello (2)");
  CommandResult result = run_pwplay({"test", path, "--engine", GetParam()});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(contains(result.out, "2 passed, 0 failed\n")) << result.out;
  EXPECT_EQ(debugger::check_expectations(debugger::load_scenarios(path)->scenarios[0].expect, *run)
                .size(),
            0u);
}

// A local response and a trap are captured as such.
TEST_P(ScenarioOnEngine, ATrapBecomesAScenarioThatExpectsIt) {
  PWPLAY_REQUIRE_SAMPLE("trap", GetParam());
  auto request = debugger::load_request_file(request_file("get.json"));
  ASSERT_TRUE(request.ok()) << request.error().message;
  debugger::PluginSpec options;
  options.wasm_path = sample("trap");
  options.engine = GetParam();
  auto trapped = debugger::run_once(options, *request);
  ASSERT_TRUE(trapped.ok()) << trapped.error().message;
  auto trap_scenario = debugger::scenario_from_run(*request, *trapped);
  ASSERT_TRUE(trap_scenario.ok());
  EXPECT_EQ((*trap_scenario)["expect"]["no_trap"], false);
  EXPECT_EQ((*trap_scenario)["expect"]["local_response"], true);
  EXPECT_EQ((*trap_scenario)["expect"]["status"], 503);
}

TEST(ScenarioFromRun, AppendRefusesToTouchAnInvalidFile) {
  std::string path = write_temp_file("not_scenarios.json", "{\"log\": {}}");
  auto appended = debugger::append_scenario(path, json::object(), "f.wasm");
  ASSERT_FALSE(appended.ok());
  EXPECT_TRUE(contains(appended.error().message, path + ": unknown field 'log'"))
      << appended.error().message;
  EXPECT_EQ(read_text(path), "{\"log\": {}}");
  std::string broken = write_temp_file("broken_scenarios.json", "{\"scenarios\": [");
  auto not_json = debugger::append_scenario(broken, json::object(), "f.wasm");
  ASSERT_FALSE(not_json.ok());
  EXPECT_TRUE(contains(not_json.error().message, broken + ":1:")) << not_json.error().message;
  EXPECT_EQ(read_text(broken), "{\"scenarios\": [");
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(ScenarioOnEngine);
INSTANTIATE_TEST_SUITE_P(Scenario, ScenarioOnEngine, ::testing::ValuesIn(test::built_engines()),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace pwplay::testing
