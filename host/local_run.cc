#include "host/local_run.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>

#include "host/upstream_client.h"

namespace pwplay::host {

// --- SimulatedDispatcher -----------------------------------------------------------------------

SimulatedDispatcher::SimulatedDispatcher() {
  using namespace std::chrono;
  base_realtime_ns_ = static_cast<uint64_t>(
      duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count());
  base_monotonic_ns_ = static_cast<uint64_t>(
      duration_cast<nanoseconds>(steady_clock::now().time_since_epoch()).count());
}

void SimulatedDispatcher::post(std::function<void()> task) {
  tasks_.push_back(std::move(task));
}

Dispatcher::TimerId SimulatedDispatcher::schedule(std::chrono::milliseconds delay,
                                                  std::function<void()> task) {
  TimerId id = next_timer_id_++;
  uint64_t due = now_ns_ + static_cast<uint64_t>(std::max<int64_t>(0, delay.count())) * 1000000ull;
  timers_[id] = Timer{due, next_sequence_++, std::move(task)};
  return id;
}

void SimulatedDispatcher::cancel(TimerId id) {
  timers_.erase(id);
}

bool SimulatedDispatcher::run_one(uint64_t deadline_ns) {
  if (next_task_ < tasks_.size()) {
    auto task = std::move(tasks_[next_task_++]);
    if (next_task_ == tasks_.size()) {
      tasks_.clear();
      next_task_ = 0;
    }
    task();
    return true;
  }
  if (timers_.empty()) return false;
  auto earliest =
      std::min_element(timers_.begin(), timers_.end(), [](const auto& a, const auto& b) {
        return a.second.due_ns != b.second.due_ns ? a.second.due_ns < b.second.due_ns
                                                  : a.second.sequence < b.second.sequence;
      });
  if (earliest->second.due_ns > deadline_ns) return false;
  now_ns_ = std::max(now_ns_, earliest->second.due_ns);
  auto task = std::move(earliest->second.task);
  timers_.erase(earliest);
  task();
  return true;
}

void SimulatedDispatcher::advance_to(uint64_t virtual_ns) {
  uint64_t target = virtual_ns;
  for (const auto& [id, timer] : timers_) target = std::min(target, timer.due_ns);
  now_ns_ = std::max(now_ns_, target);
}

bool SimulatedDispatcher::run_until(const std::function<bool()>& done,
                                    std::chrono::milliseconds limit) {
  const uint64_t deadline =
      now_ns_ + static_cast<uint64_t>(std::max<int64_t>(0, limit.count())) * 1000000ull;
  while (!done()) {
    if (!run_one(deadline)) return done();
  }
  return true;
}

// --- Warm-up -----------------------------------------------------------------------------------

WarmupReport warm_up(FilterChain& chain, SimulatedDispatcher& dispatcher,
                     std::chrono::milliseconds limit) {
  WarmupReport report;
  const uint64_t start = dispatcher.virtual_elapsed_ns();
  auto idle = [&] {
    AbiHost::PendingWork work = chain.pending_work();
    return work.http_calls == 0 && work.grpc_calls == 0 && work.first_ticks == 0;
  };
  if (limit.count() > 0 && !dispatcher.run_until(idle, limit)) {
    // Out of time with work left: the request comes at the limit, as a client would after
    // waiting that long.
    dispatcher.advance_to(start + static_cast<uint64_t>(limit.count()) * 1000000ull);
  }
  AbiHost::PendingWork left = chain.pending_work();
  report.virtual_ns = dispatcher.virtual_elapsed_ns() - start;
  report.pending_callouts = left.http_calls + left.grpc_calls;
  // A first tick later than the limit is a slow tick, not unfinished start-up work.
  report.limit_reached = limit.count() > 0 && report.pending_callouts > 0;
  return report;
}

// --- Messages ----------------------------------------------------------------------------------

HeaderMap request_header_map(const RequestSpec& request) {
  HeaderMap map;
  std::string authority;
  for (const auto& [name, value] : request.headers)
    if (iequals(name, "host") || iequals(name, ":authority")) authority = value;
  map.add(":method", request.method);
  map.add(":path", request.path);
  map.add(":authority", authority);
  map.add(":scheme", "http");
  bool has_length = false;
  for (const auto& [name, value] : request.headers) {
    if (iequals(name, "host") || (!name.empty() && name[0] == ':')) continue;
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) has_length = true;
    map.add(name, value);
  }
  // A client sending a body says how long it is.
  size_t body_size = request.body.size();
  for (const auto& chunk : request.body_chunks) body_size += chunk.size();
  if (body_size > 0 && !has_length) {
    if (request.body_chunks.empty())
      map.add("content-length", std::to_string(body_size));
    else
      map.add("transfer-encoding", "chunked");
  }
  return map;
}

