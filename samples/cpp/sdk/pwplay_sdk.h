// pwplay_sdk.h: a small, header-only C++ SDK for Proxy-Wasm ABI 0.2.1 filters.
//
// The SDK has three layers, from raw to friendly:
//
//   1. `extern "C"` declarations of the host functions (imports from module "env").
//      Every argument is a 32-bit integer or a pointer into linear memory, exactly as
//      on the wire.
//   2. Enums for the numbers that cross the boundary (status codes, map and buffer
//      types, filter return values, ...).
//   3. Helpers in namespace `pwplay` that turn the pointer/length dance into
//      std::string / std::optional, and free what the host allocated.
//
// It deliberately has no context classes: a sample defines the callbacks it needs as
// plain exported functions, named like the ABI, for example
//
//   PWPLAY_EXPORT(proxy_on_request_headers)
//   pwplay::FilterHeadersStatus proxy_on_request_headers(uint32_t context_id,
//                                                        uint32_t num_headers,
//                                                        uint32_t end_of_stream) { ... }
//
// so reading a sample shows the ABI itself. Callbacks a sample does not define are
// simply not exported; the host treats every callback as optional.
//
// Memory ownership: whenever the host returns data (a header value, a body chunk, a
// property), it first calls our allocator (`malloc` or `proxy_on_memory_allocate`)
// and then hands us the pointer. We own that block and must `free` it. The helpers
// below copy the bytes into a std::string and free the block at once.
//
// Building: for wasm32 use clang with `--target=wasm32-wasi -mexec-model=reactor` and
// link with `-Wl,--export=malloc` (libc's malloc can only be exported by the linker).
// The same sources also compile natively (e.g. as a shared library for a native
// engine): the import attributes disappear and the host must provide the symbols.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// ---------------------------------------------------------------------------------------
// Attribute macros
// ---------------------------------------------------------------------------------------

#if defined(__wasm__)
// A host function: imported from module "env" under its ABI name.
#define PWPLAY_IMPORT(name) __attribute__((import_module("env"), import_name(#name)))
// A callback the host may call: exported under its ABI name.
#define PWPLAY_EXPORT(name) extern "C" __attribute__((used, export_name(#name)))
#else
#define PWPLAY_IMPORT(name)
#define PWPLAY_EXPORT(name) extern "C" __attribute__((used, visibility("default")))
#endif

// ---------------------------------------------------------------------------------------
// Enums (values are fixed by the ABI)
// ---------------------------------------------------------------------------------------

namespace pwplay {

// Status returned by every host function.
enum class WasmResult : uint32_t {
  Ok = 0,
  NotFound = 1,
  BadArgument = 2,
  SerializationFailure = 3,
  ParseFailure = 4,
  BadExpression = 5,
  InvalidMemoryAccess = 6,
  Empty = 7,
  CasMismatch = 8,
  ResultMismatch = 9,
  InternalFailure = 10,
  BrokenConnection = 11,
  Unimplemented = 12,
};

// Returned by proxy_on_request_headers / proxy_on_response_headers.
enum class FilterHeadersStatus : uint32_t {
  Continue = 0,
  StopIteration = 1,
  ContinueAndEndStream = 2,
  StopAllIterationAndBuffer = 3,
  StopAllIterationAndWatermark = 4,
};

// Returned by proxy_on_request_body / proxy_on_response_body.
enum class FilterDataStatus : uint32_t {
  Continue = 0,
  StopIterationAndBuffer = 1,
  StopIterationAndWatermark = 2,
  StopIterationNoBuffer = 3,
};

// Returned by proxy_on_request_trailers / proxy_on_response_trailers.
enum class FilterTrailersStatus : uint32_t {
  Continue = 0,
  StopIteration = 1,
};

// Byte buffers readable with proxy_get_buffer_bytes.
enum class BufferType : uint32_t {
  HttpRequestBody = 0,
  HttpResponseBody = 1,
  DownstreamData = 2,
  UpstreamData = 3,
  HttpCallResponseBody = 4,
  GrpcReceiveBuffer = 5,
  VmConfiguration = 6,
  PluginConfiguration = 7,
  CallData = 8,  // foreign function arguments
};

// Header-like maps.
enum class MapType : uint32_t {
  RequestHeaders = 0,
  RequestTrailers = 1,
  ResponseHeaders = 2,
  ResponseTrailers = 3,
  GrpcReceiveInitialMetadata = 4,
  GrpcReceiveTrailingMetadata = 5,
  HttpCallResponseHeaders = 6,
  HttpCallResponseTrailers = 7,
};

enum class LogLevel : uint32_t {
  Trace = 0,
  Debug = 1,
  Info = 2,
  Warn = 3,
  Error = 4,
  Critical = 5,
};

// Which direction proxy_continue_stream / proxy_close_stream act on.
enum class StreamType : uint32_t {
  HttpRequest = 0,
  HttpResponse = 1,
  Downstream = 2,
  Upstream = 3,
};

enum class MetricType : uint32_t {
  Counter = 0,
  Gauge = 1,
  Histogram = 2,
};

// Sentinel "no gRPC status" for proxy_send_local_response.
inline constexpr int32_t kNoGrpcStatus = -1;

}  // namespace pwplay

