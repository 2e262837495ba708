// Engine parity: every sample, with its request, through `debugger::run_once` on V8 (the
// reference) and on each other engine. What reached the upstream and the client, the logs, the
// metrics, the failure and the trace must be the same, event by event, apart from timings.
// Native filters are the C++ samples built as shared objects; for them pointer values, wasm
// memory growth and the wasm start-up exports (_initialize) are not comparable and are left out.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "debugger/formats/report_json.h"
#include "debugger/formats/request_file.h"
#include "debugger/runner.h"
#include "support/engines.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;

struct ParityCase {
  std::string sample;   // file name without extension
  std::string request;  // under samples/requests
  bool cpp = false;     // has a native build
};

const std::vector<ParityCase>& cases() {
  static const std::vector<ParityCase> all = [] {
    std::vector<ParityCase> list = {
        {"add_header", "get.json", true},     {"http_callout", "callout.json", true},
        {"local_response", "get.json", true}, {"local_response", "authorized.json", true},
        {"body_rewrite", "post.json", true},  {"shared_counter", "get.json", true},
        {"add_header_as", "get.json", false}, {"leaky_headers", "get.json", true},
        {"tidy_headers", "get.json", true},
    };
    for (const char* wat :
         {"noop", "add_header_wat", "abi_0_1_0", "abi_0_2_0", "no_abi", "mosn_abi", "trap", "loop",
          "bad_pointer", "grow_memory", "start_section", "init_order", "log_levels"}) {
      list.push_back({wat, "get.json", false});
    }
    return list;
  }();
  return all;
}

struct Param {
  std::string engine;
  ParityCase sample;
};

void PrintTo(const Param& param, std::ostream* out) {
  *out << param.engine << " " << param.sample.sample << " " << param.sample.request;
}

// Every other engine this build has against V8, the reference (none without V8): each sample,
// or for the native engine each sample with a native build.
std::vector<Param> params() {
  std::vector<Param> out;
  if (!test::engine_built("v8")) return out;
  for (const std::string& engine : test::built_engines()) {
    if (engine == "v8") continue;
    for (const ParityCase& c : cases()) {
      if (engine != "native" || c.cpp) out.push_back({engine, c});
    }
  }
  return out;
}

std::string module_path(const std::string& engine, const ParityCase& c) {
  const std::string dir = PWPLAY_SAMPLES_DIR;
  return engine == "native" ? dir + "/native/" + c.sample + ".so" : dir + "/" + c.sample + ".wasm";
}

bool is_number(const std::string& text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string::npos;
}

// One line per comparable fact of a run.
std::vector<std::string> normalize(const RunResult& result, bool with_native) {
  std::vector<std::string> lines;
  json report = run_result_to_json(result);
  for (const char* key :
       {"abi_version", "upstream_request", "upstream_response", "response", "local_response",
        "local_reply", "reset", "stalled", "logs", "callouts"}) {
    if (report.contains(key)) lines.push_back(std::string(key) + ": " + report[key].dump());
  }
  for (const auto& metric : result.metrics)
    lines.push_back("metric " + metric.name + " = " + std::to_string(metric.value));
  if (result.failure) {
    // The message quotes the engine's own trap text; where it trapped must agree.
    std::string failure = "failure in " + result.failure->callback + ": " +
                          std::string(host::vm_fault_name(result.failure->fault));
    for (const auto& frame : result.failure->backtrace)
      failure += " <- " + frame.name + "@" + std::to_string(frame.code_offset);
    lines.push_back(failure);
  }
  static const std::set<std::string> kStartUp = {"_initialize", "main", "__main_void", "_start"};
  for (const host::TraceEvent& event : result.trace) {
    if (with_native && event.kind == host::EventKind::Memory) continue;
    if (with_native && event.kind == host::EventKind::Callback && kStartUp.count(event.name)) {
      continue;
    }
    std::string line = std::string(host::event_kind_name(event.kind)) + " " + event.name;
    if (!event.phase.empty()) line += " " + event.phase;
    line += " ctx=" + std::to_string(event.context_id) + " depth=" + std::to_string(event.depth);
    std::set<std::string> names;
    for (const auto& arg : event.args) names.insert(arg.name);
    for (const auto& arg : event.args) {
      if (event.kind == host::EventKind::Trap && arg.name == "message") continue;
      // Pointers (ret_* out-parameters, and X where X_size exists) are addresses in wasm memory
      // on both wasm engines, host addresses for native filters.
      const bool pointer = arg.name.rfind("ret_", 0) == 0 || names.count(arg.name + "_size");
      if (with_native && pointer && is_number(arg.value)) continue;
      line += " " + arg.name + "=" + arg.value;
    }
    line += " -> " + event.result;
    if (event.kind == host::EventKind::Copy) {
      line += " [" + event.label + ", " + std::to_string(event.length) +
              " bytes: " + event.preview + "]";
      if (!with_native) line += " @" + std::to_string(event.address);
    }
    lines.push_back(line);
  }
  return lines;
}

