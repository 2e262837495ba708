// ProxyServer: the listener, the connection and stream tables, the upstream pool and the
// plugins, on the proxy's loop thread (see proxy_server.h); TraceGrouper files trace events
// under their stream.
#include "host/proxy/proxy_server.h"

#include <event2/event.h>
#include <event2/listener.h>
#include <netinet/in.h>

#include <algorithm>
#include <cstring>

#include "host/proxy/proxy_internal.h"

namespace pwplay::host::proxy {
namespace {

constexpr size_t kMaxIdleUpstreams = 256;

}  // namespace

// --- Trace grouping ----------------------------------------------------------------------------

// Receives the host's trace events and files them under their stream; events of root contexts
// (ticks, queues) go to the proxy's root buffer.
class ProxyServer::TraceGrouper : public TraceSink {
 public:
  explicit TraceGrouper(ProxyServer& server) : server_(server) {}
  void record(TraceEvent event) override {
    event.seq = next_seq_++;
    uint64_t stream_id = event.stream_id;
    if (stream_id == 0) {
      if (const auto& account = server_.dispatcher().current_account())
        stream_id = account->stream_id;
    }
    if (ProxyDebugger* debugger = server_.options().debugger) {
      if (event.stream_id == stream_id) {
        debugger->record(event);
      } else {  // a callout or timer callback on behalf of a stream: file it under the stream
        TraceEvent filed = event;
        filed.stream_id = stream_id;
        debugger->record(filed);
      }
    }
    if (stream_id != 0) {
      if (ActiveStream* stream = server_.find_stream(stream_id)) {
        add_to_stream(*stream, std::move(event));
        return;
      }
      // A stream being created (stream_start, its context) is indexed right after.
      if (stream_id > last_adopted_) {
        pending_[stream_id].push_back(std::move(event));
        return;
      }
    }
    if (server_.hooks().root_event) server_.hooks().root_event(std::move(event));
  }
  // The stream is indexed: it takes the events recorded while it was created.
  void adopt(uint64_t stream_id, ActiveStream& stream) {
    last_adopted_ = std::max(last_adopted_, stream_id);
    for (auto it = pending_.begin(); it != pending_.end();) {
      if (it->first > stream_id) break;
      if (it->first == stream_id)
        for (auto& event : it->second) add_to_stream(stream, std::move(event));
      it = pending_.erase(it);
    }
  }
  static void add_to_stream(ActiveStream& stream, TraceEvent event) {
    stream.record().trace.push_back(std::move(event));
  }
  PauseVerdict pause_point(const PausePoint& point) override {
    ProxyDebugger* debugger = server_.options().debugger;
    if (debugger && server_.chain_) return debugger->pause_point(point, *server_.chain_);
    return PauseVerdict::Go;
  }

