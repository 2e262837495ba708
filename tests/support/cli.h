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
// Path of a built sample for `engine`: sample(name), or for the native engine the C++ sample
// built as a shared object (build/samples/native/NAME.so).
std::string sample_for(const std::string& name, const std::string& engine);
// Whether `engine` has a build of sample `name`: the native engine runs only the C++ samples
// (samples/cpp/NAME.cc); the wasm engines run every sample.
bool has_sample(const std::string& name, const std::string& engine);
// Path of a file under samples/requests.
std::string request_file(const std::string& name);
// Writes `content` to a fresh file in a per-test temporary directory and returns its path.
std::string write_temp_file(const std::string& name, const std::string& content);

}  // namespace pwplay::testing