// ---------------------------------------------------------------------------------------
// Host functions (imports). Raw ABI: pointers and sizes, results through out-pointers.
// ---------------------------------------------------------------------------------------

extern "C" {

// Logging, time, context.
PWPLAY_IMPORT(proxy_log)
pwplay::WasmResult proxy_log(uint32_t level, const char* message, size_t message_size);
PWPLAY_IMPORT(proxy_get_log_level) pwplay::WasmResult proxy_get_log_level(uint32_t* level);
PWPLAY_IMPORT(proxy_get_current_time_nanoseconds)
pwplay::WasmResult proxy_get_current_time_nanoseconds(uint64_t* nanoseconds);
PWPLAY_IMPORT(proxy_set_tick_period_milliseconds)
pwplay::WasmResult proxy_set_tick_period_milliseconds(uint32_t period_ms);
PWPLAY_IMPORT(proxy_set_effective_context)
pwplay::WasmResult proxy_set_effective_context(uint32_t id);
PWPLAY_IMPORT(proxy_done) pwplay::WasmResult proxy_done();

// Buffers.
PWPLAY_IMPORT(proxy_get_buffer_bytes)
pwplay::WasmResult proxy_get_buffer_bytes(uint32_t type, size_t start, size_t max_size, char** data,
                                          size_t* size);
PWPLAY_IMPORT(proxy_get_buffer_status)
pwplay::WasmResult proxy_get_buffer_status(uint32_t type, size_t* size, uint32_t* flags);
PWPLAY_IMPORT(proxy_set_buffer_bytes)
pwplay::WasmResult proxy_set_buffer_bytes(uint32_t type, size_t start, size_t size,
                                          const char* data, size_t data_size);

// Header maps.
PWPLAY_IMPORT(proxy_get_header_map_pairs)
pwplay::WasmResult proxy_get_header_map_pairs(uint32_t type, char** pairs, size_t* pairs_size);
PWPLAY_IMPORT(proxy_set_header_map_pairs)
pwplay::WasmResult proxy_set_header_map_pairs(uint32_t type, const char* pairs, size_t pairs_size);
PWPLAY_IMPORT(proxy_get_header_map_size)
pwplay::WasmResult proxy_get_header_map_size(uint32_t type, size_t* size);
PWPLAY_IMPORT(proxy_get_header_map_value)
pwplay::WasmResult proxy_get_header_map_value(uint32_t type, const char* key, size_t key_size,
                                              char** value, size_t* value_size);
PWPLAY_IMPORT(proxy_add_header_map_value)
pwplay::WasmResult proxy_add_header_map_value(uint32_t type, const char* key, size_t key_size,
                                              const char* value, size_t value_size);
PWPLAY_IMPORT(proxy_replace_header_map_value)
pwplay::WasmResult proxy_replace_header_map_value(uint32_t type, const char* key, size_t key_size,
                                                  const char* value, size_t value_size);
PWPLAY_IMPORT(proxy_remove_header_map_value)
pwplay::WasmResult proxy_remove_header_map_value(uint32_t type, const char* key, size_t key_size);

// Stream control and local replies.
PWPLAY_IMPORT(proxy_continue_stream) pwplay::WasmResult proxy_continue_stream(uint32_t stream_type);
PWPLAY_IMPORT(proxy_close_stream) pwplay::WasmResult proxy_close_stream(uint32_t stream_type);
PWPLAY_IMPORT(proxy_send_local_response)
pwplay::WasmResult proxy_send_local_response(uint32_t status_code, const char* details,
                                             size_t details_size, const char* body,
                                             size_t body_size, const char* additional_headers,
                                             size_t headers_size, int32_t grpc_status);

// HTTP callouts.
PWPLAY_IMPORT(proxy_http_call)
pwplay::WasmResult proxy_http_call(const char* upstream, size_t upstream_size, const char* headers,
                                   size_t headers_size, const char* body, size_t body_size,
                                   const char* trailers, size_t trailers_size, uint32_t timeout_ms,
                                   uint32_t* token);
PWPLAY_IMPORT(proxy_get_status)
pwplay::WasmResult proxy_get_status(uint32_t* status_code, char** message, size_t* message_size);

// Shared data and queues (shared by every VM with the same vm_id).
PWPLAY_IMPORT(proxy_get_shared_data)
pwplay::WasmResult proxy_get_shared_data(const char* key, size_t key_size, char** value,
                                         size_t* value_size, uint32_t* cas);
PWPLAY_IMPORT(proxy_set_shared_data)
pwplay::WasmResult proxy_set_shared_data(const char* key, size_t key_size, const char* value,
                                         size_t value_size, uint32_t cas);
PWPLAY_IMPORT(proxy_register_shared_queue)
pwplay::WasmResult proxy_register_shared_queue(const char* name, size_t name_size,
                                               uint32_t* queue_id);
PWPLAY_IMPORT(proxy_resolve_shared_queue)
pwplay::WasmResult proxy_resolve_shared_queue(const char* vm_id, size_t vm_id_size,
                                              const char* name, size_t name_size,
                                              uint32_t* queue_id);
PWPLAY_IMPORT(proxy_enqueue_shared_queue)
pwplay::WasmResult proxy_enqueue_shared_queue(uint32_t queue_id, const char* value,
                                              size_t value_size);
PWPLAY_IMPORT(proxy_dequeue_shared_queue)
pwplay::WasmResult proxy_dequeue_shared_queue(uint32_t queue_id, char** value, size_t* value_size);

// Metrics.
PWPLAY_IMPORT(proxy_define_metric)
pwplay::WasmResult proxy_define_metric(uint32_t type, const char* name, size_t name_size,
                                       uint32_t* metric_id);
PWPLAY_IMPORT(proxy_increment_metric)
pwplay::WasmResult proxy_increment_metric(uint32_t metric_id, int64_t offset);
PWPLAY_IMPORT(proxy_record_metric)
pwplay::WasmResult proxy_record_metric(uint32_t metric_id, uint64_t value);
PWPLAY_IMPORT(proxy_get_metric)
pwplay::WasmResult proxy_get_metric(uint32_t metric_id, uint64_t* value);

// gRPC callouts. The answer arrives in proxy_on_grpc_receive* / proxy_on_grpc_close.
PWPLAY_IMPORT(proxy_grpc_call)
pwplay::WasmResult proxy_grpc_call(const char* upstream, size_t upstream_size, const char* service,
                                   size_t service_size, const char* method, size_t method_size,
                                   const char* initial_metadata, size_t initial_metadata_size,
                                   const char* message, size_t message_size, uint32_t timeout_ms,
                                   uint32_t* call_id);

// Functions the host offers by name (for example "compress"), outside the ABI proper.
PWPLAY_IMPORT(proxy_call_foreign_function)
pwplay::WasmResult proxy_call_foreign_function(const char* name, size_t name_size,
                                               const char* arguments, size_t arguments_size,
                                               char** results, size_t* results_size);

// Properties (path segments separated by NUL bytes).
PWPLAY_IMPORT(proxy_get_property)
pwplay::WasmResult proxy_get_property(const char* path, size_t path_size, char** value,
                                      size_t* value_size);
PWPLAY_IMPORT(proxy_set_property)
pwplay::WasmResult proxy_set_property(const char* path, size_t path_size, const char* value,
                                      size_t value_size);

}  // extern "C"

