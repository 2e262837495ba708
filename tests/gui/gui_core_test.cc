// The desktop app's model without a window: shortcuts, the command table, header diffs,
// automation scripts and their runner, the request draft, and the debugger session behind the
// app end to end (its snapshots, Send and Debug request in one history, loads only on change).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "app/gui/core/automation.h"
#include "app/gui/core/command_table.h"
#include "app/gui/core/run_comparison.h"
#include "app/gui/core/session_commands.h"
#include "app/gui/core/workspace.h"
#include "debugger/breakpoints.h"
#include "gui/gui_test_support.h"

namespace pwplay::gui {
namespace {

using namespace std::chrono_literals;

TEST(Shortcut, ParsesAndFormats) {
  auto palette = parse_shortcut("Ctrl+Shift+P");
  ASSERT_TRUE(palette);
  EXPECT_TRUE(palette->ctrl);
  EXPECT_TRUE(palette->shift);
  EXPECT_FALSE(palette->alt);
  EXPECT_EQ(palette->key, 'P');
  EXPECT_EQ(format_shortcut(*palette), "Ctrl+Shift+P");
  auto send = parse_shortcut("ctrl+enter");
  ASSERT_TRUE(send);
  EXPECT_EQ(send->key, keys::kEnter);
  EXPECT_EQ(format_shortcut(*send), "Ctrl+Enter");
  auto f12 = parse_shortcut("F12");
  ASSERT_TRUE(f12);
  EXPECT_EQ(f12->key, keys::kF1 + 11);
  EXPECT_EQ(format_shortcut(*f12), "F12");
  EXPECT_FALSE(parse_shortcut("Ctrl+"));
  EXPECT_FALSE(parse_shortcut("Ctrl+A+B"));
  EXPECT_FALSE(parse_shortcut("Hyper+X"));
  EXPECT_FALSE(parse_shortcut("F13"));
}

TEST(Commands, RunsByIdAndLogsEveryRun) {
  Commands commands;
  std::string seen;
  commands.add({"greet", "Greet", "Run", *parse_shortcut("Ctrl+G"), "name", false,
                [&](std::string_view arg) -> Result<void> {
                  if (arg == "nobody") return make_error("nobody to greet");
                  seen = std::string(arg);
                  return {};
                }});
  commands.add({"plain", "Plain", "Run", {}, "", false, [](std::string_view) -> Result<void> {
                  return {};
                }});
  EXPECT_TRUE(commands.run("greet", CommandSource::Automation, "world"));
  EXPECT_EQ(seen, "world");
  EXPECT_FALSE(commands.run("greet", CommandSource::Menu, "nobody"));
  EXPECT_FALSE(commands.run("missing", CommandSource::Palette));
  EXPECT_FALSE(commands.run("plain", CommandSource::Automation, "unexpected"));
  ASSERT_EQ(commands.log().size(), 4u);
  EXPECT_TRUE(commands.log()[0].ok);
  EXPECT_EQ(commands.log()[0].source, CommandSource::Automation);
  EXPECT_EQ(commands.log()[1].message, "nobody to greet");
  EXPECT_EQ(commands.log()[2].message, "unknown command 'missing'");
  EXPECT_EQ(commands.log()[3].message, "'plain' takes no argument");
  ASSERT_NE(commands.find_shortcut(*parse_shortcut("Ctrl+G")), nullptr);
  EXPECT_EQ(commands.find_shortcut(*parse_shortcut("Ctrl+G"))->id, "greet");
  EXPECT_EQ(commands.find_shortcut(*parse_shortcut("Ctrl+H")), nullptr);
}

TEST(Commands, DisabledAndArgumentRequired) {
  Commands commands;
  bool enabled = false;
  Command gated{
      "gated", "Gated", "", {}, "", false, [](std::string_view) -> Result<void> {
                  return {}; }};
  gated.enabled = [&] { return enabled; };
  commands.add(gated);
  commands.add({"needs", "Needs", "", {}, "a value", true, [](std::string_view) -> Result<void> {
                  return {};
                }});
  EXPECT_FALSE(commands.run("gated", CommandSource::Menu));
  enabled = true;
  EXPECT_TRUE(commands.run("gated", CommandSource::Menu));
  EXPECT_FALSE(commands.run("needs", CommandSource::Palette));
  EXPECT_TRUE(commands.run("needs", CommandSource::Automation, "x"));
}

TEST(Commands, PaletteMatching) {
  Command send{"send", "Send request", "", {}, "", false, nullptr};
  Command save{"save-request", "Save request file", "", {}, "", false, nullptr};
  EXPECT_GT(Commands::match_score("send", send), Commands::match_score("send", save));
  EXPECT_GE(Commands::match_score("srf", save), 0);
  EXPECT_LT(Commands::match_score("xyz", send), 0);
  EXPECT_EQ(Commands::match_score("", send), 0);
}

TEST(AutomationScript, ParsesEveryStepKind) {
  auto script = parse_automation_script(nlohmann::json::parse(R"({
    "window": {"width": 1024, "height": 640}, "log": "out.json", "timeout_ms": 5000,
    "exit": false,
    "steps": ["send", {"run": "load", "arg": "f.wasm"}, {"wait": "engine"},
              {"wait": "runs", "count": 2, "timeout_ms": 100}, {"frames": 3},
              {"screenshot": "a.png"}, {"wait": "time", "ms": 250}]})"),
                                        "script.json");
  ASSERT_TRUE(script) << script.error().message;
  EXPECT_EQ(script->width, 1024);
  EXPECT_EQ(script->height, 640);
  EXPECT_EQ(script->log_path, "out.json");
  EXPECT_EQ(script->timeout, 5000ms);
  EXPECT_FALSE(script->exit_when_done);
  ASSERT_EQ(script->steps.size(), 7u);
  EXPECT_EQ(script->steps[0].command, "send");
  EXPECT_EQ(script->steps[1].arg, "f.wasm");
  EXPECT_EQ(script->steps[2].kind, AutomationStep::Kind::WaitEngine);
  EXPECT_EQ(script->steps[3].kind, AutomationStep::Kind::WaitRuns);
  EXPECT_EQ(script->steps[3].count, 2);
  EXPECT_EQ(script->steps[3].timeout, 100ms);
  EXPECT_EQ(script->steps[4].count, 3);
  EXPECT_EQ(script->steps[5].path, "a.png");
  EXPECT_EQ(script->steps[6].kind, AutomationStep::Kind::WaitTime);
  EXPECT_EQ(script->steps[6].duration, 250ms);
}

TEST(AutomationScript, ErrorsNameTheStep) {
  auto bad = [](const char* text) {
    auto script = parse_automation_script(nlohmann::json::parse(text), "s.json");
    return script ? std::string("(parsed)") : script.error().message;
  };
  EXPECT_EQ(bad(R"({"steps": [{"wait": "forever"}]})"),
            "s.json: steps[0]: field 'wait' must be \"engine\", \"runs\", \"time\", \"command\" or "
            "\"lesson\"");
  EXPECT_EQ(bad(R"({"steps": [{"wait": "command"}]})"),
            "s.json: steps[0]: a \"command\" wait needs field 'id', a command id");
  EXPECT_EQ(bad(R"({"steps": [{"wait": "time"}]})"),
            "s.json: steps[0]: a \"time\" wait needs field 'ms'");
  EXPECT_EQ(bad(R"({"steps": ["send", {"frames": 0}]})"),
            "s.json: steps[1]: field 'frames' must be an integer >= 1");
  EXPECT_EQ(bad(R"({"steps": [{"run": "x", "bogus": 1}]})"),
            "s.json: steps[0]: unknown field 'bogus'");
  EXPECT_EQ(bad(R"({"steps": [{}]})"),
            "s.json: steps[0]: a step needs one of 'run', 'wait', 'check', 'frames', 'screenshot'");
  EXPECT_EQ(bad(R"({"stepz": []})"), "s.json: unknown field 'stepz'");
  EXPECT_EQ(bad(R"([])"), "s.json: expected a JSON object with 'steps'");
}

TEST(AutomationScript, CommandLineForm) {
  auto script = command_line_script({"load", "set-field=filter.root_id=a=b"}, "x.png", 4);
  ASSERT_EQ(script.steps.size(), 5u);
  EXPECT_EQ(script.steps[1].command, "set-field");
  EXPECT_EQ(script.steps[1].arg, "filter.root_id=a=b");
  EXPECT_EQ(script.steps[2].kind, AutomationStep::Kind::WaitEngine);
  EXPECT_EQ(script.steps[3].count, 4);
  EXPECT_EQ(script.steps[4].path, "x.png");
}

// An app stand-in: commands, a snapshot the test edits, and a fake frame buffer.
class FakeHost : public AutomationHost {
 public:
  Commands& commands() override { return commands_; }
  std::shared_ptr<const Snapshot> snapshot() override {
    return std::make_shared<const Snapshot>(snapshot_);
  }
  bool engine_idle() override { return idle_; }
  Result<ScreenshotInfo> capture(const std::string& path) override {
    captures_.push_back(path);
    return ScreenshotInfo{path, 640, 480};
  }

