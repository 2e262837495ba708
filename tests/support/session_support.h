// Helpers for tests that drive a debugger::Session on the built samples: the sample request,
// a filter by sample name, a header's value, and a breakpoint from its target and condition.
#pragma once

#include <cstdint>
#include <string>

#include "abi/pairs.h"
#include "debugger/session.h"

namespace pwplay::testing {

// samples/requests/get.json, with `path` instead of its own when given.
debugger::RequestFile get_request(const std::string& path = "");
// A sample filter by name ("add_header"), on `engine` when given.
debugger::PluginSpec filter(const std::string& name, const std::string& engine = "");
// The first value of `name`, or "<absent>".
std::string header(const abi::HeaderPairs& headers, const std::string& name);
// Adds a breakpoint (the test fails when the target or condition is refused); returns its id.
uint32_t add_breakpoint(debugger::Session& session, const std::string& target,
                        const std::string& condition = "");

}  // namespace pwplay::testing
