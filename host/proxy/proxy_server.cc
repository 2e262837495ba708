#include "host/proxy/proxy_server.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <random>

#include "host/proxy/http1_codec.h"

namespace pwplay::host::proxy {
namespace {

constexpr size_t kMaxIdleUpstreams = 256;

std::string make_request_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t hi = rng();
  uint64_t lo = rng();
  hi = (hi & 0xffffffffffff0fffull) | 0x0000000000004000ull;  // version 4
  lo = (lo & 0x3fffffffffffffffull) | 0x8000000000000000ull;  // RFC 4122 variant
  // 8-4-4-4-12 hex digits.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(36, '-');
  int bit = 124;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    uint64_t word = bit >= 64 ? hi : lo;
    text[i] = kHex[(word >> (bit % 64)) & 0xf];
    bit -= 4;
  }
  return text;
}

// Writes to the socket at once when nothing is queued (most answers fit in one send), which
// spares the event loop arming and disarming write interest for every message.
void write_now(bufferevent* bev, std::string_view bytes) {
  evbuffer* output = bufferevent_get_output(bev);
  if (evbuffer_get_length(output) == 0 && !bytes.empty()) {
    int fd = bufferevent_getfd(bev);
    ssize_t n = fd >= 0 ? send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) : -1;
    if (n > 0) bytes.remove_prefix(static_cast<size_t>(n));
  }
  if (!bytes.empty()) bufferevent_write(bev, bytes.data(), bytes.size());
}

void append_bounded(std::string& target, std::string_view data, size_t limit, bool& truncated) {
  if (target.size() >= limit) {
    if (!data.empty()) truncated = true;
    return;
  }
  size_t room = limit - target.size();
  if (data.size() > room) {
    truncated = true;
    data = data.substr(0, room);
  }
  target.append(data);
}

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
  static void add_to_stream(ActiveStream& stream, TraceEvent event);
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

// --- Upstream connection -----------------------------------------------------------------------

class UpstreamConnection : public Http1Handler, public Deferred {
 public:
  UpstreamConnection(ProxyServer& server, uint64_t id)
      : server_(server),
        id_(id),
        parser_(Http1Parser::Type::Response, *this,
                std::max<size_t>(server.options().max_header_bytes, 64 * 1024)) {}
  ~UpstreamConnection() override { close(); }

  uint64_t id() const { return id_; }
  bool open() const { return !closed_; }
  bool reused() const { return uses_ > 1; }
  bool peer_keep_alive() const { return peer_keep_alive_ && !parser_.failed(); }

  void connect(const SocketAddress& address) {
    bev_ = bufferevent_socket_new(server_.base(), -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev_, &UpstreamConnection::on_read, &UpstreamConnection::on_write,
                      &UpstreamConnection::on_event, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    if (bufferevent_socket_connect(bev_, address.get(), static_cast<int>(address.length)) != 0) {
      // Never report from inside the filter chain's call: a zero timer reports it next round.
      connect_error_ = std::strerror(errno);
      fail_later_ = true;
      arm_failure();
      return;
    }
    set_no_delay(bufferevent_getfd(bev_));
  }

  void attach(ActiveStream* stream, bool head_request);
  void detach() {
    stream_ = nullptr;
    if (bev_ && !closed_) bufferevent_enable(bev_, EV_READ);
  }

  void write(std::string_view bytes) {
    if (closed_ || !bev_) return;
    if (connected_)
      write_now(bev_, bytes);
    else
      bufferevent_write(bev_, bytes.data(), bytes.size());
  }
  size_t pending_output() const {
    return bev_ && !closed_ ? evbuffer_get_length(bufferevent_get_output(bev_)) : 0;
  }
  void pause_reading() {
    if (bev_ && !closed_) bufferevent_disable(bev_, EV_READ);
  }
  void resume_reading() {
    if (bev_ && !closed_) bufferevent_enable(bev_, EV_READ);
  }
  void close() {
    if (closed_) return;
    closed_ = true;
    if (failure_timer_) {
      event_free(failure_timer_);
      failure_timer_ = nullptr;
    }
    if (bev_) {
      bufferevent_free(bev_);
      bev_ = nullptr;
    }
  }

  // Http1Handler: the response, handed to the stream.
  void on_head(Http1Head head) override;
  void on_body(std::string data) override;
  void on_message_end(std::string last, abi::HeaderPairs trailers) override;

 private:
  static void on_read(bufferevent*, void* arg) {
    static_cast<UpstreamConnection*>(arg)->process_input();
  }
  static void on_write(bufferevent*, void* arg);
  static void on_event(bufferevent*, short what, void* arg);
  static void on_failure_timer(int, short, void* arg);
  void process_input();
  void failed(const std::string& reason, bool connect_failure);
  void arm_failure() {
    failure_timer_ = evtimer_new(server_.base(), &UpstreamConnection::on_failure_timer, this);
    timeval zero{0, 0};
    evtimer_add(failure_timer_, &zero);
  }

  ProxyServer& server_;
  uint64_t id_;
  bufferevent* bev_ = nullptr;
  Http1Parser parser_;
  ActiveStream* stream_ = nullptr;
  bool closed_ = false;
  bool connected_ = false;
  bool parsing_ = false;
  bool informational_ = false;
  bool peer_keep_alive_ = true;
  bool fail_later_ = false;
  std::string connect_error_;
  event* failure_timer_ = nullptr;
  uint32_t uses_ = 0;
};

// --- Active stream -----------------------------------------------------------------------------

class ActiveStream : public StreamSink, public Deferred {
 public:
  ActiveStream(ProxyServer& server, DownstreamConnection& connection, uint64_t connection_id)
      : server_(server),
        dispatcher_(server.dispatcher()),
        conn_(&connection),
        account_(std::make_shared<WorkAccount>()) {
    record_.connection_id = connection_id;
    capture_ = server.capture();
  }
  ~ActiveStream() override;

