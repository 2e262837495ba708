// Helpers for the proxy's in-process integration tests: plugin specs from the built samples or
// from inline WAT, a proxy started on port 0, and the stream records it publishes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "host/proxy/proxy.h"

namespace pwplay::testing {

// A plugin from build/samples/<name>.wasm; `configuration` and `vm_id` as in Envoy.
host::proxy::LoadedPlugin sample_plugin(const std::string& name,
                                        const std::string& configuration = "",
                                        const std::string& vm_id = "");
// A plugin from WebAssembly text (compiled with WABT).
host::proxy::LoadedPlugin wat_plugin(const std::string& name, const std::string& wat);

// Test filters written in WAT.
// Pauses every request in proxy_on_request_headers and resumes it from proxy_on_tick (every
// 20 ms), adding `x-resumed-by: tick` first.
extern const char* const kTickResumeFilter;
// proxy_on_request_body returns Continue for each piece (so each piece goes on at once).
extern const char* const kBodyPassFilter;
// Shared queue "jobs" of its vm_id: the producer enqueues the request path from
// proxy_on_request_headers; the consumer registers the queue in proxy_on_configure and, woken by
// proxy_on_queue_ready, dequeues and logs "consumer got <path>".
extern const char* const kQueueProducerFilter;
extern const char* const kQueueConsumerFilter;

// Options for a proxy in front of the upstream at 127.0.0.1:`port`, running `plugins`.
host::proxy::ProxyOptions to_upstream(uint16_t port,
                                      std::vector<host::proxy::LoadedPlugin> plugins = {});

// A started proxy plus the records it published.
class TestProxy {
 public:
  explicit TestProxy(host::proxy::ProxyOptions options);
  ~TestProxy();
  bool started() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  uint16_t port() const { return proxy_.port(); }
  host::proxy::Proxy& proxy() { return proxy_; }

  // Waits until at least `count` records arrived; returns them all.
  std::vector<host::proxy::StreamRecord> wait_records(
      size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  std::vector<host::proxy::StreamRecord> records() const;

 private:
  host::proxy::Proxy proxy_;
  std::string error_;
  mutable std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<host::proxy::StreamRecord> records_;
};

// Trace helpers: the names of callbacks entered, in order, optionally only for one plugin.
std::vector<std::string> callbacks_entered(const host::proxy::StreamRecord& record,
                                           const std::string& plugin = "");
size_t count_callbacks(const host::proxy::StreamRecord& record, const std::string& name);
// The value of the first header `name` in a view, or "<absent>"; all values joined with "|".
std::string view_header(const host::MessageView& view, const std::string& name);
std::string view_headers(const host::MessageView& view, const std::string& name);

}  // namespace pwplay::testing
