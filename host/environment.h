// The services every plugin of one host shares: the event dispatcher (tasks, timers, clock),
// shared data and queues keyed by vm_id, metrics, foreign functions, the callout client and the
// trace sink. One HostEnv serves one `pwplay run`, one proxy, or one debugging session.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/enums.h"
#include "abi/pairs.h"
#include "abi/result.h"
#include "host/header_rules.h"
#include "host/perf_stats.h"
#include "host/properties.h"
#include "host/trace.h"

namespace pwplay::host {

struct LogRecord;  // host/abi_host.h

// Runs tasks and timers on the engine thread. The proxy implements it with libevent; `pwplay run`
// with a simulated clock so ticks and callout delays do not wait in real time.
class Dispatcher {
 public:
  using TimerId = uint64_t;
  virtual ~Dispatcher() = default;
  // Runs `task` after the current work returns; never re-entrantly.
  virtual void post(std::function<void()> task) = 0;
  virtual TimerId schedule(std::chrono::milliseconds delay, std::function<void()> task) = 0;
  virtual void cancel(TimerId id) = 0;
  // Wall-clock time the filter sees (proxy_get_current_time_nanoseconds, WASI realtime).
  virtual uint64_t realtime_ns() const = 0;
  virtual uint64_t monotonic_ns() const = 0;
};

// An HTTP callout's outcome. `failed` mirrors Envoy's "zero headers" reply (a reset, a
// connection failure).
struct CalloutResponse {
  bool failed = false;
  std::string failure_reason;
  abi::HeaderPairs headers;  // with ":status"
  std::string body;
  abi::HeaderPairs trailers;
};

// Envoy's answer to a callout that runs past its timeout: not a failure but the router's local
// reply, 504 "upstream request timeout", delivered as a response (proxy_get_status says OK).
CalloutResponse callout_timeout_response();

// A scripted gRPC reply for proxy_grpc_call / proxy_grpc_stream.
struct GrpcMockReply {
  uint32_t status = 0;
  std::string status_message;
  abi::HeaderPairs initial_metadata;
  std::vector<std::string> messages;  // one per request message for streams; the first for calls
  abi::HeaderPairs trailing_metadata;
};

// Where proxy_http_call and proxy_grpc_* go: mocks for `pwplay run`, real clusters in the proxy.
class CalloutClient {
 public:
  virtual ~CalloutClient() = default;
  virtual bool has_http_cluster(std::string_view cluster) const = 0;
  // Starts the callout; `done` runs later on the dispatcher.
  virtual void start_http(const std::string& cluster, const abi::HeaderPairs& headers,
                          const std::string& body, const abi::HeaderPairs& trailers,
                          uint32_t timeout_ms, std::function<void(CalloutResponse)> done) = 0;
  virtual std::optional<GrpcMockReply> grpc_reply(std::string_view cluster,
                                                  std::string_view service,
                                                  std::string_view method) const = 0;
};

// Callouts answered from fixed replies (REQ.json "callouts" / "grpc").
class MockCalloutClient : public CalloutClient {
 public:
  MockCalloutClient(Dispatcher& dispatcher) : dispatcher_(dispatcher) {}
  void set_http_reply(const std::string& cluster, CalloutResponse response);
  void set_http_delay(const std::string& cluster, std::chrono::milliseconds delay);
  void set_grpc_reply(const std::string& cluster, GrpcMockReply reply);
  // Forgets every reply, delay and sent callout (a new request brings its own).
  void clear() {
    http_.clear();
    delays_.clear();
    grpc_.clear();
    sent_.clear();
  }

  // While holding, a callout to a cluster with no reply configured yet waits (every cluster is
  // known) until release_held(): the debugger loads a filter before it knows the request whose
  // `callouts` answer the filter's start-up callouts.
  void hold_unanswered(bool on) { hold_ = on; }
  // Starts every held callout with the reply and delay now configured for its cluster, or a
  // failed reply naming the cluster when none is.
  void release_held();
  size_t held() const { return held_.size(); }