 private:
  ProxyServer& server_;
  uint64_t next_seq_ = 1;
  uint64_t last_adopted_ = 0;
  std::map<uint64_t, std::vector<TraceEvent>> pending_;
};
ProxyServer::ProxyServer(event_base* base, ProxyOptions options, ServerHooks hooks)
    : base_(base), options_(std::move(options)), hooks_(std::move(hooks)) {}

Result<std::unique_ptr<ProxyServer>> ProxyServer::create(event_base* base, ProxyOptions options,
                                                         ServerHooks hooks) {
  std::unique_ptr<ProxyServer> server(new ProxyServer(base, std::move(options), std::move(hooks)));
  if (auto ok = server->init(); !ok) {
    server->shutdown();
    return unexpected(ok.error());
  }
  return server;
}

Result<void> ProxyServer::init() {
  const HostPort& listen = options_.listen;
  if (!options_.allow_non_loopback && !is_loopback_host(listen.host))
    return make_error("refusing to listen on " + listen.host + ":" + std::to_string(listen.port) +
                      ": only loopback addresses (127.0.0.1, ::1) unless explicitly allowed");
  auto listen_address = resolve(listen, "listen address");
  if (!listen_address) return unexpected(listen_address.error());
  if (options_.upstream.kind == UpstreamConfig::Kind::Remote) {
    auto upstream = resolve(options_.upstream.remote, "upstream");
    if (!upstream) return unexpected(upstream.error());
    upstream_address_ = *upstream;
  }
  std::map<std::string, SocketAddress, std::less<>> clusters;
  for (const auto& [name, address] : options_.clusters) {
    auto resolved = resolve(address, "cluster '" + name + "'");
    if (!resolved) return unexpected(resolved.error());
    clusters.emplace(name, *resolved);
  }

  deferred_event_ = event_new(base_, -1, 0, &ProxyServer::on_deferred, this);
  dispatcher_ = std::make_unique<LoopDispatcher>(base_);
  callouts_ = std::make_unique<ClusterCalloutClient>(base_, *dispatcher_, std::move(clusters),
                                                     options_.max_header_bytes);
  env_ = std::make_unique<HostEnv>(*dispatcher_, *callouts_, options_.env);
  if (options_.trace) {
    tracer_ = std::make_unique<TraceGrouper>(*this);
    env_->set_trace_sink(tracer_.get());
  }
  env_->set_log_handler([this](const LogRecord& record) { on_log(record); });
  chain_ = std::make_unique<FilterChain>(*env_);
  for (LoadedPlugin& spec : options_.plugins) {
    std::string name = spec.config.name.empty() ? spec.config.wasm_path : spec.config.name;
    auto plugin = Plugin::create(*env_, spec.config, std::move(spec.wasm));
    if (!plugin) return make_error("plugin " + name + ": " + plugin.error().message);
    chain_->add(std::move(*plugin));
  }
  options_.plugins.clear();  // the module bytes live in the plugins now

  listener_ = evconnlistener_new_bind(
      base_, &ProxyServer::on_accept, this, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1024,
      listen_address->get(), static_cast<int>(listen_address->length));
  if (!listener_) {
    int error = EVUTIL_SOCKET_ERROR();
    return make_error("cannot listen on " + listen_address->text + ": " + std::strerror(error));
  }
  evconnlistener_set_error_cb(listener_, &ProxyServer::on_accept_error);
  sockaddr_storage bound{};
  socklen_t length = sizeof(bound);
  getsockname(evconnlistener_get_fd(listener_), reinterpret_cast<sockaddr*>(&bound), &length);
  std::string ip;
  uint32_t port = 0;
  address_parts(reinterpret_cast<sockaddr*>(&bound), ip, port);
  port_ = static_cast<uint16_t>(port);
  return {};
}

ProxyServer::~ProxyServer() {
  shutdown();
}

void ProxyServer::shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  if (listener_) {
    evconnlistener_free(listener_);
    listener_ = nullptr;
  }
  // Close every client: their streams end (end-of-stream callbacks run in the drain below).
  std::vector<DownstreamConnection*> open;
  for (auto& [id, connection] : connections_) open.push_back(connection.get());
  for (DownstreamConnection* connection : open) connection->close_now();
  if (dispatcher_) dispatcher_->drain(16);
  // Streams that could not finalize (should be none) go with their end-of-stream callbacks.
  stream_index_.clear();
  streams_.clear();
  idle_upstreams_.clear();
  upstreams_.clear();
  graveyard_.clear();
  if (dispatcher_) dispatcher_->drain(16);
  graveyard_.clear();
  chain_.reset();  // plugins shut down: proxy_on_done / proxy_on_delete of the root contexts
  if (dispatcher_) dispatcher_->drain(16);
  callouts_.reset();
  if (env_) env_->set_trace_sink(nullptr);
  tracer_.reset();
  env_.reset();
  dispatcher_.reset();
  if (deferred_event_) {
    event_free(deferred_event_);
    deferred_event_ = nullptr;
  }
}

void ProxyServer::on_accept(evconnlistener*, int fd, sockaddr* address, int, void* arg) {
  auto* self = static_cast<ProxyServer*>(arg);
  if (self->shutting_down_) {
    evutil_closesocket(fd);
    return;
  }
  set_no_delay(fd);
  evutil_make_socket_nonblocking(fd);
  bufferevent* bev = bufferevent_socket_new(self->base_, fd, BEV_OPT_CLOSE_ON_FREE);
  if (!bev) {
    evutil_closesocket(fd);
    return;
  }
  StreamInfo info;
  address_parts(address, info.source_address, info.source_port);
  sockaddr_storage local{};
  socklen_t length = sizeof(local);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0)
    address_parts(reinterpret_cast<sockaddr*>(&local), info.destination_address,
                  info.destination_port);
  uint64_t id = self->next_connection_id_++;
  info.connection_id = id;
  auto connection = std::make_unique<DownstreamConnection>(*self, id, bev, std::move(info));
  DownstreamConnection* raw = connection.get();
  self->connections_.emplace(id, std::move(connection));
  self->update_stats([](ProxyStats& s) {
    ++s.connections_total;
    ++s.connections_active;
  });
  raw->start();
}

