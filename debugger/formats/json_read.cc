#include "debugger/formats/json_read.h"

#include <nlohmann/json.hpp>

namespace pwplay::debugger {
namespace {

using nlohmann::json;

// Builds the document like nlohmann's own DOM parser, but stops at the nesting limit before the
// deeper value exists, and keeps the position of a failure instead of throwing it.
class BoundedSax {
 public:
  BoundedSax(json& root, size_t max_depth) : dom_(root, false), max_depth_(max_depth) {}

  bool null() { return dom_.null(); }
  bool boolean(bool value) { return dom_.boolean(value); }
  bool number_integer(json::number_integer_t value) { return dom_.number_integer(value); }
  bool number_unsigned(json::number_unsigned_t value) { return dom_.number_unsigned(value); }
  bool number_float(json::number_float_t value, const json::string_t& text) {
    return dom_.number_float(value, text);
  }
  bool string(json::string_t& value) { return dom_.string(value); }
  bool binary(json::binary_t& value) { return dom_.binary(value); }
  bool start_object(std::size_t elements) {
    if (!enter()) return false;
    return dom_.start_object(elements);
  }
  bool key(json::string_t& value) { return dom_.key(value); }
  bool end_object() {
    --depth_;
    return dom_.end_object();
  }
  bool start_array(std::size_t elements) {
    if (!enter()) return false;
    return dom_.start_array(elements);
  }
  bool end_array() {
    --depth_;
    return dom_.end_array();
  }
  bool parse_error(std::size_t position, const std::string& token,
                   const nlohmann::detail::exception& error) {
    failed_ = true;
    position_ = position;
    token_ = token;
    message_ = error.what();
    id_ = error.id;
    return false;
  }

  bool failed() const { return failed_ || too_deep_; }
  bool too_deep() const { return too_deep_; }
  size_t position() const { return position_; }
  const std::string& token() const { return token_; }
  const std::string& message() const { return message_; }
  int id() const { return id_; }

 private:
  bool enter() {
    if (++depth_ > max_depth_) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  size_t max_depth_;
  size_t depth_ = 0;
  bool failed_ = false;
  bool too_deep_ = false;
  size_t position_ = 0;
  std::string token_;
  std::string message_;
  int id_ = 0;
};

// The 1-based line and column of byte `offset` (the byte after the last one read).
std::string line_column(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < text.size() && i + 1 < offset; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column);
}

// Where the first array or object deeper than `max_depth` opens (strings skipped).
size_t too_deep_offset(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return i + 1;
    } else if (c == ']' || c == '}') {
      if (depth > 0) --depth;
    }
  }
  return text.size();
}

// nlohmann's message without its "[json.exception...] parse error at line 1, column 2: " prefix.
std::string plain_message(const std::string& message) {
  for (const char* start : {"syntax error", "number overflow"}) {
    auto pos = message.find(start);
    if (pos != std::string::npos) return message.substr(pos);
  }
  auto bracket = message.find("] ");
  return bracket == std::string::npos ? message : message.substr(bracket + 2);
}

}  // namespace

Result<json> parse_json_text(std::string_view text, const std::string& where, size_t max_depth,
                             size_t max_bytes) {
  if (text.size() > max_bytes)
    return make_error(where + ": invalid JSON: the document is larger than the limit of " +
                      std::to_string(max_bytes) + " bytes");
  json root;
  BoundedSax sax(root, max_depth);
  try {
    (void)json::sax_parse(text.begin(), text.end(), &sax);
  } catch (const std::exception& error) {
    // The parser reports through the SAX interface; anything else (allocation) still lands here.
    return make_error(where + ": invalid JSON: " + plain_message(error.what()));
  }
  if (sax.too_deep())
    return make_error(where + ":" + line_column(text, too_deep_offset(text, max_depth)) +
                      ": invalid JSON: nested deeper than " + std::to_string(max_depth) +
                      " arrays and objects (the limit of nesting)");
  if (!sax.failed()) return root;
  // 406: a number nlohmann cannot hold (1e400).
  std::string message = sax.id() == 406 ? "number " + sax.token() +
                                              " is out of range (expected a number that fits "
                                              "a 64-bit floating point value)"
                                        : plain_message(sax.message());
  // A number is reported at its first character; other errors where the parser stopped.
  const size_t at = sax.id() == 406 && sax.position() >= sax.token().size()
                        ? sax.position() - sax.token().size() + 1
                        : sax.position();
  return make_error(where + ":" + line_column(text, at) + ": invalid JSON: " + message);
}

}  // namespace pwplay::debugger
