#include "app/cli/property_args.h"

#include <charconv>
#include <cstdint>
#include <vector>

namespace pwplay::app {

Result<std::vector<std::string>> parse_property_path(std::string_view path) {
  std::vector<std::string> segments(1);
  for (size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (c == '\\') {
      if (i + 1 == path.size() || (path[i + 1] != '.' && path[i + 1] != '\\'))
        return make_error(
            "path '" + std::string(path) +
            "': a backslash escapes '.' or '\\' only (\\. is a dot inside a segment)");
      segments.back() += path[++i];
    } else if (c == '.') {
      segments.emplace_back();
    } else if (c == '\0') {
      return make_error("path '" + std::string(path) +
                        "' holds a NUL byte: separate segments with '.'");
    } else {
      segments.back() += c;
    }
  }
  for (const std::string& segment : segments)
    if (segment.empty()) return make_error("path '" + std::string(path) + "' has an empty segment");
  return segments;
}

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The lowercase word before the first ':' when VALUE starts with one ("" when none, or when the
// ':' starts "://", as in a URL, which is plain text).
std::string_view prefix_of(std::string_view value) {
  const size_t colon = value.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  if (value.substr(colon).starts_with("://")) return {};
  for (size_t i = 0; i < colon; ++i) {
    const char c = value[i];
    const bool word = (c >= 'a' && c <= 'z') || (i > 0 && ((c >= '0' && c <= '9') || c == '_'));
    if (!word) return {};
  }
  return value.substr(0, colon);
}

}  // namespace

Result<std::string> parse_property_value(std::string_view value) {
  const std::string_view prefix = prefix_of(value);
  if (prefix.empty()) return std::string(value);
  const std::string_view rest = value.substr(prefix.size() + 1);
  if (prefix == "text") return std::string(rest);
  if (prefix == "int") {
    int64_t number = 0;
    const auto [end, error] = std::from_chars(rest.data(), rest.data() + rest.size(), number);
    if (rest.empty() || error != std::errc() || end != rest.data() + rest.size())
      return make_error("'" + std::string(rest) +
                        "' after int: is not a whole number from -9223372036854775808 to "
                        "9223372036854775807");
    std::string bytes(8, '\0');
    const auto bits = static_cast<uint64_t>(number);
    for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
    return bytes;
  }
  if (prefix == "bool") {
    if (rest == "true" || rest == "1") return std::string(1, '\1');
    if (rest == "false" || rest == "0") return std::string(1, '\0');
    return make_error("'" + std::string(rest) + "' after bool: is not true, false, 1 or 0");
  }
  if (prefix == "bytes") {
    if (rest.size() % 2 != 0)
      return make_error("'" + std::string(rest) +
                        "' after bytes: is not hex (two digits a byte, an even count)");
    std::string bytes;
    for (size_t i = 0; i < rest.size(); i += 2) {
      const int high = hex_digit(rest[i]);
      const int low = hex_digit(rest[i + 1]);
      if (high < 0 || low < 0)
        return make_error("'" + std::string(rest) + "' after bytes: is not hex (0-9, a-f)");
      bytes += static_cast<char>(high * 16 + low);
    }
    return bytes;
  }
  return make_error("unknown value prefix '" + std::string(prefix) +
                    ":' (int:, bool:, bytes: or text:; text:VALUE keeps a value that starts "
                    "with a word and ':' as it is)");
}

Result<std::pair<std::string, std::string>> parse_property_flag(std::string_view text) {
  const size_t equals = text.find('=');
  if (equals == std::string_view::npos)
    return make_error("'" + std::string(text) + "' is not PATH=VALUE");
  auto segments = parse_property_path(text.substr(0, equals));
  if (!segments) return unexpected(segments.error());
  auto value = parse_property_value(text.substr(equals + 1));
  if (!value) return unexpected(value.error());
  std::string key;
  for (const std::string& segment : *segments) key += (key.empty() ? "" : ".") + segment;
  return std::pair{std::move(key), std::move(*value)};
}

}  // namespace pwplay::app
