// The debugger's verbs as data: one table of every command a front end gives a Session (the
// lines of `pwplay debug`, the desktop app's debug-* commands and its Debugger console), each
// with its name, aliases, argument syntax, help and what it does. Front ends read lines and
// show the text a verb returns; `help` and the app's Debug menu are built from this table.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"
#include "debugger/history.h"
#include "debugger/session.h"

namespace pwplay::debugger {

// Why a verb did nothing. A note (a usage line, "not paused") reads as it is in a transcript;
// any other failure reads "error: MESSAGE" (failure_text).
struct VerbError {
  std::string message;
  bool note = false;
};

// What a verb prints (whole lines, each ending in '\n'; possibly none), or why it did nothing.
using VerbResult = Result<std::string, VerbError>;

// A failed verb as a transcript shows it (no trailing newline).
std::string failure_text(const VerbError& error);

// What only a front end has, passed with the Session to every verb, and what the verbs remember
// from one line to the next.
struct VerbContext {
  // `send` without a file: the terminal's --request file, the app's Request panel.
  std::function<Result<NamedRequest>()> default_request;
  // Called before a verb starts a request or a load (send, replay, reload, watch on): the app
  // loads the Filter panel's settings there, and refuses a send while a request is paused.
  std::function<Result<void>(std::string_view verb)> prepare;
  // How long a verb that lets the filter run waits for its next pause or its end, to report it.
  // Zero: verbs never block (the app shows pauses and ends as they come: describe_pause).
  std::chrono::milliseconds wait{std::chrono::seconds(60)};
  bool quit = false;  // set by `quit`

  // Remembered between verbs.
  uint64_t last_sent = 0;                     // the last request sent or replayed
  std::optional<uint32_t> reload_from_build;  // a `reload` is under way from this build
};

struct Verb;

// A verb's arguments: the text after its name (leading blanks dropped) and its words.
struct VerbArgs {
  const Verb* verb = nullptr;
  std::string text;
  std::vector<std::string> words;
};

struct Verb {
  std::string_view name;
  std::vector<std::string_view> aliases;
  std::string_view syntax;   // "N COUNT", "[REQ.json]"; empty: takes none
  std::string_view summary;  // one line; the app's label when it adds none
  std::string_view details;  // more lines for `help VERB` (may be empty)
  VerbResult (*run)(Session& session, VerbContext& context, const VerbArgs& args) = nullptr;

  // The syntax starts with a mandatory part ("N COUNT", "on|off").
  bool needs_arguments() const { return !syntax.empty() && syntax.front() != '['; }
  // "usage: NAME SYNTAX", as a note.
  std::string usage() const;
};

// Every verb, in the order `help` lists them.
std::span<const Verb> verbs();
// A verb by name or alias; null when there is none.
const Verb* find_verb(std::string_view name);

// Runs `verb` with `arguments` (the text after its name).
VerbResult run_verb(const Verb& verb, Session& session, VerbContext& context,
                    std::string_view arguments);
// Runs one typed line ("break proxy_log if level == warn"); a blank line does nothing, an unknown
// verb is a note naming it.
VerbResult run_line(Session& session, VerbContext& context, std::string_view line);

// `help`: every verb on a line; `help VERB`: its syntax, aliases and details.
std::string help_text();
std::string help_text(const Verb& verb);

// What `pwplay debug` prints at a pause ("Paused (breakpoint 1 (...)), after a host call, ...",
// then the event) and when a request ends ("Request 1 finished: 200, upstream reached").
std::string describe_pause(const PauseInfo& pause);
std::string describe_finished(const HistoryEntry& entry);

}  // namespace pwplay::debugger
