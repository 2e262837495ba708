// --property PATH=VALUE, the command-line form of a request file's "properties": parsing of one
// flag value (a dotted path with `\.` for a dot inside a segment, and a typed value) into the
// path key and the raw bytes a filter reads with proxy_get_property.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abi/result.h"

namespace pwplay::app {

// The segments of a dotted PATH: '.' separates them, `\.` is a dot inside a segment and `\\` a
// backslash. An empty segment or another escape is an error.
Result<std::vector<std::string>> parse_property_path(std::string_view path);

// The raw bytes of VALUE: `int:N` (int64, 8 bytes little-endian), `bool:true|false` (one byte),
// `bytes:HEX` (two hex digits a byte), `text:T` (T as it is), else the text as it is. Another
// lowercase word before ':' (not "://") is an unknown prefix, an error.
Result<std::string> parse_property_value(std::string_view value);

// One --property PATH=VALUE: the override's key (the segments joined with '.', as a request
// file's "properties" keys) and its bytes. Errors say what was expected, without the flag name.
Result<std::pair<std::string, std::string>> parse_property_flag(std::string_view text);

}  // namespace pwplay::app
