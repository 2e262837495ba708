// The engine factory follows the build: it offers the engines whose libraries were built (the
// PWPLAY_ENGINE_* options) and names them when asked for one that was left out.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "host/engines/engine_common.h"
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

TEST(EngineFactory, RefusesOutOfRangeLimitsAndUnknownFlags) {
  for (const std::string& engine : test::built_engines()) {
    SCOPED_TRACE(engine);
    VmOptions none;
    none.max_memory_pages = 0;
    Result<std::unique_ptr<Vm>> zero = create_vm(engine, none);
    ASSERT_FALSE(zero);
    EXPECT_EQ(zero.error().message, "max_memory_pages must be at least 1 (got 0)");
    VmOptions huge;
    huge.max_memory_pages = kMaxMemoryPagesLimit + 1;
    Result<std::unique_ptr<Vm>> over = create_vm(engine, huge);
    ASSERT_FALSE(over);
    EXPECT_NE(over.error().message.find("at most 65536 pages"), std::string::npos);
    VmOptions flagged;
    flagged.engine_flags = {"--surely-no-such-flag"};
    Result<std::unique_ptr<Vm>> unknown = create_vm(engine, flagged);
    ASSERT_FALSE(unknown);
    EXPECT_NE(unknown.error().message.find("engine flag --surely-no-such-flag not recognized by " +
                                           engine),
              std::string::npos)
        << unknown.error().message;
  }
}

// The V8 engine compiles a copy of the module whose memory maximum is the Vm's limit.
TEST(EngineFactory, CapMemoryMaximumRewritesOnlyTheMemorySection) {
  // (module (memory 1) (func)) and (module (memory 1 100) (func)), by hand.
  const std::vector<uint8_t> header = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00};
  const std::vector<uint8_t> types = {0x01, 0x04, 0x01, 0x60, 0x00, 0x00};
  const std::vector<uint8_t> funcs = {0x03, 0x02, 0x01, 0x00};
  const std::vector<uint8_t> code = {0x0a, 0x04, 0x01, 0x02, 0x00, 0x0b};
  auto module = [&](const std::vector<uint8_t>& memory) {
    std::vector<uint8_t> bytes = header;
    for (const std::vector<uint8_t>* part : {&types, &funcs, &memory, &code})
      bytes.insert(bytes.end(), part->begin(), part->end());
    return bytes;
  };
  const std::vector<uint8_t> no_max = module({0x05, 0x03, 0x01, 0x00, 0x01});
  CappedModule added = cap_memory_maximum(no_max, 4);
  EXPECT_EQ(added.bytes, module({0x05, 0x04, 0x01, 0x01, 0x01, 0x04}));
  EXPECT_EQ(added.shift, 1u);
  const uint32_t code_offset = static_cast<uint32_t>(no_max.size() - code.size());
  EXPECT_EQ(added.original_offset(code_offset + 1), code_offset);

  const std::vector<uint8_t> big_max = module({0x05, 0x04, 0x01, 0x01, 0x01, 0x64});
  CappedModule lowered = cap_memory_maximum(big_max, 4);
  EXPECT_EQ(lowered.bytes, module({0x05, 0x04, 0x01, 0x01, 0x01, 0x04}));
  EXPECT_EQ(lowered.shift, 0u);
  // A maximum within the limit, and a minimum over it, are left alone.
  EXPECT_TRUE(cap_memory_maximum(big_max, 100).bytes.empty());
  EXPECT_TRUE(cap_memory_maximum(module({0x05, 0x03, 0x01, 0x00, 0x09}), 4).bytes.empty());
}

}  // namespace
}  // namespace pwplay::host
