// The Debugger tab's console, without ImGui: a transcript of the debugger verbs the app ran
// (typed in the console, or from a menu, a key or a button) with what each answered, and of what
// the session did meanwhile (a pause, the end of a request, a new build), as `pwplay debug`
// prints them.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "debugger/session.h"

namespace pwplay::gui {

class DebugConsole {
 public:
  struct Line {
    enum class Kind : uint8_t { Input, Output, Error, Event };
    Kind kind = Kind::Output;
    std::string text;
  };

  void input(std::string_view line);   // shown as "(pwplay) LINE"
  void output(std::string_view text);  // one line per '\n'
  void error(std::string_view text);
  void event(std::string_view text);
  void clear();

  // Adds what the session did since the last snapshot it saw: a new build loaded (or a load
  // error), requests that finished, a new pause.
  void observe(const debugger::SessionSnapshot& snapshot);

  const std::deque<Line>& lines() const { return lines_; }
  // Goes up with every line added, so a view knows when to scroll to the end.
  uint64_t version() const { return version_; }

  static constexpr size_t kMaxLines = 2000;
  static constexpr size_t kMaxAnnounced = 50;  // finished requests announced at once

 private:
  void add(Line::Kind kind, std::string_view text);

  std::deque<Line> lines_;
  uint64_t version_ = 0;
  uint32_t seen_build_ = 0;
  std::string seen_error_;
  uint64_t seen_pause_ = 0;
  uint64_t seen_history_count_ = 0;
  uint64_t seen_history_id_ = 0;  // the last request announced
};

}  // namespace pwplay::gui