  uint64_t id() const { return record_.stream_id; }
  StreamRecord& record() { return record_; }
  bool capturing() const { return capture_; }
  bool request_complete() const { return request_complete_; }

  // From the client connection.
  void begin(const Http1Head& head, HeaderMap headers, StreamInfo info);
  void request_body(std::string data);
  void request_end(std::string last, abi::HeaderPairs trailers);
  void request_failed(uint32_t status, const std::string& message);
  void connection_lost();
  void downstream_drained();

  // From the upstream connection.
  void upstream_head(const Http1Head& head);
  void upstream_body(std::string data);
  void upstream_end(std::string last, abi::HeaderPairs trailers);
  void upstream_failed(uint32_t status, const std::string& reason);
  void upstream_drained();

  // StreamSink: where the filter chain sends the request and the response.
  void upstream_headers(const HeaderMap& headers, bool end_stream) override;
  void upstream_data(const std::string& data, bool end_stream) override;
  void upstream_trailers(const HeaderMap& trailers) override;
  void upstream_reset() override;
  void downstream_headers(const HeaderMap& headers, bool end_stream) override;
  void downstream_data(const std::string& data, bool end_stream) override;
  void downstream_trailers(const HeaderMap& trailers) override;
  void downstream_reset(const std::string& reason) override;

 private:
  void upstream_request_done();
  void answer_locally();
  void send_upstream_error(uint32_t status, const std::string& body);
  void fail_stream(uint32_t status, const std::string& message);
  void response_done();
  void release_upstream(bool reusable);
  void detach_connection();
  void schedule_finalize();
  void finalize();
  void check_response_backlog();
  static void on_timeout(int, short, void* arg);

  // Work done for this stream from the proxy's side: charged to the stream, and what the chain
  // sends the client meanwhile leaves in one write when the outermost scope ends.
  class Work {
   public:
    explicit Work(ActiveStream& stream)
        : stream_(stream), charge_(stream.dispatcher_, stream.account_) {
      ++stream.cork_;
    }
    ~Work() {
      if (--stream_.cork_ == 0) stream_.flush_client();
    }
    Work(const Work&) = delete;
    Work& operator=(const Work&) = delete;

   private:
    ActiveStream& stream_;
    LoopDispatcher::Charge charge_;
  };
  void to_client(std::string_view bytes);
  void flush_client();

 public:
  void cork() { ++cork_; }
  void uncork() {
    if (--cork_ == 0) flush_client();
  }

 private:
  ProxyServer& server_;
  LoopDispatcher& dispatcher_;
  DownstreamConnection* conn_;
  std::shared_ptr<WorkAccount> account_;
  int cork_ = 0;
  std::string client_out_;
  std::unique_ptr<HttpStream> http_;
  StreamRecord record_;
  bool capture_ = false;
  bool head_request_ = false;
  bool client_http11_ = true;
  bool client_keep_alive_ = true;
  bool request_complete_ = false;  // the client sent the whole request
  bool request_headers_end_ = false;
  uint64_t request_bytes_in_ = 0;
  uint64_t request_bytes_out_ = 0;
  uint64_t response_bytes_in_ = 0;
  uint64_t response_bytes_out_ = 0;

  // Toward the upstream.
  UpstreamConnection* upstream_ = nullptr;
  Framing request_framing_ = Framing::None;
  uint64_t request_length_left_ = 0;
  bool request_overflow_ = false;  // more body than the content-length said
  bool upstream_request_sent_ = false;
  bool upstream_abandoned_ = false;
  bool upstream_answered_ = false;  // response headers came from the upstream (or local one)
  bool upstream_response_done_ = false;
  bool upstream_has_body_ = false;
  bool reading_upstream_paused_ = false;
  std::optional<MessageView> local_request_;  // the echo / mock upstream's view
  bool local_answered_ = false;
  bool local_too_large_ = false;
  event* timeout_ = nullptr;

  // Toward the client.
  bool response_started_ = false;
  bool response_complete_ = false;
  bool close_connection_ = false;
  Framing response_framing_ = Framing::None;
  uint64_t response_length_left_ = 0;
  bool reading_client_paused_ = false;

  bool finalize_scheduled_ = false;
  bool finalized_ = false;
  bool aborted_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

void ProxyServer::TraceGrouper::add_to_stream(ActiveStream& stream, TraceEvent event) {
  stream.record().trace.push_back(std::move(event));
}

// --- Downstream connection ---------------------------------------------------------------------

class DownstreamConnection : public Http1Handler, public Deferred {
 public:
  DownstreamConnection(ProxyServer& server, uint64_t id, bufferevent* bev, StreamInfo info)
      : server_(server),
        id_(id),
        bev_(bev),
        parser_(Http1Parser::Type::Request, *this, server.options().max_header_bytes),
        info_(std::move(info)) {}
  ~DownstreamConnection() override {
    if (bev_) bufferevent_free(bev_);
  }

  uint64_t id() const { return id_; }
  bool open() const { return !closed_; }

  void start() {
    bufferevent_setcb(bev_, &DownstreamConnection::on_read, &DownstreamConnection::on_write,
                      &DownstreamConnection::on_event, this);
    // Pipelined requests wait in the input buffer; past this much, stop reading the socket.
    bufferevent_setwatermark(bev_, EV_READ, 0,
                             std::max<size_t>(server_.options().max_header_bytes * 2, 256 * 1024));
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    set_idle_timeout(true);
  }

