// shared_queue: one plugin hands work to another through a shared queue.
//
// The module runs as two plugins with the same vm_id, told apart by their root_id
// (read with proxy_get_property("plugin_root_id")):
//   root_id "consumer": proxy_on_configure registers the queue "requests"
//     (proxy_register_shared_queue). Whenever an item arrives the host calls
//     proxy_on_queue_ready(root, queue_id) on this root context, which drains the queue
//     (proxy_dequeue_shared_queue until it answers EMPTY) and logs each item.
//   root_id "producer": on each request, finds the queue by vm_id and name
//     (proxy_resolve_shared_queue), enqueues "<method> <path>" (proxy_enqueue_shared_queue)
//     and adds `x-queued: yes` (or `no` when the consumer has not registered the queue).
// The consumer runs on its own, outside any request: that is what queues are for (an access
// log shipper, a cache refresher). samples/configs/shared_queue.yaml sets up both plugins:
//   pwplay run --envoy-config build/samples/shared_queue.yaml --request ...

#include <optional>
#include <string>
#include <unordered_map>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

constexpr std::string_view kQueueName = "requests";

enum class Role { Unknown, Producer, Consumer };

std::unordered_map<uint32_t, Role> g_roles;            // root context id -> its role
std::unordered_map<uint32_t, uint32_t> g_stream_root;  // stream context id -> root id
std::optional<uint32_t> g_queue;                       // the producer's resolved queue
uint64_t g_consumed = 0;

Role role_of_stream(uint32_t stream_id) {
  auto root = g_stream_root.find(stream_id);
  if (root == g_stream_root.end()) return Role::Unknown;
  auto role = g_roles.find(root->second);
  return role == g_roles.end() ? Role::Unknown : role->second;
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id) {
  if (parent_context_id != 0) g_stream_root[context_id] = parent_context_id;
}

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t /*plugin_config_size*/) {
  const std::string root_id = get_property({"plugin_root_id"}).value_or("");
  if (root_id == "consumer") {
    g_roles[root_context_id] = Role::Consumer;
    std::optional<uint32_t> queue = register_shared_queue(kQueueName);
    if (!queue) {
      log(LogLevel::Error, "shared_queue: could not register the queue");
      return 0;
    }
    log(LogLevel::Info, "shared_queue consumer: registered queue '" + std::string(kQueueName) +
                            "' (id " + std::to_string(*queue) + ")");
  } else if (root_id == "producer") {
    g_roles[root_context_id] = Role::Producer;
  } else {
    log(LogLevel::Error,
        "shared_queue: root_id must be 'producer' or 'consumer', got '" + root_id + "'");
    return 0;
  }
  return 1;
}

// Called on the consumer's root context, once or more after items were enqueued.
PWPLAY_EXPORT(proxy_on_queue_ready)
void proxy_on_queue_ready(uint32_t /*root_context_id*/, uint32_t queue_id) {
  while (std::optional<std::string> item = dequeue_shared_queue(queue_id)) {
    ++g_consumed;
    log(LogLevel::Info,
        "shared_queue consumer: got '" + *item + "' (" + std::to_string(g_consumed) + " so far)");
  }
}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  if (role_of_stream(context_id) != Role::Producer) return FilterHeadersStatus::Continue;
  if (!g_queue) {
    // The consumer shares our vm_id; its queue exists once it has been configured.
    const std::string vm_id = get_property({"plugin_vm_id"}).value_or("");
    g_queue = resolve_shared_queue(vm_id, kQueueName);
  }
  const std::string item = get_header(MapType::RequestHeaders, ":method").value_or("") + " " +
                           get_header(MapType::RequestHeaders, ":path").value_or("");
  const bool queued = g_queue && enqueue_shared_queue(*g_queue, item) == WasmResult::Ok;
  if (!queued) log(LogLevel::Warn, "shared_queue producer: no queue to put '" + item + "' on");
  add_header(MapType::RequestHeaders, "x-queued", queued ? "yes" : "no");
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  g_stream_root.erase(context_id);
}
