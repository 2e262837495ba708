// Test support for the end-to-end ABI tests (tests/e2e/): filters written in WAT around a body,
// with their imports declared from the ABI's function table, run through the same one-shot runner
// as `pwplay run` on a chosen engine, and PWPLAY_COVERS, the checked declaration of which host
// functions and callbacks a test drives (scripts/abi_coverage builds docs/abi-coverage.md from it).
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"
#include "debugger/plugin_spec.h"
#include "debugger/runner.h"
#include "host/trace.h"

namespace pwplay::test {

// A proxy-wasm module in WAT: the marker of `abi` ("0_1_0", "0_2_0", "0_2_1"), one import per
// name in `imports` (module and signature from abi::host_functions(), bound to $NAME), an
// exported 1-page memory, a bump allocator exported as `allocator` (heap from 32 KiB), and
// `body`: data segments and the callbacks. proxy_on_context_create is the body's to export.
std::string filter_wat(std::string_view abi, const std::vector<std::string>& imports,
                       std::string_view body, std::string_view allocator = "malloc");

// A plugin spec of the module `wat` for `engine`, named "e2e".
debugger::PluginSpec wat_spec(const std::string& engine, std::string_view wat);

// Parses `request_json` (the REQ.json format) and runs it through the plugin: what
// `pwplay run` does. Errors as run_once's (the plugin could not start) or the request's.
Result<debugger::RunResult> run_wat(const debugger::PluginSpec& spec,
                                    const std::string& request_json);

// Success when `trace` holds a host call or a callback (entry or exit) named `name`.
::testing::AssertionResult trace_has(const std::vector<host::TraceEvent>& trace,
                                     std::string_view name);
// The names of the callbacks entered, in order (optionally only those named in `only`).
std::vector<std::string> callbacks_entered(const std::vector<host::TraceEvent>& trace,
                                           std::initializer_list<std::string_view> only = {});
// The result of the first host call named `name` ("<not called>" without one).
std::string host_call_result(const std::vector<host::TraceEvent>& trace, std::string_view name);
// The engine, as the name of an engine-parameterized test's instance.
inline std::string engine_param_name(const ::testing::TestParamInfo<std::string>& param) {
  return param.param;
}
// Logged messages (proxy_log and WASI stdout/stderr), in order.
std::vector<std::string> log_messages(const debugger::RunResult& run);

}  // namespace pwplay::test

// Declares, and checks, that the run whose events are `trace` drove each named host function or
// callback: PWPLAY_COVERS(run->trace, "proxy_on_log", "proxy_get_property"). The names must be
// string literals: scripts/abi_coverage reads them from the test sources into the coverage table,
// and the check makes the declaration fail whenever the run no longer makes the call.
#define PWPLAY_COVERS(trace, ...)                                                              \
  do {                                                                                         \
    for (std::string_view pwplay_covered_name : {__VA_ARGS__})                                 \
      EXPECT_TRUE(::pwplay::test::trace_has((trace), pwplay_covered_name)) << "PWPLAY_COVERS"; \
  } while (false)

// The same for a row the trace names otherwise: an alias export the host calls under the spec's
// name, or the allocator, whose calls the trace does not record (it records the host call that
// needed it). PWPLAY_COVERS_AS(trace, "proxy_on_grpc_trailing_metadata",
// "proxy_on_grpc_receive_trailing_metadata") covers the first, checked by the second; the test
// must show the first ran (the module exports only it, and asserts what only it can do).
#define PWPLAY_COVERS_AS(trace, row, traced_name) \
  EXPECT_TRUE(::pwplay::test::trace_has((trace), (traced_name))) << "PWPLAY_COVERS_AS " << (row)
