#include "host/filter_chain.h"

#include <charconv>

namespace pwplay::host {

// --- FilterChain -------------------------------------------------------------------------------

FilterChain::~FilterChain() {
  for (auto& plugin : plugins_) plugin->shutdown();
}

AbiHost::PendingWork FilterChain::pending_work() {
  AbiHost::PendingWork total;
  for (auto& plugin : plugins_) {
    if (plugin->failed()) continue;
    AbiHost::PendingWork work = plugin->abi_host().pending_work();
    total.http_calls += work.http_calls;
    total.grpc_calls += work.grpc_calls;
    total.first_ticks += work.first_ticks;
  }
  return total;
}

void FilterChain::add(std::unique_ptr<Plugin> plugin) {
  const Plugin* added = plugin.get();
  plugin->set_failure_handler([this, added] { plugin_failed(*added); });
  plugins_.push_back(std::move(plugin));
}

std::unique_ptr<HttpStream> FilterChain::new_stream(StreamSink& sink, StreamInfo info) {
  for (auto& plugin : plugins_)
    if (plugin->failed() && plugin->failure()->reload)
      (void)plugin->restart();  // a failed restart keeps the plugin failed
  return std::make_unique<HttpStream>(*this, sink, std::move(info));
}

void FilterChain::plugin_failed(const Plugin& plugin) {
  for (size_t i = 0; i < plugins_.size(); ++i) {
    if (plugins_[i].get() != &plugin) continue;
    // Copied: failing a stream may end it, and a stream that ends unregisters itself.
    std::vector<HttpStream*> streams = streams_;
    for (HttpStream* stream : streams) {
      std::weak_ptr<bool> alive = stream->alive_;
      const int index = static_cast<int>(i);
      // After the failed call returns: never re-entrantly.
      env_.dispatcher().post([stream, alive, index] {
        if (auto flag = alive.lock(); flag && *flag) stream->fail_paused_slot(index);
      });
    }
  }
}

HeaderMap local_reply_headers(const LocalReply& reply) {
  HeaderMap headers;
  headers.add(":status", std::to_string(reply.status));
  if (!reply.body.empty()) {
    headers.add("content-length", std::to_string(reply.body.size()));
    headers.add("content-type", "text/plain");
  }
  for (const auto& [name, value] : reply.headers) headers.add(name, value);
  if (reply.grpc_status) headers.replace("grpc-status", std::to_string(*reply.grpc_status));
  return headers;
}

// --- SlotControl: what a filter's host calls may do to its stream ------------------------------

class HttpStream::SlotControl : public StreamControl {
 public:
  SlotControl(HttpStream& stream, int index) : stream_(stream), index_(index) {}

  abi::Status continue_stream(abi::StreamType type) override {
    if (type == abi::StreamType::Downstream || type == abi::StreamType::Upstream)
      return abi::Status::Unimplemented;
    Dir dir = type == abi::StreamType::HttpRequest ? Dir::Request : Dir::Response;
    // Envoy resumes after the current callback returns, never re-entrantly.
    post([this, dir] { stream_.resume(dir, index_); });
    return abi::Status::Ok;
  }

  abi::Status close_stream(abi::StreamType type) override {
    if (type == abi::StreamType::Downstream || type == abi::StreamType::Upstream)
      return abi::Status::Unimplemented;
    std::string name = stream_.slots_[index_].plugin->config().name;
    post([this, name] { stream_.reset("closed by filter " + name); });
    return abi::Status::Ok;
  }

  abi::Status send_local_response(LocalReply reply) override {
    Slot& slot = stream_.slots_[index_];
    slot.pending_reply = std::move(reply);
    // From a stream callback the chain applies it when the callback returns; from a root
    // callback (a callout reply, a tick) nothing is on the stack, so apply it next.
    if (stream_.callback_depth_ == 0) {
      post([this] {
        Slot& s = stream_.slots_[index_];
        if (!s.pending_reply) return;
        LocalReply pending = std::move(*s.pending_reply);
        s.pending_reply.reset();
        stream_.apply_local_reply(index_, std::move(pending), Dir::Request);
      });
    }
    return abi::Status::Ok;
  }

 private:
  void post(std::function<void()> action) {
    std::weak_ptr<bool> alive = stream_.alive_;
    stream_.chain_.env().dispatcher().post([alive, action = std::move(action)] {
      if (auto flag = alive.lock(); flag && *flag) action();
    });
  }