  bool has_http_cluster(std::string_view cluster) const override;
  void start_http(const std::string& cluster, const abi::HeaderPairs& headers,
                  const std::string& body, const abi::HeaderPairs& trailers, uint32_t timeout_ms,
                  std::function<void(CalloutResponse)> done) override;
  std::optional<GrpcMockReply> grpc_reply(std::string_view cluster, std::string_view service,
                                          std::string_view method) const override;

  // Requests the filter sent, in order (tests and the run report use them).
  struct SentCallout {
    std::string cluster;
    abi::HeaderPairs headers;
    std::string body;
  };
  const std::vector<SentCallout>& sent() const { return sent_; }

 private:
  Dispatcher& dispatcher_;
  std::map<std::string, CalloutResponse, std::less<>> http_;
  std::map<std::string, std::chrono::milliseconds, std::less<>> delays_;
  std::map<std::string, GrpcMockReply, std::less<>> grpc_;
  std::vector<SentCallout> sent_;
  struct Held {
    std::string cluster;
    uint32_t timeout_ms = 0;
    std::function<void(CalloutResponse)> done;
  };
  bool hold_ = false;
  std::vector<Held> held_;
  void schedule_reply(const std::string& cluster, uint32_t timeout_ms,
                      std::function<void(CalloutResponse)> done);
};

// Bounds on what filters can make the host keep (docs/reliability.md, "Limits"). Envoy has none;
// without them one filter can grow pwplay's memory with every request.
struct SharedLimits {
  // proxy_set_shared_data: larger key + value is refused with BAD_ARGUMENT.
  size_t max_shared_data_value_bytes = 4 * 1024 * 1024;
  // proxy_enqueue_shared_queue: a queue holding this many items, or items of this many bytes in
  // all, refuses more with INTERNAL_FAILURE until the filter dequeues.
  size_t max_queue_items = 10000;
  size_t max_queue_bytes = 16 * 1024 * 1024;
};

// Shared key/value store per vm_id with compare-and-swap, as proxy_{get,set}_shared_data see it.
class SharedData {
 public:
  struct Entry {
    std::string value;
    uint32_t cas = 0;
  };
  std::optional<Entry> get(std::string_view vm_id, std::string_view key) const;
  // cas 0 = unconditional; a new key ignores cas. CAS_MISMATCH when cas differs.
  abi::Status set(std::string_view vm_id, std::string_view key, std::string_view value,
                  uint32_t cas);
  const std::map<std::string, std::map<std::string, Entry, std::less<>>, std::less<>>& all() const {
    return data_;
  }

 private:
  std::map<std::string, std::map<std::string, Entry, std::less<>>, std::less<>> data_;
  uint32_t next_cas_ = 1;
};

// Shared queues per vm_id. Registering wakes the registrant through `ready` on each enqueue.
class SharedQueues {
 public:
  using ReadyCallback = std::function<void(uint32_t queue_id)>;
  uint32_t register_queue(std::string_view vm_id, std::string_view name, ReadyCallback ready);
  std::optional<uint32_t> resolve(std::string_view vm_id, std::string_view name) const;
  // NOT_FOUND for an unknown queue; INTERNAL_FAILURE (and `full` set to the limit reached) when
  // the queue already holds `limits`' items or bytes.
  abi::Status enqueue(uint32_t queue_id, std::string_view value, const SharedLimits& limits = {},
                      std::string* full = nullptr);
  // NOT_FOUND for an unknown queue, EMPTY when nothing is queued.
  Result<std::string, abi::Status> dequeue(uint32_t queue_id);
  // Drops the readiness callbacks a plugin registered (it is being destroyed or replaced).
  void forget_callbacks(const void* owner);
  void set_owner_for_next(const void* owner) { next_owner_ = owner; }