MessageView request_view(const HeaderMap& headers) {
  MessageView view;
  view.method = std::string(headers.get(":method").value_or(""));
  view.path = std::string(headers.get(":path").value_or(""));
  if (auto authority = headers.get(":authority"); authority && !authority->empty())
    view.headers.emplace_back("host", std::string(*authority));
  for (const auto& [name, value] : headers.pairs())
    if (name.empty() || name[0] != ':') view.headers.emplace_back(name, value);
  return view;
}

MessageView response_view(const HeaderMap& headers) {
  MessageView view;
  if (auto status = headers.get(":status"))
    std::from_chars(status->data(), status->data() + status->size(), view.status);
  for (const auto& [name, value] : headers.pairs())
    if (name.empty() || name[0] != ':') view.headers.emplace_back(name, value);
  return view;
}

namespace {

// The embedded client and upstream around one stream.
class LocalSink : public StreamSink {
 public:
  LocalSink(Dispatcher& dispatcher, const UpstreamSpec& upstream)
      : dispatcher_(dispatcher), upstream_(upstream) {}
  void attach(HttpStream* stream, std::shared_ptr<bool> alive) {
    stream_ = stream;
    alive_ = std::move(alive);
  }

  void upstream_headers(const HeaderMap& headers, bool end_stream) override {
    upstream_request = request_view(headers);
    if (end_stream) answer();
  }
  void upstream_data(const std::string& data, bool end_stream) override {
    if (upstream_request) upstream_request->body += data;
    if (end_stream) answer();
  }
  void upstream_trailers(const HeaderMap& trailers) override {
    if (upstream_request) upstream_request->trailers = trailers.pairs();
    answer();
  }
  void upstream_reset() override { upstream_request.reset(); }
  void downstream_headers(const HeaderMap& headers, bool) override {
    response = response_view(headers);
  }
  void downstream_data(const std::string& data, bool) override {
    if (response) response->body += data;
  }
  void downstream_trailers(const HeaderMap& trailers) override {
    if (response) response->trailers = trailers.pairs();
  }
  void downstream_reset(const std::string&) override { response.reset(); }

  std::optional<MessageView> upstream_request;
  std::optional<MessageView> upstream_response;
  std::optional<MessageView> response;
  std::string upstream_error;

 private:
  // The upstream answers once the whole request arrived, after the current work returns.
  void answer() {
    if (answered_ || !upstream_request) return;
    answered_ = true;
    ResponseSpec reply;
    if (!upstream_.address.empty()) {
      auto real = exchange_with_upstream(upstream_.address, *upstream_request,
                                         std::chrono::milliseconds(upstream_.timeout_ms));
      if (!real) {
        // As Envoy answers when the upstream cannot be reached; the report says why.
        upstream_error = real.error().message;
        send_reply(ResponseSpec{503, {{"content-type", "text/plain"}}, upstream_error + "\n", {}},
                   false);
        return;
      }
      reply = std::move(*real);
    } else if (upstream_.mock) {
      reply = *upstream_.mock;
    } else {
      reply.status = 200;
      reply.headers = {{"content-type", "application/json"}};
      reply.body = echo_body(*upstream_request);
    }
    send_reply(std::move(reply), true);
  }

  // `reached`: the reply came from the upstream (else it stands in for one that never answered).
  void send_reply(ResponseSpec reply, bool reached) {
    bool has_length = false;
    for (const auto& [name, value] : reply.headers)
      if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) has_length = true;
    if (!has_length && !reply.body.empty())
      reply.headers.emplace_back("content-length", std::to_string(reply.body.size()));
    if (reached) {
      MessageView sent;
      sent.status = reply.status;
      sent.headers = reply.headers;
      sent.body = reply.body;
      sent.trailers = reply.trailers;
      upstream_response = sent;
    }
    std::weak_ptr<bool> alive = alive_;
    dispatcher_.post([this, alive, reply = std::move(reply)] {
      if (alive.expired() || !stream_) return;
      HeaderMap headers;
      headers.add(":status", std::to_string(reply.status));
      for (const auto& [name, value] : reply.headers) headers.add(name, value);
      const bool has_body = !reply.body.empty();
      const bool has_trailers = !reply.trailers.empty();
      stream_->encode_headers(std::move(headers), !has_body && !has_trailers);
      if (has_body) stream_->encode_data(reply.body, !has_trailers);
      if (has_trailers) stream_->encode_trailers(HeaderMap(reply.trailers));
    });
  }

