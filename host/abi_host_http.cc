// AbiHost's HTTP room: body buffers, header maps and stream control (continue, close, local
// replies) of the effective context's stream.
#include <algorithm>

#include "host/abi_host.h"
#include "host/abi_host_internal.h"
#include "host/header_rules.h"

namespace pwplay::host {

using abi::Status;
using namespace abi_host_detail;

// --- Buffers -----------------------------------------------------------------------------------

std::string* AbiHost::buffer_for(abi::BufferType type, bool& read_only, bool& available) {
  read_only = true;
  available = false;
  ContextState* context = effective();
  HttpStreamState* stream = context ? context->stream : nullptr;
  switch (type) {
    case abi::BufferType::HttpRequestBody:
      read_only = false;
      available = stream && stream->request_body;
      return available ? stream->request_body : nullptr;
    case abi::BufferType::HttpResponseBody:
      read_only = false;
      available = stream && stream->response_body;
      return available ? stream->response_body : nullptr;
    default:
      return nullptr;
  }
}

namespace {
// Read-only buffers are served from const sources; this picks the right one.
const std::string* readonly_buffer(abi::BufferType type, const CalloutResponse* callout,
                                   const std::string* grpc_message, const std::string* foreign_args,
                                   const PluginIdentity& identity) {
  switch (type) {
    case abi::BufferType::HttpCallResponseBody:
      return callout ? &callout->body : nullptr;
    case abi::BufferType::GrpcReceiveBuffer:
      return grpc_message;
    case abi::BufferType::VmConfiguration:
      return &identity.vm_configuration;
    case abi::BufferType::PluginConfiguration:
      return &identity.configuration;
    case abi::BufferType::CallData:
      return foreign_args;
    default:
      return nullptr;
  }
}
}  // namespace

uint32_t AbiHost::proxy_get_buffer_bytes(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxBufferType) return S(Status::BadArgument);
  auto buffer_type = static_cast<abi::BufferType>(type);
  call.note("buffer_type", abi::name(buffer_type));
  bool read_only = false, available = false;
  const std::string* buffer = buffer_for(buffer_type, read_only, available);
  if (!buffer)
    buffer = readonly_buffer(buffer_type, callout_reply_, grpc_message_, foreign_args_, identity_);
  if (!buffer) return S(Status::NotFound);
  uint64_t start = call.a(1);
  uint64_t max_size = call.a(2);
  // As cpp-host: past the end means nothing, an over-long size means "up to the end".
  std::string_view data;
  if (start < buffer->size())
    data = std::string_view(*buffer).substr(start,
                                            std::min<uint64_t>(max_size, buffer->size() - start));
  std::string copy(data);
  call.note("data", printable(copy));
  return S(return_bytes(call, copy, call.p(3), call.p(4),
                        abi::name(buffer_type) + " bytes " + std::to_string(start) + ".." +
                            std::to_string(start + copy.size())));
}

uint32_t AbiHost::proxy_get_buffer_status(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxBufferType) return S(Status::BadArgument);
  auto buffer_type = static_cast<abi::BufferType>(type);
  call.note("buffer_type", abi::name(buffer_type));
  bool read_only = false, available = false;
  const std::string* buffer = buffer_for(buffer_type, read_only, available);
  if (!buffer)
    buffer = readonly_buffer(buffer_type, callout_reply_, grpc_message_, foreign_args_, identity_);
  if (!buffer) return S(Status::NotFound);
  call.note("size", std::to_string(buffer->size()));
  // size is a size_t*, flags a uint32_t*.
  if (!write_word(call.p(1), buffer->size()) || !write_u32(call.p(2), 0))
    return S(Status::InvalidMemoryAccess);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_set_buffer_bytes(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxBufferType) return S(Status::BadArgument);
  auto buffer_type = static_cast<abi::BufferType>(type);
  call.note("buffer_type", abi::name(buffer_type));
  bool read_only = false, available = false;
  std::string* buffer = buffer_for(buffer_type, read_only, available);
  // Buffers 4-8 are read-only; 0-3 are writable but may not exist in this callback (TCP data
  // never does on an HTTP stream).
  if (type > static_cast<uint32_t>(abi::BufferType::UpstreamData)) return S(Status::BadArgument);
  if (!buffer) return S(Status::NotFound);
  auto data = read(call.p(3), call.p(4));
  if (!data) return S(Status::InvalidMemoryAccess);
  std::string bytes(*data);
  call.note("data", printable(bytes));
  note_copy(call, CopyDirection::VmToHost, call.p(3), bytes,
            "new " + abi::name(buffer_type) + " bytes");
  uint32_t start = call.a(1);
  uint32_t size = call.a(2);
  // What Envoy supports: prepend (start 0, optionally dropping `size` bytes first) and append.
  if (start == 0) {
    buffer->erase(0, std::min<size_t>(size, buffer->size()));
    buffer->insert(0, bytes);
  } else if (start >= buffer->size()) {
    buffer->append(bytes);
  } else {
    call.note("error", "mid-buffer edits are not supported (start must be 0 or >= size)");
    return S(Status::BadArgument);
  }
  return S(Status::Ok);
}

