// Load diagnosis (`pwplay check`): why a filter does or does not start, each problem in plain
// words with its likely fix. Reads the module's shape first, then starts it as Envoy would.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "host/plugin.h"
#include "host/trace.h"

namespace pwplay::host {

enum class ProblemSeverity : uint8_t { Error, Warning };
std::string_view severity_name(ProblemSeverity severity);

// One thing wrong with a module. `problem_class` is a stable identifier (docs/compatibility.md
// lists them); the rest is for people.
struct LoadProblem {
  std::string problem_class;  // "no-abi-marker", "startup-trap", "unused-export", ...
  ProblemSeverity severity = ProblemSeverity::Error;
  std::string message;                 // what is wrong, naming the export, import or callback
  std::string fix;                     // the likely fix
  std::string callback;                // start-up failures: where ("_start", "proxy_on_configure")
  std::string host_call;               // the host call concerned, when one is
  std::vector<WasmFrame> backtrace;    // traps: innermost first
  std::vector<TraceEvent> last_calls;  // start-up failures: the last host calls, with arguments
  std::vector<LogRecord> logs;         // start-up failures: what the plugin logged
};

struct LoadDiagnosis {
  bool ok = false;          // the filter starts (warnings allowed)
  std::string abi_version;  // the declared version; "" when none is known
  std::string engine;
  std::vector<LoadProblem> problems;  // errors first, then warnings
};

// What a module over this size gets a warning for (Envoy's control plane and xDS caches strain).
inline constexpr size_t kLargeModuleBytes = 10u * 1024 * 1024;
// How many host calls before a failure a problem keeps.
inline constexpr size_t kLastCallsKept = 10;

// Diagnoses `wasm` as `config` would load it: the module's shape (marker, callbacks' signatures,
// imports), then a start-up in a private host environment (simulated time, mocked callouts).
LoadDiagnosis diagnose_load(const PluginConfig& config, std::span<const uint8_t> wasm);

}  // namespace pwplay::host
