// `pwplay test SCENARIOS.json... [--har FILE --filter FILTER.wasm [plugin options]] [--engine E]
// [--junit out.xml] [--samples-dir DIR]`: runs scenario files, and the entries of a HAR file as
// scenarios, headless for CI. Prints PASS/FAIL per scenario with an expected-vs-actual diff, then
// "N passed, M failed"; exits 0 when all pass, 1 when any fails, 2 for a bad scenario or HAR file.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/cli/commands.h"
#include "app/cli/limit_args.h"
#include "app/cli/plugin_args.h"
#include "debugger/formats/atomic_file.h"
#include "debugger/formats/har.h"
#include "debugger/formats/har_scenarios.h"
#include "debugger/formats/scenario.h"
#include "host/trace.h"

namespace pwplay::app {
namespace {

constexpr int kExitBadScenarioFile = 2;

struct TestArgs {
  std::vector<std::string> files;
  std::string engine;
  std::string junit;
  std::string samples_dir;
  std::string har;
  std::string filter;
  bool allow_paths_outside = false;
  PluginFlags plugin;  // the plugin the --har entries run through
  LimitFlags limits;   // for every scenario and entry
};

// The --har file as a suite, every entry run through --filter with the plugin options (and
// --engine). Errors name the file, or the option that is missing.
Result<debugger::ScenarioSuite> har_suite(const TestArgs& args) {
  auto spec = args.plugin.spec(args.filter);
  if (!spec) return unexpected(spec.error());
  if (!spec->has_module())
    return make_error("--har " + args.har +
                      ": no filter to run the entries through: give --filter FILTER.wasm (or a "
                      "--plugin-config that names the module)");
  if (!args.engine.empty()) spec->engine = args.engine;
  auto har = debugger::load_har_file(args.har);
  if (!har) return unexpected(har.error());
  auto requests = debugger::select_har_entries(*har, std::nullopt, args.har);
  if (!requests) return unexpected(requests.error());
  return debugger::har_scenarios(args.har, *requests, *spec);
}

// ${PWPLAY_SAMPLES}: --samples-dir, else the environment, else the samples built next to this
// executable (BUILD/app/pwplay -> BUILD/samples).
std::optional<std::string> samples_dir(const TestArgs& args) {
  namespace fs = std::filesystem;
  if (!args.samples_dir.empty()) return args.samples_dir;
  if (const char* env = std::getenv("PWPLAY_SAMPLES"); env && *env) return std::string(env);
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  for (fs::path candidate :
       {exe.parent_path().parent_path() / "samples", exe.parent_path() / "samples"}) {
    if (fs::is_directory(candidate, ec)) return candidate.string();
  }
  return std::nullopt;
}

// Failure text as lines on a terminal: each line's control bytes escaped, its newline kept.
std::string printable_lines(const std::string& text) {
  std::string out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    out += host::printable_text(std::string_view(text).substr(start, end - start));
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}

int run(const TestArgs& args) {
  debugger::ScenarioLoadOptions options;
  if (!args.engine.empty()) options.engine = args.engine;
  options.samples_dir = samples_dir(args);
  options.confine_paths = !args.allow_paths_outside;
  // A relative directory given on the command line or in the environment means from here, not
  // from the scenario file.
  if (options.samples_dir) {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(*options.samples_dir, ec);
    if (!ec) options.samples_dir = absolute.string();
  }

  if (args.har.empty() && (!args.filter.empty() || args.plugin.any_given())) {
    std::fprintf(stderr,
                 "pwplay test: --filter and the plugin options (but --property) apply to --har "
                 "entries only; scenario files name their filter\n");
    return kExitUsage;
  }
  auto limits = args.limits.settings();
  if (!limits) {
    print_failure("test", limits.error().message);
    return kExitUsage;
  }
  if (args.files.empty() && args.har.empty()) {
    std::fprintf(stderr, "pwplay test: nothing to run: give scenario files, or --har FILE\n");
    return kExitUsage;
  }

  // Load every file first: a bad file stops the run before anything executes.
  std::vector<debugger::ScenarioSuite> suites;
  for (const auto& file : args.files) {
    auto suite = debugger::load_scenarios(file, options);
    if (!suite) {
      print_failure("test", host::printable_text(suite.error().message));
      return kExitBadScenarioFile;
    }
    // --property, like the limits, applies to every scenario's filter.
    for (auto& scenario : suite->scenarios)
      for (const auto& [path, value] : args.plugin.properties())
        scenario.plugin.properties[path] = value;
    suites.push_back(std::move(*suite));
  }
  if (!args.har.empty()) {
    auto suite = har_suite(args);
    if (!suite) {
      print_failure("test", host::printable_text(suite.error().message));
      return kExitBadScenarioFile;
    }
    suites.push_back(std::move(*suite));
  }

  size_t passed = 0, failed = 0;
  std::vector<debugger::SuiteResult> results;
  for (const auto& suite : suites) {
    debugger::SuiteResult suite_result;
    suite_result.name = std::filesystem::path(suite.path).filename().string();
    if (suites.size() > 1) std::printf("%s\n", host::printable_text(suite.path).c_str());
    for (const auto& scenario : suite.scenarios) {
      debugger::ScenarioResult result = debugger::run_scenario(scenario, *limits);
      if (result.passed) {
        ++passed;
        std::printf("PASS %s\n", host::printable_text(result.name).c_str());
      } else {
        ++failed;
        std::printf("FAIL %s\n%s", host::printable_text(result.name).c_str(),
                    printable_lines(debugger::failure_text(result)).c_str());
      }
      std::fflush(stdout);
      suite_result.results.push_back(std::move(result));
    }
    results.push_back(std::move(suite_result));
  }
  std::printf("%zu passed, %zu failed\n", passed, failed);

  if (!args.junit.empty()) {
    auto written = debugger::write_file_atomically(args.junit, debugger::junit_xml(results));
    if (!written) {
      return report_failure("test", kExitError,
                            "cannot write the JUnit report: " + written.error().message);
    }
  }
  return failed == 0 ? kExitOk : kExitError;
}

}  // namespace

void add_test_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<TestArgs>();
  CLI::App* cmd = app.add_subcommand(
      "test", "Run scenario files (requests and expectations) against filters, for CI");
  cmd->add_option("scenarios", args->files, "Scenario files (JSON); optional with --har");
  cmd->add_option("--engine", args->engine, "Wasm engine for every scenario (overrides the files)");
  cmd->add_option("--har", args->har,
                  "Also run every entry of this HAR file as a scenario: its request, its recorded "
                  "response as the upstream's answer, its recorded status expected");
  cmd->add_option("--filter", args->filter, "The filter the --har entries run through (.wasm)");
  add_plugin_options(cmd, args->plugin, MaxMemoryPagesOption::Offer, EngineOption::Omit);
  add_limit_options(cmd, args->limits);
  cmd->add_option("--junit", args->junit, "Also write a JUnit XML report to this file");
  cmd->add_flag("--allow-paths-outside", args->allow_paths_outside,
                "Let scenario files name files outside their own folder and the samples folder "
                "(scenario files are untrusted input: by default they cannot)");
  cmd->add_option("--samples-dir", args->samples_dir,
                  "Value of ${PWPLAY_SAMPLES} in scenario files (default: the built samples)");
  cmd->callback([args, &exit_code] { exit_code = run(*args); });
}

}  // namespace pwplay::app
