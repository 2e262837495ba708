// UpstreamConnection: a pooled connection to the configured upstream (see proxy_internal.h).
#include <event2/event.h>

#include <cerrno>
#include <cstring>

#include "host/proxy/proxy_internal.h"

namespace pwplay::host::proxy {

void UpstreamConnection::connect(const SocketAddress& address) {
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

void UpstreamConnection::write(std::string_view bytes) {
  if (closed_ || !bev_) return;
  if (connected_)
    write_now(bev_, bytes);
  else
    bufferevent_write(bev_, bytes.data(), bytes.size());
}

void UpstreamConnection::close() {
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

void UpstreamConnection::arm_failure() {
  failure_timer_ = evtimer_new(server_.base(), &UpstreamConnection::on_failure_timer, this);
  timeval zero{0, 0};
  evtimer_add(failure_timer_, &zero);
}

void UpstreamConnection::attach(ActiveStream* stream, bool head_request) {
  stream_ = stream;
  ++uses_;
  informational_ = false;
  head_seen_ = false;
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
  head_seen_ = true;
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
    self->failed(self->reset_text("connection termination"), false);
    return;
  }
  if (what & BEV_EVENT_ERROR) {
    int error = EVUTIL_SOCKET_ERROR();
    std::string text = error ? std::strerror(error) : "connection error";
    if (!self->connected_)
      self->failed(self->reset_text("connection failure (" + text + ")"), true);
    else
      self->failed(self->reset_text("connection termination (" + text + ")"), false);
  }
}

void UpstreamConnection::on_failure_timer(int, short, void* arg) {
  auto* self = static_cast<UpstreamConnection*>(arg);
  self->failed(self->reset_text("connection failure (" + self->connect_error_ + ")"), true);
}

// Envoy's words for an upstream failure, naming the phase it happened in.
std::string UpstreamConnection::reset_text(const std::string& reason) const {
  if (head_seen_)
    return "upstream disconnect/reset after the response headers (mid-body). reset reason: " +
           reason;
  return "upstream connect error or disconnect/reset before headers. reset reason: " + reason;
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

}  // namespace pwplay::host::proxy
