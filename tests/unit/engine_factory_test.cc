// The engine factory follows the build: it offers the engines whose libraries were built (the
// PWPLAY_ENGINE_* options) and names them when asked for one that was left out.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "host/vm.h"
#include "support/engines.h"

namespace pwplay::host {
namespace {

TEST(EngineFactory, OffersTheEnginesThisBuildHas) {
  EXPECT_EQ(available_engines(), test::built_engines());
#if defined(PWPLAY_ENGINE_V8) && defined(PWPLAY_ENGINE_WABT) && defined(PWPLAY_ENGINE_NATIVE)
  // The default build: every engine, in order of preference.
  EXPECT_EQ(available_engines(), (std::vector<std::string>{"v8", "wabt", "native"}));
  EXPECT_EQ(test::built_engine_list(), "v8, wabt, native");
#endif
  for (const std::string& engine : test::built_engines()) {
    Result<std::unique_ptr<Vm>> vm = create_vm(engine, {});
    ASSERT_TRUE(vm) << engine << ": " << vm.error().message;
    EXPECT_EQ((*vm)->engine_name(), engine);
    EXPECT_FALSE(engine_version(engine).empty()) << engine;
    EXPECT_EQ((*vm)->engine_version(), engine_version(engine));
  }
}

TEST(EngineFactory, AnEngineLeftOutOfTheBuildIsAClearError) {
  size_t left_out = 0;
  for (const std::string engine : {"v8", "wabt", "native"}) {
    if (test::engine_built(engine)) continue;
    ++left_out;
    Result<std::unique_ptr<Vm>> vm = create_vm(engine, {});
    ASSERT_FALSE(vm) << engine;
    EXPECT_EQ(vm.error().message, "engine '" + engine + "' is not built into this pwplay; built: " +
                                      test::built_engine_list());
    EXPECT_EQ(engine_version(engine), "") << engine;
  }
  if (left_out == 0) GTEST_SKIP() << "every engine is built into this pwplay";
}

TEST(EngineFactory, AnUnknownEngineListsTheBuiltOnes) {
  Result<std::unique_ptr<Vm>> vm = create_vm("lua", {});
  ASSERT_FALSE(vm);
  EXPECT_EQ(vm.error().message,
            "unknown engine 'lua' (available: " + test::built_engine_list() + ")");
  EXPECT_EQ(engine_version("lua"), "");
}

}  // namespace
}  // namespace pwplay::host
