// Helpers for end-to-end tests that run the pwplay executable as a user would.
#pragma once

#include <string>
#include <vector>

namespace pwplay::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // standard output
  std::string err;  // standard error
};

// Runs the built pwplay binary with `args` (no shell; each argument passed as is).
CommandResult run_pwplay(const std::vector<std::string>& args, const std::string& stdin_text = "");

// Path of a built sample module, e.g. sample("add_header") -> build/samples/add_header.wasm.
std::string sample(const std::string& name);
// Path of a file under samples/requests.
std::string request_file(const std::string& name);
// Writes `content` to a fresh file in a per-test temporary directory and returns its path.
std::string write_temp_file(const std::string& name, const std::string& content);

}  // namespace pwplay::testing