class EngineParityTest : public ::testing::TestWithParam<Param> {};

TEST_P(EngineParityTest, SameRunAsV8) {
  const Param& param = GetParam();
  const std::string request_path =
      std::string(PWPLAY_SOURCE_DIR) + "/samples/requests/" + param.sample.request;
  Result<RequestFile> request = load_request_file(request_path);
  ASSERT_TRUE(request) << request.error().message;
  const std::string module = module_path(param.engine, param.sample);
  ASSERT_TRUE(std::filesystem::exists(module)) << module << ": build the samples first";

  PluginSpec reference_options;
  reference_options.wasm_path = module_path("v8", param.sample);
  reference_options.engine = "v8";
  PluginSpec options;
  options.wasm_path = module;
  options.engine = param.engine;

  Result<RunResult> reference = run_once(reference_options, *request);
  Result<RunResult> run = run_once(options, *request);
  if (!reference) {
    // Modules no engine may start (no ABI marker) fail the same way everywhere.
    ASSERT_FALSE(run) << "v8 refused the module: " << reference.error().message;
    EXPECT_EQ(run.error().message, reference.error().message);
    return;
  }
  ASSERT_TRUE(run) << run.error().message;
  EXPECT_EQ(run->engine, param.engine);
  EXPECT_EQ(run->engine_version, host::engine_version(param.engine));

  const bool with_native = param.engine == "native";
  const std::vector<std::string> expected = normalize(*reference, with_native);
  const std::vector<std::string> actual = normalize(*run, with_native);
  for (size_t i = 0; i < std::max(expected.size(), actual.size()); ++i) {
    const std::string want = i < expected.size() ? expected[i] : "<nothing>";
    const std::string got = i < actual.size() ? actual[i] : "<nothing>";
    ASSERT_EQ(got, want) << "line " << i << " (v8 first, " << param.engine << " second)";
  }
  EXPECT_FALSE(actual.empty());
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(EngineParityTest);
INSTANTIATE_TEST_SUITE_P(AllSamples, EngineParityTest, ::testing::ValuesIn(params()),
                         [](const ::testing::TestParamInfo<Param>& param_info) {
                           std::string name = param_info.param.engine + "_" +
                                              param_info.param.sample.sample + "_" +
                                              param_info.param.sample.request;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

// Done-when of the engines issue: the add-header sample gives identical output on all three.
TEST(EngineParity, AddHeaderIsIdenticalOnAllThreeEngines) {
  for (const char* engine : {"v8", "wabt", "native"}) PWPLAY_REQUIRE_ENGINE(engine);
  Result<RequestFile> request =
      load_request_file(std::string(PWPLAY_SOURCE_DIR) + "/samples/requests/get.json");
  ASSERT_TRUE(request);
  std::vector<json> outputs;
  for (const std::string engine : {"v8", "wabt", "native"}) {
    PluginSpec options;
    options.engine = engine;
    options.wasm_path = module_path(engine, {"add_header", "get.json", true});
    Result<RunResult> run = run_once(options, *request);
    ASSERT_TRUE(run) << engine << ": " << run.error().message;
    json out = run_result_to_json(*run);
    outputs.push_back({{"upstream_request", out["upstream_request"]},
                       {"response", out["response"]},
                       {"logs", out["logs"]}});
  }
  EXPECT_EQ(outputs[1], outputs[0]) << "wabt";
  EXPECT_EQ(outputs[2], outputs[0]) << "native";
  EXPECT_EQ(outputs[0]["response"]["status"], 200);
}

}  // namespace
}  // namespace pwplay::debugger