// ---------------------------------------------------------------------------------------
// Exports every module built with this SDK needs
// ---------------------------------------------------------------------------------------

// The ABI version marker. The host only checks that the export exists.
PWPLAY_EXPORT(proxy_abi_version_0_2_1) inline void proxy_abi_version_0_2_1() {}

// The allocator the host uses to hand data to us. (`malloc` itself is exported by the
// linker flag `-Wl,--export=malloc`; hosts accept either name.)
PWPLAY_EXPORT(proxy_on_memory_allocate) inline void* proxy_on_memory_allocate(size_t size) {
  return std::malloc(size);
}

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

namespace pwplay {

// A list of header-like pairs, in order; names may repeat.
using Headers = std::vector<std::pair<std::string, std::string>>;

// Takes ownership of a block the host allocated in our memory: copies it into a
// std::string and frees it. A null pointer (the host's "empty") gives "".
inline std::string take_host_buffer(char* data, size_t size) {
  std::string copy;
  if (data != nullptr) {
    copy.assign(data, size);
    std::free(data);
  }
  return copy;
}

// --- Logging ------------------------------------------------------------------------

inline WasmResult log(LogLevel level, std::string_view message) {
  return proxy_log(static_cast<uint32_t>(level), message.data(), message.size());
}

// --- Pairs encoding -----------------------------------------------------------------
//
// Layout (all integers u32 little-endian):
//   N, then N × (key_len, value_len), then key0 NUL value0 NUL key1 NUL value1 NUL ...

namespace detail {
inline void append_u32(std::string& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<char>(value >> shift));
}
inline uint32_t read_u32(std::string_view in, size_t offset) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(in[offset + i]);
  return value;
}
}  // namespace detail