  void write(std::string_view bytes) {
    if (closed_) return;
    write_now(bev_, bytes);
  }
  size_t pending_output() const {
    return closed_ ? 0 : evbuffer_get_length(bufferevent_get_output(bev_));
  }
  void pause_reading() {
    if (!closed_) bufferevent_disable(bev_, EV_READ);
  }
  void resume_reading() {
    if (!closed_ && !closing_) bufferevent_enable(bev_, EV_READ);
  }
  void detach_stream() { stream_ = nullptr; }

  // Sends what is queued, then half-closes and reads (and drops) what the client still sends
  // for a moment before closing: closing with unread input would reset the connection and the
  // client could lose the answer (Envoy's delayed close does the same).
  void close_after_flush() {
    if (closed_ || closing_) return;
    closing_ = true;
    bufferevent_disable(bev_, EV_READ);
    if (pending_output() == 0) start_draining();
  }

  void start_draining() {
    if (closed_ || draining_) return;
    draining_ = true;
    shutdown(bufferevent_getfd(bev_), SHUT_WR);
    timeval linger{1, 0};
    bufferevent_set_timeouts(bev_, &linger, nullptr);
    evbuffer_drain(bufferevent_get_input(bev_), evbuffer_get_length(bufferevent_get_input(bev_)));
    bufferevent_enable(bev_, EV_READ);
  }

  void close_now() {
    if (closed_) return;
    closed_ = true;
    bufferevent_free(bev_);
    bev_ = nullptr;
    if (ActiveStream* stream = stream_) {
      stream_ = nullptr;
      stream->connection_lost();
    }
    server_.connection_closed(id_);
  }

  // The active stream ended: serve the next pipelined request, or close.
  void stream_done(bool keep_alive) {
    stream_ = nullptr;
    if (closed_) return;
    if (!keep_alive || server_.shutting_down()) {
      close_after_flush();
      return;
    }
    set_idle_timeout(true);
    parser_.resume();
    bufferevent_enable(bev_, EV_READ);
    process_input();
  }

  // Http1Handler: the client's request.
  void on_head(Http1Head head) override;
  void on_body(std::string data) override {
    if (stream_) stream_->request_body(std::move(data));
  }
  void on_message_end(std::string last, abi::HeaderPairs trailers) override {
    if (stream_) stream_->request_end(std::move(last), std::move(trailers));
  }

 private:
  static void on_read(bufferevent*, void* arg) {
    auto* self = static_cast<DownstreamConnection*>(arg);
    if (self->draining_) {
      evbuffer* input = bufferevent_get_input(self->bev_);
      self->drained_ += evbuffer_get_length(input);
      evbuffer_drain(input, evbuffer_get_length(input));
      if (self->drained_ > (4u << 20)) self->close_now();
      return;
    }
    self->process_input();
  }
  static void on_write(bufferevent*, void* arg) {
    auto* self = static_cast<DownstreamConnection*>(arg);
    if (self->closing_) {
      self->start_draining();
      return;
    }
    if (self->stream_) self->stream_->downstream_drained();
  }
  static void on_event(bufferevent*, short what, void* arg) {
    auto* self = static_cast<DownstreamConnection*>(arg);
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) self->close_now();
  }

  void set_idle_timeout(bool idle) {
    if (closed_) return;
    if (idle && server_.options().idle_timeout.count() > 0) {
      int64_t ms = server_.options().idle_timeout.count();
      timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
      bufferevent_set_timeouts(bev_, &tv, nullptr);
    } else {
      bufferevent_set_timeouts(bev_, nullptr, nullptr);
    }
  }

  void process_input() {
    if (parsing_ || closed_ || closing_) return;
    parsing_ = true;
    evbuffer* input = bufferevent_get_input(bev_);
    while (!closed_ && !closing_ && !parser_.paused() && !parser_.failed()) {
      if (evbuffer_get_length(input) == 0) break;
      evbuffer_iovec piece;
      if (evbuffer_peek(input, -1, nullptr, &piece, 1) < 1) break;
      size_t used = parser_.feed(static_cast<const char*>(piece.iov_base), piece.iov_len);
      if (closed_) break;
      evbuffer_drain(input, used);
      if (used == 0) break;
    }
    parsing_ = false;
    if (!closed_ && !closing_ && parser_.failed()) on_parse_error();
  }

  void on_parse_error();

