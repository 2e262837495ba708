// Helpers for end-to-end tests that run the pwplay executable as a user would.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// `pwplay run ARGS --json`: the object it printed. The test fails when the exit code is not
// `expected_exit` or the output is not JSON (an empty object is returned then). `raw`, when
// given, receives the whole result (standard error's warnings, for example).
nlohmann::json run_json(const std::vector<std::string>& args, int expected_exit = 0,
                        CommandResult* raw = nullptr);
// Whether `text` contains `part` (for messages and outputs).
bool contains(const std::string& text, const std::string& part);
// The value of the first header called `name` (case-insensitive) in a run's [[name, value], ...]
// list, or "<absent>".
std::string header(const nlohmann::json& headers, const std::string& name);

}  // namespace pwplay::testing