inline std::string encode_pairs(const Headers& pairs) {
  std::string out;
  detail::append_u32(out, static_cast<uint32_t>(pairs.size()));
  for (const auto& [key, value] : pairs) {
    detail::append_u32(out, static_cast<uint32_t>(key.size()));
    detail::append_u32(out, static_cast<uint32_t>(value.size()));
  }
  for (const auto& [key, value] : pairs) {
    out.append(key).push_back('\0');
    out.append(value).push_back('\0');
  }
  return out;
}

// Returns nullopt when `data` is not a well-formed pairs buffer. An empty buffer is the
// empty map.
inline std::optional<Headers> decode_pairs(std::string_view data) {
  Headers pairs;
  if (data.empty()) return pairs;
  if (data.size() < 4) return std::nullopt;
  const uint32_t count = detail::read_u32(data, 0);
  if (count > (data.size() - 4) / 8) return std::nullopt;
  size_t text = 4 + size_t{count} * 8;  // where the strings start
  // Reads `size` bytes plus the NUL that must follow them.
  auto take_string = [&](size_t size) -> std::optional<std::string> {
    if (size >= data.size() - text || data[text + size] != '\0') return std::nullopt;
    std::string result(data.substr(text, size));
    text += size + 1;
    return result;
  };
  for (uint32_t i = 0; i < count; ++i) {
    auto key = take_string(detail::read_u32(data, 4 + i * 8));
    if (!key) return std::nullopt;
    auto value = take_string(detail::read_u32(data, 8 + i * 8));
    if (!value) return std::nullopt;
    pairs.emplace_back(std::move(*key), std::move(*value));
  }
  return pairs;
}

