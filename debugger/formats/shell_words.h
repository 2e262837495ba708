// Shell words: splits a command line as a POSIX shell would (quotes, escapes, bash's $'...'),
// without expansions. Used to read the curl command lines browsers copy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"

namespace pwplay::debugger::shell_words {

// One shell word: its text after quote removal, where it starts in the command line, and whether
// it was written without any quoting (only such words can be operators like '|').
struct Word {
  std::string text;
  size_t offset = 0;
  bool plain = true;
};

// Splits `text` into words; comments (# at the start of a word) run to the end of the line.
// Errors say where (line and column) a quote was left open.
Result<std::vector<Word>> split_words(std::string_view text);

// "line L, column C" of a byte offset, for messages.
std::string position(std::string_view text, size_t offset);

// The value of a hexadecimal digit, or -1.
int hex_value(char c);

// The character an escape letter stands for in `table` (pairs: letter, character), if any.
std::optional<char> simple_escape(char letter, std::string_view table);

}  // namespace pwplay::debugger::shell_words