// Out of file descriptors (or another accept failure): pause accepting for a moment instead of
// spinning on a listener that stays readable.
void ProxyServer::on_accept_error(evconnlistener* listener, void* arg) {
  auto* self = static_cast<ProxyServer*>(arg);
  if (self->shutting_down_) return;
  evconnlistener_disable(listener);
  self->dispatcher_->schedule(std::chrono::milliseconds(100), [self] {
    if (!self->shutting_down_ && self->listener_) evconnlistener_enable(self->listener_);
  });
}

void ProxyServer::defer_delete(std::unique_ptr<Deferred> object) {
  graveyard_.push_back(std::move(object));
  if (deferred_event_ && graveyard_.size() == 1) event_active(deferred_event_, EV_READ, 0);
}

void ProxyServer::on_deferred(int, short, void* arg) {
  auto* self = static_cast<ProxyServer*>(arg);
  // Destructors may defer more objects: take the list first.
  std::vector<std::unique_ptr<Deferred>> dead;
  dead.swap(self->graveyard_);
  dead.clear();
}

void ProxyServer::connection_closed(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  defer_delete(std::move(it->second));
  connections_.erase(it);
  update_stats([](ProxyStats& s) { --s.connections_active; });
}

ActiveStream& ProxyServer::start_stream(DownstreamConnection& connection) {
  auto stream = std::make_unique<ActiveStream>(*this, connection, connection.id());
  ActiveStream* raw = stream.get();
  streams_.emplace(raw, std::move(stream));
  return *raw;
}

void ProxyServer::index_stream(uint64_t stream_id, ActiveStream* stream) {
  stream_index_[stream_id] = stream;
  if (tracer_) tracer_->adopt(stream_id, *stream);
}

void ProxyServer::stream_finished(ActiveStream* stream) {
  auto it = streams_.find(stream);
  if (it == streams_.end()) return;
  stream_index_.erase(stream->id());
  defer_delete(std::move(it->second));
  streams_.erase(it);
}

ActiveStream* ProxyServer::find_stream(uint64_t stream_id) {
  auto it = stream_index_.find(stream_id);
  return it == stream_index_.end() ? nullptr : it->second;
}

UpstreamConnection* ProxyServer::acquire_upstream() {
  while (!idle_upstreams_.empty()) {
    UpstreamConnection* connection = idle_upstreams_.back();
    idle_upstreams_.pop_back();
    if (connection->open()) return connection;
  }
  uint64_t id = next_upstream_id_++;
  auto connection = std::make_unique<UpstreamConnection>(*this, id);
  UpstreamConnection* raw = connection.get();
  upstreams_.emplace(id, std::move(connection));
  raw->connect(*upstream_address_);
  return raw;
}

void ProxyServer::release_upstream(UpstreamConnection* connection, bool reusable) {
  if (reusable && connection->open() && !shutting_down_ &&
      idle_upstreams_.size() < kMaxIdleUpstreams) {
    idle_upstreams_.push_back(connection);
    return;
  }
  std::erase(idle_upstreams_, connection);
  connection->close();
  auto it = upstreams_.find(connection->id());
  if (it == upstreams_.end()) return;
  defer_delete(std::move(it->second));
  upstreams_.erase(it);
}

void ProxyServer::on_log(const LogRecord& record) {
  if (options_.log_handler) options_.log_handler(record);
  uint64_t stream_id = record.stream_id;
  if (stream_id == 0)
    if (const auto& account = dispatcher_->current_account()) stream_id = account->stream_id;
  if (stream_id == 0) return;
  if (ActiveStream* stream = find_stream(stream_id); stream && stream->capturing())
    stream->record().logs.push_back(record);
}

}  // namespace pwplay::host::proxy
