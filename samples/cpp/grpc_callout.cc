// grpc_callout: asks a gRPC service before letting a request through.
//
// Request headers: calls `pwplay.auth.Checker/Check` on the cluster "grpc_auth"
//   (proxy_grpc_call) with a protobuf message written by hand, {1: path, 2: method}, and
//   pauses the request (StopIteration).
// Callbacks on the root context, in this order, for the call id proxy_grpc_call returned:
//   proxy_on_grpc_receive_initial_metadata(root, call_id, count)   (map 4; ignored here)
//   proxy_on_grpc_receive(root, call_id, message_size)              (buffer 5: the reply)
//   proxy_on_grpc_receive_trailing_metadata(root, call_id, count)  (map 5; ignored here)
//   proxy_on_grpc_close(root, call_id, grpc_status)                 (the end; message via
//                                                                     proxy_get_status)
// On close: gRPC status 0 (OK) resumes the request with `x-grpc-user: <field 1 of the reply>`;
// any other status answers 403 with the status and its message. Callouts belong to the root
// context, so the filter maps the call id back to its stream and switches to it with
// proxy_set_effective_context before touching the request.

#include <optional>
#include <string>
#include <unordered_map>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

constexpr uint32_t kTimeoutMs = 1000;

struct PendingCall {
  uint32_t stream_id = 0;
  std::string reply;  // the reply message, once received
};
std::unordered_map<uint32_t, PendingCall> g_calls;  // gRPC call id -> its stream and reply

// Protobuf wire format, just enough: a length-delimited field is
// (field_number << 3 | 2) as a varint, the length as a varint, then the bytes.
void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7F) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void append_string_field(std::string& out, uint32_t field, std::string_view value) {
  append_varint(out, (uint64_t{field} << 3) | 2);
  append_varint(out, value.size());
  out.append(value);
}

std::optional<uint64_t> read_varint(std::string_view in, size_t& at) {
  uint64_t value = 0;
  for (int shift = 0; shift < 64 && at < in.size(); shift += 7) {
    const auto byte = static_cast<uint8_t>(in[at++]);
    value |= uint64_t{byte & 0x7Fu} << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

// The first length-delimited field `field` of a message; other fields are skipped.
std::optional<std::string> read_string_field(std::string_view message, uint32_t field) {
  size_t at = 0;
  while (at < message.size()) {
    std::optional<uint64_t> key = read_varint(message, at);
    if (!key) return std::nullopt;
    const uint64_t wire_type = *key & 7;
    if (wire_type == 0) {
      if (!read_varint(message, at)) return std::nullopt;
    } else if (wire_type == 2) {
      std::optional<uint64_t> length = read_varint(message, at);
      if (!length || *length > message.size() - at) return std::nullopt;
      if ((*key >> 3) == field) return std::string(message.substr(at, *length));
      at += *length;
    } else {
      return std::nullopt;  // fixed-width fields do not occur in this reply
    }
  }
  return std::nullopt;
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  std::string message;
  append_string_field(message, 1, get_header(MapType::RequestHeaders, ":path").value_or(""));
  append_string_field(message, 2, get_header(MapType::RequestHeaders, ":method").value_or(""));
  std::optional<uint32_t> call_id =
      grpc_call("grpc_auth", "pwplay.auth.Checker", "Check", {}, message, kTimeoutMs);
  if (!call_id) {
    log(LogLevel::Error, "grpc_callout: could not call the grpc_auth cluster");
    send_local_response(403, "grpc_call_failed", "denied: the auth service is unreachable\n");
    return FilterHeadersStatus::StopIteration;
  }
  g_calls[*call_id] = PendingCall{context_id, {}};
  return FilterHeadersStatus::StopIteration;  // wait for proxy_on_grpc_close
}

PWPLAY_EXPORT(proxy_on_grpc_receive)
void proxy_on_grpc_receive(uint32_t /*root_context_id*/, uint32_t call_id, uint32_t message_size) {
  auto call = g_calls.find(call_id);
  if (call == g_calls.end()) return;
  call->second.reply = get_buffer(BufferType::GrpcReceiveBuffer, 0, message_size);
}

PWPLAY_EXPORT(proxy_on_grpc_close)
void proxy_on_grpc_close(uint32_t /*root_context_id*/, uint32_t call_id, uint32_t grpc_status) {
  auto call = g_calls.find(call_id);
  if (call == g_calls.end()) return;  // the stream is already gone
  const PendingCall pending = std::move(call->second);
  g_calls.erase(call);

  set_effective_context(pending.stream_id);
  if (grpc_status != 0) {
    uint32_t status = 0;
    char* message = nullptr;
    size_t message_size = 0;
    proxy_get_status(&status, &message, &message_size);
    const std::string text = take_host_buffer(message, message_size);
    log(LogLevel::Info,
        "grpc_callout: Check answered status " + std::to_string(grpc_status) + " (" + text + ")");
    send_local_response(
        403, "grpc_denied",
        "denied by grpc auth: status " + std::to_string(grpc_status) + " " + text + "\n");
    return;
  }
  const std::string user = read_string_field(pending.reply, 1).value_or("");
  log(LogLevel::Info, "grpc_callout: Check allowed user '" + user + "'");
  add_header(MapType::RequestHeaders, "x-grpc-user", user);
  continue_request();
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  std::erase_if(g_calls, [&](const auto& entry) { return entry.second.stream_id == context_id; });
}
