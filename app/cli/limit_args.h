// LimitFlags: the host-limit options (--max-queue-items, --max-header-pairs, --trace-budget-mb,
// ...) of `pwplay run`, `serve`, `debug` and `test`, declared from one table
// (debugger/limit_settings.h) so that every command spells and explains them the same way.
#pragma once

#include <map>
#include <string>

#include <CLI/CLI.hpp>

#include "abi/result.h"
#include "debugger/limit_settings.h"

namespace pwplay::app {

// Whether a command offers the session's limits (--trace-budget-mb) besides the host's.
enum class SessionLimitOptions : bool { Omit, Offer };

class LimitFlags {
 public:
  LimitFlags() = default;
  LimitFlags(const LimitFlags&) = delete;  // the parser holds pointers into it
  LimitFlags& operator=(const LimitFlags&) = delete;

  // The limits given on the command line (unset: not given). Errors name the flag and say what
  // it expects.
  Result<debugger::LimitSettings> settings() const;

 private:
  friend void add_limit_options(CLI::App*, LimitFlags&, SessionLimitOptions);
  std::map<std::string, std::string, std::less<>> given_;  // flag -> text as typed
};

// Declares the limit options on `cmd`, parsed into `flags` (which must outlive the parse).
void add_limit_options(CLI::App* cmd, LimitFlags& flags,
                       SessionLimitOptions session = SessionLimitOptions::Omit);

}  // namespace pwplay::app
