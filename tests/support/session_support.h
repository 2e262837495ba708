// Helpers for tests that drive a debugger::Session on the built samples: the sample request,
// a filter by sample name, a header's value, a breakpoint from its target and condition, and a
// test's own temporary directory.
#pragma once

#include <cstdint>
#include <string>

#include "abi/pairs.h"
#include "debugger/session.h"
#include "support/cli.h"

namespace pwplay::testing {

// samples/requests/get.json, with `path` instead of its own when given.
debugger::RequestFile get_request(const std::string& path = "");
// A sample filter by name ("add_header"), on `engine` when given (for the native engine, the C++
// sample's shared object: see has_sample and PWPLAY_REQUIRE_SAMPLE).
debugger::PluginSpec filter(const std::string& name, const std::string& engine = "");
// The first value of `name`, or "<absent>".
std::string header(const abi::HeaderPairs& headers, const std::string& name);
// Adds a breakpoint (the test fails when the target or condition is refused); returns its id.
uint32_t add_breakpoint(debugger::Session& session, const std::string& target,
                        const std::string& condition = "");
// A fresh directory of its own (mkdtemp under the system's temporary directory) for one test's
// files, so that parallel runs and other checkouts never share a path. Removed when it goes.
class UniqueTempDir {
 public:
  UniqueTempDir();
  ~UniqueTempDir();
  UniqueTempDir(const UniqueTempDir&) = delete;
  UniqueTempDir& operator=(const UniqueTempDir&) = delete;
  // DIR/name.
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  // Writes DIR/name (creating its folders) and returns its path.
  std::string write(const std::string& name, const std::string& content) const;
  // Makes a FIFO at DIR/name and returns its path.
  std::string fifo(const std::string& name) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace pwplay::testing

// Skips the running test when `engine` has no build of sample `name` (the native engine runs only
// the C++ samples, not the WAT ones): PWPLAY_REQUIRE_SAMPLE("trap", GetParam());
#define PWPLAY_REQUIRE_SAMPLE(name, engine)                                                        \
  do {                                                                                             \
    if (!::pwplay::testing::has_sample(name, engine))                                              \
      GTEST_SKIP() << "sample '" << (name) << "' has no build for the " << (engine) << " engine (" \
                   << ::pwplay::testing::sample_for(name, engine) << ")";                          \
  } while (false)
