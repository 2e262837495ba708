// The headless subcommands of the pwplay executable. Each registers itself on the CLI11 app and
// stores its exit code in `exit_code` when it runs.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>
#include <string_view>

#include "host/trace.h"

namespace pwplay::app {

// Exit codes shared by every subcommand.
inline constexpr int kExitOk = 0;
inline constexpr int kExitError = 1;       // bad input: missing/invalid file, unknown ABI, ...
inline constexpr int kExitUsage = 2;       // bad command line
inline constexpr int kExitIncomplete = 3;  // the request did not complete (stalled filter)

// Untrusted text (names, values, bodies, log messages) as a terminal should show it.
inline std::string text(std::string_view value) {
  return host::printable_text(value);
}
// Prints "pwplay COMMAND: MESSAGE" on standard error, the message made printable (it names files
// and values from the user and the filter).
inline void print_failure(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "pwplay %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               host::printable_text(message).c_str());
}
// print_failure, then `code` for the caller to return.
inline int report_failure(std::string_view command, int code, std::string_view message) {
  print_failure(command, message);
  return code;
}

void add_run_command(CLI::App& app, int& exit_code);
void add_inspect_command(CLI::App& app, int& exit_code);
void add_test_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_debug_command(CLI::App& app, int& exit_code);
// `pwplay check`: why a filter does or does not load (check_command.cc).
void add_check_command(CLI::App& app, int& exit_code);
// `pwplay export`: a chain as an Envoy bootstrap or Istio WasmPlugins (export_command.cc).
void add_export_command(CLI::App& app, int& exit_code);
// `pwplay bench`: one request many times per engine, measured (bench_command.cc).
void add_bench_command(CLI::App& app, int& exit_code);
// `pwplay lessons`: the guided lessons of assets/lessons (lessons_command.cc).
void add_lessons_command(CLI::App& app, int& exit_code);

}  // namespace pwplay::app