// --- Header maps ----------------------------------------------------------------------

// The first value of `key`, or nullopt if the map has no such header.
inline std::optional<std::string> get_header(MapType map, std::string_view key) {
  char* value = nullptr;
  size_t value_size = 0;
  const WasmResult result = proxy_get_header_map_value(static_cast<uint32_t>(map), key.data(),
                                                       key.size(), &value, &value_size);
  if (result != WasmResult::Ok) return std::nullopt;
  return take_host_buffer(value, value_size);
}

// Appends a value (an existing header with the same name is kept).
inline WasmResult add_header(MapType map, std::string_view key, std::string_view value) {
  return proxy_add_header_map_value(static_cast<uint32_t>(map), key.data(), key.size(),
                                    value.data(), value.size());
}

// Sets a header, replacing all previous values (adds it if absent).
inline WasmResult replace_header(MapType map, std::string_view key, std::string_view value) {
  return proxy_replace_header_map_value(static_cast<uint32_t>(map), key.data(), key.size(),
                                        value.data(), value.size());
}

inline WasmResult remove_header(MapType map, std::string_view key) {
  return proxy_remove_header_map_value(static_cast<uint32_t>(map), key.data(), key.size());
}

// The whole map, in order. nullopt if the host refused or sent a malformed buffer.
inline std::optional<Headers> get_headers(MapType map) {
  char* data = nullptr;
  size_t size = 0;
  if (proxy_get_header_map_pairs(static_cast<uint32_t>(map), &data, &size) != WasmResult::Ok)
    return std::nullopt;
  return decode_pairs(take_host_buffer(data, size));
}

// Replaces the whole map.
inline WasmResult set_headers(MapType map, const Headers& headers) {
  const std::string encoded = encode_pairs(headers);
  return proxy_set_header_map_pairs(static_cast<uint32_t>(map), encoded.data(), encoded.size());
}

// --- Buffers ----------------------------------------------------------------------------

// Current size of a buffer (0 if it is not available in this callback).
inline size_t get_buffer_size(BufferType type) {
  size_t size = 0;
  uint32_t flags = 0;
  if (proxy_get_buffer_status(static_cast<uint32_t>(type), &size, &flags) != WasmResult::Ok)
    return 0;
  return size;
}

// Up to `length` bytes starting at `start`; "" if the buffer is unavailable.
inline std::string get_buffer(BufferType type, size_t start, size_t length) {
  char* data = nullptr;
  size_t size = 0;
  if (proxy_get_buffer_bytes(static_cast<uint32_t>(type), start, length, &data, &size) !=
      WasmResult::Ok)
    return {};
  return take_host_buffer(data, size);
}

// Replaces `size` bytes at `start` with `data`.
//   start 0, size 0          -> prepend
//   start 0, size = length   -> replace everything
//   start >= current length  -> append (use kAppend)
inline constexpr size_t kAppend = 0xFFFFFFFF;
inline WasmResult set_buffer(BufferType type, size_t start, size_t size, std::string_view data) {
  return proxy_set_buffer_bytes(static_cast<uint32_t>(type), start, size, data.data(), data.size());
}

// The plugin configuration (buffer PLUGIN_CONFIGURATION), readable in proxy_on_configure,
// which receives its size.
inline std::string get_config(size_t config_size) {
  if (config_size == 0) return {};
  return get_buffer(BufferType::PluginConfiguration, 0, config_size);
}

// --- Properties -------------------------------------------------------------------------