  Commands commands_;
  Snapshot snapshot_;
  bool idle_ = true;
  std::vector<std::string> captures_;
};

TEST(AutomationRunner, PlaysStepsFrameByFrame) {
  FakeHost host;
  int sent = 0;
  host.commands_.add({"send", "Send", "", {}, "", false, [&](std::string_view) -> Result<void> {
                        ++sent;
                        return {};
                      }});
  auto script = parse_automation_script(
      nlohmann::json::parse(
          R"({"steps": ["send", {"wait": "runs", "count": 1}, {"screenshot": "s.png"}]})"),
      "s");
  ASSERT_TRUE(script);
  AutomationRunner runner(std::move(*script));
  runner.before_frame(host);  // runs "send", then waits for the run
  runner.after_render(host);
  EXPECT_EQ(sent, 1);
  EXPECT_FALSE(runner.finished());
  host.snapshot_.history.push_back(std::make_shared<debugger::HistoryEntry>());
  host.idle_ = false;  // the engine still publishing: keep waiting
  runner.before_frame(host);
  runner.after_render(host);
  EXPECT_TRUE(host.captures_.empty());
  host.idle_ = true;
  int frames = 0;
  while (!runner.finished() && frames < 20) {
    runner.before_frame(host);
    runner.after_render(host);
    ++frames;
  }
  EXPECT_TRUE(runner.finished());
  EXPECT_FALSE(runner.failed());
  EXPECT_EQ(frames, AutomationRunner::kSettleFrames + 1);
  ASSERT_EQ(host.captures_.size(), 1u);
  auto log = runner.log(host.snapshot_, host.commands_);
  EXPECT_EQ(log["ok"], true);
  EXPECT_EQ(log["commands"][0]["id"], "send");
  EXPECT_EQ(log["commands"][0]["source"], "automation");
  EXPECT_EQ(log["screenshots"][0]["width"], 640);
}

TEST(AutomationRunner, UnknownCommandsAndTimeoutsFail) {
  FakeHost host;
  AutomationRunner unknown(command_line_script({"nope"}, "", 0));
  unknown.before_frame(host);
  EXPECT_TRUE(unknown.failed());
  EXPECT_EQ(unknown.error(), "step 1: unknown command 'nope'");
  EXPECT_EQ(unknown.exit_code(), 1);

  auto script = parse_automation_script(
      nlohmann::json::parse(R"({"steps": [{"wait": "runs", "count": 1, "timeout_ms": 1}]})"), "s");
  ASSERT_TRUE(script);
  AutomationRunner waiting(std::move(*script));
  waiting.before_frame(host);
  std::this_thread::sleep_for(5ms);
  waiting.before_frame(host);
  EXPECT_TRUE(waiting.failed());
  EXPECT_NE(waiting.error().find("expected 1 run(s)"), std::string::npos);
}

TEST(AutomationRunner, CommandWaitsEndWhenTheCommandHasRunWell) {
  FakeHost host;
  bool fail_it = true;
  host.commands_.add(
      {"paste-curl", "Paste curl", "", {}, "", false, [&](std::string_view) -> Result<void> {
         if (fail_it) return make_error("no curl");
         return {};
       }});
  auto script = parse_automation_script(
      nlohmann::json::parse(R"({"steps": [{"wait": "command", "id": "paste-curl"}]})"), "s");
  ASSERT_TRUE(script);
  AutomationRunner runner(std::move(*script));
  runner.before_frame(host);
  EXPECT_FALSE(runner.finished());
  (void)host.commands_.run("paste-curl", CommandSource::Button);  // fails: keep waiting
  runner.before_frame(host);
  EXPECT_FALSE(runner.finished());
  fail_it = false;
  (void)host.commands_.run("paste-curl", CommandSource::Button);
  runner.before_frame(host);
  EXPECT_TRUE(runner.finished());
  EXPECT_FALSE(runner.failed());
}

TEST(AutomationRunner, TimeWaitsDrawFramesUntilTheTimeHasPassed) {
  FakeHost host;
  auto script = parse_automation_script(
      nlohmann::json::parse(R"({"steps": [{"wait": "time", "ms": 30}]})"), "s");
  ASSERT_TRUE(script);
  AutomationRunner runner(std::move(*script));
  const auto start = std::chrono::steady_clock::now();
  int frames = 0;
  while (!runner.finished() && frames < 100000) {
    runner.before_frame(host);
    runner.after_render(host);
    ++frames;
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(runner.finished());
  EXPECT_FALSE(runner.failed());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 30ms);
  EXPECT_GT(frames, 2);  // it did not finish at once
}

TEST(Workspace, RequestDraftKeepsFieldsItDoesNotShow) {
  auto draft = RequestDraft::from_json(nlohmann::json::parse(R"({
      "method": "POST", "path": "/p", "headers": [["host", "h"], ["a", "1"]],
      "body_chunks": ["ab", "cd"], "upstream_response": {"status": 201},
      "properties": {"source.address": "1.2.3.4:5"}, "name": "demo"})"),
                                       "req.json");
  ASSERT_TRUE(draft) << draft.error().message;
  EXPECT_EQ(draft->method, "POST");
  EXPECT_EQ(draft->body, "abcd");
  ASSERT_EQ(draft->headers.size(), 2u);
  nlohmann::json back = draft->to_json();
  EXPECT_EQ(back["body_chunks"].size(), 2u);  // unchanged body: still chunked
  EXPECT_EQ(back["upstream_response"]["status"], 201);
  EXPECT_EQ(back["properties"]["source.address"], "1.2.3.4:5");
  draft->body = "edited";
  draft->headers.push_back({"", "ignored: no name"});
  back = draft->to_json();
  EXPECT_FALSE(back.contains("body_chunks"));
  EXPECT_EQ(back["body"], "edited");
  EXPECT_EQ(back["headers"].size(), 2u);
  auto parsed = debugger::parse_request(back, "draft");
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_TRUE(parsed->upstream.mock);
  EXPECT_EQ(parsed->upstream.mock->status, 201u);
}