  ProxyServer& server_;
  uint64_t id_;
  bufferevent* bev_;
  Http1Parser parser_;
  StreamInfo info_;
  ActiveStream* stream_ = nullptr;
  bool closed_ = false;
  bool closing_ = false;
  bool draining_ = false;
  size_t drained_ = 0;
  bool parsing_ = false;
};

void DownstreamConnection::on_head(Http1Head head) {
  set_idle_timeout(false);
  HeaderMap headers;
  std::string authority;
  std::string path = head.target;
  if (!head.target.empty() && head.target[0] != '/' && head.target != "*") {
    // Absolute form (a client using us as a forward proxy, curl -x): host and path from the URL.
    http_parser_url url;
    http_parser_url_init(&url);
    if (http_parser_parse_url(head.target.data(), head.target.size(), 0, &url) == 0 &&
        (url.field_set & (1 << UF_HOST))) {
      auto field = [&](int f) {
        return head.target.substr(url.field_data[f].off, url.field_data[f].len);
      };
      authority = field(UF_HOST);
      if (url.field_set & (1 << UF_PORT)) authority += ":" + field(UF_PORT);
      path = (url.field_set & (1 << UF_PATH)) ? field(UF_PATH) : "/";
      if (url.field_set & (1 << UF_QUERY)) path += "?" + field(UF_QUERY);
    }
  }
  bool expect_continue = false;
  for (const auto& [name, value] : head.headers) {
    if (authority.empty() && iequals(name, "host")) authority = value;
  }
  headers.add(":method", head.method);
  headers.add(":path", path);
  headers.add(":authority", authority);
  headers.add(":scheme", "http");
  for (const auto& [name, value] : head.headers) {
    std::string lower = to_lower(name);
    if (lower == "host" || is_hop_by_hop(lower)) continue;
    if (lower == "expect" && iequals(value, "100-continue")) {
      expect_continue = true;
      continue;
    }
    headers.add(lower, value);
  }
  // What Envoy's connection manager adds before the filters see the request.
  if (!headers.get("x-forwarded-proto")) headers.add("x-forwarded-proto", "http");
  if (!headers.get("x-request-id")) headers.add("x-request-id", make_request_id());
  // Envoy answers 100-continue itself and does not forward the expectation.
  if (expect_continue && head.has_body) write("HTTP/1.1 100 Continue\r\n\r\n");

  StreamInfo info = info_;
  info.protocol = head.minor == 0 ? "HTTP/1.0" : "HTTP/1.1";
  ActiveStream& stream = server_.start_stream(*this);
  stream_ = &stream;
  stream.begin(head, std::move(headers), std::move(info));
}

void DownstreamConnection::on_parse_error() {
  const uint32_t status = parser_.error_status();
  const std::string message = parser_.error_message();
  if (ActiveStream* stream = stream_) {
    stream->request_failed(status, message);
    return;
  }
  std::string body =
      (status == 431 ? "request header fields too large: " : "bad request: ") + message + "\n";
  write(encode_simple_response(status, body, true));
  close_after_flush();
  server_.update_stats([](ProxyStats& s) {
    ++s.bad_requests;
    ++s.responses_4xx;
  });
  if (server_.hooks().wants_records && server_.hooks().wants_records()) {
    StreamRecord record;
    record.connection_id = id_;
    record.status = status;
    record.error = body.substr(0, body.size() - 1);
    record.local_reply = true;
    record.start_realtime_ns = server_.dispatcher().realtime_ns();
    server_.hooks().publish(std::move(record));
  }
}

// --- ActiveStream implementation ---------------------------------------------------------------

ActiveStream::~ActiveStream() {
  *alive_ = false;
  if (timeout_) event_free(timeout_);
  if (upstream_) release_upstream(false);
  // The HttpStream's destructor would run end-of-stream callbacks: finalize() already did.
  LoopDispatcher::Charge charge(dispatcher_, account_);
  http_.reset();
}

void ActiveStream::begin(const Http1Head& head, HeaderMap headers, StreamInfo info) {
  head_request_ = head.method == "HEAD";
  client_http11_ = !(head.major == 1 && head.minor == 0);
  client_keep_alive_ = head.keep_alive;
  record_.method = head.method;
  record_.path = std::string(headers.get(":path").value_or(""));
  record_.start_realtime_ns = dispatcher_.realtime_ns();
  if (capture_) {
    record_.client_request.method = head.method;
    record_.client_request.path = head.target;
    record_.client_request.headers = head.headers;
  }
  if (const SocketAddress* upstream = server_.upstream_address()) {
    address_parts(upstream->get(), info.upstream_address, info.upstream_port);
  }
  request_headers_end_ = !head.has_body;
  {
    Work work(*this);
    http_ = server_.chain().new_stream(*this, std::move(info));
  }
  record_.stream_id = http_->id();
  account_->stream_id = http_->id();
  server_.index_stream(http_->id(), this);
  server_.update_stats([](ProxyStats& s) {
    ++s.requests_total;
    ++s.requests_active;
  });
  if (!head.has_body) request_complete_ = true;
  Work work(*this);
  http_->decode_headers(std::move(headers), !head.has_body);
}

void ActiveStream::request_body(std::string data) {
  if (finalized_ || !http_ || http_->complete()) return;
  request_bytes_in_ += data.size();
  if (capture_)
    append_bounded(record_.client_request.body, data, server_.options().max_captured_body,
                   record_.bodies_truncated);
  {
    Work work(*this);
    http_->decode_data(std::move(data), false);
  }
  if (request_bytes_in_ - std::min(request_bytes_in_, request_bytes_out_) >
      server_.options().max_buffered_body_bytes)
    fail_stream(413, "the request body held by the filters exceeds the buffer limit of " +
                         std::to_string(server_.options().max_buffered_body_bytes) + " bytes");
}

void ActiveStream::request_end(std::string last, abi::HeaderPairs trailers) {
  if (request_headers_end_) {
    request_complete_ = true;
    return;
  }
  request_complete_ = true;
  if (finalized_ || !http_ || http_->complete()) {
    // The response is already out (an early local reply); the connection cannot be reused safely
    // only if the request was cut: here it was read whole, so keep-alive stays possible.
    return;
  }
  request_bytes_in_ += last.size();
  if (capture_) {
    append_bounded(record_.client_request.body, last, server_.options().max_captured_body,
                   record_.bodies_truncated);
    record_.client_request.trailers = trailers;
  }
  Work work(*this);
  if (trailers.empty()) {
    http_->decode_data(std::move(last), true);
  } else {
    if (!last.empty()) http_->decode_data(std::move(last), false);
    HeaderMap map;
    for (const auto& [name, value] : trailers) map.add(to_lower(name), value);
    http_->decode_trailers(std::move(map));
  }
}

void ActiveStream::request_failed(uint32_t status, const std::string& message) {
  server_.update_stats([](ProxyStats& s) { ++s.bad_requests; });
  fail_stream(status,
              (status == 431 ? "request header fields too large: " : "bad request: ") + message);
}

void ActiveStream::connection_lost() {
  conn_ = nullptr;
  if (finalized_) return;
  if (http_ && !http_->complete()) {
    aborted_ = true;
    server_.update_stats([](ProxyStats& s) { ++s.client_aborts; });
    if (record_.error.empty()) record_.error = "the client closed the connection";
    Work work(*this);
    http_->abort("downstream connection closed");
  }
  if (upstream_) release_upstream(false);
  schedule_finalize();
}

void ActiveStream::downstream_drained() {
  if (reading_upstream_paused_ && upstream_) {
    reading_upstream_paused_ = false;
    upstream_->resume_reading();
  }
}

void ActiveStream::upstream_drained() {
  if (reading_client_paused_ && conn_) {
    reading_client_paused_ = false;
    conn_->resume_reading();
  }
}

void ActiveStream::detach_connection() {
  if (conn_) conn_->detach_stream();
  conn_ = nullptr;
}

void ActiveStream::release_upstream(bool reusable) {
  UpstreamConnection* upstream = upstream_;
  upstream_ = nullptr;
  if (!upstream) return;
  upstream->detach();
  server_.release_upstream(upstream, reusable);
}

// --- Toward the upstream (StreamSink) ----------------------------------------------------------

void ActiveStream::upstream_headers(const HeaderMap& headers, bool end_stream) {
  LoopDispatcher::Pause pause(dispatcher_);
  if (upstream_abandoned_) return;
  const UpstreamConfig& config = server_.options().upstream;
  if (capture_) record_.upstream_request = request_view(headers);
  if (config.kind != UpstreamConfig::Kind::Remote) {
    local_request_ = request_view(headers);
    if (end_stream) answer_locally();
    return;
  }
  upstream_ = server_.acquire_upstream();
  upstream_->attach(this, head_request_);
  EncodedHead head = encode_request_head(headers, end_stream);
  request_framing_ = head.framing;
  request_length_left_ = head.length;
  upstream_->write(head.bytes);
  if (end_stream) upstream_request_done();
}

void ActiveStream::upstream_data(const std::string& data, bool end_stream) {
  LoopDispatcher::Pause pause(dispatcher_);
  request_bytes_out_ += data.size();
  if (upstream_abandoned_) return;
  if (capture_ && record_.upstream_request)
    append_bounded(record_.upstream_request->body, data, server_.options().max_captured_body,
                   record_.bodies_truncated);
  if (local_request_) {
    local_request_->body += data;
    if (local_request_->body.size() > server_.options().max_buffered_body_bytes) {
      local_too_large_ = true;
      answer_locally();
    } else if (end_stream) {
      answer_locally();
    }
    return;
  }
  if (!upstream_) return;
  std::string framed;
  switch (request_framing_) {
    case Framing::Chunked:
      append_chunk(framed, data);
      if (end_stream) framed += last_chunk({});
      upstream_->write(framed);
      break;
    case Framing::Length: {
      size_t n = data.size();
      if (n > request_length_left_) {
        // A filter grew the body but kept content-length: the rest would corrupt the connection.
        request_overflow_ = true;
        n = static_cast<size_t>(request_length_left_);
      }
      upstream_->write(std::string_view(data).substr(0, n));
      request_length_left_ -= n;
      break;
    }
    default:
      break;
  }
  if (end_stream) upstream_request_done();
  if (upstream_ && upstream_->pending_output() > server_.options().write_high_watermark && conn_ &&
      !reading_client_paused_) {
    reading_client_paused_ = true;
    conn_->pause_reading();
  }
}

void ActiveStream::upstream_trailers(const HeaderMap& trailers) {
  LoopDispatcher::Pause pause(dispatcher_);
  if (upstream_abandoned_) return;
  if (capture_ && record_.upstream_request) record_.upstream_request->trailers = trailers.pairs();
  if (local_request_) {
    local_request_->trailers = trailers.pairs();
    answer_locally();
    return;
  }
  if (!upstream_) return;
  if (request_framing_ == Framing::Chunked) upstream_->write(last_chunk(trailers.pairs()));
  upstream_request_done();
}

void ActiveStream::upstream_reset() {
  LoopDispatcher::Pause pause(dispatcher_);
  upstream_abandoned_ = true;
  if (capture_) record_.upstream_request.reset();
  local_request_.reset();
  if (timeout_) evtimer_del(timeout_);
  if (upstream_) release_upstream(false);
}

void ActiveStream::upstream_request_done() {
  upstream_request_sent_ = true;
  const auto timeout = server_.options().upstream.timeout;
  if (timeout.count() <= 0 || upstream_answered_) return;
  if (!timeout_) timeout_ = evtimer_new(server_.base(), &ActiveStream::on_timeout, this);
  int64_t ms = timeout.count();
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  evtimer_add(timeout_, &tv);
}

void ActiveStream::on_timeout(int, short, void* arg) {
  auto* self = static_cast<ActiveStream*>(arg);
  if (self->upstream_response_done_ || self->finalized_) return;
  self->upstream_failed(504, "upstream request timeout");
}

// The embedded upstream answers once the whole request arrived, after the current work, with
// the same bytes `pwplay run` produces.
void ActiveStream::answer_locally() {
  if (local_answered_ || !local_request_) return;
  local_answered_ = true;
  const UpstreamConfig& config = server_.options().upstream;
  ResponseSpec reply;
  if (local_too_large_) {
    reply.status = 413;
    reply.headers = {{"content-type", "text/plain"}};
    reply.body = "the echo upstream keeps bodies up to " +
                 std::to_string(server_.options().max_buffered_body_bytes) + " bytes\n";
  } else if (config.kind == UpstreamConfig::Kind::Mock) {
    reply = config.mock;
  } else {
    reply.status = 200;
    reply.headers = {{"content-type", "application/json"}};
    reply.body = echo_body(*local_request_);
  }
  bool has_length = false;
  for (const auto& [name, value] : reply.headers)
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) has_length = true;
  if (!has_length && !reply.body.empty())
    reply.headers.emplace_back("content-length", std::to_string(reply.body.size()));
  if (capture_) {
    MessageView sent;
    sent.status = reply.status;
    sent.headers = reply.headers;
    append_bounded(sent.body, reply.body, server_.options().max_captured_body,
                   record_.bodies_truncated);
    sent.trailers = reply.trailers;
    record_.upstream_response = std::move(sent);
  }
  std::weak_ptr<bool> alive = alive_;
  dispatcher_.post([this, alive, reply = std::move(reply)] {
    if (alive.expired() || !*alive.lock() || finalized_ || upstream_abandoned_) return;
    upstream_answered_ = true;
    upstream_response_done_ = true;
    HeaderMap headers;
    headers.add(":status", std::to_string(reply.status));
    for (const auto& [name, value] : reply.headers) headers.add(to_lower(name), value);
    const bool has_body = !reply.body.empty();
    const bool has_trailers = !reply.trailers.empty();
    Work work(*this);
    response_bytes_in_ += reply.body.size();
    http_->encode_headers(std::move(headers), !has_body && !has_trailers);
    if (has_body && !http_->complete()) http_->encode_data(reply.body, !has_trailers);
    if (has_trailers && !http_->complete()) http_->encode_trailers(HeaderMap(reply.trailers));
  });
}

