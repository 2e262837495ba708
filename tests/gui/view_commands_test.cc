// The view commands without a window: show-inspector and its Ctrl+Alt+1..6 keys, the debug
// layout toggle, the theme and the font scale (and its limits), and the "ui" object of the
// automation log, with what the window showed in each screenshot.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "app/gui/core/automation.h"
#include "app/gui/core/perf_commands.h"
#include "app/gui/core/ui_state.h"
#include "debugger/session.h"

namespace pwplay::gui {
namespace {

// A window stand-in: records what the commands asked for.
struct FakeView {
  UiState state;
  std::vector<InspectorTab> shown;
  int toggles = 0;
  bool has_memory_tab = false;

  ViewCommandHost host() {
    ViewCommandHost h;
    h.show_inspector = [this](InspectorTab tab) -> Result<void> {
      if (tab == InspectorTab::Memory && !has_memory_tab)
        return make_error("show-inspector: the Memory tab is not in this build yet");
      shown.push_back(tab);
      state.inspector_tab = tab;
      return {};
    };
    h.toggle_debug_layout = [this] {
      ++toggles;
      state.layout = state.layout == LayoutMode::Debug ? LayoutMode::Normal : LayoutMode::Debug;
    };
    h.set_theme = [this](Theme theme) { state.theme = theme; };
    h.set_font_scale = [this](float scale) { state.font_scale = scale; };
    h.state = [this]() -> const UiState& { return state; };
    return h;
  }
};

TEST(ViewCommands, ShowInspectorTakesEveryTabNameInAnyCase) {
  Commands commands;
  FakeView view;
  view.has_memory_tab = true;
  register_layout_commands(commands, view.host());
  const Command* show = commands.find("show-inspector");
  ASSERT_NE(show, nullptr);
  EXPECT_TRUE(show->arg_required);
  ASSERT_TRUE(commands.run("show-inspector", CommandSource::Automation, "trace"));
  ASSERT_TRUE(commands.run("show-inspector", CommandSource::Automation, "Debugger"));
  ASSERT_TRUE(commands.run("show-inspector", CommandSource::Automation, "MEMORY"));
  ASSERT_TRUE(commands.run("show-inspector", CommandSource::Automation, "module"));
  ASSERT_TRUE(commands.run("show-inspector", CommandSource::Automation, "Performance"));
  ASSERT_TRUE(commands.run("show-inspector", CommandSource::Automation, "logs"));
  EXPECT_EQ(view.shown, (std::vector<InspectorTab>{InspectorTab::Trace, InspectorTab::Debugger,
                                                   InspectorTab::Memory, InspectorTab::Module,
                                                   InspectorTab::Performance, InspectorTab::Logs}));
}

TEST(ViewCommands, ShowInspectorRefusesAnUnknownTabNamingTheAcceptedOnes) {
  Commands commands;
  FakeView view;
  register_layout_commands(commands, view.host());
  auto refused = commands.run("show-inspector", CommandSource::Automation, "network");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message,
            "show-inspector: expected trace, debugger, memory, module, performance or logs, got "
            "'network'");
  auto empty = commands.run("show-inspector", CommandSource::Automation, "");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message,
            "'show-inspector' needs an argument: trace, debugger, memory, module, performance or "
            "logs");
  // A tab the window does not have yet: the window's reason comes back.
  auto memory = commands.run("show-inspector-memory", CommandSource::Shortcut);
  ASSERT_FALSE(memory);
  EXPECT_EQ(memory.error().message, "show-inspector: the Memory tab is not in this build yet");
  EXPECT_TRUE(view.shown.empty());
  ASSERT_FALSE(commands.log().empty());
  EXPECT_FALSE(commands.log().back().ok);
}

