#include "host/header_rules.h"

#include "host/trace.h"

namespace pwplay::host {

namespace {

constexpr std::string_view kRequestPseudo[] = {":method", ":path", ":authority", ":scheme",
                                               ":protocol"};

std::string quoted(std::string_view text) {
  return "'" + printable(text, 64) + "'";
}

// CR, LF and NUL end a header line early on HTTP/1.1 (and are invalid in HTTP/2 and 3).
std::optional<std::string> line_breaker(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    switch (text[i]) {
      case '\r':
        return "contains CR (\\x0d) at byte " + std::to_string(i);
      case '\n':
        return "contains LF (\\x0a) at byte " + std::to_string(i);
      case '\0':
        return "contains NUL (\\x00) at byte " + std::to_string(i);
      default:
        break;
    }
  }
  return std::nullopt;
}

bool allowed_pseudo(std::string_view name, HeaderTarget target) {
  switch (target) {
    case HeaderTarget::RequestHeaders:
    case HeaderTarget::CalloutHeaders:
      for (std::string_view known : kRequestPseudo)
        if (name == known) return true;
      return false;
    case HeaderTarget::ResponseHeaders:
      return name == ":status";
    case HeaderTarget::Trailers:
    case HeaderTarget::GrpcMetadata:
    case HeaderTarget::LocalReply:
      return false;
  }
  return false;
}

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!is_tchar(c)) return false;
  return true;
}

// Pseudo-header values become the request line or status line on HTTP/1.1.
std::optional<std::string> pseudo_value_problem(std::string_view name, std::string_view value) {
  if (name == ":method") {
    if (!is_token(value)) return std::string("is not a method token");
  } else if (name == ":path") {
    if (value.empty()) return std::string("is empty");
    if (!is_safe_start_line_part(value)) return std::string("contains a space or control byte");
  } else if (name == ":status") {
    bool digits = value.size() == 3;
    for (char c : value) digits = digits && c >= '0' && c <= '9';
    if (!digits || value < "100" || value > "599")
      return std::string("is not a status code from 100 to 599");
  } else if (name == ":authority") {
    if (!is_safe_start_line_part(value)) return std::string("contains a space or control byte");
  } else if (name == ":scheme" || name == ":protocol") {
    if (!value.empty() && !is_token(value)) return std::string("is not a token");
  }
  return std::nullopt;
}

}  // namespace

bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

std::string_view target_name(HeaderTarget target) {
  switch (target) {
    case HeaderTarget::RequestHeaders:
      return "request headers";
    case HeaderTarget::ResponseHeaders:
      return "response headers";
    case HeaderTarget::Trailers:
      return "trailers";
    case HeaderTarget::CalloutHeaders:
      return "callout headers";
    case HeaderTarget::GrpcMetadata:
      return "gRPC metadata";
    case HeaderTarget::LocalReply:
      return "local response headers";
  }
  return "headers";
}

std::optional<std::string> header_name_problem(std::string_view name, HeaderTarget target) {
  if (name.empty()) return std::string("header name is empty");
  if (auto bad = line_breaker(name)) return "header name " + quoted(name) + " " + *bad;
  const bool pseudo = name.front() == ':';
  std::string_view token = pseudo ? name.substr(1) : name;
  for (size_t i = 0; i < token.size(); ++i) {
    if (is_tchar(token[i])) continue;
    const auto byte = static_cast<unsigned char>(token[i]);
    std::string what = token[i] == ':'    ? "a colon"
                       : token[i] == ' '  ? "a space"
                       : token[i] == '\t' ? "a tab"
                       : byte >= 0x80     ? "a non-ASCII byte"
                                          : "a byte outside RFC 9110 token characters";
    return "header name " + quoted(name) + " contains " + what + " at byte " +
           std::to_string(i + (pseudo ? 1 : 0));
  }
  if (pseudo) {
    if (token.empty()) return "header name " + quoted(name) + " is an empty pseudo-header";
    std::string lower(name);
    for (char& c : lower)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (!allowed_pseudo(lower, target))
      return "pseudo-header " + quoted(name) + " is not allowed in " +
             std::string(target_name(target));
  }
  return std::nullopt;
}

std::optional<std::string> header_value_problem(std::string_view value) {
  if (auto bad = line_breaker(value)) return "value " + quoted(value) + " " + *bad;
  return std::nullopt;
}

std::optional<std::string> header_problem(std::string_view name, std::string_view value,
                                          HeaderTarget target, const HeaderLimits& limits) {
  if (auto bad = header_name_problem(name, target)) return bad;
  if (name.size() > limits.max_value_bytes)
    return "header name of " + std::to_string(name.size()) + " bytes is over the limit of " +
           std::to_string(limits.max_value_bytes);
  if (auto bad = header_value_problem(value)) return "header " + quoted(name) + ": " + *bad;
  if (value.size() > limits.max_value_bytes)
    return "header " + quoted(name) + ": value of " + std::to_string(value.size()) +
           " bytes is over the limit of " + std::to_string(limits.max_value_bytes);
  if (name.front() == ':') {
    std::string lower(name);
    for (char& c : lower)
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (auto bad = pseudo_value_problem(lower, value))
      return "header " + quoted(name) + ": value " + quoted(value) + " " + *bad;
  }
  return std::nullopt;
}

std::optional<std::string> map_size_problem(size_t pairs, size_t bytes,
                                            const HeaderLimits& limits) {
  if (pairs > limits.max_pairs)
    return "the map would hold " + std::to_string(pairs) + " pairs, over the limit of " +
           std::to_string(limits.max_pairs);
  if (bytes > limits.max_map_bytes)
    return "the map would hold " + std::to_string(bytes) + " bytes, over the limit of " +
           std::to_string(limits.max_map_bytes);
  return std::nullopt;
}

std::optional<std::string> pairs_problem(const abi::HeaderPairs& pairs, HeaderTarget target,
                                         const HeaderLimits& limits) {
  for (size_t i = 0; i < pairs.size(); ++i) {
    const auto& [name, value] = pairs[i];
    if (auto bad = header_problem(name, value, target, limits))
      return "pair " + std::to_string(i + 1) + " of " + std::to_string(pairs.size()) + ": " + *bad;
  }
  return std::nullopt;
}

bool is_safe_header_line(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name)
    if (!is_tchar(c)) return false;
  return !line_breaker(value).has_value();
}

bool has_line_break_or_nul(std::string_view text) {
  return line_breaker(text).has_value();
}

bool is_safe_start_line_part(std::string_view text) {
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return false;
  }
  return true;
}

}  // namespace pwplay::host
