// Suspicious arguments of a host call: out-pointers that are null, unaligned, overlap an input
// the same call reads, or hold what looks like a size. Each finding is a short explanation that
// the trace event carries in `warnings` (the call itself runs as it would anyway).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "abi/functions.h"

namespace pwplay::host {

// `args`: the call's raw argument values, in the order of `spec.param_names`.
std::vector<std::string> suspicious_arguments(const abi::HostFunctionSpec& spec,
                                              std::span<const uint64_t> args);

}  // namespace pwplay::host
