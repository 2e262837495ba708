// Proxy: the playground's embedded HTTP/1.1 proxy. It listens on loopback, runs every request
// through the filter chain (host::FilterChain, the same one `pwplay run` drives) with Envoy's
// observable semantics, and forwards it to an embedded echo upstream, a fixed mock response or a
// real upstream. It runs on its own thread (a libevent loop); every method here is thread-safe.
// Each finished stream is published as a StreamRecord: the four views of the request and
// response (as the client sent it, as the upstream received it, as the upstream answered, as the
// client received it) and, when tracing is on, its trace events.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abi/result.h"
#include "host/abi_host.h"
#include "host/environment.h"
#include "host/filter_chain.h"
#include "host/local_run.h"
#include "host/plugin.h"
#include "host/trace.h"

namespace pwplay::host::proxy {

struct HostPort {
  std::string host;
  uint16_t port = 0;
};

// "HOST:PORT" (a port is required; "[::1]:80" for IPv6). Errors say what was expected.
Result<HostPort> parse_host_port(const std::string& text, const std::string& what);
// A listen address: "HOST:PORT", or "PORT" / ":PORT" for loopback.
Result<HostPort> parse_listen_address(const std::string& text, const std::string& what);
// "NAME=HOST:PORT", the form of --cluster.
Result<std::pair<std::string, HostPort>> parse_cluster(const std::string& text);
// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback_host(const std::string& host);

// Where requests go after the filter chain.
struct UpstreamConfig {
  enum class Kind : uint8_t { Echo, Mock, Remote };
  Kind kind = Kind::Echo;
  ResponseSpec mock;  // Kind::Mock
  HostPort remote;    // Kind::Remote
  // No answer within this time after the request ended: 504, as Envoy's route timeout.
  std::chrono::milliseconds timeout = std::chrono::seconds(15);
  static UpstreamConfig echo() { return {}; }
  static UpstreamConfig mock_response(ResponseSpec response);
  static UpstreamConfig remote_at(HostPort address);
};

// "echo", or "HOST:PORT".
Result<UpstreamConfig> parse_upstream(const std::string& text);

// One plugin of the chain, ready to start: the host's configuration and the module bytes (what
// debugger::resolve_plugin makes of a user's description of a plugin).
struct LoadedPlugin {
  PluginConfig config;
  std::vector<uint8_t> wasm;
};

struct StreamRecord;  // below

// A debugger attached to the proxy's VM thread. It sees every trace event as it is recorded (with
// the proxy's sequence numbers) and every pause point with the chain that is running. Its
// pause_point may block: while it does, the loop and every other stream wait behind the held VM,
// as they would on a single-threaded Envoy worker. Called on the proxy thread only.
class ProxyDebugger {
 public:
  virtual ~ProxyDebugger() = default;
  virtual void record(const TraceEvent& event) = 0;
  virtual PauseVerdict pause_point(const PausePoint& point, FilterChain& chain) = 0;
  // Each finished stream's record, after the subscribers saw it: the debugger owns it from here
  // (it keeps the trace and messages without copying them).
  virtual void finished(StreamRecord&& record) { (void)record; }
};

struct ProxyOptions {
  HostPort listen{"127.0.0.1", 0};  // port 0: the system picks one (see Proxy::port())
  bool allow_non_loopback = false;  // binding another address must be asked for explicitly
  UpstreamConfig upstream;
  std::map<std::string, HostPort> clusters;  // callout targets by cluster name
  std::vector<LoadedPlugin> plugins;         // the chain, in request order
  size_t max_header_bytes = 60 * 1024;       // larger request heads get 431
  size_t max_headers = 100;                  // more header lines get 431 (Envoy's default)
  // Body bytes the embedded echo upstream keeps (more gets its 413). What a filter may hold is
  // HostEnvOptions::buffer_limit_bytes; serve's --max-body-kb sets both.
  size_t max_buffered_body_bytes = 16u << 20;
  size_t write_high_watermark = 1u << 20;
  // A connection without a request in progress is closed after `idle_timeout`; a request head
  // must arrive whole within `request_headers_timeout` of its first byte (else 408 and close), so
  // a client trickling bytes cannot hold a connection. 0 disables either.
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(5);
  std::chrono::milliseconds request_headers_timeout = std::chrono::seconds(30);
  bool trace = false;                     // record trace events per stream (costly: for debugging)
  bool capture_messages = true;           // fill the four views of each StreamRecord
  size_t max_captured_body = 256 * 1024;  // per view; longer bodies are cut (and marked)
  HostEnvOptions env;
  // Filter log lines, called on the proxy thread.
  std::function<void(const LogRecord&)> log_handler;
  // A debugger following the proxy thread (needs `trace`); it must outlive the proxy.
  ProxyDebugger* debugger = nullptr;
};

// What one stream did, published when it ends (after proxy_on_log / on_done / on_delete).
struct StreamRecord {
  uint64_t stream_id = 0;  // 0 for requests refused before a stream existed (400, 431)
  uint64_t connection_id = 0;
  std::string method;
  std::string path;
  uint32_t status = 0;         // what the client received; 0 when it received no response
  MessageView client_request;  // as the client sent it
  std::optional<MessageView> upstream_request;   // as the upstream received it
  std::optional<MessageView> upstream_response;  // as the upstream sent it
  std::optional<MessageView> response;           // as the client received it
  bool bodies_truncated = false;
  bool local_reply = false;  // answered by a filter, fail-closed, or the proxy itself
  std::optional<LocalReply> reply;
  bool reset = false;
  std::string reset_reason;
  std::string error;  // what the proxy saw go wrong (upstream down, bad request, ...)
  std::vector<std::string> failed_plugins;
  uint64_t start_realtime_ns = 0;
  uint64_t duration_ns = 0;
  uint64_t filter_ns = 0;  // time in the filter chain for this stream
  std::vector<LogRecord> logs;
  std::vector<TraceEvent> trace;  // only with ProxyOptions::trace
};

struct ProxyStats {
  uint64_t connections_total = 0;
  uint64_t connections_active = 0;
  uint64_t requests_total = 0;
  uint64_t requests_active = 0;
  uint64_t responses_2xx = 0;
  uint64_t responses_3xx = 0;
  uint64_t responses_4xx = 0;
  uint64_t responses_5xx = 0;
  uint64_t local_replies = 0;
  uint64_t resets = 0;
  uint64_t client_aborts = 0;
  uint64_t upstream_failures = 0;
  uint64_t bad_requests = 0;
  uint64_t filter_ns = 0;
  uint64_t vm_restarts = 0;
};

using RecordHandler = std::function<void(const StreamRecord&)>;

class ProxyServer;

class Proxy {
 public:
  Proxy();
  ~Proxy();  // stops the proxy
  Proxy(const Proxy&) = delete;
  Proxy& operator=(const Proxy&) = delete;

  // Starts the loop thread, loads every plugin on it and binds the listener. Errors name the
  // plugin or the address at fault. Fails if already running.
  Result<void> start(ProxyOptions options);
  // The bound port (after a successful start), e.g. when asked for port 0.
  uint16_t port() const;
  bool running() const;
  // Closes the listener, ends open streams (their end-of-stream callbacks still run), shuts the
  // plugins down and joins the thread. Safe to call twice.
  void stop();

  ProxyStats stats() const;
  // Handlers run on the proxy thread for every finished stream; keep them short.
  uint64_t subscribe(RecordHandler handler);
  void unsubscribe(uint64_t id);
  // Trace events not tied to a stream (ticks, queue wake-ups, start-up), oldest first; taking
  // them empties the buffer (bounded to the last 10,000).
  std::vector<TraceEvent> take_root_events();
  // Runs `task` on the proxy thread with the environment (shared data, metrics) and waits for it.
  // Returns false when the proxy is not running.
  bool execute(const std::function<void(HostEnv& env)>& task);

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace pwplay::host::proxy