// --- From the upstream connection --------------------------------------------------------------

void ActiveStream::upstream_head(const Http1Head& head) {
  if (finalized_) return;
  upstream_answered_ = true;
  upstream_has_body_ = head.has_body;
  HeaderMap headers;
  headers.add(":status", std::to_string(head.status));
  for (const auto& [name, value] : head.headers) {
    std::string lower = to_lower(name);
    if (is_hop_by_hop(lower)) continue;
    headers.add(lower, value);
  }
  if (capture_) {
    MessageView sent;
    sent.status = head.status;
    sent.headers = head.headers;
    record_.upstream_response = std::move(sent);
  }
  if (!head.has_body) {
    upstream_response_done_ = true;
    if (timeout_) evtimer_del(timeout_);
  }
  Work work(*this);
  http_->encode_headers(std::move(headers), !head.has_body);
}

void ActiveStream::upstream_body(std::string data) {
  if (finalized_) return;
  response_bytes_in_ += data.size();
  if (capture_ && record_.upstream_response)
    append_bounded(record_.upstream_response->body, data, server_.options().max_captured_body,
                   record_.bodies_truncated);
  {
    Work work(*this);
    http_->encode_data(std::move(data), false);
  }
  check_response_backlog();
}

void ActiveStream::check_response_backlog() {
  if (finalized_ || !http_ || http_->complete()) return;
  if (response_bytes_in_ - std::min(response_bytes_in_, response_bytes_out_) >
      server_.options().max_buffered_body_bytes) {
    fail_stream(500, "the response body held by the filters exceeds the buffer limit of " +
                         std::to_string(server_.options().max_buffered_body_bytes) + " bytes");
  }
}