// --- Header maps -------------------------------------------------------------------------------

HeaderMap* AbiHost::map_for(abi::MapType type, bool& read_only, abi::HeaderPairs*& external) {
  read_only = false;
  external = nullptr;
  ContextState* context = effective();
  HttpStreamState* stream = context ? context->stream : nullptr;
  switch (type) {
    case abi::MapType::HttpRequestHeaders:
      return stream ? &stream->request_headers : nullptr;
    case abi::MapType::HttpRequestTrailers:
      return stream ? &stream->request_trailers : nullptr;
    case abi::MapType::HttpResponseHeaders:
      return stream ? &stream->response_headers : nullptr;
    case abi::MapType::HttpResponseTrailers:
      return stream ? &stream->response_trailers : nullptr;
    case abi::MapType::GrpcReceiveInitialMetadata:
      read_only = true;
      external = const_cast<abi::HeaderPairs*>(grpc_initial_);
      return nullptr;
    case abi::MapType::GrpcReceiveTrailingMetadata:
      read_only = true;
      external = const_cast<abi::HeaderPairs*>(grpc_trailing_);
      return nullptr;
    case abi::MapType::HttpCallResponseHeaders:
      read_only = true;
      external = callout_reply_ ? const_cast<abi::HeaderPairs*>(&callout_reply_->headers) : nullptr;
      return nullptr;
    case abi::MapType::HttpCallResponseTrailers:
      read_only = true;
      external =
          callout_reply_ ? const_cast<abi::HeaderPairs*>(&callout_reply_->trailers) : nullptr;
      return nullptr;
  }
  return nullptr;
}

namespace {
// Which pseudo-headers a writable map may hold.
HeaderTarget target_of(abi::MapType type) {
  switch (type) {
    case abi::MapType::HttpRequestHeaders:
      return HeaderTarget::RequestHeaders;
    case abi::MapType::HttpResponseHeaders:
      return HeaderTarget::ResponseHeaders;
    default:
      return HeaderTarget::Trailers;
  }
}
}  // namespace

uint32_t AbiHost::refuse(HostCallState& call, std::string_view function,
                         const std::string& problem) {
  call.note("error", problem);
  constexpr uint32_t kLoggedPerStream = 10;
  uint64_t stream = stream_id_of(effective_context_);
  if (stream != refusal_stream_ || stream == 0) {
    refusal_stream_ = stream;
    refusals_logged_ = 0;
  }
  if (refusals_logged_ < kLoggedPerStream) {
    emit_log(abi::LogLevel::Error, std::string(function) + " refused: " + problem);
  } else if (refusals_logged_ == kLoggedPerStream) {
    emit_log(abi::LogLevel::Error, std::string(function) +
                                       " refused again; further refusals on this stream are "
                                       "only in the trace");
  }
  ++refusals_logged_;
  return S(Status::BadArgument);
}

uint32_t AbiHost::proxy_get_header_map_pairs(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  static const abi::HeaderPairs kEmpty;
  const abi::HeaderPairs& pairs = map ? map->pairs() : external ? *external : kEmpty;
  if (pairs.empty()) {
    // As cpp-host: an empty map is size 0 (some SDKs crash on a 1-byte encoding).
    return S(return_bytes(call, "", call.p(1), call.p(2), ""));
  }
  std::vector<uint8_t> encoded = abi::encode_pairs(pairs);
  std::string bytes(encoded.begin(), encoded.end());
  call.note("pairs", std::to_string(pairs.size()));
  return S(return_bytes(
      call, bytes, call.p(1), call.p(2),
      "serialized " + abi::name(map_type) + ", " + std::to_string(pairs.size()) + " pairs"));
}

