// AbiHost's room for state beyond one stream: shared data and queues (per vm_id, in HostEnv),
// metrics, properties (plugin, environment and stream attributes) and foreign functions.
#include <algorithm>
#include <cstdlib>

#include "host/abi_host.h"
#include "host/abi_host_internal.h"

namespace pwplay::host {

using abi::Status;
using namespace abi_host_detail;

// --- Shared data and queues --------------------------------------------------------------------

uint32_t AbiHost::proxy_set_shared_data(HostCallState& call) {
  auto key = read(call.p(0), call.p(1));
  auto value = read(call.p(2), call.p(3));
  if (!key || !value) return S(Status::InvalidMemoryAccess);
  call.note("key", printable(*key));
  const size_t limit = env_.options().limits.max_shared_data_value_bytes;
  if (key->size() + value->size() > limit) {
    call.note("error", "shared data key and value of " +
                           std::to_string(key->size() + value->size()) +
                           " bytes, over the limit of " + std::to_string(limit));
    return S(Status::BadArgument);
  }
  call.note("value", printable(*value));
  note_copy(call, CopyDirection::VmToHost, call.p(2), *value,
            "shared data value for " + printable(*key, 64));
  return S(env_.shared_data().set(identity_.vm_id, *key, *value, call.a(4)));
}

uint32_t AbiHost::proxy_get_shared_data(HostCallState& call) {
  auto key = read(call.p(0), call.p(1));
  if (!key) return S(Status::InvalidMemoryAccess);
  std::string key_copy(*key);
  call.note("key", printable(key_copy));
  auto entry = env_.shared_data().get(identity_.vm_id, key_copy);
  if (!entry) return S(Status::NotFound);
  call.note("value", printable(entry->value));
  call.note("cas", std::to_string(entry->cas));
  if (!write_u32(call.p(4), entry->cas)) return S(Status::InvalidMemoryAccess);
  return S(return_bytes(call, entry->value, call.p(2), call.p(3),
                        "shared data value of " + printable(key_copy, 64)));
}

uint32_t AbiHost::proxy_register_shared_queue(HostCallState& call) {
  auto name = read(call.p(0), call.p(1));
  if (!name) return S(Status::InvalidMemoryAccess);
  call.note("name", printable(*name));
  uint32_t root_id = root_of(effective_context_);
  std::weak_ptr<bool> alive = alive_;
  env_.queues().set_owner_for_next(this);
  uint32_t id = env_.queues().register_queue(
      identity_.vm_id, *name, [this, alive, root_id](uint32_t queue_id) {
        env_.dispatcher().post([this, alive, root_id, queue_id] {
          if (alive.expired() || !*alive.lock() || !has_context(root_id)) return;
          root_callbacks_.on_queue_ready(root_id, queue_id);
        });
      });
  env_.queues().set_owner_for_next(nullptr);
  call.note("queue_id", std::to_string(id));
  return write_u32(call.p(2), id) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

uint32_t AbiHost::proxy_resolve_shared_queue(HostCallState& call) {
  auto vm_id = read(call.p(0), call.p(1));
  auto name = read(call.p(2), call.p(3));
  if (!vm_id || !name) return S(Status::InvalidMemoryAccess);
  std::string wanted_vm = vm_id->empty() ? identity_.vm_id : std::string(*vm_id);
  call.note("vm_id", printable(wanted_vm));
  call.note("name", printable(*name));
  auto id = env_.queues().resolve(wanted_vm, *name);
  if (!id) return S(Status::NotFound);
  call.note("queue_id", std::to_string(*id));
  return write_u32(call.p(4), *id) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

uint32_t AbiHost::proxy_enqueue_shared_queue(HostCallState& call) {
  auto value = read(call.p(1), call.p(2));
  if (!value) return S(Status::InvalidMemoryAccess);
  call.note("value", printable(*value));
  std::string full;
  Status status = env_.queues().enqueue(call.a(0), *value, env_.options().limits, &full);
  if (!full.empty()) call.note("error", full);
  return S(status);
}

uint32_t AbiHost::proxy_dequeue_shared_queue(HostCallState& call) {
  auto value = env_.queues().dequeue(call.a(0));
  if (!value) return S(value.error());
  call.note("value", printable(*value));
  return S(return_bytes(call, *value, call.p(1), call.p(2), "queue item"));
}

// --- Metrics -----------------------------------------------------------------------------------

uint32_t AbiHost::proxy_define_metric(HostCallState& call) {
  uint32_t type = call.a(0);
  if (type > abi::kMaxMetricType) return S(Status::BadArgument);
  auto name = read(call.p(1), call.p(2));
  if (!name) return S(Status::InvalidMemoryAccess);
  call.note("metric_type", abi::name(static_cast<abi::MetricType>(type)));
  call.note("name", printable(*name));
  if (!write_u32(call.p(3), 0)) return S(Status::InvalidMemoryAccess);
  uint32_t id = env_.metrics().define(static_cast<abi::MetricType>(type), *name);
  call.note("metric_id", std::to_string(id));
  write_u32(call.p(3), id);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_increment_metric(HostCallState& call) {
  auto delta = static_cast<int64_t>(call.a64(1));
  call.note("offset", std::to_string(delta));
  return S(env_.metrics().increment(call.a(0), delta));
}

uint32_t AbiHost::proxy_record_metric(HostCallState& call) {
  return S(env_.metrics().record(call.a(0), call.a64(1)));
}

uint32_t AbiHost::proxy_get_metric(HostCallState& call) {
  auto value = env_.metrics().get(call.a(0));
  if (!value) return S(value.error());
  call.note("value", std::to_string(*value));
  return write_u64(call.p(1), *value) ? S(Status::Ok) : S(Status::InvalidMemoryAccess);
}

// --- Properties --------------------------------------------------------------------------------

std::optional<std::string> AbiHost::lookup_property(const std::string& path) {
  ContextState* context = effective();
  HttpStreamState* stream = context ? context->stream : nullptr;
  if (stream) {
    auto it = stream->filter_state.find(path);
    if (it != stream->filter_state.end()) return it->second;
  }
  if (auto it = identity_.properties.find(path); it != identity_.properties.end())
    return it->second;
  if (auto it = env_.options().properties.find(path); it != env_.options().properties.end())
    return it->second;
  if (path == "plugin_name") return identity_.name;
  if (path == "plugin_root_id") return identity_.root_id;
  if (path == "plugin_vm_id") return identity_.vm_id;
  if (!stream) return std::nullopt;

  const StreamInfo& info = stream->info;
  const HeaderMap& request = stream->request_headers;
  auto header = [&](const HeaderMap& map, std::string_view name) -> std::optional<std::string> {
    auto value = map.get(name);
    if (!value) return std::nullopt;
    return std::string(*value);
  };
  if (path == "request.path") return header(request, ":path");
  if (path == "request.url_path") {
    auto full = header(request, ":path");
    if (!full) return std::nullopt;
    return full->substr(0, full->find('?'));
  }
  if (path == "request.query") {
    auto full = header(request, ":path");
    if (!full) return std::nullopt;
    auto q = full->find('?');
    return q == std::string::npos ? std::string() : full->substr(q + 1);
  }
  if (path == "request.host") return header(request, ":authority");
  if (path == "request.scheme") return header(request, ":scheme");
  if (path == "request.method") return header(request, ":method");
  if (path == "request.referer") return header(request, "referer");
  if (path == "request.useragent") return header(request, "user-agent");
  if (path == "request.id") return header(request, "x-request-id");
  if (path == "request.protocol") return info.protocol;
  if (path == "request.time") return encode_u64(info.start_time_ns);
  if (path == "request.duration") return encode_u64(info.duration_ns);
  if (path == "request.size") return encode_u64(info.request_body_bytes);
  if (path == "request.total_size")
    return encode_u64(info.request_body_bytes + request.byte_size());
  if (path == "request.headers") {
    auto bytes = abi::encode_pairs(request.pairs());
    return std::string(bytes.begin(), bytes.end());
  }
  if (path.starts_with("request.headers.")) return request.get_joined(path.substr(16));
  if (path == "response.code") {
    if (!info.response_code) return std::nullopt;
    return encode_u64(*info.response_code);
  }
  if (path == "response.code_details") return info.response_code_details;
  if (path == "response.flags") return encode_u64(0);
  if (path == "response.grpc_status") {
    auto status = header(stream->response_trailers, "grpc-status");
    if (!status) status = header(stream->response_headers, "grpc-status");
    if (!status) return std::nullopt;
    return encode_u64(std::strtoull(status->c_str(), nullptr, 10));
  }
  if (path == "response.size") return encode_u64(info.response_body_bytes);
  if (path == "response.total_size")
    return encode_u64(info.response_body_bytes + stream->response_headers.byte_size());
  if (path == "response.headers") {
    auto bytes = abi::encode_pairs(stream->response_headers.pairs());
    return std::string(bytes.begin(), bytes.end());
  }
  if (path.starts_with("response.headers."))
    return stream->response_headers.get_joined(path.substr(17));
  if (path.starts_with("response.trailers."))
    return stream->response_trailers.get_joined(path.substr(18));
  if (path == "source.address") return info.source_address + ":" + std::to_string(info.source_port);
  if (path == "source.port") return encode_u64(info.source_port);
  if (path == "destination.address")
    return info.destination_address + ":" + std::to_string(info.destination_port);
  if (path == "destination.port") return encode_u64(info.destination_port);
  if (path == "upstream.address") {
    if (info.upstream_port == 0) return std::nullopt;
    return info.upstream_address + ":" + std::to_string(info.upstream_port);
  }
  if (path == "upstream.port") {
    if (info.upstream_port == 0) return std::nullopt;
    return encode_u64(info.upstream_port);
  }
  if (path == "connection.id" || path == "connection_id") return encode_u64(info.connection_id);
  if (path == "connection.mtls") return std::string(1, '\0');
  return std::nullopt;
}

uint32_t AbiHost::proxy_get_property(HostCallState& call) {
  auto raw = read(call.p(0), call.p(1));
  if (!raw) return S(Status::InvalidMemoryAccess);
  // Segments are NUL-separated; the C++ SDK also terminates the last one.
  std::string path(*raw);
  while (!path.empty() && path.back() == '\0') path.pop_back();
  std::replace(path.begin(), path.end(), '\0', '.');
  call.note("path", printable(path));
  note_copy(call, CopyDirection::VmToHost, call.p(0), *raw, "property path " + printable(path, 64));
  auto value = lookup_property(path);
  if (!value) return S(Status::NotFound);
  call.note("value", printable(*value));
  return S(return_bytes(call, *value, call.p(2), call.p(3), "property " + printable(path, 64)));
}

uint32_t AbiHost::proxy_set_property(HostCallState& call) {
  auto raw = read(call.p(0), call.p(1));
  auto value = read(call.p(2), call.p(3));
  if (!raw || !value) return S(Status::InvalidMemoryAccess);
  std::string path(*raw);
  while (!path.empty() && path.back() == '\0') path.pop_back();
  std::replace(path.begin(), path.end(), '\0', '.');
  call.note("path", printable(path));
  call.note("value", printable(*value));
  ContextState* context = effective();
  // Envoy keeps set properties in the stream's filter state: no stream, nowhere to put them.
  if (!context || !context->stream) return S(Status::NotFound);
  context->stream->filter_state[path] = std::string(*value);
  return S(Status::Ok);
}

uint32_t AbiHost::proxy_call_foreign_function(HostCallState& call) {
  auto name = read(call.p(0), call.p(1));
  auto args = read(call.p(2), call.p(3));
  if (!name || !args) return S(Status::InvalidMemoryAccess);
  call.note("name", printable(*name));
  const ForeignFunction* function = env_.foreign_functions().find(*name);
  if (!function) return S(Status::NotFound);
  std::string args_copy(*args);
  auto result = (*function)(args_copy);
  if (!result) return S(result.error());
  call.note("result_size", std::to_string(result->size()));
  // Null result pointers mean the caller discards the result.
  if (call.p(4) == 0 && call.p(5) == 0) return S(Status::Ok);
  return S(return_bytes(call, *result, call.p(4), call.p(5),
                        "result of foreign function " + printable(*name, 64)));
}

}  // namespace pwplay::host
