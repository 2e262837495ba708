// Running one HTTP request through a filter chain in process, without sockets: the simulated
// dispatcher (virtual clock, so ticks and callout delays cost no real time), an embedded upstream
// that echoes the request or returns a mock response, and the report of what happened at each
// hop (as the client sent it, as the upstream received it, as the upstream answered, as the
// client received it). `pwplay run`, scenario tests and the debugger use it.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abi/pairs.h"
#include "host/environment.h"
#include "host/filter_chain.h"

namespace pwplay::host {

// Runs tasks and timers on a virtual clock that jumps to the next timer when nothing else runs.
class SimulatedDispatcher : public Dispatcher {
 public:
  SimulatedDispatcher();
  void post(std::function<void()> task) override;
  TimerId schedule(std::chrono::milliseconds delay, std::function<void()> task) override;
  void cancel(TimerId id) override;
  uint64_t realtime_ns() const override { return base_realtime_ns_ + now_ns_; }
  uint64_t monotonic_ns() const override { return base_monotonic_ns_ + now_ns_; }

  // Runs one task, or advances the clock to the next timer (not past `deadline_ns` of virtual
  // time) and runs it. False when there is nothing to do before the deadline.
  bool run_one(uint64_t deadline_ns);
  // Runs until `done` returns true or nothing is left before `limit` of virtual time.
  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit);
  void run_until_idle() {
    run_until([] { return false; }, std::chrono::milliseconds(0));
  }
  uint64_t virtual_elapsed_ns() const { return now_ns_; }
  // Moves the clock forward to `virtual_ns` (never back, never past a timer that is due).
  void advance_to(uint64_t virtual_ns);
  size_t pending_timers() const { return timers_.size(); }

 private:
  struct Timer {
    uint64_t due_ns;
    uint64_t sequence;
    std::function<void()> task;
  };
  std::vector<std::function<void()>> tasks_;
  size_t next_task_ = 0;
  std::map<TimerId, Timer> timers_;
  TimerId next_timer_id_ = 1;
  uint64_t next_sequence_ = 0;
  uint64_t now_ns_ = 0;
  uint64_t base_realtime_ns_ = 0;
  uint64_t base_monotonic_ns_ = 0;
};

// An HTTP request as a user writes it (REQ.json).
struct RequestSpec {
  std::string method = "GET";
  std::string path = "/";
  abi::HeaderPairs headers;  // ordered; "host" becomes :authority
  std::string body;
  std::vector<std::string> body_chunks;  // when set, the body arrives in these chunks
  abi::HeaderPairs trailers;
};

// A response as an upstream (or a mock) sends it.
struct ResponseSpec {
  uint32_t status = 200;
  abi::HeaderPairs headers;
  std::string body;
  abi::HeaderPairs trailers;
};

// What the upstream does with requests: echo them back as JSON (the default), answer a mock, or
// pass them to a real server.
struct UpstreamSpec {
  std::optional<ResponseSpec> mock;  // nullopt = echo
  // "HOST:PORT": the request that leaves the chain goes there over HTTP/1.1 (upstream_client.h)
  // and its response comes back through the chain; set, it wins over `mock`.
  std::string address;
  static constexpr uint32_t kDefaultTimeoutMs = 10000;
  uint32_t timeout_ms = kDefaultTimeoutMs;  // for the whole exchange with `address`
};

// One HTTP message as seen at one hop.
struct MessageView {
  std::string method;        // requests
  std::string path;          // requests
  uint32_t status = 0;       // responses
  abi::HeaderPairs headers;  // without pseudo-headers (requests carry "host")
  std::string body;
  abi::HeaderPairs trailers;
};

struct RunReport {
  MessageView client_request;
  std::optional<MessageView> upstream_request;   // null when the filter answered locally
  std::optional<MessageView> upstream_response;  // null when the upstream was not reached
  std::optional<MessageView> response;           // null when the stream was reset
  bool local_response = false;
  std::optional<LocalReply> local_reply;
  // Local responses a filter asked for and the host refused (not sent), each with why.
  std::vector<std::string> refused_local_replies;
  bool reset = false;
  std::string reset_reason;
  bool stalled = false;  // the stream never completed (paused and never resumed)
  std::string stall_reason;
  std::vector<std::string> failed_plugins;
  // Why the real upstream (UpstreamSpec::address) gave no response; the client got a 503 then.
  std::string upstream_error;
  uint64_t stream_id = 0;
  uint64_t virtual_time_ns = 0;
};

// The filter-visible header map of a request: pseudo-headers first (Envoy order), names
// lower-cased, Host folded into :authority.
HeaderMap request_header_map(const RequestSpec& request);
// A message as one hop sees it: pseudo-headers folded into method/path (":authority" becomes
// "host") or status, the rest of the headers in order. Shared by `pwplay run` and the proxy.
MessageView request_view(const HeaderMap& headers);
MessageView response_view(const HeaderMap& headers);
// The echo upstream's JSON body for a request it received.
std::string echo_body(const MessageView& request);

// What the warm-up before a first request did (warm_up).
struct WarmupReport {
  uint64_t virtual_ns = 0;      // simulated time the start-up work took
  size_t pending_callouts = 0;  // callouts still unanswered when the warm-up stopped
  bool limit_reached = false;   // stopped by the limit with callouts unanswered
};

// Lets the plugins' start-up work run on the simulated clock before a request is sent: callouts
// made in proxy_on_vm_start, proxy_on_configure or an early tick are answered (by the mocks,
// after their delays) and first ticks fire, until nothing is pending or `limit` of simulated time
// has passed. A filter that fetches its rules at start-up then sees the request with its rules,
// as it would behind a proxy that has been up for a while. A zero limit skips the warm-up.
WarmupReport warm_up(FilterChain& chain, SimulatedDispatcher& dispatcher,
                     std::chrono::milliseconds limit);

// Runs `request` through `chain`. The dispatcher must be the one the chain's HostEnv uses.
RunReport run_request(FilterChain& chain, SimulatedDispatcher& dispatcher,
                      const RequestSpec& request, const UpstreamSpec& upstream,
                      std::chrono::milliseconds virtual_limit = std::chrono::seconds(60));

}  // namespace pwplay::host
