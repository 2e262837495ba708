#include "support/session_support.h"

#include <gtest/gtest.h>

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
  options.wasm_path = sample(name);
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

}  // namespace pwplay::testing