uint32_t AbiHost::proxy_set_header_map_pairs(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  if (!map || read_only) return S(Status::BadArgument);
  auto data = read(call.p(1), call.p(2));
  if (!data) return S(Status::InvalidMemoryAccess);
  std::string bytes(*data);
  auto pairs = decode_pairs_from(bytes);
  if (!pairs) {
    call.note("error", pairs.error().message);
    return S(Status::BadArgument);
  }
  note_copy(call, CopyDirection::VmToHost, call.p(1), bytes,
            "serialized " + abi::name(map_type) + ", " + std::to_string(pairs->size()) + " pairs");
  call.note("pairs", std::to_string(pairs->size()));
  const HeaderLimits& limits = env_.options().header_limits;
  if (auto bad = pairs_problem(*pairs, target_of(map_type), limits))
    return refuse(call, "proxy_set_header_map_pairs", abi::name(map_type) + ": " + *bad);
  size_t new_bytes = 0;
  for (const auto& [name, value] : *pairs) new_bytes += name.size() + value.size();
  // A map already past the limits (as received) may still be rewritten, but not grown.
  bool grows = pairs->size() > map->size() || new_bytes > map->byte_size();
  if (auto bad = map_size_problem(pairs->size(), new_bytes, limits); bad && grows)
    return refuse(call, "proxy_set_header_map_pairs", abi::name(map_type) + ": " + *bad);
  map->set_all(*pairs);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_get_header_map_value(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  auto key_view = read(call.p(1), call.p(2));
  if (!key_view) return S(Status::InvalidMemoryAccess);
  std::string key(*key_view);
  call.note("key", printable(key));
  note_copy(call, CopyDirection::VmToHost, call.p(1), key, "key " + printable(key, 64));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  if (!map && !external) return S(Status::BadArgument);
  std::optional<std::string_view> value = map ? map->get(key) : first_value(*external, key);
  if (!value) {
    // 0.1.0 answered a missing header with an empty value.
    if (version_ == abi::AbiVersion::v0_1_0)
      return S(return_bytes(call, "", call.p(3), call.p(4), ""));
    return S(Status::NotFound);
  }
  std::string copy(*value);
  call.note("value", printable(copy));
  return S(
      return_bytes(call, copy, call.p(3), call.p(4), "value returned for " + printable(key, 64)));
}

uint32_t AbiHost::proxy_add_header_map_value(HostCallState& call) {
  return write_header_map_value(call, &HeaderMap::add, "proxy_add_header_map_value");
}

uint32_t AbiHost::proxy_replace_header_map_value(HostCallState& call) {
  return write_header_map_value(call, &HeaderMap::replace, "proxy_replace_header_map_value");
}

uint32_t AbiHost::write_header_map_value(HostCallState& call, HeaderMapWrite write,
                                         std::string_view function) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  auto key = read(call.p(1), call.p(2));
  auto value = read(call.p(3), call.p(4));
  if (!key || !value) return S(Status::InvalidMemoryAccess);
  call.note("key", printable(*key));
  call.note("value", printable(*value));
  note_copy(call, CopyDirection::VmToHost, call.p(1), *key, "key " + printable(*key, 64));
  note_copy(call, CopyDirection::VmToHost, call.p(3), *value, "value for " + printable(*key, 64));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  if (!map || read_only) return S(Status::BadArgument);
  const HeaderLimits& limits = env_.options().header_limits;
  if (auto bad = header_problem(*key, *value, target_of(map_type), limits))
    return refuse(call, function, abi::name(map_type) + ": " + *bad);
  auto [pairs, bytes] =
      write == &HeaderMap::replace
          ? map->size_after_replace(*key, *value)
          : std::pair{map->size() + 1, map->byte_size() + key->size() + value->size()};
  bool grows = pairs > map->size() || bytes > map->byte_size();
  if (auto bad = map_size_problem(pairs, bytes, limits); bad && grows)
    return refuse(call, function, abi::name(map_type) + ": " + *bad);
  (map->*write)(*key, *value);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_remove_header_map_value(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  auto key = read(call.p(1), call.p(2));
  if (!key) return S(Status::InvalidMemoryAccess);
  call.note("key", printable(*key));
  note_copy(call, CopyDirection::VmToHost, call.p(1), *key, "key " + printable(*key, 64));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  if (!map || read_only) return S(Status::BadArgument);
  map->remove(*key);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_get_header_map_size(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMapType) return S(Status::BadArgument);
  auto map_type = static_cast<abi::MapType>(type);
  call.note("map_type", abi::name(map_type));
  bool read_only = false;
  abi::HeaderPairs* external = nullptr;
  HeaderMap* map = map_for(map_type, read_only, external);
  // Envoy: callout and gRPC maps have no size.
  if (!map) return S(Status::BadArgument);
  call.note("size", std::to_string(map->byte_size()));
  return write_word(call.p(1), map->byte_size()) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

// --- Stream control ----------------------------------------------------------------------------

StreamControl* AbiHost::effective_control() {
  ContextState* context = effective();
  return context ? context->control : nullptr;
}

uint32_t AbiHost::control_stream(HostCallState& call, uint32_t stream_type, StreamAction action) {
  if (stream_type > abi::kMaxStreamType) return S(Status::BadArgument);
  auto type = static_cast<abi::StreamType>(stream_type);
  call.note("stream_type", abi::name(type));
  StreamControl* control = effective_control();
  if (!control) return S(Status::BadArgument);
  return S((control->*action)(type));
}

uint32_t AbiHost::proxy_continue_stream(HostCallState& call) {
  return control_stream(call, call.a(0), &StreamControl::continue_stream);
}

uint32_t AbiHost::proxy_close_stream(HostCallState& call) {
  return control_stream(call, call.a(0), &StreamControl::close_stream);
}

// ABI 0.1.0's forms of proxy_continue_stream.
uint32_t AbiHost::proxy_continue_request(HostCallState& call) {
  return control_stream(call, static_cast<uint32_t>(abi::StreamType::HttpRequest),
                        &StreamControl::continue_stream);
}

uint32_t AbiHost::proxy_continue_response(HostCallState& call) {
  return control_stream(call, static_cast<uint32_t>(abi::StreamType::HttpResponse),
                        &StreamControl::continue_stream);
}

uint32_t AbiHost::proxy_clear_route_cache(HostCallState&) {
  return S(Status::Ok);
}

namespace {
// What Envoy would not send: a status outside 100-599, a body where the status allows none,
// details or headers that could break a line.
std::optional<std::string> local_reply_problem(const LocalReply& reply,
                                               const abi::HeaderPairs& headers,
                                               const HeaderLimits& limits) {
  if (reply.status < 100 || reply.status > 599)
    return "status " + std::to_string(reply.status) + " is outside 100-599";
  bool bodiless = reply.status < 200 || reply.status == 204 || reply.status == 304;
  if (bodiless && !reply.body.empty())
    return "status " + std::to_string(reply.status) + " may not carry a body (" +
           std::to_string(reply.body.size()) + " bytes given)";
  for (size_t i = 0; i < reply.details.size(); ++i) {
    char c = reply.details[i];
    if (c == '\r' || c == '\n' || c == '\0')
      return "details '" + printable(reply.details, 64) + "' contain a line break or NUL at byte " +
             std::to_string(i);
  }
  if (auto bad = pairs_problem(headers, HeaderTarget::LocalReply, limits))
    return "headers: " + *bad;
  size_t bytes = 0;
  for (const auto& [name, value] : headers) bytes += name.size() + value.size();
  if (auto bad = map_size_problem(headers.size(), bytes, limits)) return "headers: " + *bad;
  return std::nullopt;
}
}  // namespace

uint32_t AbiHost::proxy_send_local_response(HostCallState& call) {
  auto details = read(call.p(1), call.p(2));
  auto body = read(call.p(3), call.p(4));
  auto headers = read(call.p(5), call.p(6));
  if (!details || !body || !headers) return S(Status::InvalidMemoryAccess);
  LocalReply reply;
  reply.status = call.a(0);
  reply.details = std::string(*details);
  reply.body = std::string(*body);
  std::string header_bytes(*headers);
  auto pairs = decode_pairs_from(header_bytes);
  if (!pairs) {
    call.note("error", "headers: " + pairs.error().message);
    return S(Status::BadArgument);
  }
  if (auto bad = local_reply_problem(reply, *pairs, env_.options().header_limits)) {
    // Nothing is sent: the stream goes on as after any failed call, and the run says why.
    if (ContextState* context = effective(); context && context->stream)
      context->stream->refused_local_replies.push_back(*bad);
    call.note("status_code", std::to_string(reply.status));
    return refuse(call, "proxy_send_local_response", *bad);
  }
  // Envoy replaces whitespace in details, which end up in access logs.
  for (char& c : reply.details)
    if (c == ' ' || c == '\t') c = '_';
  reply.headers = std::move(*pairs);
  uint32_t grpc = call.a(7);
  if (grpc <= 16) reply.grpc_status = grpc;
  call.note("status_code", std::to_string(reply.status));
  call.note("details", printable(reply.details));
  call.note("body", printable(reply.body));
  call.note("headers", std::to_string(reply.headers.size()) + " pairs");
  call.note("grpc_status", grpc <= 16 ? std::to_string(grpc) : "none");
  note_copy(call, CopyDirection::VmToHost, call.p(3), reply.body, "local response body");
  if (!header_bytes.empty())
    note_copy(call, CopyDirection::VmToHost, call.p(5), header_bytes,
              "local response headers, " + std::to_string(reply.headers.size()) + " pairs");
  StreamControl* control = effective_control();
  if (!control) return S(Status::BadArgument);
  local_reply_sent_ = true;
  return S(control->send_local_response(std::move(reply)));
}

}  // namespace pwplay::host
