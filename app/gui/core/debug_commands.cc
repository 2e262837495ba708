#include "app/gui/core/debug_commands.h"

#include <cstdio>
#include <memory>

namespace pwplay::gui {
namespace {

enum class DefaultArg : uint8_t { None, SelectedRun, WatchToggle };

// What the app adds on top of a verb: label, the Debug menu, a default key, an argument the app
// fills in when none is given. Verbs not listed here are commands too (the palette and scripts
// reach them, labelled with their summary), outside the menu.
struct MenuEntry {
  std::string_view verb;
  const char* label;
  const char* keys;      // "" = no default shortcut
  const char* arg_help;  // nullptr = the verb's syntax
  bool when_paused = false;
  bool show_tab = false;
  DefaultArg default_arg = DefaultArg::None;
};

constexpr MenuEntry kDebugMenu[] = {
    {"break", "Add breakpoint", "",
     "CALLBACK|HOSTCALL|trap|log LEVEL|local_response|*OFFSET [if CONDITION]", false, true},
    {"delete", "Delete breakpoint", "", "breakpoint number"},
    {"send", "Debug request", "Ctrl+D", "[REQ.json] (default: the Request panel's request)", false,
     true},
    {"continue", "Continue", "F5", nullptr, true},
    {"step", "Step to the next ABI event", "F10", nullptr, true},
    {"next", "Step over the callback", "Shift+F10", nullptr, true},
    {"stepi", "Step one wasm instruction", "F11", nullptr, true},
    {"finish", "Run to the end of the stream", "Shift+F11", nullptr, true},
    {"abort", "Abort the paused stream", "", nullptr, true},
    {"replay", "Replay the run in the debugger", "", "run id (default: the selected run)", false,
     true, DefaultArg::SelectedRun},
    {"watch", "Reload when the module changes", "", "on|off (default: toggle)", false, false,
     DefaultArg::WatchToggle},
    {"inject", "Inject a fault", "", "HOSTCALL STATUS | alloc on|off | clear"},
};

const MenuEntry* menu_entry(std::string_view verb) {
  for (const MenuEntry& entry : kDebugMenu)
    if (entry.verb == verb) return &entry;
  return nullptr;
}

Shortcut keys_of(const char* text) {
  auto shortcut = parse_shortcut(text);
  return shortcut ? *shortcut : Shortcut{};
}

// Runs a verb as if typed in the console: the line and its answer (or error) go there.
Result<void> run_in_console(DebugFrontEnd& front, const debugger::Verb& verb,
                            const std::string& argument) {
  front.console->observe(*front.session->snapshot());  // what happened before, first
  front.console->input(std::string(verb.name) + (argument.empty() ? "" : " " + argument));
  auto answer = debugger::run_verb(verb, *front.session, front.context, argument);
  if (front.context.quit) {
    front.context.quit = false;
    if (front.quit) front.quit();
  }
  if (!answer) {
    front.console->error(debugger::failure_text(answer.error()));
    return make_error(answer.error().message);
  }
  front.console->output(*answer);
  return {};
}

// toggle-code-breakpoint: a click on a line of the code views. Deletes the instruction breakpoint
// at OFFSET or adds one, through the verbs (`delete N`, `break *OFFSET`) so the console shows it.
Command make_code_breakpoint_command(const std::shared_ptr<DebugFrontEnd>& front) {
  Command command;
  command.id = "toggle-code-breakpoint";
  command.label = "Toggle breakpoint at the instruction";
  command.menu = "Debug";
  command.shortcut = keys_of("Ctrl+F9");
  command.arg_help = "OFFSET: a .wasm file offset (default: the paused instruction)";
  command.run = [front](std::string_view arg) -> Result<void> {
    uint32_t offset = 0;
    if (arg.empty()) {
      auto pause = front->session->pause();
      if (!pause || !pause->wasm)
        return make_error("no paused wasm instruction: give the instruction's offset");
      offset = pause->wasm->file_offset;
    } else {
      auto parsed = debugger::parse_typed_number(arg, "a .wasm file offset", UINT32_MAX);
      if (!parsed) return unexpected(parsed.error());
      offset = static_cast<uint32_t>(*parsed);
    }
    for (const auto& breakpoint : front->session->breakpoints())
      if (breakpoint.kind == debugger::BreakpointKind::Instruction && breakpoint.offset == offset)
        return run_in_console(*front, *debugger::find_verb("delete"),
                              std::to_string(breakpoint.id));
    char target[16];
    std::snprintf(target, sizeof(target), "*0x%x", offset);
    return run_in_console(*front, *debugger::find_verb("break"), target);
  };
  return command;
}

Command make_command(const debugger::Verb& verb, const MenuEntry* entry,
                     const std::shared_ptr<DebugFrontEnd>& front) {
  Command command;
  command.id = debug_command_id(verb);
  command.label = entry ? std::string(entry->label) : std::string(verb.summary);
  command.menu = entry ? "Debug" : "";
  command.shortcut = entry && *entry->keys ? keys_of(entry->keys) : Shortcut{};
  command.arg_help =
      entry && entry->arg_help ? std::string(entry->arg_help) : std::string(verb.syntax);
  const DefaultArg default_arg = entry ? entry->default_arg : DefaultArg::None;
  command.arg_required = verb.needs_arguments() && default_arg == DefaultArg::None;
  const bool show_tab = entry && entry->show_tab;
  command.run = [&verb, front, default_arg, show_tab](std::string_view arg) -> Result<void> {
    std::string argument(arg);
    if (argument.empty() && default_arg == DefaultArg::SelectedRun && front->selected_run)
      argument = front->selected_run();
    if (argument.empty() && default_arg == DefaultArg::WatchToggle)
      argument = front->session->watching() ? "off" : "on";
    if (show_tab && front->show) front->show();
    return run_in_console(*front, verb, argument);
  };
  if (entry && entry->when_paused) {
    command.enabled = [front] {
      return front->session->state() == debugger::Session::State::Paused;
    };
  }
  if (default_arg == DefaultArg::WatchToggle)
    command.checked = [front] { return front->session->watching(); };
  return command;
}

}  // namespace

std::string debug_command_id(const debugger::Verb& verb) {
  return "debug-" + std::string(verb.name);
}

void add_debug_commands(Commands& commands, DebugFrontEnd front_end) {
  auto front = std::make_shared<DebugFrontEnd>(std::move(front_end));
  // The menu's verbs first, in the menu's order; then the rest, in the table's.
  for (const MenuEntry& entry : kDebugMenu)
    if (const debugger::Verb* verb = debugger::find_verb(entry.verb))
      commands.add(make_command(*verb, &entry, front));
  for (const debugger::Verb& verb : debugger::verbs())
    if (!menu_entry(verb.name)) commands.add(make_command(verb, nullptr, front));
  commands.add(make_code_breakpoint_command(front));
}

Result<void> run_console_line(Commands& commands, DebugConsole& console, std::string_view line) {
  while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  if (line.empty()) return {};
  const size_t end = line.find_first_of(" \t");
  const std::string_view name = line.substr(0, end);
  std::string_view rest = end == std::string_view::npos ? std::string_view() : line.substr(end + 1);
  while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
  const debugger::Verb* verb = debugger::find_verb(name);
  if (!verb) {
    console.input(line);
    const std::string message = "unknown command '" + std::string(name) + "' (try 'help')";
    console.error(message);
    return make_error(message);
  }
  const uint64_t before = console.version();
  auto ran = commands.run(debug_command_id(*verb), CommandSource::Console, rest);
  if (console.version() == before) {
    // The table refused it before the verb ran (not available now, an argument missing).
    console.input(line);
    if (!ran) console.error("error: " + ran.error().message);
  }
  return ran;
}

}  // namespace pwplay::gui
