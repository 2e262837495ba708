#include "host/perf_stats.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "abi/functions.h"
#include "host/plugin.h"

namespace pwplay::host {

// --- Histogram
// -------------------------------------------------------------------------------------

size_t Histogram::bucket_of(uint64_t value) {
  if (value < kSub) return static_cast<size_t>(value);
  unsigned top = 63u - static_cast<unsigned>(std::countl_zero(value));  // top set bit
  if (top >= kMaxBits) return kBuckets - 1;
  unsigned shift = top - kSubBits;
  uint64_t sub = (value >> shift) & (kSub - 1);
  return static_cast<size_t>((top - kSubBits + 1) * kSub + sub);
}

uint64_t Histogram::bucket_low(size_t bucket) {
  if (bucket < kSub) return bucket;
  uint64_t magnitude = bucket / kSub;  // >= 1
  uint64_t sub = bucket % kSub;
  unsigned shift = static_cast<unsigned>(magnitude - 1);
  return (kSub + sub) << shift;
}

uint64_t Histogram::bucket_high(size_t bucket) {
  if (bucket < kSub) return bucket;
  unsigned shift = static_cast<unsigned>(bucket / kSub - 1);
  return bucket_low(bucket) + (uint64_t{1} << shift) - 1;
}

uint64_t Histogram::percentile(double q) const {
  if (count == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the value asked for, 1-based: the smallest that covers q of the values.
  uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(count))));
  uint64_t seen = 0;
  for (size_t b = 0; b < counts.size(); ++b) {
    seen += counts[b];
    if (seen >= rank) {
      uint64_t mid = bucket_low(b) + (bucket_high(b) - bucket_low(b)) / 2;
      return max ? std::min(mid, max) : mid;
    }
  }
  return max;
}

void Histogram::merge(const Histogram& other) {
  if (other.counts.size() > counts.size()) counts.resize(other.counts.size(), 0);
  for (size_t b = 0; b < other.counts.size(); ++b) counts[b] += other.counts[b];
  count += other.count;
  sum += other.sum;
  max = std::max(max, other.max);
}

Histogram Histogram::minus(const Histogram& older) const {
  Histogram out;
  out.counts = counts;
  for (size_t b = 0; b < older.counts.size() && b < out.counts.size(); ++b)
    out.counts[b] -= std::min(out.counts[b], older.counts[b]);
  while (!out.counts.empty() && out.counts.back() == 0) out.counts.pop_back();
  out.count = count - std::min(count, older.count);
  out.sum = sum - std::min(sum, older.sum);
  // The window's largest value is not kept: its bucket's bound (or the exact max if it is there).
  out.max = out.counts.empty() ? 0 : std::min(max, bucket_high(out.counts.size() - 1));
  return out;
}

void LiveHistogram::record(uint64_t value) {
  if constexpr (!kPerfStats) return;
  buckets_[Histogram::bucket_of(value)].add(1);
  count_.add(1);
  sum_.add(value);
  max_.raise_to(value);
}

Histogram LiveHistogram::read() const {
  Histogram out;
  out.count = count_.get();
  if (out.count == 0) return out;
  size_t last = 0;
  std::array<uint64_t, Histogram::kBuckets> values{};
  for (size_t b = 0; b < Histogram::kBuckets; ++b) {
    values[b] = buckets_[b].get();
    if (values[b]) last = b + 1;
  }
  out.counts.assign(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(last));
  out.sum = sum_.get();
  out.max = max_.get();
  return out;
}

// --- PluginPerf -------------------------------------------------------------------------------

static_assert(static_cast<size_t>(Callback::Count) == kPerfCallbacks);

std::string_view PluginPerfSnapshot::callback_name(size_t index) {
  return index < kPerfCallbacks ? host::callback_name(static_cast<Callback>(index)) : "";
}

std::string_view PluginPerfSnapshot::host_call_name(size_t index) {
  auto functions = abi::host_functions();
  return index < functions.size() ? functions[index].name : std::string_view();
}

