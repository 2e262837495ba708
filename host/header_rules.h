// HeaderTarget, HeaderLimits and the checks a header a filter writes must pass (header-map calls,
// local replies, callouts): what Envoy refuses, so that nothing a filter sets can split a message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "abi/pairs.h"

namespace pwplay::host {

// Where a header goes: decides which pseudo-headers it may carry.
enum class HeaderTarget : uint8_t {
  RequestHeaders,   // :method, :path, :authority, :scheme, :protocol
  ResponseHeaders,  // :status
  Trailers,         // none
  CalloutHeaders,   // an HTTP callout's request: the request pseudo-headers
  GrpcMetadata,     // none
  LocalReply,       // proxy_send_local_response's extra headers: none (status is an argument)
};

// Bounds on what a filter may write into one header map. Envoy limits what it receives
// (max_request_headers_count 100, max_request_headers_kb 60) but not what filters add; these are
// wider than the receiving limits yet keep a runaway filter from growing the host without bound.
struct HeaderLimits {
  size_t max_pairs = 10'000;           // pairs in one map after a write
  size_t max_value_bytes = 60 * 1024;  // one name or one value
  size_t max_map_bytes = 1024 * 1024;  // all names and values of one map after a write
};

// Each returns what is wrong (escaped, printable), or nullopt when the header may be written.
std::optional<std::string> header_name_problem(std::string_view name, HeaderTarget target);
std::optional<std::string> header_value_problem(std::string_view value);
std::optional<std::string> header_problem(std::string_view name, std::string_view value,
                                          HeaderTarget target, const HeaderLimits& limits);
// The first bad pair of a set, named with its position (the whole set is refused when one pair
// is bad). The size of the set is map_size_problem's.
std::optional<std::string> pairs_problem(const abi::HeaderPairs& pairs, HeaderTarget target,
                                         const HeaderLimits& limits);
// A map that would hold `pairs` pairs of `bytes` bytes after a write: what limit it passes.
std::optional<std::string> map_size_problem(size_t pairs, size_t bytes, const HeaderLimits& limits);

// RFC 9110 token characters (header names).
bool is_tchar(char c);
// The last line of defence at the wire: true when a header line made of `name` and `value`
// cannot end early or start another line (no CR, LF or NUL; a non-empty token name).
bool is_safe_header_line(std::string_view name, std::string_view value);
// CR, LF or NUL anywhere in `text`.
bool has_line_break_or_nul(std::string_view text);
// The request-line or status-line part `text` has no CR, LF, NUL, space or tab.
bool is_safe_start_line_part(std::string_view text);

std::string_view target_name(HeaderTarget target);

}  // namespace pwplay::host
