// AbiHost's room for state beyond one stream: shared data and queues (per vm_id, in HostEnv),
// metrics, properties (plugin, environment and stream attributes) and foreign functions.
#include <string>
#include <vector>

#include "host/abi_host.h"
#include "host/abi_host_internal.h"
#include "host/properties.h"

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

namespace {

std::string joined_path(const std::vector<std::string>& segments) {
  std::string path;
  for (const std::string& segment : segments) path += (path.empty() ? "" : ".") + segment;
  return path;
}

}  // namespace

Result<std::string, Status> AbiHost::lookup_property(const std::vector<std::string>& segments) {
  const std::string path = joined_path(segments);
  ContextState* context = effective();
  HttpStreamState* stream = context ? context->stream : nullptr;
  // What proxy_set_property stored, then values given for the plugin or the whole host, shadow
  // the attributes (host/properties.cc), which answer as Envoy does.
  if (stream) {
    if (auto it = stream->filter_state.find(path); it != stream->filter_state.end())
      return it->second;
  }
  if (auto it = identity_.properties.find(path); it != identity_.properties.end())
    return it->second;
  if (auto it = env_.options().properties.find(path); it != env_.options().properties.end())
    return it->second;
  AttributeQuery query{env_.options().proxy_setup, identity_.name, identity_.root_id,
                       identity_.vm_id, stream};
  return lookup_attribute(segments, query);
}

uint32_t AbiHost::proxy_get_property(HostCallState& call) {
  auto raw = read(call.p(0), call.p(1));
  if (!raw) return S(Status::InvalidMemoryAccess);
  std::vector<std::string> segments = split_property_path(*raw);
  const std::string path = joined_path(segments);
  call.note("path", printable(path));
  note_copy(call, CopyDirection::VmToHost, call.p(0), *raw, "property path " + printable(path, 64));
  auto value = lookup_property(segments);
  if (!value) {
    // Envoy splits paths at NUL only: "request.path" is one segment, no attribute.
    if (segments.size() == 1 && path.find('.') != std::string::npos)
      call.note("error", "Envoy separates path segments with NUL, not '.': \"" +
                             printable(path, 64) + "\" is a single segment");
    return S(value.error());
  }
  call.note("value", printable(*value));
  return S(return_bytes(call, *value, call.p(2), call.p(3), "property " + printable(path, 64)));
}

uint32_t AbiHost::proxy_set_property(HostCallState& call) {
  auto raw = read(call.p(0), call.p(1));
  auto value = read(call.p(2), call.p(3));
  if (!raw || !value) return S(Status::InvalidMemoryAccess);
  const std::string path = joined_path(split_property_path(*raw));
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
