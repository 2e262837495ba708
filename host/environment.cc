#include "host/environment.h"

#include <algorithm>

#include <zlib.h>

namespace pwplay::host {

// --- MockCalloutClient -------------------------------------------------------------------------

void MockCalloutClient::set_http_reply(const std::string& cluster, CalloutResponse response) {
  http_[cluster] = std::move(response);
}

void MockCalloutClient::set_http_delay(const std::string& cluster,
                                       std::chrono::milliseconds delay) {
  delays_[cluster] = delay;
}

void MockCalloutClient::set_grpc_reply(const std::string& cluster, GrpcMockReply reply) {
  grpc_[cluster] = std::move(reply);
}

bool MockCalloutClient::has_http_cluster(std::string_view cluster) const {
  return hold_ || http_.find(cluster) != http_.end();
}

void MockCalloutClient::start_http(const std::string& cluster, const abi::HeaderPairs& headers,
                                   const std::string& body, const abi::HeaderPairs&,
                                   uint32_t timeout_ms, std::function<void(CalloutResponse)> done) {
  sent_.push_back({cluster, headers, body});
  if (hold_ && http_.find(cluster) == http_.end()) {
    held_.push_back({cluster, timeout_ms, std::move(done)});
    return;
  }
  schedule_reply(cluster, timeout_ms, std::move(done));
}

void MockCalloutClient::release_held() {
  std::vector<Held> held = std::move(held_);
  held_.clear();
  for (auto& callout : held) {
    if (http_.find(callout.cluster) != http_.end()) {
      schedule_reply(callout.cluster, callout.timeout_ms, std::move(callout.done));
      continue;
    }
    dispatcher_.post([done = std::move(callout.done), cluster = callout.cluster] {
      CalloutResponse failed;
      failed.failed = true;
      failed.failure_reason =
          "no mock reply for cluster '" + cluster + "' in the request's callouts";
      done(std::move(failed));
    });
  }
}

CalloutResponse callout_timeout_response() {
  CalloutResponse response;
  response.body = "upstream request timeout";
  response.headers = {{":status", "504"},
                      {"content-length", std::to_string(response.body.size())},
                      {"content-type", "text/plain"}};
  return response;
}

void MockCalloutClient::schedule_reply(const std::string& cluster, uint32_t timeout_ms,
                                       std::function<void(CalloutResponse)> done) {
  auto reply = http_.find(cluster);
  CalloutResponse response = reply != http_.end() ? reply->second : CalloutResponse{};
  auto delay_it = delays_.find(cluster);
  auto delay = delay_it != delays_.end() ? delay_it->second : std::chrono::milliseconds(0);
  if (timeout_ms > 0 && delay >= std::chrono::milliseconds(timeout_ms)) {
    // The reply would arrive after the timeout: the filter gets Envoy's 504 instead.
    dispatcher_.schedule(std::chrono::milliseconds(timeout_ms),
                         [done = std::move(done)] { done(callout_timeout_response()); });
    return;
  }
  dispatcher_.schedule(delay, [done = std::move(done), response = std::move(response)]() mutable {
    done(std::move(response));
  });
}

std::optional<GrpcMockReply> MockCalloutClient::grpc_reply(std::string_view cluster,
                                                           std::string_view,
                                                           std::string_view) const {
  auto it = grpc_.find(cluster);
  if (it == grpc_.end()) return std::nullopt;
  return it->second;
}

// --- SharedData --------------------------------------------------------------------------------

std::optional<SharedData::Entry> SharedData::get(std::string_view vm_id,
                                                 std::string_view key) const {
  auto vm = data_.find(vm_id);
  if (vm == data_.end()) return std::nullopt;
  auto entry = vm->second.find(key);
  if (entry == vm->second.end()) return std::nullopt;
  return entry->second;
}

abi::Status SharedData::set(std::string_view vm_id, std::string_view key, std::string_view value,
                            uint32_t cas) {
  auto& vm = data_[std::string(vm_id)];
  auto entry = vm.find(key);
  if (entry == vm.end()) {
    vm.emplace(std::string(key), Entry{std::string(value), next_cas_});
  } else {
    if (cas != 0 && cas != entry->second.cas) return abi::Status::CasMismatch;
    entry->second = Entry{std::string(value), next_cas_};
  }
  // CAS values skip 0, which means "unconditional".
  if (++next_cas_ == 0) next_cas_ = 1;
  return abi::Status::Ok;
}

// --- SharedQueues ------------------------------------------------------------------------------

uint32_t SharedQueues::register_queue(std::string_view vm_id, std::string_view name,
                                      ReadyCallback ready) {
  for (auto& [id, queue] : queues_) {
    if (queue.vm_id == vm_id && queue.name == name) {
      // Re-registering keeps the data and rebinds readiness to the new registrant.
      queue.ready = std::move(ready);
      queue.owner = next_owner_;
      return id;
    }
  }
  uint32_t id = next_id_++;
  queues_[id] = Queue{std::string(vm_id), std::string(name), {}, 0, std::move(ready), next_owner_};
  return id;
}

std::optional<uint32_t> SharedQueues::resolve(std::string_view vm_id, std::string_view name) const {
  for (const auto& [id, queue] : queues_)
    if (queue.vm_id == vm_id && queue.name == name) return id;
  return std::nullopt;
}

abi::Status SharedQueues::enqueue(uint32_t queue_id, std::string_view value,
                                  const SharedLimits& limits, std::string* full) {
  auto it = queues_.find(queue_id);
  if (it == queues_.end()) return abi::Status::NotFound;
  Queue& queue = it->second;
  std::string why;
  if (queue.items.size() >= limits.max_queue_items)
    why = "queue full: " + std::to_string(queue.items.size()) + " items, the limit";
  else if (value.size() > limits.max_queue_bytes - std::min(queue.bytes, limits.max_queue_bytes))
    why = "queue full: " + std::to_string(queue.bytes) + " bytes queued, the limit is " +
          std::to_string(limits.max_queue_bytes);
  if (!why.empty()) {
    if (full) *full = std::move(why);
    return abi::Status::InternalFailure;
  }
  queue.bytes += value.size();
  queue.items.emplace_back(value);
  if (it->second.ready) it->second.ready(queue_id);
  return abi::Status::Ok;
}

Result<std::string, abi::Status> SharedQueues::dequeue(uint32_t queue_id) {
  auto it = queues_.find(queue_id);
  if (it == queues_.end()) return unexpected(abi::Status::NotFound);
  if (it->second.items.empty()) return unexpected(abi::Status::Empty);
  std::string value = std::move(it->second.items.front());
  it->second.items.pop_front();
  it->second.bytes -= value.size();
  return value;
}

void SharedQueues::forget_callbacks(const void* owner) {
  for (auto& [id, queue] : queues_)
    if (queue.owner == owner) {
      queue.ready = nullptr;
      queue.owner = nullptr;
    }
}

// --- Metrics -----------------------------------------------------------------------------------

uint32_t Metrics::define(abi::MetricType type, std::string_view name) {
  uint32_t of_type = 0;
  for (const auto& [id, metric] : metrics_) {
    if (metric.name == name && metric.type == type) return id;
    if (metric.type == type) ++of_type;
  }
  // Each kind counts on its own (counters 4, 8, ...; gauges 5, 9, ...; histograms 6, 10, ...),
  // as proxy-wasm-cpp-host numbers them. Metrics are never removed, so the count is the index.
  ++next_index_;
  uint32_t id = ((of_type + 1) << 2) | static_cast<uint32_t>(type);
  metrics_[id] = Metric{std::string(name), type, 0, 0};
  return id;
}

abi::Status Metrics::increment(uint32_t id, int64_t delta) {
  auto it = metrics_.find(id);
  if (it == metrics_.end()) return abi::Status::NotFound;
  Metric& metric = it->second;
  switch (metric.type) {
    case abi::MetricType::Counter:
      // Counters only go up.
      if (delta <= 0) return abi::Status::BadArgument;
      metric.value += static_cast<uint64_t>(delta);
      return abi::Status::Ok;
    case abi::MetricType::Gauge:
      metric.value = static_cast<uint64_t>(static_cast<int64_t>(metric.value) + delta);
      return abi::Status::Ok;
    case abi::MetricType::Histogram:
      return abi::Status::BadArgument;
  }
  return abi::Status::BadArgument;
}

abi::Status Metrics::record(uint32_t id, uint64_t value) {
  auto it = metrics_.find(id);
  if (it == metrics_.end()) return abi::Status::NotFound;
  Metric& metric = it->second;
  switch (metric.type) {
    case abi::MetricType::Counter:
      metric.value += value;
      break;
    case abi::MetricType::Gauge:
      metric.value = value;
      break;
    case abi::MetricType::Histogram:
      metric.value = value;
      ++metric.samples;
      break;
  }
  return abi::Status::Ok;
}

Result<uint64_t, abi::Status> Metrics::get(uint32_t id) const {
  auto it = metrics_.find(id);
  if (it == metrics_.end()) return unexpected(abi::Status::NotFound);
  if (it->second.type == abi::MetricType::Histogram) return unexpected(abi::Status::BadArgument);
  return it->second.value;
}

std::vector<Metrics::Metric> Metrics::snapshot() const {
  std::vector<Metric> out;
  for (const auto& [id, metric] : metrics_) out.push_back(metric);
  return out;
}

// --- ForeignFunctions --------------------------------------------------------------------------

namespace {

Result<std::string, abi::Status> zlib_compress(std::string_view input) {
  uLongf bound = compressBound(static_cast<uLong>(input.size()));
  std::string out(bound, '\0');
  int rc = compress2(reinterpret_cast<Bytef*>(out.data()), &bound,
                     reinterpret_cast<const Bytef*>(input.data()), static_cast<uLong>(input.size()),
                     Z_DEFAULT_COMPRESSION);
  if (rc != Z_OK) return unexpected(abi::Status::InternalFailure);
  out.resize(bound);
  return out;
}

Result<std::string, abi::Status> zlib_uncompress(std::string_view input) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) return unexpected(abi::Status::InternalFailure);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
  stream.avail_in = static_cast<uInt>(input.size());
  std::string out;
  char chunk[16384];
  int rc = Z_OK;
  // Bounded like the pairs limit family: a decompression bomb must not exhaust the host.
  constexpr size_t kMaxOutput = 64u << 20;
  while (rc == Z_OK) {
    stream.next_out = reinterpret_cast<Bytef*>(chunk);
    stream.avail_out = sizeof(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out.append(chunk, sizeof(chunk) - stream.avail_out);
    if (out.size() > kMaxOutput) {
      rc = Z_MEM_ERROR;
      break;
    }
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) return unexpected(abi::Status::SerializationFailure);
  return out;
}

}  // namespace

ForeignFunctions::ForeignFunctions() {
  add("compress", zlib_compress);
  add("uncompress", zlib_uncompress);
}

void ForeignFunctions::add(std::string name, ForeignFunction function) {
  functions_[std::move(name)] = std::move(function);
}

const ForeignFunction* ForeignFunctions::find(std::string_view name) const {
  auto it = functions_.find(name);
  return it == functions_.end() ? nullptr : &it->second;
}

std::vector<std::string> ForeignFunctions::names() const {
  std::vector<std::string> out;
  for (const auto& [name, fn] : functions_) out.push_back(name);
  return out;
}

// --- HostEnv -----------------------------------------------------------------------------------

HostEnv::HostEnv(Dispatcher& dispatcher, CalloutClient& callouts, HostEnvOptions options)
    : dispatcher_(dispatcher), callouts_(callouts), options_(std::move(options)) {}

uint64_t HostEnv::elapsed_ns() const {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now() - started_)
                                   .count());
}

}  // namespace pwplay::host
