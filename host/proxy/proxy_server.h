// ProxyServer: the proxy as it lives on its loop thread — the listener, client connections, one
// active stream per connection (pipelined requests wait their turn), the upstream connection
// pool, the plugins and their environment. Only Proxy (proxy.cc) creates it; everything here
// runs on the loop thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "abi/result.h"
#include "host/filter_chain.h"
#include "host/proxy/cluster_callouts.h"
#include "host/proxy/loop_dispatcher.h"
#include "host/proxy/net.h"
#include "host/proxy/proxy.h"

struct event_base;
struct event;
struct evconnlistener;

namespace pwplay::host::proxy {

// How the server reports to the thread-safe side (proxy.cc).
struct ServerHooks {
  std::function<void(const std::function<void(ProxyStats&)>&)> update_stats;
  std::function<bool()> wants_records;
  std::function<void(StreamRecord&&)> publish;
  std::function<void(TraceEvent&&)> root_event;
};

// Something whose destruction waits until the current work returns.
class Deferred {
 public:
  virtual ~Deferred() = default;
};

class DownstreamConnection;
class ActiveStream;
class UpstreamConnection;

class ProxyServer {
 public:
  // Loads the plugins, resolves the upstream and the clusters, and binds the listener.
  static Result<std::unique_ptr<ProxyServer>> create(event_base* base, ProxyOptions options,
                                                     ServerHooks hooks);
  ~ProxyServer();
  ProxyServer(const ProxyServer&) = delete;
  ProxyServer& operator=(const ProxyServer&) = delete;

  uint16_t port() const { return port_; }
  // Stops accepting, ends every connection and stream (end-of-stream callbacks run), and shuts
  // the plugins down. The server is inert afterwards.
  void shutdown();

  HostEnv& env() { return *env_; }
  FilterChain& chain() { return *chain_; }
  LoopDispatcher& dispatcher() { return *dispatcher_; }
  const ProxyOptions& options() const { return options_; }
  event_base* base() const { return base_; }
  const ServerHooks& hooks() const { return hooks_; }
  bool shutting_down() const { return shutting_down_; }
  // Whether new streams fill the four views (someone listens for records).
  bool capture() const {
    return options_.capture_messages && hooks_.wants_records && hooks_.wants_records();
  }

  // Lifetime management for connections and streams.
  void defer_delete(std::unique_ptr<Deferred> object);
  void connection_closed(uint64_t id);
  ActiveStream& start_stream(DownstreamConnection& connection);
  // The chain gave the stream its id: trace events and logs find it by that id from now on.
  void index_stream(uint64_t stream_id, ActiveStream* stream);
  void stream_finished(ActiveStream* stream);
  ActiveStream* find_stream(uint64_t stream_id);

  // Upstream connections: an idle pooled one, or a new one to the configured upstream.
  UpstreamConnection* acquire_upstream();
  void release_upstream(UpstreamConnection* connection, bool reusable);
  const SocketAddress* upstream_address() const {
    return upstream_address_ ? &*upstream_address_ : nullptr;
  }

  void update_stats(const std::function<void(ProxyStats&)>& change) {
    if (hooks_.update_stats) hooks_.update_stats(change);
  }
  // One response the client received whole, by status class.
  void count_response(uint32_t status) {
    update_stats([status](ProxyStats& s) {
      if (status >= 200 && status < 300)
        ++s.responses_2xx;
      else if (status >= 300 && status < 400)
        ++s.responses_3xx;
      else if (status >= 400 && status < 500)
        ++s.responses_4xx;
      else if (status >= 500)
        ++s.responses_5xx;
    });
  }

 private:
  class TraceGrouper;
  ProxyServer(event_base* base, ProxyOptions options, ServerHooks hooks);
  Result<void> init();
  static void on_accept(evconnlistener* listener, int fd, sockaddr* address, int length, void* arg);
  static void on_deferred(int fd, short what, void* arg);
  static void on_accept_error(evconnlistener* listener, void* arg);
  void on_log(const LogRecord& record);

  event_base* base_;
  ProxyOptions options_;
  ServerHooks hooks_;
  std::unique_ptr<LoopDispatcher> dispatcher_;
  std::unique_ptr<ClusterCalloutClient> callouts_;
  std::unique_ptr<HostEnv> env_;
  std::unique_ptr<TraceGrouper> tracer_;
  std::unique_ptr<FilterChain> chain_;
  std::optional<SocketAddress> upstream_address_;
  evconnlistener* listener_ = nullptr;
  uint16_t port_ = 0;
  bool shutting_down_ = false;

  std::map<uint64_t, std::unique_ptr<DownstreamConnection>> connections_;
  std::unordered_map<ActiveStream*, std::unique_ptr<ActiveStream>> streams_;
  std::unordered_map<uint64_t, ActiveStream*> stream_index_;
  std::map<uint64_t, std::unique_ptr<UpstreamConnection>> upstreams_;
  std::vector<UpstreamConnection*> idle_upstreams_;
  uint64_t next_connection_id_ = 1;
  uint64_t next_upstream_id_ = 1;

  event* deferred_event_ = nullptr;
  std::vector<std::unique_ptr<Deferred>> graveyard_;
};

}  // namespace pwplay::host::proxy
