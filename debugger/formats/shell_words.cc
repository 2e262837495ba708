#include "debugger/formats/shell_words.h"

#include <cstdint>
#include <optional>

namespace pwplay::debugger::shell_words {

std::string position(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

namespace {

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out.push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code >> 6)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else if (code < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

}  // namespace

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::optional<char> simple_escape(char letter, std::string_view table) {
  for (size_t i = 0; i + 1 < table.size(); i += 2)
    if (table[i] == letter) return table[i + 1];
  return std::nullopt;
}

namespace {

// The character an escape letter stands for, from a table of (letter, character) pairs.

// Decodes the body of $'...' starting at text[i] (just after the opening quote); leaves `i` on the
// closing quote. False when the quote is not closed.
bool read_ansi_c_quoted(std::string_view text, size_t& i, std::string& out) {
  while (i < text.size()) {
    char c = text[i];
    if (c == '\'') return true;
    if (c != '\\' || i + 1 >= text.size()) {
      out.push_back(c);
      ++i;
      continue;
    }
    char e = text[i + 1];
    i += 2;
    if (auto simple = simple_escape(e,
                                    "a\ab\be\x1b"
                                    "E\x1b"
                                    "f\fn\nr\rt\tv\v\\\\''\"\"??")) {
      out.push_back(*simple);
      continue;
    }
    switch (e) {
      case 'x':
      case 'u':
      case 'U': {
        size_t max_digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
        uint32_t value = 0;
        size_t digits = 0;
        while (digits < max_digits && i < text.size() && hex_value(text[i]) >= 0) {
          value = value * 16 + static_cast<uint32_t>(hex_value(text[i]));
          ++i;
          ++digits;
        }
        if (digits == 0) {
          out.push_back('\\');
          out.push_back(e);
        } else if (e == 'x') {
          out.push_back(static_cast<char>(value));
        } else {
          append_utf8(out, value);
        }
        break;
      }
      case 'c':
        if (i < text.size()) {
          out.push_back(static_cast<char>(text[i] & 0x1F));
          ++i;
        }
        break;
      default:
        if (e >= '0' && e <= '7') {
          uint32_t value = static_cast<uint32_t>(e - '0');
          for (int k = 0; k < 2 && i < text.size() && text[i] >= '0' && text[i] <= '7'; ++k, ++i)
            value = value * 8 + static_cast<uint32_t>(text[i] - '0');
          out.push_back(static_cast<char>(value & 0xFF));
        } else {
          out.push_back('\\');
          out.push_back(e);
        }
    }
  }
  return false;
}

}  // namespace

// Splits a command line into words as a POSIX shell would (without expansions), plus bash's
// $'...' quoting. Comments (# at the start of a word) run to the end of the line.
Result<std::vector<Word>> split_words(std::string_view text) {
  std::vector<Word> words;
  std::optional<Word> current;
  auto start_word = [&](size_t at) {
    if (!current) current = Word{"", at, true};
  };
  auto end_word = [&] {
    if (current) words.push_back(std::move(*current));
    current.reset();
  };
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      end_word();
      ++i;
    } else if (c == '#' && !current) {
      while (i < text.size() && text[i] != '\n') ++i;
    } else if (c == '\\') {
      if (i + 1 < text.size() && text[i + 1] == '\n') {  // continuation
        i += 2;
      } else if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
        i += 3;
      } else if (i + 1 < text.size()) {
        start_word(i);
        current->text.push_back(text[i + 1]);
        current->plain = false;
        i += 2;
      } else {
        ++i;  // a trailing backslash continues into nothing
      }
    } else if (c == '\'') {
      start_word(i);
      current->plain = false;
      size_t close = text.find('\'', i + 1);
      if (close == std::string_view::npos)
        return make_error("curl command, " + position(text, i) +
                          ": the single quote opened here is never closed");
      current->text.append(text.substr(i + 1, close - i - 1));
      i = close + 1;
    } else if (c == '$' && i + 1 < text.size() && text[i + 1] == '\'') {
      start_word(i);
      current->plain = false;
      size_t open = i;
      i += 2;
      if (!read_ansi_c_quoted(text, i, current->text))
        return make_error("curl command, " + position(text, open) +
                          ": the $'...' quote opened here is never closed");
      ++i;
    } else if (c == '"') {
      start_word(i);
      current->plain = false;
      size_t open = i;
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char d = text[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < text.size()) {
          char e = text[i + 1];
          if (e == '\n') {
            i += 2;
            continue;
          }
          if (e == '"' || e == '\\' || e == '$' || e == '`') {
            current->text.push_back(e);
            i += 2;
            continue;
          }
        }
        current->text.push_back(d);
        ++i;
      }
      if (!closed)
        return make_error("curl command, " + position(text, open) +
                          ": the double quote opened here is never closed");
    } else {
      start_word(i);
      current->text.push_back(c);
      ++i;
    }
  }
  end_word();
  return words;
}

}  // namespace pwplay::debugger::shell_words