uint64_t perf_key(std::string_view text, uint64_t seed) {
  uint64_t hash = 1469598103934665603ull ^ seed;
  for (char c : text) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

PluginPerf::PluginPerf(std::string plugin, std::string engine)
    : plugin_(std::move(plugin)),
      engine_(std::move(engine)),
      host_calls_(abi::host_functions().size()) {}

void PluginPerf::callback(size_t callback_index, uint64_t ns) {
  if constexpr (!kPerfStats) return;
  if (callback_index < kPerfCallbacks) callbacks_[callback_index].record(ns);
}

void PluginPerf::host_call(size_t function_index, uint64_t ns, RequestTally* tally) {
  if constexpr (!kPerfStats) return;
  if (function_index >= host_calls_.size()) return;
  HostCallCounters& counters = host_calls_[function_index];
  counters.calls.add(1);
  counters.ns.add(ns);
  if (tally) ++tally->host_calls;
}

void PluginPerf::copy(size_t function_index, bool to_vm, uint64_t bytes, uint64_t key,
                      RequestTally* tally) {
  if constexpr (!kPerfStats) return;
  if (function_index < host_calls_.size()) {
    HostCallCounters& counters = host_calls_[function_index];
    (to_vm ? counters.copies_in : counters.copies_out).add(1);
    (to_vm ? counters.bytes_in : counters.bytes_out).add(bytes);
  }
  if (!tally) return;
  (to_vm ? tally->copies_in : tally->copies_out) += 1;
  (to_vm ? tally->bytes_in : tally->bytes_out) += bytes;
  key ^= to_vm ? 0x9e3779b97f4a7c15ull : 0;
  auto seen = tally->seen.begin() + tally->seen_count;
  if (std::find(tally->seen.begin(), seen, key) != seen) return;  // copied before: not needed
  if (tally->seen_count < tally->seen.size()) tally->seen[tally->seen_count++] = key;
  (to_vm ? tally->min_bytes_in : tally->min_bytes_out) += bytes;
}

void PluginPerf::allocation(uint64_t bytes, RequestTally* tally) {
  if constexpr (!kPerfStats) return;
  allocations_.add(1);
  allocated_bytes_.add(bytes);
  if (tally) ++tally->allocations;
}

void PluginPerf::request_done(const RequestTally& tally) {
  if constexpr (!kPerfStats) return;
  filter_ns_.record(tally.filter_ns);
  filter_total_ns_.add(tally.filter_ns);
  host_calls_total_.add(tally.host_calls);
  copies_in_.add(tally.copies_in);
  bytes_in_.add(tally.bytes_in);
  copies_out_.add(tally.copies_out);
  bytes_out_.add(tally.bytes_out);
  min_in_.add(tally.min_bytes_in);
  min_out_.add(tally.min_bytes_out);
  request_allocations_.add(tally.allocations);
  instructions_.add(tally.instructions);
  requests_.add(1);  // last: a reader seeing this request sees its totals
}

void PluginPerf::memory(uint64_t bytes, uint64_t now_ns, size_t callback_index) {
  if constexpr (!kPerfStats) return;
  uint64_t before = memory_bytes_.get();
  if (bytes == before) return;
  memory_bytes_.set(bytes);
  peak_memory_bytes_.raise_to(bytes);
  MemoryGrowth growth{now_ns, before, bytes, requests_.get(),
                      std::string(PluginPerfSnapshot::callback_name(callback_index))};
  std::lock_guard lock(events_mutex_);
  if (growth_.size() >= kMaxGrowthEvents) {
    growth_.erase(growth_.begin(), growth_.begin() + kMaxGrowthEvents / 4);
  }
  growth_.push_back(std::move(growth));
}

void PluginPerf::load(const LoadTiming& timing) {
  if constexpr (!kPerfStats) return;
  std::lock_guard lock(events_mutex_);
  if (loads_.size() >= kMaxLoads) loads_.erase(loads_.begin());
  loads_.push_back(timing);
}

PluginPerfSnapshot PluginPerf::read(uint64_t now_ns) const {
  PluginPerfSnapshot out;
  out.plugin = plugin_;
  out.engine = engine_;
  out.taken_ns = now_ns;
  // Requests first: the totals read after it include at least those requests.
  out.requests = requests_.get();
  out.filter_ns = filter_ns_.read();
  for (size_t i = 0; i < kPerfCallbacks; ++i) out.callbacks[i] = callbacks_[i].read();
  out.host_calls.resize(host_calls_.size());
  for (size_t i = 0; i < host_calls_.size(); ++i) {
    const HostCallCounters& c = host_calls_[i];
    out.host_calls[i] = {c.calls.get(),    c.ns.get(),         c.copies_in.get(),
                         c.bytes_in.get(), c.copies_out.get(), c.bytes_out.get()};
  }
  RequestTally& t = out.totals;
  t.filter_ns = filter_total_ns_.get();
  t.host_calls = host_calls_total_.get();
  t.copies_in = copies_in_.get();
  t.bytes_in = bytes_in_.get();
  t.copies_out = copies_out_.get();
  t.bytes_out = bytes_out_.get();
  t.min_bytes_in = min_in_.get();
  t.min_bytes_out = min_out_.get();
  t.allocations = request_allocations_.get();
  t.instructions = instructions_.get();
  out.allocations = allocations_.get();
  out.allocated_bytes = allocated_bytes_.get();
  out.memory_bytes = memory_bytes_.get();
  out.peak_memory_bytes = peak_memory_bytes_.get();
  out.counts_instructions = counts_instructions_.load();
  std::lock_guard lock(events_mutex_);
  out.growth = growth_;
  out.loads = loads_;
  return out;
}

// --- PerfRegistry ---------------------------------------------------------------------------

std::shared_ptr<PluginPerf> PerfRegistry::plugin(const std::string& name,
                                                 const std::string& engine) {
  std::lock_guard lock(mutex_);
  for (const auto& perf : plugins_)
    if (perf->plugin() == name && perf->engine() == engine) return perf;
  plugins_.push_back(std::make_shared<PluginPerf>(name, engine));
  return plugins_.back();
}

std::vector<PluginPerfSnapshot> PerfRegistry::read(uint64_t now_ns) const {
  std::vector<std::shared_ptr<PluginPerf>> plugins;
  {
    std::lock_guard lock(mutex_);
    plugins = plugins_;
  }
  std::vector<PluginPerfSnapshot> out;
  out.reserve(plugins.size());
  for (const auto& perf : plugins) out.push_back(perf->read(now_ns));
  return out;
}

}  // namespace pwplay::host
