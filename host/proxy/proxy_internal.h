// Private to host/proxy: the three classes that carry a request through the proxy on its loop
// thread (the client connection, the stream, the pooled upstream connection), declared together
// because each calls into the others. proxy_server.cc owns them; nothing outside host/proxy/
// includes this header.
#pragma once

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/proxy/http1_codec.h"
#include "host/proxy/proxy_server.h"

namespace pwplay::host::proxy {

// Writes to the socket at once when nothing is queued (most answers fit in one send), which
// spares the event loop arming and disarming write interest for every message.
inline void write_now(bufferevent* bev, std::string_view bytes) {
  evbuffer* output = bufferevent_get_output(bev);
  if (evbuffer_get_length(output) == 0 && !bytes.empty()) {
    int fd = bufferevent_getfd(bev);
    ssize_t n = fd >= 0 ? send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT) : -1;
    if (n > 0) bytes.remove_prefix(static_cast<size_t>(n));
  }
  if (!bytes.empty()) bufferevent_write(bev, bytes.data(), bytes.size());
}

// --- Upstream connection (upstream_connection.cc) ----------------------------------------------

// One connection to the configured upstream, pooled by the server between streams: it writes
// what a stream sends and parses the response back into it.
class UpstreamConnection : public Http1Handler, public Deferred {
 public:
  UpstreamConnection(ProxyServer& server, uint64_t id)
      : server_(server),
        id_(id),
        parser_(Http1Parser::Type::Response, *this,
                std::max<size_t>(server.options().max_header_bytes, 64 * 1024),
                std::max<size_t>(server.options().max_headers, 100)) {}
  ~UpstreamConnection() override { close(); }

  uint64_t id() const { return id_; }
  bool open() const { return !closed_; }
  bool reused() const { return uses_ > 1; }
  bool peer_keep_alive() const { return peer_keep_alive_ && !parser_.failed(); }

  void connect(const SocketAddress& address);
  void attach(ActiveStream* stream, bool head_request);
  void detach() {
    stream_ = nullptr;
    if (bev_ && !closed_) bufferevent_enable(bev_, EV_READ);
  }

  void write(std::string_view bytes);
  size_t pending_output() const {
    return bev_ && !closed_ ? evbuffer_get_length(bufferevent_get_output(bev_)) : 0;
  }
  void pause_reading() {
    if (bev_ && !closed_) bufferevent_disable(bev_, EV_READ);
  }
  void resume_reading() {
    if (bev_ && !closed_) bufferevent_enable(bev_, EV_READ);
  }
  void close();

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
  std::string reset_text(const std::string& reason) const;
  void arm_failure();

  ProxyServer& server_;
  uint64_t id_;
  bufferevent* bev_ = nullptr;
  Http1Parser parser_;
  ActiveStream* stream_ = nullptr;
  bool closed_ = false;
  bool connected_ = false;
  bool parsing_ = false;
  bool informational_ = false;
  bool head_seen_ = false;  // the current response's head arrived
  bool peer_keep_alive_ = true;
  bool fail_later_ = false;
  std::string connect_error_;
  event* failure_timer_ = nullptr;
  uint32_t uses_ = 0;
};

// --- Active stream (active_stream.cc) ----------------------------------------------------------

// One request and its response: the client connection feeds it, it runs the filter chain, and
// as the chain's StreamSink it sends the request to the upstream (or the embedded echo / mock
// upstream) and the response to the client; it fills the stream's record as it goes.
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
  // The client connection closed; `unsent` bytes of what the stream wrote never left.
  void connection_lost(size_t unsent);
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

  // What the upstream connection's current read makes the stream send the client leaves in one
  // write, when the outermost uncork() runs.
  void cork() { ++cork_; }
  void uncork() {
    if (--cork_ == 0) flush_client();
  }

 private:
  void upstream_request_done();
  void send_head(const HeaderMap& headers, bool end_stream);
  void send_held_head(size_t first_piece, bool end_stream, bool trailers_follow);
  void reframe_local_request();
  void answer_locally();
  void send_upstream_error(uint32_t status, const std::string& body);
  void fail_stream(uint32_t status, const std::string& message);
  void response_done();
  void release_upstream(bool reusable);
  void detach_connection();
  void schedule_finalize();
  void finalize();
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

  // Toward the upstream.
  UpstreamConnection* upstream_ = nullptr;
  Framing request_framing_ = Framing::None;
  uint64_t request_length_left_ = 0;
  bool request_overflow_ = false;       // more body than the content-length said
  std::optional<HeaderMap> held_head_;  // the request head, until its body's first piece
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

// --- Downstream connection (downstream_connection.cc) ------------------------------------------

// One client connection: it parses requests and hands each to its active stream, one at a time
// (pipelined requests wait in the input buffer), and closes the way Envoy does.
class DownstreamConnection : public Http1Handler, public Deferred {
 public:
  DownstreamConnection(ProxyServer& server, uint64_t id, bufferevent* bev, StreamInfo info)
      : server_(server),
        id_(id),
        bev_(bev),
        parser_(Http1Parser::Type::Request, *this, server.options().max_header_bytes,
                server.options().max_headers),
        info_(std::move(info)) {}
  ~DownstreamConnection() override {
    if (headers_timer_) event_free(headers_timer_);
    if (linger_timer_) event_free(linger_timer_);
    if (bev_) bufferevent_free(bev_);
  }

  uint64_t id() const { return id_; }
  bool open() const { return !closed_; }

  void start();

  void write(std::string_view bytes) {
    if (closed_) return;
    written_ += bytes.size();
    write_now(bev_, bytes);
  }
  // Counts a finished response's status once everything written so far has left (a client that
  // goes away before is a client abort, not a 2xx).
  void count_when_delivered(uint32_t status);
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
  void close_after_flush();
  void start_draining();
  void close_now();

  // The active stream ended: serve the next pipelined request, or close.
  void stream_done(bool keep_alive);

  // Http1Handler: the client's request.
  void on_head(Http1Head head) override;
  void on_body(std::string data) override {
    if (stream_) stream_->request_body(std::move(data));
  }
  void on_message_end(std::string last, abi::HeaderPairs trailers) override {
    if (stream_) stream_->request_end(std::move(last), std::move(trailers));
  }

 private:
  static void on_read(bufferevent*, void* arg);
  static void on_write(bufferevent*, void* arg);
  static void on_event(bufferevent*, short what, void* arg);
  void set_idle_timeout(bool idle);
  // The request-head deadline: armed by the first byte of a request, cleared by its last.
  void arm_headers_timer();
  void clear_headers_timer();
  static void on_headers_timeout(int, short, void* arg);
  void process_input();
  void on_parse_error();
  void refuse(uint32_t status, const std::string& message);

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
  event* headers_timer_ = nullptr;
  bool headers_timer_armed_ = false;
  event* linger_timer_ = nullptr;  // ends the drain after a close
  // Responses not yet counted: (bytes written when each ended, its status).
  void settle_delivered(bool lost);
  uint64_t written_ = 0;
  std::vector<std::pair<uint64_t, uint32_t>> undelivered_;
};

}  // namespace pwplay::host::proxy