void ActiveStream::upstream_end(std::string last, abi::HeaderPairs trailers) {
  if (timeout_) evtimer_del(timeout_);
  const bool was_done = upstream_response_done_;
  upstream_response_done_ = true;
  // The connection goes back to the pool only when both messages ended cleanly.
  if (upstream_) {
    bool reusable = upstream_->peer_keep_alive() && upstream_request_sent_ && !request_overflow_ &&
                    (request_framing_ != Framing::Length || request_length_left_ == 0);
    release_upstream(reusable);
  }
  if (finalized_ || was_done || !upstream_has_body_) return;
  response_bytes_in_ += last.size();
  if (capture_ && record_.upstream_response) {
    append_bounded(record_.upstream_response->body, last, server_.options().max_captured_body,
                   record_.bodies_truncated);
    record_.upstream_response->trailers = trailers;
  }
  Work work(*this);
  if (trailers.empty()) {
    http_->encode_data(std::move(last), true);
  } else {
    if (!last.empty()) http_->encode_data(std::move(last), false);
    HeaderMap map;
    for (const auto& [name, value] : trailers) map.add(to_lower(name), value);
    if (!http_->complete()) http_->encode_trailers(std::move(map));
  }
}

void ActiveStream::upstream_failed(uint32_t status, const std::string& reason) {
  if (finalized_) return;
  if (timeout_) evtimer_del(timeout_);
  if (upstream_) release_upstream(false);
  if (upstream_response_done_ || upstream_abandoned_) return;
  upstream_response_done_ = true;
  server_.update_stats([](ProxyStats& s) { ++s.upstream_failures; });
  if (record_.error.empty()) record_.error = reason;
  if (!upstream_answered_) {
    send_upstream_error(status, reason);
    return;
  }
  // The response already started: all the client can learn is a reset.
  fail_stream(status, reason);
}

// Envoy's router answers upstream failures itself; the answer passes the response filters.
void ActiveStream::send_upstream_error(uint32_t status, const std::string& reason) {
  upstream_answered_ = true;
  record_.local_reply = true;
  std::string body = reason + "\n";
  HeaderMap headers;
  headers.add(":status", std::to_string(status));
  headers.add("content-length", std::to_string(body.size()));
  headers.add("content-type", "text/plain");
  Work work(*this);
  http_->encode_headers(std::move(headers), false);
  if (!http_->complete()) http_->encode_data(std::move(body), true);
}

// The proxy ends the stream itself (bad request body, buffer limit, reset mid-response).
void ActiveStream::fail_stream(uint32_t status, const std::string& message) {
  if (finalized_) return;
  if (record_.error.empty()) record_.error = message;
  if (!response_started_ && conn_) {
    std::string body = message + "\n";
    conn_->write(encode_simple_response(status, body, true));
    response_started_ = true;
    response_complete_ = true;
    record_.status = status;
    record_.local_reply = true;
    if (capture_) {
      MessageView view;
      view.status = status;
      view.headers = {{"content-type", "text/plain"},
                      {"content-length", std::to_string(body.size())},
                      {"connection", "close"}};
      view.body = body;
      record_.response = std::move(view);
    }
    DownstreamConnection* conn = conn_;
    detach_connection();
    conn->close_after_flush();
  } else if (conn_) {
    record_.reset = true;
    record_.reset_reason = message;
    DownstreamConnection* conn = conn_;
    detach_connection();
    conn->close_now();
  }
  if (upstream_) release_upstream(false);
  upstream_abandoned_ = true;
  if (http_ && !http_->complete()) {
    Work work(*this);
    http_->abort(message);
  }
  schedule_finalize();
}