TEST(Workspace, OpenSaveAndValidate) {
  Workspace workspace;
  auto missing = workspace.open_request("/nonexistent/req.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/req.json"), std::string::npos);
  ASSERT_TRUE(workspace.open_request(PWPLAY_SOURCE_DIR "/samples/requests/post.json"));
  EXPECT_EQ(workspace.request.method, "POST");
  EXPECT_EQ(workspace.request.body, "hello pwplay");
  auto dir = std::filesystem::temp_directory_path() / "pwplay_gui_core_test";
  std::filesystem::create_directories(dir);
  std::string saved = (dir / "saved.json").string();
  workspace.request.path = "/changed";
  ASSERT_TRUE(workspace.save_request(saved));
  Workspace other;
  ASSERT_TRUE(other.open_request(saved));
  EXPECT_EQ(other.request.path, "/changed");
  EXPECT_EQ(other.request.body, "hello pwplay");
  workspace.request.path = "no-slash";
  auto invalid = workspace.build_request();
  ASSERT_FALSE(invalid);
  EXPECT_NE(invalid.error().message.find("must start with '/'"), std::string::npos);
  EXPECT_FALSE(workspace.save_request(saved));  // never writes an invalid request
  std::filesystem::remove_all(dir);
}

TEST(Workspace, SelectionFollowsNewRuns) {
  Workspace workspace;
  Snapshot snapshot;
  auto run = [](uint64_t id) {
    auto entry = std::make_shared<debugger::HistoryEntry>();
    entry->id = id;
    return entry;
  };
  snapshot.history = {run(1)};
  workspace.observe(snapshot);
  EXPECT_EQ(workspace.selection.run_id, 1u);
  workspace.selection.follow_latest = false;
  snapshot.history.push_back(run(2));
  workspace.observe(snapshot);
  EXPECT_EQ(workspace.selection.run_id, 1u);
  EXPECT_EQ(workspace.selected_run(snapshot)->id, 1u);
  snapshot.history.erase(snapshot.history.begin());  // history dropped the selected run
  workspace.observe(snapshot);
  EXPECT_EQ(workspace.selection.run_id, 2u);
}

