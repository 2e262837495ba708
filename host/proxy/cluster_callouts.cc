#include "host/proxy/cluster_callouts.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "host/proxy/http1_codec.h"

namespace pwplay::host::proxy {

class ClusterCalloutClient::Call : public Http1Handler {
 public:
  Call(ClusterCalloutClient& owner, uint64_t id, std::function<void(CalloutResponse)> done,
       std::shared_ptr<WorkAccount> account)
      : owner_(owner),
        id_(id),
        done_(std::move(done)),
        account_(std::move(account)),
        parser_(Http1Parser::Type::Response, *this, owner.max_header_bytes_) {}

  ~Call() override {
    if (timer_) event_free(timer_);
    if (bev_) bufferevent_free(bev_);
  }

  void start(const SocketAddress& address, std::string request, uint32_t timeout_ms) {
    bev_ = bufferevent_socket_new(owner_.base_, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(bev_, &Call::on_read, nullptr, &Call::on_event, this);
    bufferevent_enable(bev_, EV_READ | EV_WRITE);
    bufferevent_write(bev_, request.data(), request.size());
    if (timeout_ms > 0) {
      timer_ = evtimer_new(owner_.base_, &Call::on_timeout, this);
      timeval tv{static_cast<time_t>(timeout_ms / 1000),
                 static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
      evtimer_add(timer_, &tv);
    }
    if (bufferevent_socket_connect(bev_, address.get(), static_cast<int>(address.length)) != 0) {
      // Never call back from inside proxy_http_call: report the failure on the next round.
      uint64_t id = id_;
      ClusterCalloutClient* owner = &owner_;
      owner_.dispatcher_.post([owner, id] {
        auto it = owner->calls_.find(id);
        if (it != owner->calls_.end()) it->second->fail("connection failure");
      });
      return;
    }
    set_no_delay(bufferevent_getfd(bev_));
  }

  void fail(const std::string& reason) {
    CalloutResponse response;
    response.failed = true;
    response.failure_reason = reason;
    complete(std::move(response));
  }

  // Http1Handler.
  void on_head(Http1Head head) override {
    if (head.status >= 100 && head.status < 200) {
      informational_ = true;
      return;
    }
    response_.headers.emplace_back(":status", std::to_string(head.status));
    for (auto& [name, value] : head.headers) {
      std::string lower = to_lower(name);
      if (is_hop_by_hop(lower)) continue;
      response_.headers.emplace_back(std::move(lower), std::move(value));
    }
  }
  void on_body(std::string data) override {
    if (!informational_) response_.body += data;
  }
  void on_message_end(std::string last, abi::HeaderPairs trailers) override {
    if (informational_) {
      informational_ = false;
      resume_after_informational_ = true;
      return;
    }
    response_.body += last;
    for (auto& [name, value] : trailers) response_.trailers.emplace_back(to_lower(name), value);
    complete(std::move(response_));
  }

 private:
  static void on_read(bufferevent* bev, void* arg) {
    auto* call = static_cast<Call*>(arg);
    evbuffer* input = bufferevent_get_input(bev);
    while (!call->finished_ && evbuffer_get_length(input) > 0) {
      size_t length = evbuffer_get_length(input);
      const char* data = reinterpret_cast<const char*>(evbuffer_pullup(input, -1));
      size_t used = call->parser_.feed(data, length);
      evbuffer_drain(input, used);
      if (call->finished_) return;
      if (call->parser_.failed()) {
        call->fail("invalid response: " + call->parser_.error_message());
        return;
      }
      if (call->resume_after_informational_) {
        call->resume_after_informational_ = false;
        call->parser_.resume();
        continue;
      }
      if (used == 0) break;
    }
  }

  static void on_event(bufferevent*, short what, void* arg) {
    auto* call = static_cast<Call*>(arg);
    if (call->finished_) return;
    if (what & BEV_EVENT_CONNECTED) {
      call->connected_ = true;
      return;
    }
    if (what & BEV_EVENT_EOF) {
      call->parser_.finish();  // a response delimited by the close ends here
      if (call->finished_) return;
      call->fail(call->parser_.in_message() || call->response_.headers.size() > 0
                     ? "reset: the connection closed before the response ended"
                     : "reset: the connection closed before a response");
      return;
    }
    call->fail(call->connected_ ? "reset: connection error"
                                : "connection failure: could not connect");
  }

  static void on_timeout(int, short, void* arg) {
    auto* call = static_cast<Call*>(arg);
    if (!call->finished_) call->complete(callout_timeout_response());
  }

  void complete(CalloutResponse response) {
    if (finished_) return;
    finished_ = true;
    if (timer_) evtimer_del(timer_);
    if (bev_) bufferevent_disable(bev_, EV_READ | EV_WRITE);
    auto done = std::move(done_);
    ClusterCalloutClient& owner = owner_;
    uint64_t id = id_;
    std::shared_ptr<WorkAccount> account = account_;
    // The call object goes away after the current work, never under its own callbacks.
    owner.dispatcher_.post([&owner, id] { owner.finished(id); });
    LoopDispatcher::Charge charge(owner.dispatcher_, account);
    if (done) done(std::move(response));
  }

  ClusterCalloutClient& owner_;
  uint64_t id_;
  std::function<void(CalloutResponse)> done_;
  std::shared_ptr<WorkAccount> account_;
  Http1Parser parser_;
  bufferevent* bev_ = nullptr;
  event* timer_ = nullptr;
  CalloutResponse response_;
  bool finished_ = false;
  bool connected_ = false;
  bool informational_ = false;
  bool resume_after_informational_ = false;
};

ClusterCalloutClient::ClusterCalloutClient(
    event_base* base, LoopDispatcher& dispatcher,
    std::map<std::string, SocketAddress, std::less<>> clusters, size_t max_header_bytes)
    : base_(base),
      dispatcher_(dispatcher),
      clusters_(std::move(clusters)),
      max_header_bytes_(max_header_bytes) {}

ClusterCalloutClient::~ClusterCalloutClient() = default;

bool ClusterCalloutClient::has_http_cluster(std::string_view cluster) const {
  return clusters_.find(cluster) != clusters_.end();
}

void ClusterCalloutClient::start_http(const std::string& cluster, const abi::HeaderPairs& headers,
                                      const std::string& body, const abi::HeaderPairs& trailers,
                                      uint32_t timeout_ms,
                                      std::function<void(CalloutResponse)> done) {
  auto target = clusters_.find(cluster);
  if (target == clusters_.end()) return;  // the host checked has_http_cluster first
  HeaderMap map(headers);
  if (!body.empty() && trailers.empty() && !map.get("content-length"))
    map.add("content-length", std::to_string(body.size()));
  const bool end_stream = body.empty() && trailers.empty();
  EncodedHead head = encode_request_head(map, end_stream);
  std::string request = std::move(head.bytes);
  if (head.framing == Framing::Chunked) {
    append_chunk(request, body);
    request += last_chunk(trailers);
  } else {
    request += body;
  }
  uint64_t id = next_id_++;
  auto call = std::make_unique<Call>(*this, id, std::move(done), dispatcher_.current_account());
  Call* raw = call.get();
  calls_.emplace(id, std::move(call));
  raw->start(target->second, std::move(request), timeout_ms);
}

std::optional<GrpcMockReply> ClusterCalloutClient::grpc_reply(std::string_view, std::string_view,
                                                              std::string_view) const {
  return std::nullopt;
}

void ClusterCalloutClient::finished(uint64_t id) {
  calls_.erase(id);
}

}  // namespace pwplay::host::proxy
