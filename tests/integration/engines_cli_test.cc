// End-to-end tests of the engine choice and the inspector on the command line: `pwplay run
// --engine wabt|native` and `pwplay inspect` (engines, sections, `--wat FUNC`).
#include <gtest/gtest.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "support/cli.h"
#include "support/engines.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

std::string native_sample(const std::string& name) {
  return std::string(PWPLAY_SAMPLES_DIR) + "/native/" + name + ".so";
}

TEST(EnginesCli, RunNamesTheEngineAndItsVersion) {
  PWPLAY_REQUIRE_ENGINE("wabt");
  PWPLAY_REQUIRE_ENGINE("native");
  json wabt =
      run_json({sample("add_header"), "--request", request_file("get.json"), "--engine", "wabt"});
  EXPECT_EQ(wabt["engine"], "wabt");
  EXPECT_EQ(wabt["engine_version"], "1.0.32");
  EXPECT_EQ(header(wabt["upstream_request"]["headers"], "x-wasm-filter"), "add-header");

  json native = run_json(
      {native_sample("add_header"), "--request", request_file("get.json"), "--engine", "native"});
  EXPECT_EQ(native["engine"], "native");
  EXPECT_EQ(header(native["upstream_request"]["headers"], "x-wasm-filter"), "add-header");
  EXPECT_EQ(native["logs"], wabt["logs"]);

  CommandResult text = run_pwplay(
      {"run", sample("add_header"), "--request", request_file("get.json"), "--engine", "wabt"});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("on wabt 1.0.32"), std::string::npos) << text.out;

  CommandResult unknown = run_pwplay(
      {"run", sample("add_header"), "--request", request_file("get.json"), "--engine", "lua"});
  EXPECT_NE(unknown.exit_code, 0);
  EXPECT_NE(unknown.err.find("unknown engine 'lua' (available: " + test::built_engine_list() + ")"),
            std::string::npos)
      << unknown.err;
}

TEST(EnginesCli, RunTakesEngineFlags) {
  PWPLAY_REQUIRE_ENGINE("v8");  // the default engine, the one that takes flags
  json liftoff = run_json({sample("add_header"), "--request", request_file("get.json"),
                           "--engine-flag=--liftoff-only"});
  EXPECT_EQ(liftoff["engine"], "v8");
  EXPECT_EQ(header(liftoff["upstream_request"]["headers"], "x-wasm-filter"), "add-header");
}

TEST(EnginesCli, InspectPrintsSectionsAndEngines) {
  for (const char* engine : {"v8", "wabt", "native"}) PWPLAY_REQUIRE_ENGINE(engine);
  CommandResult result = run_pwplay({"inspect", sample("trap")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* wanted : {"globals:", "0: mut i32 = i32.const 4096", "functions: 0 imported",
                             "proxy_on_request_headers", "custom sections:", "name (",
                             "engines: v8 10.2.154, wabt 1.0.32, native glibc"}) {
    EXPECT_NE(result.out.find(wanted), std::string::npos) << wanted << "\n" << result.out;
  }
  CommandResult as_json = run_pwplay({"inspect", sample("trap"), "--json"});
  json out = json::parse(as_json.out, nullptr, false);
  ASSERT_TRUE(out.is_object()) << as_json.out;
  EXPECT_EQ(out["engines"][1]["name"], "wabt");
  EXPECT_EQ(out["engines"][1]["version"], "1.0.32");
  EXPECT_EQ(out["globals"][0]["init"], "i32.const 4096");
  EXPECT_EQ(out["function_bodies"].size(), 9u);
  EXPECT_FALSE(out["dwarf"].get<bool>());
}

TEST(EnginesCli, InspectWatPrintsAFunctionWithOffsets) {
  CommandResult result = run_pwplay({"inspect", sample("trap"), "--wat", "crash_here"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("(func $crash_here"), std::string::npos) << result.out;
  // "  0x000001xx  call $inner_fault": the offset of the call opcode (0x10) in the file.
  const size_t call = result.out.find("call $inner_fault");
  ASSERT_NE(call, std::string::npos) << result.out;
  const size_t line = result.out.rfind("0x", call);
  unsigned offset = 0;
  ASSERT_EQ(std::sscanf(result.out.c_str() + line, "0x%x", &offset), 1);
  CommandResult json_result =
      run_pwplay({"inspect", sample("trap"), "--wat", "crash_here", "--json"});
  json out = json::parse(json_result.out, nullptr, false);
  ASSERT_TRUE(out.is_object()) << json_result.out;
  EXPECT_EQ(out["instructions"][0]["text"], "call $inner_fault");
  EXPECT_EQ(out["instructions"][0]["offset"], offset);
  EXPECT_EQ(out["instructions"][1]["text"], "end");

  CommandResult missing = run_pwplay({"inspect", sample("trap"), "--wat", "nosuch"});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("no defined function 'nosuch'"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace pwplay::testing
