// The app's debug-* commands without a window: one per verb of the debugger's table, each
// dispatching to its verb; the Debug menu's ids, labels and keys; the console (typed lines, what
// the session did meanwhile).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "app/gui/core/command_table.h"
#include "app/gui/core/debug_commands.h"
#include "app/gui/core/debug_console.h"
#include "debugger/commands.h"
#include "debugger/formats/request_file.h"

namespace pwplay::gui {
namespace {

using namespace std::chrono_literals;

struct App {
  debugger::Session session;
  DebugConsole console;
  Commands commands;
  int shown = 0;
  int quits = 0;
  explicit App(std::string selected = "") {
    DebugFrontEnd front;
    front.session = &session;
    front.console = &console;
    front.context.default_request = []() -> Result<debugger::NamedRequest> {
      auto request = debugger::load_request_file(PWPLAY_SOURCE_DIR "/samples/requests/get.json");
      if (!request) return unexpected(request.error());
      return debugger::NamedRequest{.name = "test", .request = std::move(*request)};
    };
    front.selected_run = [selected] { return selected; };
    front.show = [this] { ++shown; };
    front.quit = [this] { ++quits; };
    add_debug_commands(commands, std::move(front));
  }
  // The last line the console echoed for a command ("(pwplay) ...").
  std::string last_input() const {
    for (auto it = console.lines().rbegin(); it != console.lines().rend(); ++it)
      if (it->kind == DebugConsole::Line::Kind::Input) return it->text;
    return {};
  }
  std::string text() const {
    std::string out;
    for (const auto& line : console.lines()) out += line.text + "\n";
    return out;
  }
};

TEST(DebugCommands, EveryVerbIsACommandThatRunsIt) {
  App app;
  for (const debugger::Verb& verb : debugger::verbs()) {
    const std::string id = "debug-" + std::string(verb.name);
    const Command* command = app.commands.find(id);
    ASSERT_NE(command, nullptr) << "no " << id << " in the app's command table";
    EXPECT_EQ(debug_command_id(verb), id);
    EXPECT_FALSE(command->label.empty()) << id;
    // Its handler runs the verb: the console echoes the verb's name with the argument.
    const std::string arg = command->arg_required ? "1" : "";
    (void)command->run(arg);
    // (An argument the app fills in may follow: watch toggles to "on".)
    const std::string echo = "(pwplay) " + std::string(verb.name) + (arg.empty() ? "" : " " + arg);
    const std::string input = app.last_input();
    EXPECT_TRUE(input == echo || input.starts_with(echo + " ")) << id << " echoed " << input;
  }
  EXPECT_EQ(app.quits, 1);              // debug-quit asked the app to quit
  EXPECT_TRUE(app.session.watching());  // debug-watch with no argument toggled it on
  // What the verbs answered is in the console: help's list, continue's note.
  const std::string text = app.text();
  EXPECT_NE(text.find(debugger::help_text()), std::string::npos) << text;
  EXPECT_NE(text.find("(pwplay) continue\nnot paused\n"), std::string::npos) << text;
  EXPECT_NE(text.find("(pwplay) delete 1\nerror: no breakpoint 1\n"), std::string::npos) << text;
}

TEST(DebugCommands, TheDebugMenuKeepsItsIdsLabelsAndKeys) {
  App app;
  struct Expected {
    const char* id;
    const char* label;
    const char* keys;
    bool in_menu;  // listed in the Debug menu (commands that need an argument are not)
  };
  for (const Expected& expected : {
           Expected{"debug-break", "Add breakpoint", "", false},
           Expected{"debug-delete", "Delete breakpoint", "", false},
           Expected{"debug-send", "Debug request", "Ctrl+D", true},
           Expected{"debug-continue", "Continue", "F5", true},
           Expected{"debug-step", "Step to the next ABI event", "F10", true},
           Expected{"debug-next", "Step over the callback", "Shift+F10", true},
           Expected{"debug-finish", "Run to the end of the stream", "Shift+F11", true},
           Expected{"debug-abort", "Abort the paused stream", "", true},
           Expected{"debug-stepi", "Step one wasm instruction", "F11", true},
           Expected{"debug-replay", "Replay the run in the debugger", "", true},
           Expected{"debug-watch", "Reload when the module changes", "", true},
           Expected{"debug-inject", "Inject a fault", "", false},
       }) {
    const Command* command = app.commands.find(expected.id);
    ASSERT_NE(command, nullptr) << expected.id;
    EXPECT_EQ(command->label, expected.label);
    EXPECT_EQ(command->menu, "Debug") << expected.id;
    EXPECT_EQ(format_shortcut(command->shortcut), expected.keys) << expected.id;
    EXPECT_EQ(!command->arg_required, expected.in_menu) << expected.id;
  }
  // Verbs the menu does not list are reachable from the palette and scripts, labelled by the table.
  const Command* tbreak = app.commands.find("debug-tbreak");
  ASSERT_NE(tbreak, nullptr);
  EXPECT_EQ(tbreak->menu, "");
  EXPECT_EQ(tbreak->label, "Set a breakpoint that is deleted when it first stops");
  EXPECT_TRUE(tbreak->arg_required);
  EXPECT_FALSE(app.commands.find("debug-history")->arg_required);
  // Stepping needs a pause: refused by the table while idle.
  EXPECT_FALSE(app.commands.run("debug-continue", CommandSource::Menu));
  EXPECT_EQ(app.commands.log().back().message, "'Continue' is not available now");
  // watch toggles without an argument and shows as checked.
  EXPECT_FALSE(app.commands.find("debug-watch")->checked());
}

TEST(DebugCommands, TypedLinesGoThroughTheCommandTable) {
  App app;
  ASSERT_TRUE(run_console_line(app.commands, app.console, "  b proxy_log if level == warn "));
  ASSERT_EQ(app.session.breakpoints().size(), 1u);
  EXPECT_EQ(app.session.breakpoints()[0].condition_text, "level == warn");
  EXPECT_EQ(app.shown, 1);  // break brings the Debugger tab forward
  ASSERT_EQ(app.commands.log().back().id, "debug-break");
  EXPECT_EQ(app.commands.log().back().source, CommandSource::Console);
  EXPECT_EQ(app.commands.log().back().arg, "proxy_log if level == warn");
  EXPECT_FALSE(run_console_line(app.commands, app.console, "frobnicate"));
  EXPECT_FALSE(run_console_line(app.commands, app.console, "c"));
  EXPECT_FALSE(run_console_line(app.commands, app.console, "condition 1 level"));
  EXPECT_TRUE(run_console_line(app.commands, app.console, "condition 1"));
  EXPECT_TRUE(run_console_line(app.commands, app.console, ""));
  EXPECT_EQ(app.text(),
            "(pwplay) break proxy_log if level == warn\n"
            "Breakpoint 1: hostcall proxy_log if level == warn\n"
            "(pwplay) frobnicate\n"
            "unknown command 'frobnicate' (try 'help')\n"
            "(pwplay) c\n"
            "error: 'Continue' is not available now\n"
            "(pwplay) condition 1 level\n"
            "error: condition 'level' is not of the form FIELD OP VALUE (OP: ==, !=, contains, "
            "prefix)\n"
            "(pwplay) condition 1\n"
            "Breakpoint 1 now unconditional\n");
}

TEST(DebugCommands, TheConsoleFollowsPausesAndEnds) {
  const std::string wasm = PWPLAY_SAMPLES_DIR "/add_header.wasm";
  if (!std::filesystem::exists(wasm)) GTEST_SKIP() << "build the pwplay_samples target first";
  App app;
  debugger::PluginSpec options;
  options.wasm_path = wasm;
  ASSERT_TRUE(app.session.load(options).ok());
  app.console.observe(*app.session.snapshot());  // a frame: the load shows
  ASSERT_TRUE(run_console_line(app.commands, app.console, "tbreak proxy_add_header_map_value"));
  ASSERT_TRUE(app.commands.run("debug-send", CommandSource::Shortcut));
  ASSERT_EQ(app.session.wait(60s), debugger::Session::State::Paused);
  app.console.observe(*app.session.snapshot());
  ASSERT_TRUE(app.commands.run("debug-continue", CommandSource::Shortcut));
  ASSERT_EQ(app.session.wait(60s), debugger::Session::State::Idle);
  app.console.observe(*app.session.snapshot());
  app.console.observe(*app.session.snapshot());  // nothing new: nothing added
  const std::string text = app.text();
  EXPECT_EQ(text,
            "Loaded " + wasm + ": ABI 0.2.1 on v8 " + app.session.plugin_info().engine_version +
                "\n"
                "(pwplay) tbreak proxy_add_header_map_value\n"
                "Temporary breakpoint 1: hostcall proxy_add_header_map_value\n"
                "(pwplay) send\n"
                "Sending request 1: GET /hello\n"
                "Paused (temporary breakpoint 1 (hostcall proxy_add_header_map_value)), after a "
                "host call, stream 1, plugin add_header\n"
                "  hostcall proxy_add_header_map_value(map_type=HTTP_REQUEST_HEADERS, "
                "key=x-wasm-filter, key_size=13, value=add-header, value_size=10) -> OK\n"
                "(pwplay) continue\n"
                "Request 1 finished: 200, upstream reached\n");
  // replay without an argument takes the app's selected run.
  App selected("1");
  ASSERT_TRUE(selected.session.load(options).ok());
  ASSERT_TRUE(selected.commands.run("debug-send", CommandSource::Menu));
  ASSERT_EQ(selected.session.wait(60s), debugger::Session::State::Idle);
  ASSERT_TRUE(selected.commands.run("debug-replay", CommandSource::Menu));
  EXPECT_EQ(selected.last_input(), "(pwplay) replay 1");
  ASSERT_EQ(selected.session.wait(60s), debugger::Session::State::Idle);
  EXPECT_EQ(selected.session.history_count(), 2u);
}

}  // namespace
}  // namespace pwplay::gui
