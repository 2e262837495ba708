#include "app/gui/core/command_table.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "host/header_map.h"

namespace pwplay::gui {
namespace {

struct NamedKey {
  const char* name;
  int key;
};

constexpr NamedKey kNamedKeys[] = {
    {"enter", keys::kEnter}, {"return", keys::kEnter}, {"escape", keys::kEscape},
    {"esc", keys::kEscape},  {"tab", keys::kTab},
};

constexpr size_t kMaxLog = 1000;

}  // namespace

std::optional<Shortcut> parse_shortcut(std::string_view text) {
  Shortcut shortcut;
  while (!text.empty()) {
    size_t plus = text.find('+', 1);  // "Ctrl++" would bind '+'
    std::string part = host::to_lower(text.substr(0, plus));
    text = plus == std::string_view::npos ? std::string_view{} : text.substr(plus + 1);
    if (part == "ctrl" || part == "control") {
      shortcut.ctrl = true;
    } else if (part == "shift") {
      shortcut.shift = true;
    } else if (part == "alt") {
      shortcut.alt = true;
    } else if (shortcut.key != 0) {
      return std::nullopt;  // two keys
    } else if (part.size() == 1 && std::isalnum(static_cast<unsigned char>(part[0]))) {
      shortcut.key = std::toupper(static_cast<unsigned char>(part[0]));
    } else if (part == "=" || part == "-") {
      shortcut.key = part[0];  // GLFW's codes for these keys are their ASCII codes too
    } else if (part.size() >= 2 && part[0] == 'f' &&
               std::isdigit(static_cast<unsigned char>(part[1]))) {
      int n = std::atoi(part.c_str() + 1);
      if (n < 1 || n > 12) return std::nullopt;
      shortcut.key = keys::kF1 + n - 1;
    } else {
      auto it = std::find_if(std::begin(kNamedKeys), std::end(kNamedKeys),
                             [&](const NamedKey& k) { return part == k.name; });
      if (it == std::end(kNamedKeys)) return std::nullopt;
      shortcut.key = it->key;
    }
  }
  if (shortcut.key == 0) return std::nullopt;
  return shortcut;
}

std::string format_shortcut(const Shortcut& shortcut) {
  if (shortcut.empty()) return {};
  std::string out;
  if (shortcut.ctrl) out += "Ctrl+";
  if (shortcut.shift) out += "Shift+";
  if (shortcut.alt) out += "Alt+";
  if (shortcut.key >= keys::kF1 && shortcut.key < keys::kF1 + 12)
    out += "F" + std::to_string(shortcut.key - keys::kF1 + 1);
  else if (shortcut.key == keys::kEnter)
    out += "Enter";
  else if (shortcut.key == keys::kEscape)
    out += "Esc";
  else if (shortcut.key == keys::kTab)
    out += "Tab";
  else
    out += static_cast<char>(shortcut.key);
  return out;
}

const char* command_source_name(CommandSource source) {
  switch (source) {
    case CommandSource::Menu:
      return "menu";
    case CommandSource::Shortcut:
      return "shortcut";
    case CommandSource::Palette:
      return "palette";
    case CommandSource::Button:
      return "button";
    case CommandSource::Automation:
      return "automation";
    case CommandSource::Startup:
      return "startup";
    case CommandSource::Console:
      return "console";
    case CommandSource::Drop:
      return "drop";
    case CommandSource::Lesson:
      return "lesson";
  }
  return "?";
}

void Commands::add(Command command) {
  for (auto& existing : commands_) {
    if (existing.id == command.id) {
      existing = std::move(command);
      return;
    }
  }
  commands_.push_back(std::move(command));
}

const Command* Commands::find(std::string_view id) const {
  for (const auto& command : commands_)
    if (command.id == id) return &command;
  return nullptr;
}

const Command* Commands::find_shortcut(const Shortcut& shortcut) const {
  if (shortcut.empty()) return nullptr;
  for (const auto& command : commands_)
    if (command.shortcut == shortcut) return &command;
  return nullptr;
}

Result<void> Commands::run(std::string_view id, CommandSource source, std::string_view arg) {
  CommandRecord record{std::string(id), std::string(arg), source, true, {}, frame_};
  Result<void> result;
  const Command* command = find(id);
  if (!command)
    result = make_error("unknown command '" + std::string(id) + "'");
  else if (!is_enabled(*command))
    result = make_error("'" + command->label + "' is not available now");
  else if (!arg.empty() && command->arg_help.empty())
    result = make_error("'" + std::string(id) + "' takes no argument");
  else if (arg.empty() && command->arg_required)
    result = make_error("'" + std::string(id) + "' needs an argument: " + command->arg_help);
  else
    result = command->run(arg);
  if (!result) {
    record.ok = false;
    record.message = result.error().message;
  }
  log_.push_back(std::move(record));
  if (log_.size() > kMaxLog) log_.erase(log_.begin());
  return result;
}

int Commands::match_score(std::string_view query, const Command& command) {
  if (query.empty()) return 0;
  std::string q = host::to_lower(query);
  int best = -1;
  for (const std::string& text : {host::to_lower(command.label), host::to_lower(command.id)}) {
    size_t qi = 0;
    int score = 0;
    bool previous_matched = false;
    for (size_t i = 0; i < text.size() && qi < q.size(); ++i) {
      if (text[i] == q[qi]) {
        // Favour runs of consecutive letters and matches at word starts.
        score += 1 + (previous_matched ? 3 : 0) +
                 ((i == 0 || text[i - 1] == ' ' || text[i - 1] == '-') ? 5 : 0);
        ++qi;
        previous_matched = true;
      } else {
        previous_matched = false;
      }
    }
    if (qi == q.size()) best = std::max(best, score);
  }
  return best;
}

}  // namespace pwplay::gui
