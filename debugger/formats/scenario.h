// Scenario tests: a JSON file of requests and what must come out of the filter (status, headers,
// bodies, logs, host calls, no trap), run headless by `pwplay test` in CI. Also builds a scenario
// from a request the user ran in the app, so an observed outcome becomes a regression test.
//
//   {"filter": "${PWPLAY_SAMPLES}/add_header.wasm", "engine": "v8", "config": "...",
//    "scenarios": [{"name": "adds a header", "request": {...} | "req.json",
//                   "expect": {"status": 200, "headers": {"x-a": "v"}, "no_trap": true}}]}
//
// The format is documented in docs/formats.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "abi/result.h"
#include "debugger/formats/request_file.h"
#include "debugger/plugin_spec.h"
#include "debugger/runner.h"

namespace pwplay::debugger {

// What must hold after the run; unset fields are not checked.
struct Expectations {
  std::optional<uint32_t> status;
  std::vector<std::pair<std::string, std::string>> headers;  // response header name -> value
  std::vector<std::string> headers_present;
  std::vector<std::string> headers_absent;
  std::vector<std::pair<std::string, std::string>> upstream_headers;
  std::vector<std::string> upstream_headers_present;
  std::vector<std::string> upstream_headers_absent;
  std::optional<bool> upstream_reached;
  std::optional<std::string> body_contains;
  std::optional<std::string> body_equals;
  std::optional<std::string> upstream_body_equals;
  std::vector<std::string> logs_contain;
  std::vector<std::pair<std::string, uint64_t>> host_calls;  // host function -> exact count
  std::optional<bool> no_trap;  // true: no filter failure; false: a failure must happen
  std::optional<bool> local_response;
};

struct Scenario {
  std::string name;
  std::string description;
  RequestFile request;
  PluginSpec plugin;
  Expectations expect;
};

struct ScenarioSuite {
  std::string path;  // the scenario file
  std::string description;
  std::vector<Scenario> scenarios;
};

struct ScenarioLoadOptions {
  std::optional<std::string> engine;       // wins over the file (pwplay test --engine)
  std::optional<std::string> samples_dir;  // the value of ${PWPLAY_SAMPLES}
  // Scenario files are untrusted: true (pwplay test, unless --allow-paths-outside) refuses a path
  // that resolves outside the scenario file's folder and samples_dir.
  bool confine_paths = false;
};

// Paths in the file (filter, plugin_config, config_file, request files) may use ${NAME}:
// PWPLAY_SAMPLES (options.samples_dir, else the environment), PWPLAY_SCENARIO_DIR (the scenario
// file's directory), or any environment variable; a relative path is relative to the scenario
// file. A value from the environment is never shown in an error (the path appears as written),
// and with options.confine_paths every path must stay inside the scenario's folder or
// samples_dir (docs/reliability.md, "Trust model for input files"). Errors name the file, the JSON
// path and what was expected; unknown fields list the allowed ones.
Result<ScenarioSuite> parse_scenarios(const nlohmann::json& json, const std::string& file,
                                      const ScenarioLoadOptions& options = {});
Result<ScenarioSuite> load_scenarios(const std::string& path,
                                     const ScenarioLoadOptions& options = {});

// One expectation that did not hold: "status: expected 200, got 401" plus detail lines.
struct Mismatch {
  std::string what;      // "status", "header 'x-a'", "body_contains", "host_calls.proxy_log"
  std::string expected;  // already quoted for display
  std::string actual;
  std::vector<std::string> details;  // extra lines (a body window, the logs, ...)
};
std::vector<Mismatch> check_expectations(const Expectations& expect, const RunResult& result);

struct ScenarioResult {
  std::string name;
  bool passed = false;
  std::vector<Mismatch> mismatches;
  std::string error;  // the filter could not be run at all (missing module, failed start-up)
  double seconds = 0;
};
ScenarioResult run_scenario(const Scenario& scenario, const LimitSettings& limits = {});

// The expected-vs-actual text of a failed scenario, one line per mismatch, indented by two.
std::string failure_text(const ScenarioResult& result);

// JUnit XML (testsuites > testsuite per file > testcase, failure/error with failure_text).
struct SuiteResult {
  std::string name;  // the scenario file's name
  std::vector<ScenarioResult> results;
};
std::string junit_xml(const std::vector<SuiteResult>& suites);

// A scenario JSON object from a request and its run, expecting what was observed: the status,
// the headers the filter added or removed (response and upstream), whether the upstream was
// reached or a local response was sent, and no_trap. Errors when the stream never completed.
Result<nlohmann::json> scenario_from_run(const RequestFile& request, const RunResult& result);

// Appends a scenario to a scenario file (created with "filter": `filter_path` when missing),
// atomically. An existing file that is not valid scenario JSON is left untouched (error).
Result<void> append_scenario(const std::string& path, const nlohmann::json& scenario,
                             const std::string& filter_path);

}  // namespace pwplay::debugger