using test_support::sample;

debugger::RequestFile get_request(const std::string& path = "") {
  auto request = debugger::load_request_file(PWPLAY_SOURCE_DIR "/samples/requests/get.json");
  EXPECT_TRUE(request.ok());
  if (!path.empty()) request->request.path = path;
  return *request;
}

TEST(SessionSnapshots, LoadsSendsAndPublishes) {
  if (!std::filesystem::exists(sample("add_header.wasm")))
    GTEST_SKIP() << "build the pwplay_samples target first";
  std::atomic<int> publishes{0};
  debugger::Session session(debugger::SessionOptions{.on_publish = [&] { ++publishes; }});
  auto first = session.snapshot();
  EXPECT_EQ(first->state, debugger::SessionState::Idle);
  Workspace workspace;
  workspace.filter.wasm_path = sample("add_header.wasm");
  ASSERT_TRUE(load_filter(session, workspace));
  // Published when queued: never idle with the load neither done nor started.
  auto queued = session.snapshot();
  EXPECT_TRUE(queued->state == debugger::SessionState::Running || queued->loads == 1u);
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  auto after_load = session.snapshot();
  ASSERT_TRUE(after_load->plugin.loaded) << after_load->plugin.error;
  EXPECT_EQ(after_load->plugin.name, "add_header");
  EXPECT_EQ(after_load->plugin.abi_version, "0.2.1");
  EXPECT_EQ(after_load->plugin.engine, "v8");
  EXPECT_GT(after_load->plugin.load_ns, 0u);
  EXPECT_GT(after_load->version, first->version);
  EXPECT_TRUE(first->history.empty());  // published snapshots never change
  EXPECT_FALSE(first->plugin.loaded);

  ASSERT_TRUE(send_request(session, workspace, get_request(), debugger::Pausing::Off));
  auto second = send_request(session, workspace, get_request(), debugger::Pausing::Off);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second, 2u);
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  auto after_send = session.snapshot();
  EXPECT_EQ(after_send->state, debugger::SessionState::Idle);
  EXPECT_TRUE(after_send->activity.empty());
  ASSERT_EQ(after_send->history.size(), 2u);
  const debugger::HistoryEntry& run = *after_send->history.back();
  EXPECT_EQ(run.id, 2u);
  ASSERT_TRUE(run.ran()) << run.error;
  ASSERT_TRUE(run.report.response);
  EXPECT_EQ(run.report.response->status, 200u);
  EXPECT_FALSE(run.trace.empty());
  EXPECT_GT(run.stats.callbacks, 0u);  // computed once, when the run was recorded
  EXPECT_EQ(after_send->history.front().get(), session.snapshot()->history.front().get());
  // Each command publishes at least when it is queued, starts and ends.
  EXPECT_GE(publishes.load(), 9);

  session.clear_history();
  EXPECT_TRUE(session.snapshot()->history.empty());
  EXPECT_EQ(session.snapshot()->history_count, 2u);  // ever finished
  EXPECT_EQ(after_send->history.size(), 2u);         // an old snapshot keeps its runs
}