// get_property({"request", "path"}): segments are joined with NUL separators.
inline std::optional<std::string> get_property(std::initializer_list<std::string_view> path) {
  std::string joined;
  for (std::string_view segment : path) {
    if (!joined.empty()) joined.push_back('\0');
    joined.append(segment);
  }
  char* value = nullptr;
  size_t value_size = 0;
  if (proxy_get_property(joined.data(), joined.size(), &value, &value_size) != WasmResult::Ok)
    return std::nullopt;
  return take_host_buffer(value, value_size);
}

// --- Stream control -----------------------------------------------------------------------

// Answers the request from the filter instead of forwarding it. The host sends the reply
// after the current callback returns; the callback should return a Stop status.
inline WasmResult send_local_response(uint32_t status_code, std::string_view details,
                                      std::string_view body, const Headers& headers = {},
                                      int32_t grpc_status = kNoGrpcStatus) {
  const std::string encoded = encode_pairs(headers);
  return proxy_send_local_response(status_code, details.data(), details.size(), body.data(),
                                   body.size(), encoded.data(), encoded.size(), grpc_status);
}

// Resumes a request paused by a Stop status (e.g. after an HTTP callout completed).
inline WasmResult continue_request() {
  return proxy_continue_stream(static_cast<uint32_t>(StreamType::HttpRequest));
}
inline WasmResult continue_response() {
  return proxy_continue_stream(static_cast<uint32_t>(StreamType::HttpResponse));
}

// Makes later hostcalls act on `context_id` (a stream), e.g. inside a root-context
// callback such as proxy_on_http_call_response.
inline WasmResult set_effective_context(uint32_t context_id) {
  return proxy_set_effective_context(context_id);
}

// --- HTTP callouts ------------------------------------------------------------------------

// Starts an HTTP request to `cluster`. `headers` must contain :method, :path and
// :authority. Returns the call token, later passed to proxy_on_http_call_response, or
// nullopt if the host refused the call.
inline std::optional<uint32_t> http_call(std::string_view cluster, const Headers& headers,
                                         std::string_view body, uint32_t timeout_ms,
                                         const Headers& trailers = {}) {
  const std::string encoded_headers = encode_pairs(headers);
  const std::string encoded_trailers = encode_pairs(trailers);
  uint32_t token = 0;
  const WasmResult result = proxy_http_call(
      cluster.data(), cluster.size(), encoded_headers.data(), encoded_headers.size(), body.data(),
      body.size(), encoded_trailers.data(), encoded_trailers.size(), timeout_ms, &token);
  if (result != WasmResult::Ok) return std::nullopt;
  return token;
}

// --- Shared data ------------------------------------------------------------------------

struct SharedValue {
  std::string value;
  uint32_t cas = 0;  // pass back to set_shared_data to detect concurrent writers
};

inline std::optional<SharedValue> get_shared_data(std::string_view key) {
  char* value = nullptr;
  size_t value_size = 0;
  uint32_t cas = 0;
  if (proxy_get_shared_data(key.data(), key.size(), &value, &value_size, &cas) != WasmResult::Ok)
    return std::nullopt;
  return SharedValue{take_host_buffer(value, value_size), cas};
}

// cas 0 writes unconditionally; otherwise CasMismatch means someone wrote in between.
inline WasmResult set_shared_data(std::string_view key, std::string_view value, uint32_t cas) {
  return proxy_set_shared_data(key.data(), key.size(), value.data(), value.size(), cas);
}

// --- Metrics and timers ---------------------------------------------------------------------

inline std::optional<uint32_t> define_metric(MetricType type, std::string_view name) {
  uint32_t metric_id = 0;
  if (proxy_define_metric(static_cast<uint32_t>(type), name.data(), name.size(), &metric_id) !=
      WasmResult::Ok)
    return std::nullopt;
  return metric_id;
}

inline WasmResult increment_metric(uint32_t metric_id, int64_t delta) {
  return proxy_increment_metric(metric_id, delta);
}

