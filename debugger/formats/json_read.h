// The one JSON reader behind every file and line pwplay parses (requests, scenarios, projects,
// HAR, plugin and proxy configs, automation scripts, the debugger's send): bounded in size and
// nesting, and every failure of the parser turned into a message that names the place.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "abi/result.h"

namespace pwplay::debugger {

// Limits of every JSON (and YAML) document pwplay reads (docs/reliability.md, "Limits").
inline constexpr size_t kMaxJsonDepth = 512;  // nested arrays and objects
inline constexpr size_t kMaxJsonBytes = size_t{64} << 20;

// Parses `text` as one JSON document. Errors read "WHERE:LINE:COLUMN: invalid JSON: ..." and name
// what was expected, a number out of range ("number 1e400 is out of range"), a document nested
// deeper than kMaxJsonDepth (refused as it is read, before it is built) or larger than
// kMaxJsonBytes. Never throws.
Result<nlohmann::json> parse_json_text(std::string_view text, const std::string& where,
                                       size_t max_depth = kMaxJsonDepth,
                                       size_t max_bytes = kMaxJsonBytes);

}  // namespace pwplay::debugger