// The app's one engine: Send and Debug request go through the same session, so they share one
// history numbered in order; the filter loads once, again only when its settings change.
TEST(SessionSnapshots, SendAndDebugRequestShareOneHistoryAndTheFilterLoadsOnce) {
  debugger::Session session;
  Workspace workspace;
  workspace.filter.wasm_path = sample("add_header.wasm");
  auto breakpoint =
      debugger::breakpoint_from_text("proxy_add_header_map_value if key == x-wasm-filter");
  ASSERT_TRUE(breakpoint) << breakpoint.error().message;
  session.add_breakpoint(*breakpoint);

  // A plain Send runs to its end although the breakpoint matches it.
  auto sent = send_request(session, workspace, get_request("/sent"), debugger::Pausing::Off);
  ASSERT_TRUE(sent) << sent.error().message;
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  EXPECT_EQ(session.snapshot()->loads, 1u);
  EXPECT_EQ(session.snapshot()->breakpoints[0].hits, 0u);

  // Debug request stops there; the pause is in the snapshot; Continue finishes it.
  auto debugged = send_request(session, workspace, get_request("/debugged"), debugger::Pausing::On);
  ASSERT_TRUE(debugged) << debugged.error().message;
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Paused);
  auto paused = session.snapshot();
  EXPECT_EQ(paused->state, debugger::SessionState::Paused);
  ASSERT_TRUE(paused->pause);
  EXPECT_EQ(paused->pause->event.name, "proxy_add_header_map_value");
  EXPECT_EQ(paused->breakpoints[0].hits, 1u);
  // Nothing else is sent while it is paused.
  auto refused = send_request(session, workspace, get_request(), debugger::Pausing::Off);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("paused"), std::string::npos);
  ASSERT_TRUE(session.resume(debugger::ResumeMode::Continue));
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  EXPECT_FALSE(session.snapshot()->pause);

  auto again = send_request(session, workspace, get_request("/again"), debugger::Pausing::Off);
  ASSERT_TRUE(again);
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);

  auto snapshot = session.snapshot();
  ASSERT_EQ(snapshot->history.size(), 3u);
  EXPECT_EQ(*sent, 1u);
  EXPECT_EQ(*debugged, 2u);
  EXPECT_EQ(*again, 3u);
  const char* paths[] = {"/sent", "/debugged", "/again"};
  for (size_t i = 0; i < 3; ++i) {
    const debugger::HistoryEntry& run = *snapshot->history[i];
    EXPECT_EQ(run.id, i + 1);
    EXPECT_EQ(run.request.request.path, paths[i]);
    ASSERT_TRUE(run.report.upstream_request) << run.error;
    EXPECT_EQ(run.report.upstream_request->path, paths[i]);
  }
  EXPECT_EQ(snapshot->loads, 1u);  // three requests, one load
  EXPECT_EQ(snapshot->plugin.build, 1u);
  EXPECT_EQ(snapshot->breakpoints[0].hits, 1u);

  // Another configuration: loaded once, before the next request, which sees it.
  workspace.filter.configuration = "changed";
  ASSERT_TRUE(send_request(session, workspace, get_request(), debugger::Pausing::Off));
  ASSERT_TRUE(send_request(session, workspace, get_request(), debugger::Pausing::Off));
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  snapshot = session.snapshot();
  EXPECT_EQ(snapshot->loads, 2u);
  EXPECT_EQ(snapshot->plugin.build, 2u);
  ASSERT_EQ(snapshot->history.size(), 5u);
  ASSERT_TRUE(snapshot->last()->report.upstream_request);
  bool changed = false;
  for (const auto& [name, value] : snapshot->last()->report.upstream_request->headers)
    changed |= name == "x-wasm-filter" && value == "changed";
  EXPECT_TRUE(changed);
}