  HttpStream& stream_;
  int index_;
};

// --- HttpStream --------------------------------------------------------------------------------

HttpStream::HttpStream(FilterChain& chain, StreamSink& sink, StreamInfo info)
    : chain_(chain), sink_(sink) {
  chain.streams_.push_back(this);
  state_.id = chain.env().next_stream_id();
  state_.info = std::move(info);
  state_.info.start_time_ns = chain.env().dispatcher().realtime_ns();
  slots_.resize(chain.size());
  for (size_t i = 0; i < chain.size(); ++i) {
    Slot& slot = slots_[i];
    slot.plugin = &chain.plugin(i);
    slot.control = std::make_unique<SlotControl>(*this, static_cast<int>(i));
    slot.generation = slot.plugin->generation();
    if (chain.env().tracing()) {
      TraceEvent event;
      event.kind = EventKind::Lifecycle;
      event.name = "stream_start";
      event.stream_id = state_.id;
      event.plugin = slot.plugin->config().name;
      event.start_ns = chain.env().elapsed_ns();
      chain.env().trace()->record(std::move(event));
    }
    slot.context_id = slot.plugin->create_stream_context(state_, *slot.control);
  }
}

HttpStream::~HttpStream() {
  if (!finished_) finish();
  *alive_ = false;
  std::erase(chain_.streams_, this);
}

void HttpStream::fail_paused_slot(int index) {
  if (complete_ || index < 0 || index >= static_cast<int>(slots_.size())) return;
  Slot& slot = slots_[index];
  if (slot.failed || slot.context_id == 0) return;
  const bool request_paused = slot.request.stopped;
  const bool response_paused = slot.response.stopped;
  // Not paused here: the slot's next callback finds the VM failed and applies the policy.
  if (!request_paused && !response_paused) return;
  slot.failed = true;
  slot.pending_reply.reset();
  outcome_.failed_plugins.push_back(slot.plugin->config().name);
  if (slot.plugin->config().fail_open) {
    if (request_paused) resume(Dir::Request, index);
    if (response_paused && !complete_) resume(Dir::Response, index);
    return;
  }
  apply_local_reply(index, LocalReply{503, "wasm_fail_stream", "", {}, std::nullopt},
                    request_paused && !response_started_ ? Dir::Request : Dir::Response);
}

bool HttpStream::slot_alive(const Slot& slot) const {
  return slot.plugin && slot.context_id != 0 && !slot.failed &&
         slot.plugin->generation() == slot.generation && !slot.plugin->failed();
}

int HttpStream::first_index(Dir dir) const {
  return dir == Dir::Request ? 0 : static_cast<int>(slots_.size()) - 1;
}

int HttpStream::next_index(Dir dir, int index) const {
  return dir == Dir::Request ? index + 1 : index - 1;
}

bool HttpStream::past_end(Dir dir, int index) const {
  return dir == Dir::Request ? index >= static_cast<int>(slots_.size()) : index < 0;
}

std::optional<uint32_t> HttpStream::run_callback(Slot& slot, int index, Callback callback,
                                                 std::initializer_list<uint32_t> args, Dir dir) {
  if (!slot_alive(slot)) {
    // A VM that failed before or during this stream: skip it (fail open) or answer 503 once.
    if (slot.failed || slot.plugin->config().fail_open) return 0;
    slot.failed = true;
    outcome_.failed_plugins.push_back(slot.plugin->config().name);
    apply_local_reply(index, LocalReply{503, "wasm_fail_stream", "", {}, std::nullopt}, dir);
    return std::nullopt;
  }
  ++callback_depth_;
  auto result = slot.plugin->call(callback, slot.context_id, args);
  --callback_depth_;
  if (!slot.plugin->failed()) slot.plugin->abi_host().take_local_reply_flag();
  if (!result) {
    slot.failed = true;
    outcome_.failed_plugins.push_back(slot.plugin->config().name);
    slot.pending_reply.reset();
    if (slot.plugin->config().fail_open) return 0;
    apply_local_reply(index, LocalReply{503, "wasm_fail_stream", "", {}, std::nullopt}, dir);
    return std::nullopt;
  }
  if (slot.pending_reply) {
    LocalReply reply = std::move(*slot.pending_reply);
    slot.pending_reply.reset();
    apply_local_reply(index, std::move(reply), dir);
    return std::nullopt;
  }
  return result;
}

namespace {
bool headers_continue(uint32_t result) {
  // ContinueAndEndStream (2) is treated as Continue, as Envoy does; every other value stops.
  return result == 0 || result == 2;
}
}  // namespace

void HttpStream::headers_at(Dir dir, int index, bool end_stream) {
  if (complete_) return;
  if (past_end(dir, index)) {
    if (dir == Dir::Request) {
      if (!request_aborted_) {
        // Envoy's router picks the upstream host once the headers passed every filter.
        state_.info.upstream_chosen = true;
        state_.info.request_attempt_count = 1;
        sink_.upstream_headers(state_.request_headers, end_stream);
      }
      return;
    }
    response_started_ = true;
    if (auto status = state_.response_headers.get(":status")) {
      uint32_t code = 0;
      std::from_chars(status->data(), status->data() + status->size(), code);
      state_.info.response_code = code;
    }
    sink_.downstream_headers(state_.response_headers, end_stream);
    if (end_stream) mark_complete();
    return;
  }
  Slot& slot = slots_[index];
  DirectionState& d = direction(slot, dir);
  d.headers_end_stream = end_stream;
  d.end_seen = end_stream;
  auto callback = dir == Dir::Request ? Callback::OnRequestHeaders : Callback::OnResponseHeaders;
  auto result = run_callback(
      slot, index, callback,
      {slot.context_id, static_cast<uint32_t>(headers(dir).size()), end_stream ? 1u : 0u}, dir);
  if (!result) return;
  if (headers_continue(*result)) {
    headers_at(dir, next_index(dir, index), end_stream);
  } else {
    d.stopped = true;
    d.stop_at = StopPoint::Headers;
  }
}

void HttpStream::data_at(Dir dir, int index, std::string data, bool end_stream) {
  if (complete_) return;
  if (past_end(dir, index)) {
    if (dir == Dir::Request) {
      if (!request_aborted_) sink_.upstream_data(data, end_stream);
      return;
    }
    sink_.downstream_data(data, end_stream);
    if (end_stream) mark_complete();
    return;
  }
  Slot& slot = slots_[index];
  DirectionState& d = direction(slot, dir);
  d.buffer += data;
  d.end_seen = d.end_seen || end_stream;
  if (d.stopped) {
    // Paused at headers: hold the data. Paused in the body: call again with all of it.
    if (d.stop_at != StopPoint::Data) {
      check_buffer_limit(dir, index, d);
      return;
    }
  }
  std::string*& body = dir == Dir::Request ? state_.request_body : state_.response_body;
  body = &d.buffer;
  auto callback = dir == Dir::Request ? Callback::OnRequestBody : Callback::OnResponseBody;
  d.body_called = true;
  auto result = run_callback(
      slot, index, callback,
      {slot.context_id, static_cast<uint32_t>(d.buffer.size()), end_stream ? 1u : 0u}, dir);
  if (!result) {
    body = nullptr;
    return;
  }
  if (*result == 0) {
    body = nullptr;
    std::string out = std::move(d.buffer);
    d.buffer.clear();
    d.stopped = false;
    d.stop_at = StopPoint::None;
    data_at(dir, next_index(dir, index), std::move(out), end_stream);
  } else {
    // Held here (and readable as the body buffer) until more data or proxy_continue_stream.
    d.stopped = true;
    d.stop_at = StopPoint::Data;
    check_buffer_limit(dir, index, d);
  }
}

void HttpStream::check_buffer_limit(Dir dir, int index, DirectionState& d) {
  const size_t limit = chain_.env().options().buffer_limit_bytes;
  if (limit == 0 || d.buffer.size() <= limit || complete_) return;
  // Envoy's answer when a filter buffers past the connection's buffer limit: 413 for a request
  // body; 500 for a response body whose headers have not gone out, else a reset.
  if (chain_.env().tracing()) {
    TraceEvent event;
    event.kind = EventKind::Lifecycle;
    event.name = "buffer_limit";
    event.stream_id = state_.id;
    event.plugin = slots_[index].plugin->config().name;
    event.start_ns = chain_.env().elapsed_ns();
    event.args = {{"direction", dir == Dir::Request ? "request" : "response"},
                  {"held_bytes", std::to_string(d.buffer.size())},
                  {"limit_bytes", std::to_string(limit)}};
    chain_.env().trace()->record(std::move(event));
  }
  d.buffer.clear();
  d.buffer.shrink_to_fit();
  (dir == Dir::Request ? state_.request_body : state_.response_body) = nullptr;
  if (dir == Dir::Request) {
    apply_local_reply(
        index, LocalReply{413, "request_payload_too_large", "Payload Too Large", {}, std::nullopt},
        dir);
  } else if (response_started_) {
    reset("the response body held by " + slots_[index].plugin->config().name +
          " exceeds the buffer limit of " + std::to_string(limit) +
          " bytes after its headers went out");
  } else {
    apply_local_reply(
        index,
        LocalReply{500, "response_payload_too_large", "Internal Server Error", {}, std::nullopt},
        dir);
  }
}

void HttpStream::trailers_at(Dir dir, int index) {
  if (complete_) return;
  if (past_end(dir, index)) {
    if (dir == Dir::Request) {
      if (!request_aborted_) sink_.upstream_trailers(state_.request_trailers);
      return;
    }
    sink_.downstream_trailers(state_.response_trailers);
    mark_complete();
    return;
  }
  Slot& slot = slots_[index];
  DirectionState& d = direction(slot, dir);
  d.end_seen = true;
  if (d.stopped) {
    d.trailers_pending = true;
    return;
  }
  auto callback = dir == Dir::Request ? Callback::OnRequestTrailers : Callback::OnResponseTrailers;
  auto result = run_callback(slot, index, callback,
                             {slot.context_id, static_cast<uint32_t>(trailers(dir).size())}, dir);
  if (!result) return;
  if (*result == 0) {
    trailers_at(dir, next_index(dir, index));
  } else {
    d.stopped = true;
    d.stop_at = StopPoint::Trailers;
  }
}

void HttpStream::resume(Dir dir, int index) {
  if (complete_ || index < 0 || index >= static_cast<int>(slots_.size())) return;
  if (dir == Dir::Request && request_aborted_) return;
  Slot& slot = slots_[index];
  DirectionState& d = direction(slot, dir);
  if (!d.stopped) return;
  StopPoint at = d.stop_at;
  d.stopped = false;
  d.stop_at = StopPoint::None;
  const int next = next_index(dir, index);
  switch (at) {
    case StopPoint::Headers: {
      headers_at(dir, next, d.headers_end_stream);
      if (d.headers_end_stream || complete_) return;
      // Data that arrived while the headers were held goes to this filter's body callback first.
      bool body_complete = d.end_seen && !d.trailers_pending;
      if (!d.buffer.empty() || body_complete) {
        std::string held = std::move(d.buffer);
        d.buffer.clear();
        data_at(dir, index, std::move(held), body_complete);
      }
      if (d.trailers_pending && !d.stopped && !complete_) {
        d.trailers_pending = false;
        trailers_at(dir, index);
      }
      return;
    }
    case StopPoint::Data: {
      (dir == Dir::Request ? state_.request_body : state_.response_body) = nullptr;
      std::string out = std::move(d.buffer);
      d.buffer.clear();
      bool body_complete = d.end_seen && !d.trailers_pending;
      // Partial data waits for more unless something is held.
      if (!out.empty() || body_complete) data_at(dir, next, std::move(out), body_complete);
      if (d.trailers_pending && !complete_) {
        d.trailers_pending = false;
        trailers_at(dir, index);
      }
      return;
    }
    case StopPoint::Trailers:
      trailers_at(dir, next);
      return;
    case StopPoint::None:
      return;
  }
}

void HttpStream::apply_local_reply(int index, LocalReply reply, Dir dir) {
  (void)index;
  if (complete_) return;
  outcome_.local_reply = true;
  outcome_.reply = reply;
  state_.info.response_code_details = reply.details;
  if (response_started_) {
    reset("local reply after the response started");
    return;
  }
  // A reply from the request side abandons the upstream request; one from the response side
  // comes after the upstream already answered.
  if (!request_aborted_ && dir == Dir::Request && !in_local_reply_) sink_.upstream_reset();
  request_aborted_ = true;
  upstream_response_ignored_ = true;
  if (in_local_reply_ || dir == Dir::Response) {
    // A reply while the response is already being filtered replaces it without re-filtering.
    send_response_directly(reply);
    return;
  }
  // Envoy sends a local reply through the response side of the filter chain.
  for (Slot& slot : slots_) slot.response = DirectionState{};
  state_.response_headers = local_reply_headers(reply);
  state_.response_trailers.clear();
  state_.has_response_headers = true;
  state_.info.response_code = reply.status;
  in_local_reply_ = true;
  const bool has_body = !reply.body.empty();
  headers_at(Dir::Response, first_index(Dir::Response), !has_body);
  if (has_body && !complete_) data_at(Dir::Response, first_index(Dir::Response), reply.body, true);
  in_local_reply_ = false;
}

void HttpStream::send_response_directly(const LocalReply& reply) {
  response_started_ = true;
  state_.response_headers = local_reply_headers(reply);
  state_.info.response_code = reply.status;
  sink_.downstream_headers(state_.response_headers, reply.body.empty());
  if (!reply.body.empty()) sink_.downstream_data(reply.body, true);
  mark_complete();
}

void HttpStream::reset(const std::string& reason) {
  if (complete_) return;
  outcome_.reset = true;
  outcome_.reset_reason = reason;
  if (!request_aborted_) {
    request_aborted_ = true;
    sink_.upstream_reset();
  }
  upstream_response_ignored_ = true;
  sink_.downstream_reset(reason);
  mark_complete();
}

void HttpStream::mark_complete() {
  if (complete_) return;
  complete_ = true;
  state_.info.duration_ns = chain_.env().dispatcher().realtime_ns() - state_.info.start_time_ns;
  state_.info.request_complete = true;
  // End-of-stream callbacks run after the current work returns, as Envoy's deferred delete.
  std::weak_ptr<bool> alive = alive_;
  chain_.env().dispatcher().post([this, alive] {
    if (auto flag = alive.lock(); flag && *flag) finish();
  });
}

void HttpStream::abort(const std::string& reason) {
  if (!complete_) {
    outcome_.reset = true;
    outcome_.reset_reason = reason;
    request_aborted_ = true;
    upstream_response_ignored_ = true;
    complete_ = true;
    state_.info.duration_ns = chain_.env().dispatcher().realtime_ns() - state_.info.start_time_ns;
    state_.info.request_complete = true;
  }
  finish();
}

void HttpStream::finish() {
  if (finished_) return;
  finished_ = true;
  state_.request_body = nullptr;
  state_.response_body = nullptr;
  for (Slot& slot : slots_) {
    if (slot.context_id != 0 && slot.plugin->generation() == slot.generation &&
        !slot.plugin->failed())
      slot.plugin->finish_stream_context(slot.context_id);
  }
  if (chain_.env().tracing()) {
    TraceEvent event;
    event.kind = EventKind::Lifecycle;
    event.name = "stream_end";
    event.stream_id = state_.id;
    event.start_ns = chain_.env().elapsed_ns();
    if (outcome_.reset) event.args.push_back({"reset", outcome_.reset_reason});
    if (outcome_.local_reply) event.args.push_back({"local_reply", "true"});
    chain_.env().trace()->record(std::move(event));
  }
}

// --- Inputs ------------------------------------------------------------------------------------

void HttpStream::decode_headers(HeaderMap headers, bool end_stream) {
  state_.request_headers = std::move(headers);
  state_.has_request_headers = true;
  headers_at(Dir::Request, first_index(Dir::Request), end_stream);
}

void HttpStream::decode_data(std::string data, bool end_stream) {
  state_.info.request_body_bytes += data.size();
  data_at(Dir::Request, first_index(Dir::Request), std::move(data), end_stream);
}

void HttpStream::decode_trailers(HeaderMap trailers) {
  state_.request_trailers = std::move(trailers);
  trailers_at(Dir::Request, first_index(Dir::Request));
}

void HttpStream::encode_headers(HeaderMap headers, bool end_stream) {
  if (upstream_response_ignored_ || complete_) return;
  state_.response_headers = std::move(headers);
  state_.has_response_headers = true;
  // As Envoy's router, record the upstream's code before the response filters run.
  if (auto status = state_.response_headers.get(":status")) {
    uint32_t code = 0;
    std::from_chars(status->data(), status->data() + status->size(), code);
    state_.info.response_code = code;
    state_.info.response_code_details = "via_upstream";
  }
  headers_at(Dir::Response, first_index(Dir::Response), end_stream);
}

void HttpStream::encode_data(std::string data, bool end_stream) {
  if (upstream_response_ignored_ || complete_) return;
  state_.info.response_body_bytes += data.size();
  data_at(Dir::Response, first_index(Dir::Response), std::move(data), end_stream);
}

void HttpStream::encode_trailers(HeaderMap trailers) {
  if (upstream_response_ignored_ || complete_) return;
  state_.response_trailers = std::move(trailers);
  trailers_at(Dir::Response, first_index(Dir::Response));
}

}  // namespace pwplay::host