// --- Toward the client (StreamSink) ------------------------------------------------------------

void ActiveStream::downstream_headers(const HeaderMap& headers, bool end_stream) {
  LoopDispatcher::Pause pause(dispatcher_);
  response_started_ = true;
  if (auto status = headers.get(":status"))
    std::from_chars(status->data(), status->data() + status->size(), record_.status);
  if (capture_) record_.response = response_view(headers);
  if (!conn_) return;
  // A response that overtakes its request ends the connection (the rest of the request would
  // otherwise be read as the next one).
  close_connection_ =
      close_connection_ || !client_keep_alive_ || !request_complete_ || server_.shutting_down();
  EncodedHead head =
      encode_response_head(headers, end_stream, client_http11_, close_connection_, head_request_);
  response_framing_ = head.framing;
  response_length_left_ = head.length;
  if (head.framing == Framing::UntilClose) close_connection_ = true;
  to_client(head.bytes);
  if (end_stream) response_done();
}

void ActiveStream::downstream_data(const std::string& data, bool end_stream) {
  LoopDispatcher::Pause pause(dispatcher_);
  response_bytes_out_ += data.size();
  if (capture_ && record_.response)
    append_bounded(record_.response->body, data, server_.options().max_captured_body,
                   record_.bodies_truncated);
  if (conn_) {
    switch (response_framing_) {
      case Framing::Chunked: {
        std::string framed;
        append_chunk(framed, data);
        if (end_stream) framed += last_chunk({});
        to_client(framed);
        break;
      }
      case Framing::Length: {
        size_t n = std::min<uint64_t>(data.size(), response_length_left_);
        if (n < data.size()) close_connection_ = true;  // more than content-length said
        to_client(std::string_view(data).substr(0, n));
        response_length_left_ -= n;
        break;
      }
      case Framing::UntilClose:
        to_client(data);
        break;
      case Framing::None:
        break;
    }
    if (!end_stream && upstream_ && !reading_upstream_paused_ &&
        conn_->pending_output() > server_.options().write_high_watermark) {
      reading_upstream_paused_ = true;
      upstream_->pause_reading();
    }
  }
  if (end_stream) response_done();
}

void ActiveStream::downstream_trailers(const HeaderMap& trailers) {
  LoopDispatcher::Pause pause(dispatcher_);
  if (capture_ && record_.response) record_.response->trailers = trailers.pairs();
  if (conn_ && response_framing_ == Framing::Chunked) to_client(last_chunk(trailers.pairs()));
  response_done();
}

void ActiveStream::downstream_reset(const std::string& reason) {
  LoopDispatcher::Pause pause(dispatcher_);
  record_.reset = true;
  record_.reset_reason = reason;
  if (capture_) record_.response.reset();
  if (conn_) {
    // HTTP/1.1 can only signal a reset by closing the connection; do it after the current work.
    DownstreamConnection* conn = conn_;
    detach_connection();
    conn->close_now();
  }
  schedule_finalize();
}

void ActiveStream::to_client(std::string_view bytes) {
  if (!conn_) return;
  if (cork_ > 0) {
    client_out_.append(bytes);
    return;
  }
  conn_->write(bytes);
}

void ActiveStream::flush_client() {
  if (client_out_.empty()) return;
  if (conn_) conn_->write(client_out_);
  client_out_.clear();
}

void ActiveStream::response_done() {
  response_complete_ = true;
  if (response_framing_ == Framing::Length && response_length_left_ > 0) close_connection_ = true;
  schedule_finalize();
}

// --- End of the stream -------------------------------------------------------------------------

void ActiveStream::schedule_finalize() {
  if (finalize_scheduled_ || finalized_) return;
  finalize_scheduled_ = true;
  std::weak_ptr<bool> alive = alive_;
  dispatcher_.post([this, alive] {
    if (auto flag = alive.lock(); flag && *flag) finalize();
  });
}

void ActiveStream::finalize() {
  if (finalized_) return;
  finalized_ = true;
  if (timeout_) evtimer_del(timeout_);
  {
    Work work(*this);
    if (http_ && !http_->finished()) http_->finish();
  }
  if (upstream_) release_upstream(false);
  const StreamOutcome& outcome = http_->outcome();
  record_.failed_plugins = outcome.failed_plugins;
  if (outcome.local_reply) {
    record_.local_reply = true;
    record_.reply = outcome.reply;
  }
  if (outcome.reset && !record_.reset) {
    record_.reset = true;
    record_.reset_reason = outcome.reset_reason;
  }
  if (!response_complete_) record_.status = 0;  // the client never got a whole response
  record_.duration_ns = dispatcher_.realtime_ns() - record_.start_realtime_ns;
  record_.filter_ns = account_->busy_ns;
  uint64_t restarts = 0;
  for (size_t i = 0; i < server_.chain().size(); ++i)
    restarts += server_.chain().plugin(i).restarts();
  const uint32_t status = record_.status;
  const bool local = record_.local_reply;
  const bool reset = record_.reset;
  const uint64_t filter_ns = record_.filter_ns;
  server_.update_stats([&](ProxyStats& s) {
    --s.requests_active;
    if (status >= 200 && status < 300)
      ++s.responses_2xx;
    else if (status >= 300 && status < 400)
      ++s.responses_3xx;
    else if (status >= 400 && status < 500)
      ++s.responses_4xx;
    else if (status >= 500)
      ++s.responses_5xx;
    if (local) ++s.local_replies;
    if (reset) ++s.resets;
    s.filter_ns += filter_ns;
    s.vm_restarts = restarts;
  });
  const bool keep_alive = client_keep_alive_ && request_complete_ && response_complete_ &&
                          !close_connection_ && !record_.reset && !aborted_;
  if (server_.hooks().publish && (capture_ || server_.hooks().wants_records()))
    server_.hooks().publish(std::move(record_));
  server_.stream_finished(this);  // deleted after the current work
  // Last: the connection may start its next (pipelined) request right away.
  if (conn_) {
    DownstreamConnection* conn = conn_;
    conn_ = nullptr;
    conn->stream_done(keep_alive);
  }
}