TEST(RunComparison, SameRequestTwiceIsTheSameAndAnotherConfigDiffers) {
  debugger::Session session;
  Workspace workspace;
  workspace.filter.wasm_path = std::string(PWPLAY_SAMPLES_DIR) + "/add_header.wasm";
  auto request =
      debugger::load_request_file(std::string(PWPLAY_SOURCE_DIR) + "/samples/requests/get.json");
  ASSERT_TRUE(request.ok());
  ASSERT_TRUE(send_request(session, workspace, *request, debugger::Pausing::Off));
  ASSERT_TRUE(send_request(session, workspace, *request, debugger::Pausing::Off));
  workspace.filter.configuration = "changed";
  ASSERT_TRUE(send_request(session, workspace, *request, debugger::Pausing::Off));
  ASSERT_EQ(session.wait(std::chrono::seconds(60)), debugger::SessionState::Idle);
  auto snapshot = session.snapshot();
  ASSERT_EQ(snapshot->history.size(), 3u);

  auto same = compare_runs(*snapshot, 1, 2);
  ASSERT_TRUE(same.ok()) << same.error().message;
  EXPECT_TRUE(same->diff.same());
  // "3" compares run 3 with the run before it; the filter's header value follows the config.
  auto changed = compare_runs_command(*snapshot, 1, "3");
  ASSERT_TRUE(changed.ok()) << changed.error().message;
  EXPECT_EQ(changed->before, 2u);
  EXPECT_EQ(changed->after, 3u);
  ASSERT_FALSE(changed->diff.outcome.empty());
  EXPECT_EQ(changed->diff.outcome[0],
            "upstream header changed x-wasm-filter: add-header -> changed");
  // The selected run against the one before it.
  EXPECT_EQ(compare_runs_command(*snapshot, 2, "")->before, 1u);
  EXPECT_FALSE(compare_runs_command(*snapshot, 1, "").ok());  // nothing before run 1
  auto missing = compare_runs(*snapshot, 1, 9);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().message, "no run #9 in the history");
  EXPECT_FALSE(compare_runs_command(*snapshot, 1, "x").ok());
}

