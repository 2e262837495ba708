// Test support: the engines this build has, from the PWPLAY_ENGINE_* definitions of the engine
// libraries (each a CMake option), so that engine-parameterized tests instantiate over what was
// built and a test that needs one engine skips without it.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace pwplay::test {

// Every engine of this build, in the engine factory's order of preference.
inline std::vector<std::string> built_engines() {
  std::vector<std::string> engines;
#ifdef PWPLAY_ENGINE_V8
  engines.emplace_back("v8");
#endif
#ifdef PWPLAY_ENGINE_WABT
  engines.emplace_back("wabt");
#endif
#ifdef PWPLAY_ENGINE_NATIVE
  engines.emplace_back("native");
#endif
  return engines;
}

// The built engines that run .wasm modules (the native engine runs shared objects).
inline std::vector<std::string> built_wasm_engines() {
  std::vector<std::string> engines = built_engines();
  std::erase(engines, "native");
  return engines;
}

inline bool engine_built(std::string_view engine) {
  const std::vector<std::string> engines = built_engines();
  return std::find(engines.begin(), engines.end(), engine) != engines.end();
}

// "v8, wabt, native": the built engines as the factory's errors list them.
inline std::string built_engine_list() {
  std::string list;
  for (const std::string& engine : built_engines()) list += (list.empty() ? "" : ", ") + engine;
  return list.empty() ? "none" : list;
}

}  // namespace pwplay::test

// Skips the running test unless `engine` is built: PWPLAY_REQUIRE_ENGINE("wabt");
#define PWPLAY_REQUIRE_ENGINE(engine)                                              \
  do {                                                                             \
    if (!::pwplay::test::engine_built(engine))                                     \
      GTEST_SKIP() << "engine '" << (engine) << "' is not built into this pwplay"; \
  } while (false)
