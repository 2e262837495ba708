// Support for the hostile-filter suite: a WAT filter skeleton (a bump allocator, helpers that
// report a value in a request header or run hostile code only on the first request), and a
// harness that runs requests through one plugin in process and checks the host's answer.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "host/environment.h"
#include "host/filter_chain.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "host/trace.h"

namespace pwplay::hostile {

// The runaway budget the suite runs with, and the bound each case must finish within (budget +
// a second, taken generously so that a loaded machine does not make the suite flaky).
inline constexpr uint32_t kBudgetMs = 200;
inline constexpr std::chrono::milliseconds kCaseBound{5000};

// A filter module in WAT. The skeleton imports the host functions the cases use, exports memory,
// proxy_abi_version_0_2_1, proxy_on_context_create and an allocator, and provides:
//   $first (result i32)   1 on the first call in this host environment (kept in shared data,
//                         so a fresh VM after a failure answers 0): hostile once, then normal
//   $report (param $name i32) (param $len i32) (param $value i32)
//                         adds a request header name=<value in decimal>
//   global $hostile       set by a case to make `allocator_hostile` run in the allocator
// Fixed addresses: "x-result" at 32 (8 bytes), "x-status" at 48 (8 bytes), cluster "svc" at 96
// (3), callout headers at 112 (callout_headers_size() bytes), queue name "q" at 256, item "x" at
// 272, scratch words for results at 512..544. The heap starts at 8192.
struct FilterWat {
  std::string imports;            // extra (import ...) lines
  std::string body;               // the case's functions and exports
  std::string allocator_hostile;  // runs first in the allocator while $hostile is set
  uint32_t pages = 2;             // initial memory
  std::string max_pages;          // declared maximum ("" = none)
  std::string text() const;
};

// The size of the encoded callout headers (:method GET, :path /, :authority svc) at 112.
uint32_t callout_headers_size();
// `bytes` as a WAT data string, every byte escaped.
std::string wat_bytes(std::string_view bytes);

// One host environment and a chain of one plugin, on the simulated dispatcher.
class Harness {
 public:
  explicit Harness(host::HostEnvOptions options = {});
  ~Harness();

  host::PluginConfig config(const std::string& engine, bool fail_open = false) const;
  // Creates the plugin; its error when start-up fails.
  Result<void> load(const std::string& wat, const host::PluginConfig& config);
  Result<void> load(const FilterWat& wat, const host::PluginConfig& config) {
    return load(wat.text(), config);
  }

  // Runs one request through the chain; fails the test when it stalls or takes too long.
  host::RunReport request(const host::RequestSpec& request = {});
  // Lets timers (ticks) and posted work run for `virtual_time` of simulated time.
  void run_for(std::chrono::milliseconds virtual_time);

  host::Plugin& plugin() { return *plugin_; }
  host::MockCalloutClient& callouts() { return callouts_; }
  const std::vector<host::LogRecord>& logs() const { return logs_; }
  const host::VectorTraceSink& trace() const { return trace_; }
  // Whether a log line contains every one of `parts`.
  bool logged(std::initializer_list<std::string_view> parts) const;
  // The result of the first host call `name` in the trace ("" when none).
  std::string host_call_result(std::string_view name) const;
  // The results of every host call `name` so far, in order.
  std::vector<std::string> host_call_results(std::string_view name) const;
  // Whether a trap event names `callback` (its "callback" argument).
  bool trapped_in(std::string_view callback) const;

 private:
  host::SimulatedDispatcher dispatcher_;
  host::MockCalloutClient callouts_{dispatcher_};
  host::HostEnv env_;
  host::VectorTraceSink trace_;
  std::vector<host::LogRecord> logs_;
  std::unique_ptr<host::FilterChain> chain_;
  host::Plugin* plugin_ = nullptr;
};

// The value of request header `name` as the upstream got it, "<absent>" when missing (or when
// the upstream was not reached).
std::string upstream_header(const host::RunReport& report, std::string_view name);
// The status the client got; 0 when the stream was reset.
uint32_t status_of(const host::RunReport& report);

}  // namespace pwplay::hostile
