// pwplay_json.h: a small JSON reader for sample filters (plugin configurations, JWT claims).
//
// Filters usually read their configuration as JSON in proxy_on_configure. This reader keeps
// to what a sample needs: objects, arrays, strings (with \uXXXX escapes for the Basic
// Multilingual Plane), numbers as double, true, false and null. A parse error says what was
// expected and at which byte, so proxy_on_configure can log why it refused the configuration.
// It does not depend on pwplay_sdk.h.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pwplay::json {

enum class Kind { Null, Bool, Number, String, Array, Object };

struct Value {
  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0;
  std::string string;
  std::vector<Value> items;       // array elements, or object values
  std::vector<std::string> keys;  // object keys, parallel to items

  bool is(Kind k) const { return kind == k; }
  // The member called `key` of an object, or nullptr.
  const Value* find(std::string_view key) const {
    if (kind != Kind::Object) return nullptr;
    for (size_t i = 0; i < keys.size(); ++i)
      if (keys[i] == key) return &items[i];
    return nullptr;
  }
};

struct ParseResult {
  std::optional<Value> value;  // set on success
  std::string error;           // set on failure: "expected ',' or '}' at byte 17"
};

namespace detail {

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  ParseResult parse() {
    ParseResult out;
    Value value;
    if (parse_value(value, 0)) {
      skip_space();
      if (at_ == text_.size()) {
        out.value = std::move(value);
        return out;
      }
      fail("end of input");
    }
    out.error = error_;
    return out;
  }

 private:
  static constexpr int kMaxDepth = 64;  // a configuration is never deeper

  bool fail(const std::string& expected) {
    if (error_.empty()) error_ = "expected " + expected + " at byte " + std::to_string(at_);
    return false;
  }
  void skip_space() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r'))
      ++at_;
  }
  bool take(char c) {
    skip_space();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  bool take_word(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  bool parse_value(Value& out, int depth) {
    if (depth > kMaxDepth) return fail("at most 64 levels of nesting");
    skip_space();
    if (at_ >= text_.size()) return fail("a value");
    const char c = text_[at_];
    if (c == '{') return parse_object(out, depth);
    if (c == '[') return parse_array(out, depth);
    if (c == '"') {
      out.kind = Kind::String;
      return parse_string(out.string);
    }
    if (take_word("true") || take_word("false")) {
      out.kind = Kind::Bool;
      out.boolean = c == 't';
      return true;
    }
    if (take_word("null")) return true;
    return parse_number(out);
  }

  bool parse_number(Value& out) {
    const size_t start = at_;
    while (at_ < text_.size() &&
           std::string_view("+-0123456789.eE").find(text_[at_]) != std::string_view::npos)
      ++at_;
    if (at_ == start) return fail("a value");
    const std::string digits(text_.substr(start, at_ - start));
    char* end = nullptr;
    out.kind = Kind::Number;
    out.number = std::strtod(digits.c_str(), &end);
    if (end != digits.c_str() + digits.size()) {
      at_ = start;
      return fail("a number");
    }
    return true;
  }

  static void append_utf8(std::string& out, uint32_t code) {
    if (code < 0x80) {
      out.push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (code >> 6)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xE0 | (code >> 12)));
      out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  bool parse_string(std::string& out) {
    ++at_;  // the opening quote
    while (at_ < text_.size()) {
      const char c = text_[at_++];
      if (c == '"') return true;
      if (static_cast<unsigned char>(c) < 0x20) return fail("no control character in a string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (at_ >= text_.size()) break;
      const char escape = text_[at_++];
      switch (escape) {
        case '"':
          out.push_back('"');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '/':
          out.push_back('/');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'u': {
          if (at_ + 4 > text_.size()) return fail("four hex digits after \\u");
          uint32_t code = 0;
          for (int i = 0; i < 4; ++i) {
            const char h = text_[at_++];
            code <<= 4;
            if (h >= '0' && h <= '9')
              code |= static_cast<uint32_t>(h - '0');
            else if (h >= 'a' && h <= 'f')
              code |= static_cast<uint32_t>(h - 'a' + 10);
            else if (h >= 'A' && h <= 'F')
              code |= static_cast<uint32_t>(h - 'A' + 10);
            else
              return fail("four hex digits after \\u");
          }
          append_utf8(out, code);
          break;
        }
        default:
          --at_;
          return fail("a valid escape after '\\'");
      }
    }
    return fail("'\"' to close the string");
  }

  bool parse_array(Value& out, int depth) {
    ++at_;
    out.kind = Kind::Array;
    if (take(']')) return true;
    do {
      Value item;
      if (!parse_value(item, depth + 1)) return false;
      out.items.push_back(std::move(item));
    } while (take(','));
    return take(']') || fail("',' or ']'");
  }

  bool parse_object(Value& out, int depth) {
    ++at_;
    out.kind = Kind::Object;
    if (take('}')) return true;
    do {
      skip_space();
      if (at_ >= text_.size() || text_[at_] != '"') return fail("a quoted key");
      std::string key;
      if (!parse_string(key)) return false;
      if (!take(':')) return fail("':' after the key");
      Value item;
      if (!parse_value(item, depth + 1)) return false;
      out.keys.push_back(std::move(key));
      out.items.push_back(std::move(item));
    } while (take(','));
    return take('}') || fail("',' or '}'");
  }

  std::string_view text_;
  size_t at_ = 0;
  std::string error_;
};

}  // namespace detail

inline ParseResult parse(std::string_view text) {
  return detail::Parser(text).parse();
}

}  // namespace pwplay::json
