// The command table as `pwplay --list-commands` prints it, a script ended by the quit command,
// and the automation log's "debugger" object, without a window.
#include <gtest/gtest.h>

#include <sstream>

#include "app/gui/core/automation.h"
#include "app/gui/core/command_list.h"
#include "app/gui/core/debugger_log.h"
#include "debugger/breakpoints.h"

namespace pwplay::gui {
namespace {

Commands sample_table() {
  Commands commands;
  auto nothing = [](std::string_view) -> Result<void> { return {}; };
  commands.add({"send", "Send request", "Run", *parse_shortcut("Ctrl+Enter"), "", false, nothing});
  commands.add({"select-run", "Select run", "", {}, "run id (1, 2, ...)", true, nothing});
  Command toggle{"toggle-filter-panel", "Filter panel", "View", {}, "", false, nothing};
  toggle.checked = [] { return true; };
  commands.add(std::move(toggle));
  return commands;
}

TEST(CommandList, TextHasOneLineOfFiveTabSeparatedFieldsPerCommand) {
  std::istringstream text(commands_text(sample_table()));
  std::vector<std::vector<std::string>> rows;
  for (std::string line; std::getline(text, line);) {
    std::vector<std::string> fields;
    std::istringstream split(line);
    for (std::string field; std::getline(split, field, '\t');) fields.push_back(field);
    if (!line.empty() && line.back() == '\t') fields.emplace_back();
    rows.push_back(std::move(fields));
  }
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"send", "Run", "Ctrl+Enter", "Send request", ""}));
  EXPECT_EQ(rows[1],
            (std::vector<std::string>{"select-run", "", "", "Select run", "run id (1, 2, ...)"}));
  EXPECT_EQ(rows[2][0], "toggle-filter-panel");
}

TEST(CommandList, JsonNamesEveryFieldInTableOrder) {
  auto json = commands_json(sample_table());
  ASSERT_EQ(json["commands"].size(), 3u);
  const auto& send = json["commands"][0];
  EXPECT_EQ(send["id"], "send");
  EXPECT_EQ(send["label"], "Send request");
  EXPECT_EQ(send["menu"], "Run");
  EXPECT_EQ(send["shortcut"], "Ctrl+Enter");
  EXPECT_EQ(send["argument"], "");
  EXPECT_EQ(send["argument_required"], false);
  EXPECT_EQ(send["toggle"], false);
  EXPECT_EQ(json["commands"][1]["argument_required"], true);
  EXPECT_EQ(json["commands"][1]["argument"], "run id (1, 2, ...)");
  EXPECT_EQ(json["commands"][2]["toggle"], true);
}

// An app stand-in whose quit command stops the runner, as the desktop app's does.
class QuitHost : public AutomationHost {
 public:
  Commands& commands() override { return commands_; }
  std::shared_ptr<const Snapshot> snapshot() override { return std::make_shared<Snapshot>(); }
  bool engine_idle() override { return true; }
  Result<ScreenshotInfo> capture(const std::string& path) override {
    ++captures;
    return ScreenshotInfo{path, 10, 10};
  }
  Commands commands_;
  int captures = 0;
};

TEST(AutomationRunner, QuitEndsTheScriptWithoutPlayingTheRest) {
  QuitHost host;
  int sent = 0;
  std::optional<AutomationRunner> runner;
  host.commands_.add({"quit", "Quit", "", {}, "", false, [&](std::string_view) -> Result<void> {
                        runner->stop();
                        return {};
                      }});
  host.commands_.add({"send", "Send", "", {}, "", false, [&](std::string_view) -> Result<void> {
                        ++sent;
                        return {};
                      }});
  runner.emplace(command_line_script({"send", "quit", "send"}, "never.png", 0));
  for (int frame = 0; frame < 10 && !runner->finished(); ++frame) {
    runner->before_frame(host);
    runner->after_render(host);
  }
  EXPECT_TRUE(runner->finished());
  EXPECT_FALSE(runner->failed());
  EXPECT_EQ(runner->exit_code(), 0);
  EXPECT_EQ(sent, 1);
  EXPECT_EQ(host.captures, 0);
  auto log = runner->log(Snapshot{}, host.commands_);
  EXPECT_EQ(log["ok"], true);
  EXPECT_EQ(log["quit"], true);
  EXPECT_EQ(log["steps_done"], 2);
  EXPECT_GT(log["steps"].get<int>(), 2);
}

TEST(DebuggerLog, BreakpointsProxyAndTheConsoleTail) {
  Snapshot snapshot;
  auto breakpoint = debugger::breakpoint_from_text("proxy_get_header_map_value if key == :path");
  ASSERT_TRUE(breakpoint);
  breakpoint->id = 3;
  breakpoint->enabled = false;
  breakpoint->hits = 2;
  snapshot.breakpoints.push_back(*breakpoint);
  snapshot.proxy_port = 8123;
  snapshot.injections["proxy_http_call"] = abi::Status::BadArgument;
  DebugConsole console;
  for (size_t i = 0; i < kConsoleLines + 5; ++i) console.output("line " + std::to_string(i));
  console.input("info breakpoints");

  auto json = summarize_debugger(snapshot, &console);
  EXPECT_EQ(json["state"], "idle");
  EXPECT_EQ(json["paused"], false);
  ASSERT_EQ(json["breakpoints"].size(), 1u);
  EXPECT_EQ(json["breakpoints"][0]["id"], 3);
  EXPECT_EQ(json["breakpoints"][0]["enabled"], false);
  EXPECT_EQ(json["breakpoints"][0]["hits"], 2);
  EXPECT_NE(json["breakpoints"][0]["text"].get<std::string>().find("if key == :path"),
            std::string::npos);
  EXPECT_EQ(json["proxy_port"], 8123);
  EXPECT_EQ(json["injections"], nlohmann::json::array({"proxy_http_call BAD_ARGUMENT"}));
  // The newest lines, at most kConsoleLines of them, the input as the console shows it.
  ASSERT_EQ(json["console"].size(), kConsoleLines);
  EXPECT_EQ(json["console"].back(), "(pwplay) info breakpoints");
  EXPECT_EQ(json["console"].front(), "line 6");

  snapshot.proxy_port.reset();
  EXPECT_TRUE(summarize_debugger(snapshot, &console)["proxy_port"].is_null());
}

}  // namespace
}  // namespace pwplay::gui