TEST(ViewCommands, CtrlAltOneToSixSelectTheTabsInOrder) {
  Commands commands;
  FakeView view;
  view.has_memory_tab = true;
  debugger::Session session;
  Workspace workspace;
  // show-performance keeps its id and Ctrl+Alt+5; the others are the layout's.
  register_perf_commands(commands, session, workspace,
                         [&] { view.shown.push_back(InspectorTab::Performance); });
  register_layout_commands(commands, view.host());
  const char* expected[] = {"show-inspector-trace",  "show-inspector-debugger",
                            "show-inspector-memory", "show-inspector-module",
                            "show-performance",      "show-inspector-logs"};
  for (int n = 1; n <= 6; ++n) {
    auto keys = parse_shortcut("Ctrl+Alt+" + std::to_string(n));
    ASSERT_TRUE(keys);
    const Command* command = commands.find_shortcut(*keys);
    ASSERT_NE(command, nullptr) << n;
    EXPECT_EQ(command->id, expected[n - 1]);
    EXPECT_EQ(command->menu, "View");
    ASSERT_TRUE(commands.run(command->id, CommandSource::Shortcut));
  }
  EXPECT_EQ(view.shown, (std::vector<InspectorTab>{InspectorTab::Trace, InspectorTab::Debugger,
                                                   InspectorTab::Memory, InspectorTab::Module,
                                                   InspectorTab::Performance, InspectorTab::Logs}));
  // No key is bound twice.
  std::set<std::string> bound;
  for (const Command& command : commands.all()) {
    if (command.shortcut.empty()) continue;
    EXPECT_TRUE(bound.insert(format_shortcut(command.shortcut)).second) << command.id;
  }
}

TEST(ViewCommands, DebugLayoutToggleAndTheme) {
  Commands commands;
  FakeView view;
  register_layout_commands(commands, view.host());
  const Command* toggle = commands.find("toggle-debug-layout");
  ASSERT_NE(toggle, nullptr);
  ASSERT_TRUE(toggle->checked);
  EXPECT_FALSE(toggle->checked());
  ASSERT_TRUE(commands.run("toggle-debug-layout", CommandSource::Menu));
  EXPECT_EQ(view.state.layout, LayoutMode::Debug);
  EXPECT_TRUE(toggle->checked());
  ASSERT_TRUE(commands.run("toggle-debug-layout", CommandSource::Menu));
  EXPECT_EQ(view.state.layout, LayoutMode::Normal);
  EXPECT_EQ(view.toggles, 2);

  ASSERT_TRUE(commands.run("set-theme", CommandSource::Automation, "LIGHT"));
  EXPECT_EQ(view.state.theme, Theme::Light);
  EXPECT_TRUE(commands.find("theme-light")->checked());
  EXPECT_FALSE(commands.find("theme-dark")->checked());
  auto refused = commands.run("set-theme", CommandSource::Automation, "solarized");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "set-theme: expected dark or light, got 'solarized'");
  EXPECT_EQ(view.state.theme, Theme::Light);
  ASSERT_TRUE(commands.run("theme-dark", CommandSource::Menu));
  EXPECT_EQ(view.state.theme, Theme::Dark);
}

TEST(ViewCommands, FontScaleStaysWithinItsLimits) {
  Commands commands;
  FakeView view;
  register_layout_commands(commands, view.host());
  EXPECT_EQ(commands.find("font-bigger")->shortcut, *parse_shortcut("Ctrl+="));
  EXPECT_EQ(commands.find("font-smaller")->shortcut, *parse_shortcut("Ctrl+-"));
  EXPECT_EQ(commands.find("font-reset")->shortcut, *parse_shortcut("Ctrl+0"));
  ASSERT_TRUE(commands.run("font-bigger", CommandSource::Shortcut));
  EXPECT_FLOAT_EQ(view.state.font_scale, 1.1f);
  ASSERT_TRUE(commands.run("font-smaller", CommandSource::Shortcut));
  EXPECT_FLOAT_EQ(view.state.font_scale, 1.0f);
  for (int i = 0; i < 30; ++i) (void)commands.run("font-bigger", CommandSource::Shortcut);
  EXPECT_FLOAT_EQ(view.state.font_scale, kMaxFontScale);
  for (int i = 0; i < 30; ++i) (void)commands.run("font-smaller", CommandSource::Shortcut);
  EXPECT_FLOAT_EQ(view.state.font_scale, kMinFontScale);
  ASSERT_TRUE(commands.run("font-reset", CommandSource::Shortcut));
  EXPECT_FLOAT_EQ(view.state.font_scale, 1.0f);
  EXPECT_FLOAT_EQ(clamp_font_scale(9.0f), 2.0f);
  EXPECT_FLOAT_EQ(clamp_font_scale(0.0f), 0.6f);
}