 private:
  struct Queue {
    std::string vm_id;
    std::string name;
    std::deque<std::string> items;
    size_t bytes = 0;  // of all items
    ReadyCallback ready;
    const void* owner = nullptr;
  };
  std::map<uint32_t, Queue> queues_;
  uint32_t next_id_ = 1;
  const void* next_owner_ = nullptr;
};

// Metrics defined by filters. Ids carry the metric type in their low two bits.
class Metrics {
 public:
  struct Metric {
    std::string name;
    abi::MetricType type = abi::MetricType::Counter;
    uint64_t value = 0;    // counter total, gauge value, histogram: last recorded value
    uint64_t samples = 0;  // histogram: number of recorded values
  };
  uint32_t define(abi::MetricType type, std::string_view name);
  abi::Status increment(uint32_t id, int64_t delta);
  abi::Status record(uint32_t id, uint64_t value);
  Result<uint64_t, abi::Status> get(uint32_t id) const;
  std::vector<Metric> snapshot() const;

 private:
  std::map<uint32_t, Metric> metrics_;
  uint32_t next_index_ = 1;
};

// Host functions reachable through proxy_call_foreign_function.
using ForeignFunction = std::function<Result<std::string, abi::Status>(std::string_view args)>;

class ForeignFunctions {
 public:
  ForeignFunctions();  // registers compress and uncompress (zlib)
  void add(std::string name, ForeignFunction function);
  const ForeignFunction* find(std::string_view name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, ForeignFunction, std::less<>> functions_;
};

struct HostEnvOptions {
  abi::LogLevel log_level = abi::LogLevel::Trace;  // what proxy_get_log_level reports
  SharedLimits limits;
  // Property values by dotted path, raw bytes; they shadow the attributes (host/properties.h).
  std::map<std::string, std::string, std::less<>> properties;
  // The node, cluster, route and listener the attributes report (cluster_name, node.id, ...).
  ProxySetup proxy_setup;
  // Environments that share this counter number their streams in one sequence (a debugging
  // session's in-process runner and its proxy), so stream ids never collide in one trace.
  std::shared_ptr<std::atomic<uint64_t>> stream_ids;
  // What a filter may write into one header map (docs/reliability.md, "Limits").
  HeaderLimits header_limits;
  // Body bytes one filter may hold (StopIterationAndBuffer, or data held behind paused
  // headers) before the stream is answered 413 (request) or 500 (response): Envoy's default
  // per_connection_buffer_limit_bytes. 0: no limit.
  size_t buffer_limit_bytes = size_t{1} << 20;
};

class HostEnv {
 public:
  HostEnv(Dispatcher& dispatcher, CalloutClient& callouts, HostEnvOptions options = {});

  Dispatcher& dispatcher() { return dispatcher_; }
  CalloutClient& callouts() { return callouts_; }
  SharedData& shared_data() { return shared_data_; }
  SharedQueues& queues() { return queues_; }
  Metrics& metrics() { return metrics_; }
  ForeignFunctions& foreign_functions() { return foreign_functions_; }
  // Every plugin's performance counters (always on; read from any thread).
  PerfRegistry& perf() { return perf_; }
  const PerfRegistry& perf() const { return perf_; }
  const HostEnvOptions& options() const { return options_; }
  HostEnvOptions& options() { return options_; }

  // Tracing is off until a sink is attached.
  void set_trace_sink(TraceSink* sink) { trace_ = sink; }
  TraceSink* trace() const { return trace_; }
  bool tracing() const { return trace_ != nullptr; }
  // Nanoseconds since this environment started (trace timestamps).
  uint64_t elapsed_ns() const;

  uint64_t next_stream_id() {
    return options_.stream_ids ? ++*options_.stream_ids : ++last_stream_id_;
  }

  // Receives every plugin's log lines unless a plugin has its own handler.
  void set_log_handler(std::function<void(const LogRecord&)> handler) {
    log_handler_ = std::move(handler);
  }
  const std::function<void(const LogRecord&)>& log_handler() const { return log_handler_; }

 private:
  Dispatcher& dispatcher_;
  CalloutClient& callouts_;
  HostEnvOptions options_;
  SharedData shared_data_;
  SharedQueues queues_;
  Metrics metrics_;
  ForeignFunctions foreign_functions_;
  PerfRegistry perf_;
  TraceSink* trace_ = nullptr;
  std::function<void(const LogRecord&)> log_handler_;
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
  uint64_t last_stream_id_ = 0;
};

}  // namespace pwplay::host