// --- UpstreamConnection implementation ---------------------------------------------------------

void UpstreamConnection::attach(ActiveStream* stream, bool head_request) {
  stream_ = stream;
  ++uses_;
  informational_ = false;
  parser_.expect_no_body(head_request);
  parser_.resume();
  if (fail_later_) return;  // the failure timer reports to the stream
  // Write interest is armed by libevent only while output is queued; enabling it here again
  // would wake the loop for nothing.
  if (bev_) bufferevent_enable(bev_, EV_READ);
}

void UpstreamConnection::on_head(Http1Head head) {
  if (head.status >= 100 && head.status < 200) {
    informational_ = true;  // 100 Continue and friends are not forwarded
    return;
  }
  peer_keep_alive_ = head.keep_alive;
  if (stream_) stream_->upstream_head(head);
}

void UpstreamConnection::on_body(std::string data) {
  if (stream_ && !informational_) stream_->upstream_body(std::move(data));
}

void UpstreamConnection::on_message_end(std::string last, abi::HeaderPairs trailers) {
  if (informational_) {
    informational_ = false;
    parser_.resume();
    return;
  }
  if (ActiveStream* stream = stream_) stream->upstream_end(std::move(last), std::move(trailers));
}

void UpstreamConnection::process_input() {
  if (parsing_ || closed_) return;
  evbuffer* input = bufferevent_get_input(bev_);
  if (!stream_) {
    // Bytes on an idle connection: the server broke the protocol; drop the connection.
    if (evbuffer_get_length(input) > 0) failed("unexpected data on an idle connection", false);
    return;
  }
  parsing_ = true;
  // What this read makes the stream send the client (head and body) leaves in one write.
  ActiveStream* corked = stream_;
  corked->cork();
  while (!closed_ && stream_ && !parser_.failed()) {
    if (parser_.paused()) {
      if (informational_)
        parser_.resume();
      else
        break;
    }
    if (evbuffer_get_length(input) == 0) break;
    evbuffer_iovec piece;
    if (evbuffer_peek(input, -1, nullptr, &piece, 1) < 1) break;
    size_t used = parser_.feed(static_cast<const char*>(piece.iov_base), piece.iov_len);
    if (closed_) break;
    evbuffer_drain(input, used);
    if (used == 0 && !parser_.paused()) break;
  }
  parsing_ = false;
  corked->uncork();
  if (!closed_ && parser_.failed()) {
    failed("upstream sent an invalid HTTP response: " + parser_.error_message(), false);
    return;
  }
  // Bytes after the end of a response (a body on a HEAD answer, garbage): the peer broke the
  // framing, so the connection cannot be reused.
  if (!closed_ && !stream_ && evbuffer_get_length(input) > 0)
    failed("unexpected data after the response", false);
}

void UpstreamConnection::on_write(bufferevent*, void* arg) {
  auto* self = static_cast<UpstreamConnection*>(arg);
  if (self->stream_) self->stream_->upstream_drained();
}

void UpstreamConnection::on_event(bufferevent*, short what, void* arg) {
  auto* self = static_cast<UpstreamConnection*>(arg);
  if (what & BEV_EVENT_CONNECTED) {
    self->connected_ = true;
    return;
  }
  if (what & BEV_EVENT_EOF) {
    if (self->stream_) {
      self->parser_.finish();  // a response delimited by the close ends here
      if (self->closed_ || !self->stream_) return;
    }
    self->failed(
        "upstream connect error or disconnect/reset before headers. reset reason: "
        "connection termination",
        false);
    return;
  }
  if (what & BEV_EVENT_ERROR) {
    int error = EVUTIL_SOCKET_ERROR();
    std::string text = error ? std::strerror(error) : "connection error";
    if (!self->connected_)
      self->failed(
          "upstream connect error or disconnect/reset before headers. reset reason: "
          "connection failure (" +
              text + ")",
          true);
    else
      self->failed(
          "upstream connect error or disconnect/reset before headers. reset reason: "
          "connection termination (" +
              text + ")",
          false);
  }
}

void UpstreamConnection::on_failure_timer(int, short, void* arg) {
  auto* self = static_cast<UpstreamConnection*>(arg);
  self->failed(
      "upstream connect error or disconnect/reset before headers. reset reason: "
      "connection failure (" +
          self->connect_error_ + ")",
      true);
}

void UpstreamConnection::failed(const std::string& reason, bool connect_failure) {
  (void)connect_failure;
  ActiveStream* stream = stream_;
  stream_ = nullptr;
  const bool parse_error = parser_.failed();
  close();
  if (stream) {
    // The stream releases us (we are closed, so never reused).
    stream->upstream_failed(parse_error ? 502 : 503, reason);
  } else {
    server_.release_upstream(this, false);
  }
}

// --- ProxyServer -------------------------------------------------------------------------------

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
  for (PluginSpec& spec : options_.plugins) {
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