  Dispatcher& dispatcher_;
  const UpstreamSpec& upstream_;
  HttpStream* stream_ = nullptr;
  std::shared_ptr<bool> alive_;
  bool answered_ = false;
};

}  // namespace

std::string echo_body(const MessageView& request) {
  nlohmann::json headers = nlohmann::json::array();
  for (const auto& [name, value] : request.headers) headers.push_back({name, value});
  nlohmann::json echo = {{"method", request.method},
                         {"path", request.path},
                         {"headers", headers},
                         {"body", request.body}};
  return echo.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

RunReport run_request(FilterChain& chain, SimulatedDispatcher& dispatcher,
                      const RequestSpec& request, const UpstreamSpec& upstream,
                      std::chrono::milliseconds virtual_limit) {
  RunReport report;
  HeaderMap headers = request_header_map(request);
  report.client_request = request_view(headers);
  report.client_request.body = request.body;
  for (const auto& chunk : request.body_chunks) report.client_request.body += chunk;
  report.client_request.trailers = request.trailers;

  LocalSink sink(dispatcher, upstream);
  auto alive = std::make_shared<bool>(true);
  // The embedded upstream has no socket; upstream.address reports this stand-in.
  StreamInfo info;
  info.upstream_address = "127.0.0.1";
  info.upstream_port = 10000;
  std::unique_ptr<HttpStream> stream = chain.new_stream(sink, std::move(info));
  sink.attach(stream.get(), alive);
  report.stream_id = stream->id();

  std::vector<std::string> chunks = request.body_chunks;
  if (chunks.empty() && !request.body.empty()) chunks.push_back(request.body);
  const bool has_trailers = !request.trailers.empty();
  stream->decode_headers(std::move(headers), chunks.empty() && !has_trailers);
  for (size_t i = 0; i < chunks.size(); ++i) {
    // Each chunk is a separate read, as from a socket: pending work runs in between.
    dispatcher.run_until([] { return false; }, std::chrono::milliseconds(0));
    stream->decode_data(chunks[i], i + 1 == chunks.size() && !has_trailers);
  }
  if (has_trailers) stream->decode_trailers(HeaderMap(request.trailers));

  HttpStream* raw = stream.get();
  bool finished = dispatcher.run_until([raw] { return raw->finished(); }, virtual_limit);
  if (!finished) {
    report.stalled = true;
    report.stall_reason =
        raw->complete()
            ? "the stream completed but its end-of-stream callbacks did not run"
            : "the stream never completed: a filter paused it and nothing resumed it within " +
                  std::to_string(virtual_limit.count()) + " ms of simulated time";
    stream->abort("stalled");
  }
  report.upstream_request = sink.upstream_request;
  report.upstream_response = sink.upstream_response;
  report.upstream_error = sink.upstream_error;
  report.response = sink.response;
  const StreamOutcome& outcome = stream->outcome();
  report.local_response = outcome.local_reply;
  report.local_reply = outcome.reply;
  report.reset = outcome.reset && !report.stalled;
  report.reset_reason = outcome.reset_reason;
  report.failed_plugins = outcome.failed_plugins;
  report.refused_local_replies = raw->state().refused_local_replies;
  *alive = false;
  stream.reset();
  // Deferred work of the finished stream (end-of-stream callbacks already ran) is drained.
  dispatcher.run_until([] { return false; }, std::chrono::milliseconds(0));
  // Callouts belong to the root context, as in Envoy: an answer that arrives after its stream
  // ended still reaches proxy_on_http_call_response (or the gRPC callbacks), so it runs here,
  // within the same simulated-time bound, rather than being dropped with the run.
  auto callouts_answered = [&chain] {
    AbiHost::PendingWork work = chain.pending_work();
    return work.http_calls == 0 && work.grpc_calls == 0;
  };
  if (!report.stalled) dispatcher.run_until(callouts_answered, virtual_limit);
  report.virtual_time_ns = dispatcher.virtual_elapsed_ns();
  return report;
}

}  // namespace pwplay::host
