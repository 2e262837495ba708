#include "debugger/leak_check.h"

#include <map>

namespace pwplay::debugger {

const char* verdict_name(const LeakVerdict& verdict) {
  return verdict.leak ? "leak" : "no leak";
}

LeakVerdict judge_leak(const std::vector<LeakSample>& samples, uint64_t warmup_requests,
                       const std::vector<host::MemoryGrowth>& growth) {
  LeakVerdict verdict;
  // The first sample at or after the warm-up is the baseline.
  const LeakSample* base = nullptr;
  for (const LeakSample& s : samples)
    if (s.requests >= warmup_requests) {
      base = &s;
      break;
    }
  if (!base || samples.back().requests <= base->requests) {
    verdict.reason =
        "not enough requests after the warm-up of " + std::to_string(warmup_requests) + " to judge";
    return verdict;
  }
  const LeakSample& last = samples.back();
  verdict.after_warmup_requests = last.requests - base->requests;
  verdict.growth_bytes =
      last.memory_bytes > base->memory_bytes ? last.memory_bytes - base->memory_bytes : 0;
  verdict.growth_bytes_per_1000_requests = static_cast<double>(verdict.growth_bytes) * 1000.0 /
                                           static_cast<double>(verdict.after_warmup_requests);
  // Did it still grow in the second half of the run after the warm-up?
  const uint64_t middle = base->requests + verdict.after_warmup_requests / 2;
  const LeakSample* half = base;
  for (const LeakSample& s : samples)
    if (s.requests <= middle) half = &s;
  const bool grew_late = last.memory_bytes > half->memory_bytes;
  const bool grew_early = half->memory_bytes > base->memory_bytes;
  verdict.leak = grew_late && grew_early;
  if (verdict.growth_bytes == 0) {
    verdict.reason = "memory stayed at " + std::to_string(last.memory_bytes) + " bytes for " +
                     std::to_string(verdict.after_warmup_requests) + " requests after the warm-up";
  } else if (verdict.leak) {
    verdict.reason =
        "memory kept growing with the request count: " + std::to_string(verdict.growth_bytes) +
        " bytes over " + std::to_string(verdict.after_warmup_requests) +
        " requests after the warm-up, in both halves of the run";
  } else {
    verdict.reason = "memory grew by " + std::to_string(verdict.growth_bytes) +
                     " bytes once after the warm-up and then stayed flat";
  }
  // Attribute: the callback with the most growth after the warm-up.
  std::map<std::string, uint64_t> by_callback;
  for (const host::MemoryGrowth& g : growth)
    if (g.requests >= base->requests && g.to_bytes > g.from_bytes)
      by_callback[g.callback] += g.to_bytes - g.from_bytes;
  uint64_t most = 0;
  for (const auto& [callback, bytes] : by_callback)
    if (bytes > most) {
      most = bytes;
      verdict.callback = callback;
    }
  return verdict;
}

}  // namespace pwplay::debugger
