// The command table: every user action of the desktop app is one Command (id, label, default
// shortcut, handler). Menus, keyboard shortcuts, the command palette and the automation mode all
// run commands through this one table, so each action exists once and can be scripted.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"

namespace pwplay::gui {

// Key codes, equal to GLFW's (checked where GLFW is included) so the table needs no window
// system header. Letters and digits are their upper-case ASCII codes, "=" and "-" theirs.
namespace keys {
inline constexpr int kEnter = 257;
inline constexpr int kEscape = 256;
inline constexpr int kTab = 258;
inline constexpr int kKeypadEnter = 335;
inline constexpr int kF1 = 290;  // F1..F12 are consecutive
}  // namespace keys

struct Shortcut {
  int key = 0;  // 0: none
  bool ctrl = false;
  bool shift = false;
  bool alt = false;

  bool empty() const { return key == 0; }
  bool operator==(const Shortcut&) const = default;
};

// "Ctrl+Shift+P", "Ctrl+Enter", "F5"; nullopt when a part is not understood.
std::optional<Shortcut> parse_shortcut(std::string_view text);
std::string format_shortcut(const Shortcut& shortcut);

// Where a command came from (kept in the command log; the automation log shows it too).
enum class CommandSource : uint8_t {
  Menu,
  Shortcut,
  Palette,
  Button,
  Automation,
  Startup,
  Console,
  Drop,   // a file dropped on the window (open-file)
  Lesson  // a lesson step's commands (the Learn panel's Run step)
};
const char* command_source_name(CommandSource source);

struct Command {
  std::string id;             // stable, kebab-case: "send", "open-request"; scripts use it
  std::string label;          // as menus and the palette show it
  std::string menu;           // "File", "Run", "View", "Help" (empty: palette only)
  Shortcut shortcut;          // default key binding
  std::string arg_help;       // what the argument means ("" = takes none)
  bool arg_required = false;  // scripts only: the palette and menus do not list it
  // Runs the action. `arg` is empty from menus, shortcuts and the palette; scripts may pass one.
  std::function<Result<void>(std::string_view arg)> run;
  std::function<bool()> enabled;  // null: always enabled
  std::function<bool()> checked;  // null: not a toggle
};

struct CommandRecord {
  std::string id;
  std::string arg;
  CommandSource source = CommandSource::Menu;
  bool ok = true;
  std::string message;  // the error when !ok
  uint64_t frame = 0;
};

class Commands {
 public:
  // Adds a command; a second command with the same id replaces the first.
  void add(Command command);
  const Command* find(std::string_view id) const;
  const std::vector<Command>& all() const { return commands_; }

  // Runs `id`: unknown ids and disabled commands are errors (and logged like any other run).
  Result<void> run(std::string_view id, CommandSource source, std::string_view arg = {});
  bool is_enabled(const Command& command) const { return !command.enabled || command.enabled(); }

  // The command bound to `shortcut`, if any (the first in table order).
  const Command* find_shortcut(const Shortcut& shortcut) const;

  // The log of every command run, oldest first (bounded).
  const std::vector<CommandRecord>& log() const { return log_; }
  void set_frame(uint64_t frame) { frame_ = frame; }

  // Subsequence match of `query` in the label or id, case-insensitive; higher is better, <0 none.
  static int match_score(std::string_view query, const Command& command);

 private:
  std::vector<Command> commands_;
  std::vector<CommandRecord> log_;
  uint64_t frame_ = 0;
};

}  // namespace pwplay::gui