// Histograms take one sample per call; counters and gauges may also be set this way.
inline WasmResult record_metric(uint32_t metric_id, uint64_t value) {
  return proxy_record_metric(metric_id, value);
}

// The current value of a counter or gauge (histograms have none).
inline std::optional<uint64_t> get_metric(uint32_t metric_id) {
  uint64_t value = 0;
  if (proxy_get_metric(metric_id, &value) != WasmResult::Ok) return std::nullopt;
  return value;
}

// Wall-clock time in nanoseconds since the Unix epoch, as the host sees it.
inline uint64_t current_time_ns() {
  uint64_t now = 0;
  proxy_get_current_time_nanoseconds(&now);
  return now;
}

// Asks the host to call proxy_on_tick(root) every `period_ms` (0 disables).
inline WasmResult set_tick_period(uint32_t period_ms) {
  return proxy_set_tick_period_milliseconds(period_ms);
}

// --- Shared queues ----------------------------------------------------------------------

// Creates (or finds) a queue owned by the calling root context: items enqueued on it wake
// that root's proxy_on_queue_ready.
inline std::optional<uint32_t> register_shared_queue(std::string_view name) {
  uint32_t queue_id = 0;
  if (proxy_register_shared_queue(name.data(), name.size(), &queue_id) != WasmResult::Ok)
    return std::nullopt;
  return queue_id;
}

// Finds a queue another plugin registered in VM `vm_id`; nullopt until it exists.
inline std::optional<uint32_t> resolve_shared_queue(std::string_view vm_id, std::string_view name) {
  uint32_t queue_id = 0;
  if (proxy_resolve_shared_queue(vm_id.data(), vm_id.size(), name.data(), name.size(), &queue_id) !=
      WasmResult::Ok)
    return std::nullopt;
  return queue_id;
}

inline WasmResult enqueue_shared_queue(uint32_t queue_id, std::string_view value) {
  return proxy_enqueue_shared_queue(queue_id, value.data(), value.size());
}

// The oldest item, or nullopt when the queue is empty (Empty) or unknown.
inline std::optional<std::string> dequeue_shared_queue(uint32_t queue_id) {
  char* value = nullptr;
  size_t value_size = 0;
  if (proxy_dequeue_shared_queue(queue_id, &value, &value_size) != WasmResult::Ok)
    return std::nullopt;
  return take_host_buffer(value, value_size);
}

// --- gRPC callouts ------------------------------------------------------------------------

// Starts a unary gRPC call to `cluster` (`service`/`method`, `message` already serialized,
// usually as protobuf). Returns the call id later passed to the gRPC callbacks.
inline std::optional<uint32_t> grpc_call(std::string_view cluster, std::string_view service,
                                         std::string_view method, const Headers& metadata,
                                         std::string_view message, uint32_t timeout_ms) {
  const std::string encoded = encode_pairs(metadata);
  uint32_t call_id = 0;
  if (proxy_grpc_call(cluster.data(), cluster.size(), service.data(), service.size(), method.data(),
                      method.size(), encoded.data(), encoded.size(), message.data(), message.size(),
                      timeout_ms, &call_id) != WasmResult::Ok)
    return std::nullopt;
  return call_id;
}

// --- Foreign functions --------------------------------------------------------------------

struct ForeignResult {
  WasmResult status = WasmResult::Ok;
  std::string output;  // the function's result bytes when status is Ok
};

inline ForeignResult call_foreign_function(std::string_view name, std::string_view arguments) {
  char* results = nullptr;
  size_t results_size = 0;
  ForeignResult out;
  out.status = proxy_call_foreign_function(name.data(), name.size(), arguments.data(),
                                           arguments.size(), &results, &results_size);
  if (out.status == WasmResult::Ok) out.output = take_host_buffer(results, results_size);
  return out;
}

}  // namespace pwplay