TEST(SessionSnapshots, LoadErrorsAreValues) {
  debugger::Session session;
  Workspace workspace;
  workspace.filter.wasm_path = "/nonexistent/filter.wasm";
  ASSERT_TRUE(load_filter(session, workspace));
  ASSERT_EQ(session.wait(10s), debugger::SessionState::Idle);
  EXPECT_FALSE(session.snapshot()->plugin.loaded);
  EXPECT_EQ(session.snapshot()->plugin.error, "/nonexistent/filter.wasm: no such file");
  // The same settings again: the failed load is retried before the request, which fails with it.
  ASSERT_TRUE(send_request(session, workspace, get_request(), debugger::Pausing::Off));
  ASSERT_EQ(session.wait(10s), debugger::SessionState::Idle);
  auto snapshot = session.snapshot();
  EXPECT_EQ(snapshot->loads, 2u);
  ASSERT_EQ(snapshot->history.size(), 1u);
  EXPECT_FALSE(snapshot->history[0]->ran());
  EXPECT_EQ(snapshot->history[0]->error, "/nonexistent/filter.wasm: no such file");
  auto not_run = compare_runs(*snapshot, 1, 1);
  ASSERT_FALSE(not_run.ok());
  EXPECT_EQ(not_run.error().message,
            "run #1 has no result (/nonexistent/filter.wasm: no such file)");
}

}  // namespace
}  // namespace pwplay::gui
