#include "support/session_support.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "support/cli.h"

namespace pwplay::testing {

debugger::RequestFile get_request(const std::string& path) {
  auto request = debugger::load_request_file(request_file("get.json"));
  EXPECT_TRUE(request.ok());
  if (!path.empty()) request->request.path = path;
  return *request;
}

debugger::PluginSpec filter(const std::string& name, const std::string& engine) {
  debugger::PluginSpec options;
  options.wasm_path = engine.empty() ? sample(name) : sample_for(name, engine);
  if (!engine.empty()) options.engine = engine;
  return options;
}

std::string header(const abi::HeaderPairs& headers, const std::string& name) {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return "<absent>";
}

uint32_t add_breakpoint(debugger::Session& session, const std::string& target,
                        const std::string& condition) {
  auto breakpoint = debugger::make_breakpoint(target, condition);
  EXPECT_TRUE(breakpoint.ok()) << (breakpoint.ok() ? "" : breakpoint.error().message);
  return session.add_breakpoint(*breakpoint);
}

UniqueTempDir::UniqueTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "pwplay-test-XXXXXX").string();
  if (mkdtemp(pattern.data()))
    path_ = pattern;
  else
    ADD_FAILURE() << "mkdtemp " << pattern << " failed";
}

UniqueTempDir::~UniqueTempDir() {
  std::error_code ignored;
  if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
}

std::string UniqueTempDir::write(const std::string& name, const std::string& content) const {
  std::filesystem::path path = std::filesystem::path(path_) / name;
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
  return path.string();
}

std::string UniqueTempDir::fifo(const std::string& name) const {
  std::string path = file(name);
  EXPECT_EQ(mkfifo(path.c_str(), 0600), 0) << path;
  return path;
}

}  // namespace pwplay::testing
