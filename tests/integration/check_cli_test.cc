// `pwplay check` explains each class of load failure (one WAT fixture per class, in
// tests/fixtures/check/), and `pwplay run` / `pwplay debug` report a failed start-up with the
// plugin's logs and the host calls before it.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "debugger/session.h"
#include "support/cli.h"
#include "support/session_support.h"
#include "support/wat.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<uint8_t> fixture_bytes(const std::string& name) {
  const std::string wat =
      read_text(std::string(PWPLAY_SOURCE_DIR) + "/tests/fixtures/check/" + name + ".wat");
  EXPECT_FALSE(wat.empty()) << name;
  return test::wat_to_wasm(wat);
}

// The fixture compiled into a module in `dir`.
std::string fixture(const UniqueTempDir& dir, const std::string& name) {
  const std::vector<uint8_t> wasm = fixture_bytes(name);
  return dir.write(name + ".wasm", std::string(wasm.begin(), wasm.end()));
}

struct Checked {
  int exit_code = -1;
  json out;
  std::string err;
};

Checked check_json(std::vector<std::string> args) {
  args.insert(args.begin(), "check");
  args.push_back("--json");
  CommandResult result = run_pwplay(args);
  Checked checked{result.exit_code, json::object(), result.err};
  try {
    checked.out = json::parse(result.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "output is not JSON: " << e.what() << "\n" << result.out << result.err;
  }
  return checked;
}

// The first problem of `problem_class`, or null.
json find_problem(const json& out, const std::string& problem_class) {
  for (const auto& problem : out["problems"])
    if (problem["class"] == problem_class) return problem;
  return nullptr;
}

bool contains(const json& value, const std::string& part) {
  return value.is_string() && value.get<std::string>().find(part) != std::string::npos;
}

// Checks that the filter fails to load with `problem_class` as its first problem.
json expect_failure(const Checked& checked, const std::string& problem_class) {
  EXPECT_EQ(checked.exit_code, 1) << checked.err;
  EXPECT_FALSE(checked.out.value("ok", true));
  if (!checked.out.contains("problems") || checked.out["problems"].empty()) {
    ADD_FAILURE() << "no problems in " << checked.out.dump(2);
    return nullptr;
  }
  const json& first = checked.out["problems"][0];
  EXPECT_EQ(first["class"], problem_class) << checked.out.dump(2);
  EXPECT_EQ(first["severity"], "error");
  EXPECT_FALSE(first["fix"].get<std::string>().empty());
  return first;
}

TEST(CheckCli, NoAbiMarker) {
  UniqueTempDir dir;
  Checked checked = check_json({fixture(dir, "no_abi_marker")});
  json problem = expect_failure(checked, "no-abi-marker");
  EXPECT_TRUE(contains(problem["message"], "proxy_abi_version_0_2_1")) << problem;
  EXPECT_EQ(checked.out["abi_version"], "");
  EXPECT_EQ(checked.out["engine"], "v8");
  EXPECT_TRUE(contains(checked.out["filter"], "no_abi_marker.wasm"));
}

TEST(CheckCli, UnknownAbiMarker) {
  UniqueTempDir dir;
  json problem =
      expect_failure(check_json({fixture(dir, "unknown_abi_marker")}), "unknown-abi-marker");
  EXPECT_TRUE(contains(problem["message"], "proxy_abi_version_0_3_0")) << problem;
}

TEST(CheckCli, MarkerThatDisagreesWithTheCallbacks) {
  UniqueTempDir dir;
  Checked checked = check_json({fixture(dir, "abi_marker_mismatch")});
  json problem = expect_failure(checked, "abi-marker-mismatch");
  EXPECT_EQ(problem["callback"], "proxy_on_request_headers");
  EXPECT_TRUE(contains(problem["message"], "declares ABI 0.1.0")) << problem;
  EXPECT_TRUE(contains(problem["message"], "the shape of ABI 0.2")) << problem;
  EXPECT_TRUE(contains(problem["message"], "Envoy refuses this module too")) << problem;
  EXPECT_EQ(checked.out["abi_version"], "0.1.0");
}

TEST(CheckCli, ImportNoHostProvidesNamesTheClosestHostFunction) {
  UniqueTempDir dir;
  json problem = expect_failure(check_json({fixture(dir, "unknown_import")}), "unknown-import");
  EXPECT_EQ(problem["host_call"], "proxy_get_header_map_valeu");
  EXPECT_TRUE(contains(problem["message"], "closest host function is proxy_get_header_map_value"))
      << problem;
}

TEST(CheckCli, ImportOnlyOtherAbiVersionsProvide) {
  UniqueTempDir dir;
  json problem = expect_failure(check_json({fixture(dir, "import_version")}), "import-version");
  EXPECT_EQ(problem["host_call"], "proxy_continue_stream");
  EXPECT_TRUE(contains(problem["message"], "only ABI 0.2.0, 0.2.1 provides")) << problem;
  EXPECT_TRUE(contains(problem["message"], "declares 0.1.0")) << problem;
}

TEST(CheckCli, WasiCallAtStartUp) {
  UniqueTempDir dir;
  for (const char* engine : {"v8", "wabt"}) {
    SCOPED_TRACE(engine);
    json problem = expect_failure(check_json({fixture(dir, "wasi_at_startup"), "--engine", engine}),
                                  "wasi-at-startup");
    EXPECT_EQ(problem["callback"], "_start");
    EXPECT_EQ(problem["host_call"], "fd_read");
    ASSERT_FALSE(problem["last_host_calls"].empty());
    EXPECT_EQ(problem["last_host_calls"].back()["name"], "fd_read");
  }
}

TEST(CheckCli, WasiCallPwplayRunsButEnvoyRefusesAtStartUp) {
  UniqueTempDir dir;
  const std::string filter = fixture(dir, "wasi_envoy_refuses");
  json problem = expect_failure(check_json({filter}), "wasi-at-startup");
  EXPECT_EQ(problem["callback"], "_initialize");
  EXPECT_EQ(problem["host_call"], "fd_fdstat_get");
  EXPECT_TRUE(contains(problem["message"], "Envoy allows only")) << problem;
  // pwplay itself runs the filter.
  CommandResult run = run_pwplay({"run", filter, "--request", request_file("get.json")});
  EXPECT_EQ(run.exit_code, 0) << run.err;
}

TEST(CheckCli, HostCallNotAllowedDuringStartUpNamesItsCaller) {
  UniqueTempDir dir;
  json problem = expect_failure(check_json({fixture(dir, "restricted_startup_call")}),
                                "restricted-startup-call");
  EXPECT_EQ(problem["callback"], "_initialize");
  EXPECT_EQ(problem["host_call"], "proxy_set_tick_period_milliseconds");
  EXPECT_TRUE(contains(problem["message"], "_initialize called proxy_set_tick_period_milliseconds"))
      << problem;
  bool caller_in_backtrace = false;
  for (const auto& frame : problem["backtrace"])
    caller_in_backtrace = caller_in_backtrace || frame["name"] == "init_globals";
  EXPECT_TRUE(caller_in_backtrace) << problem["backtrace"];
}

TEST(CheckCli, TrapInStartUpHasTheBacktraceAndTheLastHostCalls) {
  UniqueTempDir dir;
  for (const char* engine : {"v8", "wabt"}) {
    SCOPED_TRACE(engine);
    json problem = expect_failure(check_json({fixture(dir, "startup_trap"), "--engine", engine}),
                                  "startup-trap");
    EXPECT_EQ(problem["callback"], "proxy_on_vm_start");
    ASSERT_FALSE(problem["backtrace"].empty());
    EXPECT_EQ(problem["backtrace"][0]["name"], "parse_rules");
    ASSERT_FALSE(problem["last_host_calls"].empty());
    const json& call = problem["last_host_calls"].back();
    EXPECT_EQ(call["name"], "proxy_log");
    EXPECT_NE(call.dump().find("loading rules"), std::string::npos) << call;
    ASSERT_EQ(problem["logs"].size(), 1u);
    EXPECT_EQ(problem["logs"][0]["message"], "loading rules");
  }
}

TEST(CheckCli, ConfigureReturningFalseShowsTheLogs) {
  UniqueTempDir dir;
  const std::string filter = fixture(dir, "configure_false");
  json problem = expect_failure(check_json({filter}), "configure-false");
  EXPECT_EQ(problem["callback"], "proxy_on_configure");
  ASSERT_EQ(problem["logs"].size(), 1u);
  EXPECT_EQ(problem["logs"][0]["message"], "need config: the 'rules' field must be provided");
  EXPECT_EQ(problem["logs"][0]["level"], "error");
  // The text form says it too.
  CommandResult text = run_pwplay({"check", filter});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("does not load"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("error [configure-false]"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("need config: the 'rules' field must be provided"), std::string::npos)
      << text.out;
}

TEST(CheckCli, MemoryLimit) {
  UniqueTempDir dir;
  const std::string filter = fixture(dir, "memory_limit");
  json problem = expect_failure(check_json({filter, "--max-memory-pages", "8"}), "memory-limit");
  EXPECT_EQ(problem["callback"], "proxy_on_configure");
  EXPECT_TRUE(contains(problem["message"], "8 pages")) << problem;
  // Under the default limit the same filter loads: the limit is what failed it.
  Checked unlimited = check_json({filter});
  EXPECT_EQ(unlimited.exit_code, 0) << unlimited.out.dump(2);
  EXPECT_TRUE(unlimited.out["ok"].get<bool>());
}

TEST(CheckCli, RunawayLoop) {
  UniqueTempDir dir;
  json problem = expect_failure(check_json({fixture(dir, "runaway_loop"), "--budget-ms", "100"}),
                                "runaway-loop");
  EXPECT_EQ(problem["callback"], "proxy_on_configure");
  EXPECT_TRUE(contains(problem["message"], "100 ms")) << problem;
}

TEST(CheckCli, WarningsDoNotStopLoading) {
  UniqueTempDir dir;
  std::vector<uint8_t> wasm = fixture_bytes("warnings");
  Checked checked = check_json({dir.write("warnings.wasm", std::string(wasm.begin(), wasm.end()))});
  EXPECT_EQ(checked.exit_code, 0) << checked.out.dump(2);
  EXPECT_TRUE(checked.out["ok"].get<bool>());
  EXPECT_EQ(checked.out["abi_version"], "0.2.1");
  for (const char* problem_class : {"unused-export", "memory-no-maximum", "no-name-section"}) {
    json problem = find_problem(checked.out, problem_class);
    ASSERT_FALSE(problem.is_null()) << problem_class << "\n" << checked.out.dump(2);
    EXPECT_EQ(problem["severity"], "warning");
  }
  EXPECT_TRUE(
      contains(find_problem(checked.out, "unused-export")["message"], "helper_not_a_callback"));
  EXPECT_TRUE(find_problem(checked.out, "large-module").is_null());

  // Over 10 MB (a custom section of 11 MB appended) adds the size warning.
  const uint32_t payload = 11u * 1024 * 1024;
  const std::string name = "padding";
  std::vector<uint8_t> section;
  uint32_t size = payload + 1 + static_cast<uint32_t>(name.size());
  section.push_back(0);  // custom section id
  do {
    uint8_t byte = size & 0x7f;
    size >>= 7;
    section.push_back(size ? (byte | 0x80) : byte);
  } while (size);
  section.push_back(static_cast<uint8_t>(name.size()));
  section.insert(section.end(), name.begin(), name.end());
  section.resize(section.size() + payload, 0);
  wasm.insert(wasm.end(), section.begin(), section.end());
  Checked large = check_json({dir.write("large.wasm", std::string(wasm.begin(), wasm.end()))});
  EXPECT_EQ(large.exit_code, 0);
  json problem = find_problem(large.out, "large-module");
  ASSERT_FALSE(problem.is_null()) << large.out.dump(2);
  EXPECT_EQ(problem["severity"], "warning");
}

TEST(CheckCli, ASampleThatLoadsHasNoErrors) {
  Checked checked = check_json({sample("add_header")});
  EXPECT_EQ(checked.exit_code, 0) << checked.out.dump(2);
  EXPECT_TRUE(checked.out["ok"].get<bool>());
  for (const auto& problem : checked.out["problems"]) EXPECT_EQ(problem["severity"], "warning");
}

TEST(CheckCli, UnreadableFile) {
  Checked checked = check_json({"/nonexistent/filter.wasm"});
  json problem = expect_failure(checked, "unreadable");
  EXPECT_TRUE(contains(problem["message"], "/nonexistent/filter.wasm")) << problem;
}

// --- pwplay run and debug on a failed start-up ---------------------------------------------------

TEST(RunStartup, FailedStartUpIsAnObjectWithThePluginsLogs) {
  UniqueTempDir dir;
  const std::string filter = fixture(dir, "configure_false");
  CommandResult result =
      run_pwplay({"run", filter, "--request", request_file("get.json"), "--json"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  json out = json::parse(result.out);
  const json& startup = out["startup"];
  EXPECT_FALSE(startup["ok"].get<bool>());
  EXPECT_EQ(startup["phase"], "proxy_on_configure");
  EXPECT_TRUE(contains(startup["error"], "rejected its configuration")) << startup;
  EXPECT_TRUE(startup["backtrace"].is_array());
  ASSERT_EQ(startup["logs"].size(), 1u);
  EXPECT_EQ(startup["logs"][0]["message"], "need config: the 'rules' field must be provided");
  bool saw_configure = false;
  for (const auto& event : startup["trace"])
    saw_configure = saw_configure || event["name"] == "proxy_on_configure";
  EXPECT_TRUE(saw_configure) << startup["trace"].dump(2);

  // The text form shows the logs and the last host calls.
  CommandResult text = run_pwplay({"run", filter, "--request", request_file("get.json")});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.err.find("need config: the 'rules' field must be provided"), std::string::npos)
      << text.err;
  EXPECT_NE(text.err.find("the last host calls before the failure"), std::string::npos) << text.err;
  EXPECT_NE(text.err.find("proxy_log("), std::string::npos) << text.err;
}

TEST(RunStartup, TrapInStartUpHasItsBacktrace) {
  UniqueTempDir dir;
  CommandResult result = run_pwplay(
      {"run", fixture(dir, "startup_trap"), "--request", request_file("get.json"), "--json"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  json startup = json::parse(result.out)["startup"];
  EXPECT_EQ(startup["phase"], "proxy_on_vm_start");
  EXPECT_EQ(startup["fault"], "trap");
  ASSERT_FALSE(startup["backtrace"].empty());
  EXPECT_EQ(startup["backtrace"][0]["name"], "parse_rules");
}

TEST(RunStartup, SuccessfulStartUpCarriesItsTrace) {
  CommandResult result =
      run_pwplay({"run", sample("add_header"), "--request", request_file("get.json"), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json out = json::parse(result.out);
  EXPECT_TRUE(out["startup"]["ok"].get<bool>());
  bool saw_context_create = false;
  for (const auto& event : out["startup"]["trace"]) {
    EXPECT_NE(event["name"], "proxy_on_request_headers") << "a request event in start-up";
    saw_context_create = saw_context_create || event["name"] == "proxy_on_context_create";
  }
  EXPECT_TRUE(saw_context_create) << out["startup"].dump(2);
  EXPECT_EQ(out["response"]["status"], 200);
}

TEST(DebugStartup, FailedStartUpShowsThePluginsLogs) {
  UniqueTempDir dir;
  const std::string batch = dir.write("empty.batch", "");
  CommandResult result = run_pwplay({"debug", fixture(dir, "configure_false"), "--batch", batch});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("rejected its configuration"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("need config: the 'rules' field must be provided"), std::string::npos)
      << result.err;
}

TEST(DebugStartup, BreakStartupStopsInProxyOnConfigureOnTheFirstLoad) {
  UniqueTempDir dir;
  const std::string batch = dir.write("startup.batch", "bt\ncontinue\n");
  CommandResult result =
      run_pwplay({"debug", fixture(dir, "configure_false"), "--break-startup", "--batch", batch});
  // The filter rejects its configuration: the load fails after the pause, and says so.
  const size_t pause = result.out.find("Paused");
  ASSERT_NE(pause, std::string::npos) << result.out << result.err;
  EXPECT_NE(result.out.find("proxy_on_configure", pause), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("#0  callback proxy_on_configure("), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("error: "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("rejected its configuration"), std::string::npos) << result.out;
}

TEST(DebugStartup, BreakStartupThenARequest) {
  UniqueTempDir dir;
  const std::string batch = dir.write("startup.batch", "continue\ncontinue\nsend\n");
  CommandResult result = run_pwplay({"debug", sample("add_header"), "--break-startup", "--request",
                                     request_file("get.json"), "--batch", batch});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  const size_t pause = result.out.find("Paused");
  ASSERT_NE(pause, std::string::npos) << result.out;
  // add_header exports both start-up callbacks: it stops in each, in order.
  const size_t vm_start = result.out.find("proxy_on_vm_start", pause);
  ASSERT_NE(vm_start, std::string::npos) << result.out;
  EXPECT_NE(result.out.find("proxy_on_configure", vm_start), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("loaded "), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("finished: 200"), std::string::npos) << result.out;
}

// The app loads in the background: breakpoints set before the first load stop its start-up.
TEST(DebugStartup, BreakpointsSetBeforeTheFirstBackgroundLoadStopStartUp) {
  debugger::Session session;
  auto breakpoint = debugger::make_breakpoint("proxy_on_configure", "");
  ASSERT_TRUE(breakpoint.ok()) << breakpoint.error().message;
  session.add_breakpoint(*breakpoint);
  debugger::PluginSpec spec;
  spec.wasm_path = sample("add_header");
  session.load_in_background(spec);
  ASSERT_EQ(session.wait(), debugger::Session::State::Paused);
  auto paused = session.pause();
  ASSERT_TRUE(paused.has_value());
  EXPECT_EQ(paused->event.name, "proxy_on_configure");
  ASSERT_TRUE(session.resume(debugger::ResumeMode::Continue));
  ASSERT_EQ(session.wait(), debugger::Session::State::Idle);
  EXPECT_TRUE(session.plugin_info().loaded) << session.plugin_info().error;
}

// --- Suspicious arguments, flagged in the trace ------------------------------------------------

// Reads the request body with the size it wants (64) passed as ret_size, as a buggy SDK does.
constexpr const char* kSizeAsPointer = R"((module
  (import "env" "proxy_get_buffer_bytes"
    (func $get_buffer (param i32 i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 2 64)
  (global $heap (mut i32) (i32.const 4096))
  (func $malloc (export "malloc") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $heap))
    (global.set $heap (i32.add (global.get $heap) (local.get $size)))
    (local.get $p))
  (func (export "proxy_abi_version_0_2_1"))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_request_body") (param i32 i32 i32) (result i32)
    (drop (call $get_buffer (i32.const 0) (i32.const 0) (i32.const 64) (i32.const 2048)
                            (i32.const 64)))
    (i32.const 0)))
)";

TEST(SuspiciousArguments, ASizePassedAsAnOutPointerIsFlaggedInTheTrace) {
  UniqueTempDir dir;
  const std::vector<uint8_t> wasm = test::wat_to_wasm(kSizeAsPointer);
  const std::string filter =
      dir.write("size_as_pointer.wasm", std::string(wasm.begin(), wasm.end()));
  const std::string request = dir.write(
      "post.json", R"({"method":"POST","path":"/","headers":[["host","x"]],"body":"hello"})");
  CommandResult result = run_pwplay({"run", filter, "--request", request, "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json out = json::parse(result.out);
  bool flagged = false;
  for (const auto& event : out["trace"]) {
    if (event["name"] != "proxy_get_buffer_bytes") continue;
    ASSERT_TRUE(event.contains("warnings")) << event;
    flagged = contains(event["warnings"][0], "ret_size is 64, the same as max_size");
  }
  EXPECT_TRUE(flagged) << out["trace"].dump(2);
  CommandResult text = run_pwplay({"run", filter, "--request", request});
  EXPECT_NE(text.out.find("suspicious arguments:"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("! ret_size is 64"), std::string::npos) << text.out;
  // The debugger shows the warning at the host call's pause.
  const std::string batch =
      dir.write("break.batch", "break proxy_get_buffer_bytes\nsend\ncontinue\n");
  CommandResult debug = run_pwplay({"debug", filter, "--request", request, "--batch", batch});
  EXPECT_NE(debug.out.find("warning: ret_size is 64, the same as max_size"), std::string::npos)
      << debug.out << debug.err;
}

}  // namespace
}  // namespace pwplay::testing
