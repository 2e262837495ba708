// AbiHost's callout room: HTTP callouts and gRPC calls and streams started from a root context,
// their replies delivered later through RootCallbacks, and the status they leave behind.
#include "host/abi_host.h"
#include "host/abi_host_internal.h"
#include "host/header_rules.h"

namespace pwplay::host {

using abi::Status;
using namespace abi_host_detail;

// --- Callouts ----------------------------------------------------------------------------------

namespace {
// A callout's headers and trailers follow the rules of a request's (host/header_rules.h).
std::optional<std::string> callout_pairs_problem(const abi::HeaderPairs& headers,
                                                 const abi::HeaderPairs& trailers,
                                                 const HeaderLimits& limits) {
  for (const auto* set : {&headers, &trailers}) {
    std::string label = set == &headers ? "headers: " : "trailers: ";
    HeaderTarget target = set == &headers ? HeaderTarget::CalloutHeaders : HeaderTarget::Trailers;
    if (auto bad = pairs_problem(*set, target, limits)) return label + *bad;
    size_t bytes = 0;
    for (const auto& [name, value] : *set) bytes += name.size() + value.size();
    if (auto bad = map_size_problem(set->size(), bytes, limits)) return label + *bad;
  }
  return std::nullopt;
}

// gRPC initial metadata: checked when it decodes (the scripted replies never read it).
std::optional<std::string> metadata_problem(std::string_view bytes, const HeaderLimits& limits) {
  if (bytes.empty()) return std::nullopt;
  auto pairs = decode_pairs_from(bytes);
  if (!pairs) return std::nullopt;
  if (auto bad = pairs_problem(*pairs, HeaderTarget::GrpcMetadata, limits))
    return "initial metadata: " + *bad;
  size_t total = 0;
  for (const auto& [name, value] : *pairs) total += name.size() + value.size();
  if (auto bad = map_size_problem(pairs->size(), total, limits)) return "initial metadata: " + *bad;
  return std::nullopt;
}
}  // namespace

uint32_t AbiHost::proxy_http_call(HostCallState& call) {
  auto cluster_view = read(call.p(0), call.p(1));
  auto headers_view = read(call.p(2), call.p(3));
  auto body_view = read(call.p(4), call.p(5));
  auto trailers_view = read(call.p(6), call.p(7));
  if (!cluster_view || !headers_view || !body_view || !trailers_view)
    return S(Status::InvalidMemoryAccess);
  std::string cluster(*cluster_view);
  std::string body(*body_view);
  call.note("upstream", printable(cluster));
  auto headers = decode_pairs_from(*headers_view);
  auto trailers = decode_pairs_from(*trailers_view);
  if (!headers || !trailers) {
    call.note("error", !headers ? "headers: " + headers.error().message
                                : "trailers: " + trailers.error().message);
    return S(Status::BadArgument);
  }
  std::string summary;
  for (const auto& [k, v] : *headers) summary += (summary.empty() ? "" : ", ") + k + ": " + v;
  call.note("headers", printable(summary));
  call.note("body", printable(body));
  note_copy(call, CopyDirection::VmToHost, call.p(2), *headers_view,
            "callout headers, " + std::to_string(headers->size()) + " pairs");
  if (auto bad = callout_pairs_problem(*headers, *trailers, env_.options().header_limits))
    return refuse(call, "proxy_http_call", *bad);
  int32_t timeout = static_cast<int32_t>(call.a(8));
  if (!env_.callouts().has_http_cluster(cluster)) {
    call.note("error", "unknown cluster '" + cluster + "'");
    return S(Status::BadArgument);
  }
  for (std::string_view required : {":method", ":path", ":authority"}) {
    if (!first_value(*headers, required)) {
      call.note("error", "missing " + std::string(required));
      return S(Status::BadArgument);
    }
  }
  if (timeout < 0) return S(Status::BadArgument);
  // Probe the result slot before starting anything (as cpp-host).
  if (!write_u32(call.p(9), 0)) return S(Status::InvalidMemoryAccess);
  next_http_token_ += 4;
  uint32_t token = next_http_token_;
  write_u32(call.p(9), token);
  call.note("token", std::to_string(token));
  uint32_t root_id = root_of(effective_context_);
  std::weak_ptr<bool> alive = alive_;
  http_in_flight_.insert(token);
  env_.callouts().start_http(
      cluster, *headers, body, *trailers, static_cast<uint32_t>(timeout),
      [this, alive, root_id, token](CalloutResponse response) {
        if (alive.expired() || !*alive.lock()) return;
        http_in_flight_.erase(token);
        if (!has_context(root_id)) return;
        set_callout_reply(&response);
        if (response.failed)
          set_status(static_cast<uint32_t>(Status::BrokenConnection), response.failure_reason);
        else
          set_status(0, "");
        root_callbacks_.on_http_call_response(
            root_id, token, response.failed ? 0 : static_cast<uint32_t>(response.headers.size()),
            static_cast<uint32_t>(response.body.size()),
            static_cast<uint32_t>(response.trailers.size()));
        if (alive.expired() || !*alive.lock()) return;
        set_callout_reply(nullptr);
      });
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_grpc_call(HostCallState& call) {
  auto cluster = read(call.p(0), call.p(1));
  auto service = read(call.p(2), call.p(3));
  auto method = read(call.p(4), call.p(5));
  auto metadata = read(call.p(6), call.p(7));
  auto message = read(call.p(8), call.p(9));
  if (!cluster || !service || !method || !metadata || !message)
    return S(Status::InvalidMemoryAccess);
  call.note("upstream", printable(*cluster));
  call.note("service", printable(*service));
  call.note("method", printable(*method));
  if (auto bad = metadata_problem(*metadata, env_.options().header_limits))
    return refuse(call, "proxy_grpc_call", *bad);
  auto reply = env_.callouts().grpc_reply(*cluster, *service, *method);
  if (!reply) {
    call.note("error", "no gRPC reply configured for cluster '" + std::string(*cluster) + "'");
    return S(Status::ParseFailure);
  }
  if (!write_u32(call.p(11), 0)) return S(Status::InvalidMemoryAccess);
  uint32_t token = (next_grpc_call_ += 4);
  write_u32(call.p(11), token);
  call.note("token", std::to_string(token));
  uint32_t root_id = root_of(effective_context_);
  grpc_calls_[token] = GrpcCall{root_id, false, *reply, 0};
  std::weak_ptr<bool> alive = alive_;
  // Deliver the scripted reply as Envoy would: metadata, message, trailers, close.
  env_.dispatcher().post([this, alive, token] {
    if (alive.expired() || !*alive.lock()) return;
    auto it = grpc_calls_.find(token);
    if (it == grpc_calls_.end()) return;
    GrpcCall state = it->second;
    uint32_t root = state.root_id;
    if (!state.reply.initial_metadata.empty()) {
      set_grpc_metadata(&state.reply.initial_metadata, nullptr);
      root_callbacks_.on_grpc_receive_initial_metadata(
          root, token, static_cast<uint32_t>(state.reply.initial_metadata.size()));
      if (alive.expired() || !*alive.lock()) return;
      // `state` dies with this task: never leave the host pointing into it.
      set_grpc_metadata(nullptr, nullptr);
      if (!grpc_calls_.count(token)) return;
    }
    if (state.reply.status == 0 && !state.reply.messages.empty()) {
      set_grpc_message(&state.reply.messages.front());
      root_callbacks_.on_grpc_receive(root, token,
                                      static_cast<uint32_t>(state.reply.messages.front().size()));
      if (alive.expired() || !*alive.lock()) return;
      set_grpc_message(nullptr);
      if (!grpc_calls_.count(token)) return;
    }
    if (!state.reply.trailing_metadata.empty()) {
      set_grpc_metadata(nullptr, &state.reply.trailing_metadata);
      root_callbacks_.on_grpc_receive_trailing_metadata(
          root, token, static_cast<uint32_t>(state.reply.trailing_metadata.size()));
      if (alive.expired() || !*alive.lock()) return;
      set_grpc_metadata(nullptr, nullptr);
      if (!grpc_calls_.count(token)) return;
    }
    set_grpc_metadata(nullptr, nullptr);
    grpc_calls_.erase(token);
    set_status(state.reply.status, state.reply.status_message);
    root_callbacks_.on_grpc_close(root, token, state.reply.status);
  });
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_grpc_stream(HostCallState& call) {
  auto cluster = read(call.p(0), call.p(1));
  auto service = read(call.p(2), call.p(3));
  auto method = read(call.p(4), call.p(5));
  auto metadata = read(call.p(6), call.p(7));
  if (!cluster || !service || !method || !metadata) return S(Status::InvalidMemoryAccess);
  call.note("upstream", printable(*cluster));
  call.note("service", printable(*service));
  call.note("method", printable(*method));
  if (auto bad = metadata_problem(*metadata, env_.options().header_limits))
    return refuse(call, "proxy_grpc_stream", *bad);
  auto reply = env_.callouts().grpc_reply(*cluster, *service, *method);
  if (!reply) return S(Status::ParseFailure);
  if (!write_u32(call.p(8), 0)) return S(Status::InvalidMemoryAccess);
  uint32_t token = (next_grpc_stream_ += 4);
  write_u32(call.p(8), token);
  call.note("token", std::to_string(token));
  uint32_t root_id = root_of(effective_context_);
  grpc_calls_[token] = GrpcCall{root_id, true, *reply, 0};
  if (!reply->initial_metadata.empty()) {
    std::weak_ptr<bool> alive = alive_;
    env_.dispatcher().post([this, alive, token] {
      if (alive.expired() || !*alive.lock()) return;
      auto it = grpc_calls_.find(token);
      if (it == grpc_calls_.end()) return;
      abi::HeaderPairs metadata_copy = it->second.reply.initial_metadata;
      set_grpc_metadata(&metadata_copy, nullptr);
      root_callbacks_.on_grpc_receive_initial_metadata(it->second.root_id, token,
                                                       static_cast<uint32_t>(metadata_copy.size()));
      if (alive.expired() || !*alive.lock()) return;
      set_grpc_metadata(nullptr, nullptr);
    });
  }
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_grpc_send(HostCallState& call) {
  uint32_t token = call.a(0);
  auto message = read(call.p(1), call.p(2));
  if (!message) return S(Status::InvalidMemoryAccess);
  // Only stream tokens (kind 2 in the low bits) can carry messages, as Envoy.
  if ((token & 3u) != 2u) return S(Status::BadArgument);
  auto it = grpc_calls_.find(token);
  if (it == grpc_calls_.end() || !it->second.is_stream) return S(Status::NotFound);
  call.note("message", printable(*message));
  bool end_stream = call.a(3) != 0;
  GrpcCall& state = it->second;
  std::weak_ptr<bool> alive = alive_;
  if (state.replies_sent < state.reply.messages.size()) {
    size_t index = state.replies_sent++;
    env_.dispatcher().post([this, alive, token, index] {
      if (alive.expired() || !*alive.lock()) return;
      auto found = grpc_calls_.find(token);
      if (found == grpc_calls_.end()) return;
      std::string reply_message = found->second.reply.messages[index];
      set_grpc_message(&reply_message);
      root_callbacks_.on_grpc_receive(found->second.root_id, token,
                                      static_cast<uint32_t>(reply_message.size()));
      if (alive.expired() || !*alive.lock()) return;
      set_grpc_message(nullptr);
    });
  }
  if (end_stream) {
    env_.dispatcher().post([this, alive, token] {
      if (alive.expired() || !*alive.lock()) return;
      auto found = grpc_calls_.find(token);
      if (found == grpc_calls_.end()) return;
      GrpcCall state_copy = found->second;
      grpc_calls_.erase(found);
      if (!state_copy.reply.trailing_metadata.empty()) {
        set_grpc_metadata(nullptr, &state_copy.reply.trailing_metadata);
        root_callbacks_.on_grpc_receive_trailing_metadata(
            state_copy.root_id, token,
            static_cast<uint32_t>(state_copy.reply.trailing_metadata.size()));
        if (alive.expired() || !*alive.lock()) return;
        set_grpc_metadata(nullptr, nullptr);
      }
      set_status(state_copy.reply.status, state_copy.reply.status_message);
      root_callbacks_.on_grpc_close(state_copy.root_id, token, state_copy.reply.status);
    });
  }
  return S(Status::Ok);
}

namespace {
// gRPC tokens carry their kind in the low two bits: 1 = call, 2 = stream.
bool is_grpc_token(uint32_t token) {
  return (token & 3u) == 1u || (token & 3u) == 2u;
}
}  // namespace

uint32_t AbiHost::proxy_grpc_cancel(HostCallState& call) {
  call.note("token", std::to_string(call.a(0)));
  if (!is_grpc_token(call.a(0))) return S(Status::BadArgument);
  return grpc_calls_.erase(call.a(0)) ? S(Status::Ok) : S(Status::NotFound);
}

uint32_t AbiHost::proxy_grpc_close(HostCallState& call) {
  call.note("token", std::to_string(call.a(0)));
  if (!is_grpc_token(call.a(0))) return S(Status::BadArgument);
  return grpc_calls_.erase(call.a(0)) ? S(Status::Ok) : S(Status::NotFound);
}

uint32_t AbiHost::proxy_get_status(HostCallState& call) {
  call.note("code", std::to_string(status_code_));
  call.note("message", status_message_);
  if (!write_u32(call.p(0), status_code_)) return S(Status::InvalidMemoryAccess);
  return S(return_bytes(call, status_message_, call.p(1), call.p(2), "status message"));
}

}  // namespace pwplay::host