TEST(ViewCommands, ShortcutsForFontKeysParseAndFormat) {
  auto bigger = parse_shortcut("Ctrl+=");
  ASSERT_TRUE(bigger);
  EXPECT_EQ(bigger->key, '=');
  EXPECT_EQ(format_shortcut(*bigger), "Ctrl+=");
  auto smaller = parse_shortcut("Ctrl+-");
  ASSERT_TRUE(smaller);
  EXPECT_EQ(smaller->key, '-');
  EXPECT_EQ(format_shortcut(*smaller), "Ctrl+-");
  auto tab6 = parse_shortcut("Ctrl+Alt+6");
  ASSERT_TRUE(tab6);
  EXPECT_EQ(format_shortcut(*tab6), "Ctrl+Alt+6");
}

class UiHost : public AutomationHost {
 public:
  Commands& commands() override { return commands_; }
  std::shared_ptr<const Snapshot> snapshot() override {
    return std::make_shared<const Snapshot>(snapshot_);
  }
  bool engine_idle() override { return true; }
  Result<ScreenshotInfo> capture(const std::string& path) override {
    return ScreenshotInfo{path, 320, 200};
  }
  Commands commands_;
  Snapshot snapshot_;
};

TEST(ViewCommands, TheAutomationLogReportsWhatTheWindowShowed) {
  UiHost host;
  auto script = parse_automation_script(
      nlohmann::json::parse(R"({"steps": [{"screenshot": "a.png"}, {"screenshot": "b.png"}]})"),
      "s");
  ASSERT_TRUE(script);
  AutomationRunner runner(std::move(*script));
  UiState ui;
  // Before the first frame nothing was drawn: no tab.
  EXPECT_EQ(ui_state_json(ui)["inspector_tab"], nullptr);
  ui.inspector_tab = InspectorTab::Debugger;
  ui.layout = LayoutMode::Debug;
  int frames = 0;
  while (!runner.finished() && frames < 40) {
    runner.before_frame(host);
    // The second screenshot after the pause ended and the Logs tab came to the front.
    if (frames == AutomationRunner::kSettleFrames + 2) {
      ui.inspector_tab = InspectorTab::Logs;
      ui.layout = LayoutMode::Normal;
      ui.theme = Theme::Light;
      ui.font_scale = 1.2f;
      ui.memory_cursor = 0x40;
    }
    runner.set_ui_state(ui);
    runner.after_render(host);
    ++frames;
  }
  ASSERT_TRUE(runner.finished());
  auto log = runner.log(host.snapshot_, host.commands_);
  EXPECT_EQ(log["screenshots"][0]["ui"]["inspector_tab"], "Debugger");
  EXPECT_EQ(log["screenshots"][0]["ui"]["layout"], "debug");
  EXPECT_EQ(log["screenshots"][0]["ui"]["memory_cursor"], nullptr);
  EXPECT_EQ(log["screenshots"][1]["ui"]["inspector_tab"], "Logs");
  EXPECT_EQ(log["ui"]["inspector_tab"], "Logs");
  EXPECT_EQ(log["ui"]["layout"], "normal");
  EXPECT_EQ(log["ui"]["theme"], "light");
  EXPECT_EQ(log["ui"]["memory_cursor"], 0x40);
  EXPECT_NEAR(log["ui"]["font_scale"].get<double>(), 1.2, 1e-6);
}

}  // namespace
}  // namespace pwplay::gui
