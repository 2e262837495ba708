// DownstreamConnection: one client connection (see proxy_internal.h).
#include <http_parser.h>

#include <algorithm>
#include <random>

#include "host/proxy/proxy_internal.h"

namespace pwplay::host::proxy {
namespace {

// x-request-id: a random (version 4) UUID, as Envoy's connection manager makes.
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

}  // namespace

void DownstreamConnection::start() {
  bufferevent_setcb(bev_, &DownstreamConnection::on_read, &DownstreamConnection::on_write,
                    &DownstreamConnection::on_event, this);
  // Pipelined requests wait in the input buffer; past this much, stop reading the socket.
  bufferevent_setwatermark(bev_, EV_READ, 0,
                           std::max<size_t>(server_.options().max_header_bytes * 2, 256 * 1024));
  bufferevent_enable(bev_, EV_READ | EV_WRITE);
  set_idle_timeout(true);
}

void DownstreamConnection::close_after_flush() {
  if (closed_ || closing_) return;
  closing_ = true;
  bufferevent_disable(bev_, EV_READ);
  if (pending_output() == 0) start_draining();
}

void DownstreamConnection::start_draining() {
  if (closed_ || draining_) return;
  draining_ = true;
  shutdown(bufferevent_getfd(bev_), SHUT_WR);
  // At most a second, however the client trickles bytes (a read timeout would restart with each).
  bufferevent_set_timeouts(bev_, nullptr, nullptr);
  linger_timer_ = evtimer_new(
      server_.base(),
      [](int, short, void* arg) { static_cast<DownstreamConnection*>(arg)->close_now(); }, this);
  timeval linger{1, 0};
  evtimer_add(linger_timer_, &linger);
  evbuffer_drain(bufferevent_get_input(bev_), evbuffer_get_length(bufferevent_get_input(bev_)));
  bufferevent_enable(bev_, EV_READ);
}

void DownstreamConnection::count_when_delivered(uint32_t status) {
  undelivered_.emplace_back(written_, status);
  settle_delivered(false);
}

void DownstreamConnection::settle_delivered(bool lost) {
  if (undelivered_.empty()) return;
  const uint64_t delivered = written_ - pending_output();
  size_t done = 0;
  for (; done < undelivered_.size() && undelivered_[done].first <= delivered; ++done)
    server_.count_response(undelivered_[done].second);
  const size_t lost_count = lost ? undelivered_.size() - done : 0;
  undelivered_.erase(
      undelivered_.begin(),
      undelivered_.begin() + static_cast<std::ptrdiff_t>(lost ? undelivered_.size() : done));
  if (lost_count > 0)
    server_.update_stats([lost_count](ProxyStats& s) { s.client_aborts += lost_count; });
}

void DownstreamConnection::close_now() {
  if (closed_) return;
  const size_t unsent = pending_output();
  settle_delivered(true);  // what never left is lost: those responses are client aborts
  closed_ = true;
  clear_headers_timer();
  bufferevent_free(bev_);
  bev_ = nullptr;
  if (ActiveStream* stream = stream_) {
    stream_ = nullptr;
    stream->connection_lost(unsent);
  }
  server_.connection_closed(id_);
}

void DownstreamConnection::stream_done(bool keep_alive) {
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

void DownstreamConnection::on_read(bufferevent*, void* arg) {
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

void DownstreamConnection::on_write(bufferevent*, void* arg) {
  auto* self = static_cast<DownstreamConnection*>(arg);
  self->settle_delivered(false);
  if (self->closing_) {
    self->start_draining();
    return;
  }
  if (self->stream_) self->stream_->downstream_drained();
}

void DownstreamConnection::on_event(bufferevent*, short what, void* arg) {
  auto* self = static_cast<DownstreamConnection*>(arg);
  if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT)) self->close_now();
}

void DownstreamConnection::set_idle_timeout(bool idle) {
  if (closed_) return;
  if (idle && server_.options().idle_timeout.count() > 0) {
    int64_t ms = server_.options().idle_timeout.count();
    timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
    bufferevent_set_timeouts(bev_, &tv, nullptr);
  } else {
    bufferevent_set_timeouts(bev_, nullptr, nullptr);
  }
}

void DownstreamConnection::arm_headers_timer() {
  const auto timeout = server_.options().request_headers_timeout;
  if (headers_timer_armed_ || closed_ || timeout.count() <= 0) return;
  if (!headers_timer_)
    headers_timer_ = evtimer_new(server_.base(), &DownstreamConnection::on_headers_timeout, this);
  const int64_t ms = timeout.count();
  timeval tv{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
  evtimer_add(headers_timer_, &tv);
  headers_timer_armed_ = true;
}

void DownstreamConnection::clear_headers_timer() {
  if (headers_timer_armed_ && headers_timer_) evtimer_del(headers_timer_);
  headers_timer_armed_ = false;
}

void DownstreamConnection::on_headers_timeout(int, short, void* arg) {
  auto* self = static_cast<DownstreamConnection*>(arg);
  self->headers_timer_armed_ = false;
  if (self->closed_ || self->closing_ || self->stream_) return;
  self->refuse(408, "the request headers did not arrive within " +
                        std::to_string(self->server_.options().request_headers_timeout.count()) +
                        " ms");
}

void DownstreamConnection::process_input() {
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
  if (!closed_ && !closing_ && parser_.failed()) {
    on_parse_error();
    return;
  }
  // A request head has begun and no stream has it yet: it must be complete in time.
  if (!closed_ && !closing_ && !stream_ && parser_.in_message()) arm_headers_timer();
}

void DownstreamConnection::on_head(Http1Head head) {
  set_idle_timeout(false);
  clear_headers_timer();
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
  // Fields the client's Connection header names are for this hop only (RFC 9110 7.6.1).
  const std::vector<std::string> nominated = connection_options(head.headers);
  for (const auto& [name, value] : head.headers) {
    std::string lower = to_lower(name);
    if (lower == "host" || is_hop_by_hop(lower)) continue;
    if (std::find(nominated.begin(), nominated.end(), lower) != nominated.end()) continue;
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
  refuse(status, message);
}

// Answers a request that never became a stream (malformed, too large, too slow) and closes.
void DownstreamConnection::refuse(uint32_t status, const std::string& message) {
  clear_headers_timer();
  std::string body = std::string(refusal_prefix(status)) + message + "\n";
  write(encode_simple_response(status, body, true));
  close_after_flush();
  server_.update_stats([](ProxyStats& s) { ++s.bad_requests; });
  server_.count_response(status);  // 4xx, or 5xx for 501 and 505
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

}  // namespace pwplay::host::proxy
