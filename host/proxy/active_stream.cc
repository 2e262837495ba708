// ActiveStream: one request and its response through the filter chain (see proxy_internal.h).
#include <event2/event.h>

#include <algorithm>
#include <charconv>

#include "host/proxy/proxy_internal.h"

namespace pwplay::host::proxy {
namespace {

// Captured bodies keep their first `limit` bytes; `truncated` says something was left out.
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
  fail_stream(status, std::string(refusal_prefix(status)) + message);
}

void ActiveStream::connection_lost(size_t unsent) {
  conn_ = nullptr;
  if (finalized_) return;
  if (unsent > 0 || (response_started_ && !response_complete_)) {
    // The client went away before it had the whole response: not an answered request.
    response_complete_ = false;
    if (!aborted_ && http_ && http_->complete()) {
      aborted_ = true;
      server_.update_stats([](ProxyStats& s) { ++s.client_aborts; });
      if (record_.error.empty())
        record_.error = "the client closed the connection before the whole response was sent";
    }
  }
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
  if (!end_stream && headers.get("content-length")) {
    // A filter may still change the body without fixing content-length: the head waits for the
    // first piece of body, when the length can be corrected (see send_held_head).
    held_head_ = headers;
    return;
  }
  send_head(headers, end_stream);
}

void ActiveStream::send_head(const HeaderMap& headers, bool end_stream) {
  EncodedHead head = encode_request_head(headers, end_stream);
  request_framing_ = head.framing;
  request_length_left_ = head.length;
  upstream_->write(head.bytes);
  if (end_stream) upstream_request_done();
}

// The body's first piece is here. The whole body (end_stream): content-length becomes its real
// size. A streamed body the filters already changed: sent chunked instead. Otherwise as declared.
void ActiveStream::send_held_head(size_t first_piece, bool end_stream, bool trailers_follow) {
  HeaderMap headers = std::move(*held_head_);
  held_head_.reset();
  const bool altered = request_bytes_out_ != request_bytes_in_;
  if (trailers_follow || (!end_stream && altered)) {
    headers.remove("content-length");
  } else if (end_stream) {
    headers.replace("content-length", std::to_string(first_piece));
  }
  if (capture_ && record_.upstream_request) {
    MessageView view = request_view(headers);
    view.body = std::move(record_.upstream_request->body);
    record_.upstream_request = std::move(view);
  }
  send_head(headers, false);
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
  if (held_head_) send_held_head(data.size(), end_stream, false);
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
        // A filter grew a streamed body after its content-length went upstream: the rest would
        // corrupt the connection, so it is cut (and said).
        request_overflow_ = true;
        n = static_cast<size_t>(request_length_left_);
        if (record_.error.empty())
          record_.error =
              "a filter grew the streamed request body past the content-length already sent "
              "upstream; the excess was not forwarded (remove content-length in "
              "proxy_on_request_headers when changing the body)";
      }
      upstream_->write(std::string_view(data).substr(0, n));
      request_length_left_ -= n;
      if (end_stream && request_length_left_ > 0 && record_.error.empty())
        record_.error =
            "a filter shrank the streamed request body below the content-length already sent "
            "upstream";
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
  if (held_head_) send_held_head(0, false, true);
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
    // The embedded upstream receives what the wire would carry: a body a filter resized
    // travels with its real length (see send_held_head).
    reframe_local_request();
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
    http_->encode_headers(std::move(headers), !has_body && !has_trailers);
    if (has_body && !http_->complete()) http_->encode_data(reply.body, !has_trailers);
    if (has_trailers && !http_->complete()) http_->encode_trailers(HeaderMap(reply.trailers));
  });
}

void ActiveStream::reframe_local_request() {
  MessageView& request = *local_request_;
  auto it = std::find_if(request.headers.begin(), request.headers.end(),
                         [](const auto& pair) { return iequals(pair.first, "content-length"); });
  if (it == request.headers.end()) return;
  const std::string actual = std::to_string(request.body.size());
  if (it->second == actual) return;
  if (request.trailers.empty()) {
    it->second = actual;
  } else {
    request.headers.erase(it);
  }
  if (capture_ && record_.upstream_request) record_.upstream_request->headers = request.headers;
}

// --- From the upstream connection --------------------------------------------------------------

void ActiveStream::upstream_head(const Http1Head& head) {
  if (finalized_) return;
  upstream_answered_ = true;
  upstream_has_body_ = head.has_body;
  HeaderMap headers;
  headers.add(":status", std::to_string(head.status));
  const std::vector<std::string> nominated = connection_options(head.headers);
  for (const auto& [name, value] : head.headers) {
    std::string lower = to_lower(name);
    if (is_hop_by_hop(lower)) continue;
    if (std::find(nominated.begin(), nominated.end(), lower) != nominated.end()) continue;
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
  if (capture_ && record_.upstream_response)
    append_bounded(record_.upstream_response->body, data, server_.options().max_captured_body,
                   record_.bodies_truncated);
  Work work(*this);
  http_->encode_data(std::move(data), false);
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
  // A response still queued for the client counts once it has left; one never sent, not at all.
  if (status != 0) {
    if (conn_)
      conn_->count_when_delivered(status);
    else if (!aborted_)
      server_.count_response(status);
  }
  server_.update_stats([&](ProxyStats& s) {
    --s.requests_active;
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

}  // namespace pwplay::host::proxy
