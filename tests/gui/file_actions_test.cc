// The desktop app's File commands run through the command table without a window, as menus and
// automation scripts run them: paste-curl and copy-as-curl, import-har and export-har,
// save-project and open-project (and what a failed open leaves alone).
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "app/gui/core/command_table.h"
#include "app/gui/core/file_actions.h"
#include "app/gui/core/session_commands.h"
#include "app/gui/core/workspace.h"
#include "debugger/breakpoints.h"
#include "debugger/formats/curl.h"
#include "debugger/formats/har.h"
#include "debugger/formats/project.h"
#include "gui/gui_test_support.h"

namespace pwplay::gui {
namespace {

using namespace std::chrono_literals;
using Headers = abi::HeaderPairs;

using test_support::sample;

std::string fixture(const char* name) {
  return std::string(PWPLAY_SOURCE_DIR "/tests/fixtures/") + name;
}

Headers headers_of(const RequestDraft& draft) {
  Headers out;
  for (const auto& row : draft.headers) out.emplace_back(row.name, row.value);
  return out;
}

using test_support::read_text;

// The app's pieces without a window: one workspace, one session, the File commands.
class FileCommands : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("pwplay-file-actions-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    FileCommandHost host;
    host.get_clipboard = [this] { return clipboard_; };
    host.set_clipboard = [this](const std::string& text) { clipboard_ = text; };
    register_file_action_commands(commands_, workspace_, session_, host);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const char* name) const { return (dir_ / name).string(); }
  Result<void> run(std::string_view id, std::string_view arg = {}) {
    return commands_.run(id, CommandSource::Automation, arg);
  }
  bool have_samples() const { return std::filesystem::exists(sample("add_header.wasm")); }

  std::filesystem::path dir_;
  std::string clipboard_;
  Workspace workspace_;
  debugger::Session session_;
  Commands commands_;
};

TEST_F(FileCommands, AreInTheFileMenu) {
  for (const char* id : {"paste-curl", "copy-as-curl", "import-har", "export-har", "export-trace",
                         "open-project", "save-project", "show-project"}) {
    const Command* command = commands_.find(id);
    ASSERT_NE(command, nullptr) << id;
    EXPECT_EQ(command->menu, "File") << id;
    EXPECT_FALSE(command->arg_required) << id;  // menus and the palette list them
  }
}

TEST_F(FileCommands, PasteCurlFillsTheComposer) {
  auto pasted = run("paste-curl",
                    "curl 'https://api.example.com/v1/items?page=2' -X PUT \\\n"
                    "  -H 'Content-Type: application/json' -H 'x-token: abc' "
                    "--data-raw '{\"name\":\"it'\\''s\"}'");
  ASSERT_TRUE(pasted) << pasted.error().message;
  const RequestDraft& draft = workspace_.request;
  EXPECT_EQ(draft.method, "PUT");
  EXPECT_EQ(draft.path, "/v1/items?page=2");
  const Headers expected = {
      {"host", "api.example.com"}, {"Content-Type", "application/json"}, {"x-token", "abc"}};
  EXPECT_EQ(headers_of(draft), expected);
  EXPECT_EQ(draft.body, "{\"name\":\"it's\"}");
  EXPECT_FALSE(workspace_.request_message_is_error);
  EXPECT_EQ(workspace_.request_message, "pasted curl: PUT /v1/items?page=2");

  // From the menu: the clipboard.
  clipboard_ = "curl -d 'a=1&b=2' http://localhost:8080/form";
  ASSERT_TRUE(run("paste-curl"));
  EXPECT_EQ(workspace_.request.method, "POST");
  EXPECT_EQ(workspace_.request.path, "/form");
  EXPECT_EQ(workspace_.request.body, "a=1&b=2");
  const Headers form = {{"host", "localhost:8080"},
                        {"content-type", "application/x-www-form-urlencoded"}};
  EXPECT_EQ(headers_of(workspace_.request), form);
}

TEST_F(FileCommands, PasteCurlErrorsLeaveTheComposerAndSayWhy) {
  RequestDraft before = workspace_.request;
  auto bad = run("paste-curl", "curl 'http://x/a");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message.rfind("curl command line: ", 0), 0u) << bad.error().message;
  EXPECT_TRUE(workspace_.request_message_is_error);
  EXPECT_EQ(workspace_.request_message, bad.error().message);
  EXPECT_EQ(workspace_.request.to_json(), before.to_json());

  clipboard_.clear();
  auto empty = run("paste-curl");
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "paste-curl: the clipboard holds no curl command");
  EXPECT_EQ(workspace_.request.to_json(), before.to_json());
}

TEST_F(FileCommands, CopyAsCurlParsesBackToTheSameRequest) {
  workspace_.request.method = "POST";
  workspace_.request.path = "/submit?q=a b";
  workspace_.request.headers = {{"host", "example.com"},
                                {"content-type", "text/plain"},
                                {"x-quote", "it's \"quoted\" $HOME"}};
  workspace_.request.body = "line 1\nline 2 'x'";
  std::string file = path("request.curl");
  ASSERT_TRUE(run("copy-as-curl", file));
  ASSERT_FALSE(clipboard_.empty());
  EXPECT_EQ(clipboard_, workspace_.last_curl);
  EXPECT_EQ(read_text(file), clipboard_);
  EXPECT_EQ(workspace_.request_message, "copied as curl, and written to " + file);

  auto parsed = debugger::parse_curl(clipboard_);
  ASSERT_TRUE(parsed) << parsed.error().message << "\n" << clipboard_;
  EXPECT_EQ(parsed->request.method, "POST");
  EXPECT_EQ(parsed->request.path, "/submit?q=a b");
  EXPECT_EQ(parsed->request.headers, headers_of(workspace_.request));
  EXPECT_EQ(parsed->request.body, "line 1\nline 2 'x'");

  // And through paste-curl, the composer gets it back whole.
  RequestDraft copied = workspace_.request;
  workspace_.new_request();
  ASSERT_TRUE(run("paste-curl"));
  EXPECT_EQ(workspace_.request.to_json(), copied.to_json());

  // A draft the engine would refuse is not copied.
  workspace_.request.path = "no-slash";
  std::string before = clipboard_;
  EXPECT_FALSE(run("copy-as-curl"));
  EXPECT_TRUE(workspace_.request_message_is_error);
  EXPECT_EQ(clipboard_, before);
}

TEST_F(FileCommands, ImportHarKeepsThePickedEntriesAndFillsTheComposer) {
  std::string har = fixture("browser_session.har");
  auto imported = run("import-har", har + "#2,4");
  ASSERT_TRUE(imported) << imported.error().message;
  ASSERT_EQ(workspace_.saved_requests.size(), 2u);
  EXPECT_EQ(workspace_.saved_requests[0].request.request.method, "POST");
  EXPECT_EQ(workspace_.saved_requests[0].request.request.path, "/v1/avatar");
  EXPECT_EQ(workspace_.saved_requests[1].name, "login form (Firefox)");
  EXPECT_EQ(workspace_.saved_requests[1].request.request.path, "/login");
  // The first picked is in the composer, its recorded response riding along as the mock.
  EXPECT_EQ(workspace_.request.method, "POST");
  EXPECT_EQ(workspace_.request.path, "/v1/avatar");
  EXPECT_EQ(workspace_.request.body, "{\"name\":\"it's me\",\"size\":\"small\"}");
  ASSERT_TRUE(workspace_.request.extra.contains("upstream_response"));
  EXPECT_EQ(workspace_.request.extra["upstream_response"]["status"], 201);
  auto built = workspace_.build_request();
  ASSERT_TRUE(built) << built.error().message;
  ASSERT_TRUE(built->upstream.mock);
  EXPECT_EQ(built->upstream.mock->status, 201u);
  EXPECT_TRUE(workspace_.show_project);
  EXPECT_EQ(workspace_.request_message, "imported 2 requests from " + har + " (skipped 1 entry)");

  // Without numbers: every HTTP entry (the data: URL is left out).
  ASSERT_TRUE(run("import-har", har));
  ASSERT_EQ(workspace_.saved_requests.size(), 6u);
  EXPECT_EQ(workspace_.request.path, "/v1/items?page=2&sort=price");

  // An entry that does not exist changes nothing.
  auto missing = run("import-har", har + "#1,9");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, har + ": no entry 9: the file has 4 HTTP requests (1..4)");
  EXPECT_EQ(workspace_.saved_requests.size(), 6u);
  EXPECT_FALSE(run("import-har", path("none.har")));
  EXPECT_FALSE(run("import-har", har + "#0"));
}

TEST_F(FileCommands, ImportHarWindowListsEntriesAndBuildsTheArgument) {
  // From the menu: no argument opens the window.
  ASSERT_TRUE(run("import-har"));
  FileDialog& dialog = workspace_.file_dialog;
  EXPECT_EQ(dialog.kind, FileDialog::Kind::ImportHar);
  EXPECT_TRUE(dialog.open_requested);
  dialog.path = fixture("browser_session.har");
  ASSERT_TRUE(list_har(dialog));
  ASSERT_EQ(dialog.entries.size(), 4u);
  EXPECT_EQ(dialog.entries[0].method, "GET");
  EXPECT_EQ(dialog.entries[0].url, "api.example.com/v1/items?page=2&sort=price");
  EXPECT_EQ(dialog.entries[0].status, 200u);
  EXPECT_EQ(dialog.entries[1].status, 201u);
  EXPECT_EQ(dialog.entries[2].status, 0u);  // blocked: no response
  EXPECT_EQ(dialog.entries[3].status, 302u);
  EXPECT_EQ(dialog.entries[3].url, "localhost:8080/login");  // from its "Host" header
  dialog.entries[0].picked = false;
  dialog.entries[2].picked = false;
  EXPECT_EQ(har_pick_argument(dialog), dialog.path + "#2,4");
  for (auto& row : dialog.entries) row.picked = false;
  EXPECT_EQ(har_pick_argument(dialog), "");
  dialog.path = path("missing.har");
  EXPECT_FALSE(list_har(dialog));
}

TEST_F(FileCommands, ExportHarWritesEveryRunWithWhatTheClientReceived) {
  if (!have_samples()) GTEST_SKIP() << "build the pwplay_samples target first";
  workspace_.filter.wasm_path = sample("add_header.wasm");
  ASSERT_TRUE(run("paste-curl", "curl -H 'x-a: 1' http://example.com/first"));
  auto first = workspace_.build_request();
  ASSERT_TRUE(first);
  ASSERT_TRUE(send_request(session_, workspace_, *first, debugger::Pausing::Off));
  ASSERT_TRUE(run("paste-curl", "curl --data-raw 'hello' http://example.com/second"));
  auto second = workspace_.build_request();
  ASSERT_TRUE(second);
  ASSERT_TRUE(send_request(session_, workspace_, *second, debugger::Pausing::Off));
  ASSERT_EQ(session_.wait(60s), debugger::SessionState::Idle);
  ASSERT_EQ(session_.snapshot()->history.size(), 2u);

  std::string file = path("history.har");
  auto exported = run("export-har", file);
  ASSERT_TRUE(exported) << exported.error().message;
  auto back = debugger::load_har_file(file);
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->requests.size(), 2u);
  EXPECT_EQ(back->requests[0].request.request.method, "GET");
  EXPECT_EQ(back->requests[0].request.request.path, "/first");
  EXPECT_EQ(back->requests[1].request.request.method, "POST");
  EXPECT_EQ(back->requests[1].request.request.path, "/second");
  EXPECT_EQ(back->requests[1].request.request.body, "hello");
  for (const auto& named : back->requests) {
    ASSERT_TRUE(named.request.upstream.mock) << named.name;
    EXPECT_EQ(named.request.upstream.mock->status, 200u);
    // What the client received, the filter's response header included.
    bool filtered = false;
    for (const auto& [name, value] : named.request.upstream.mock->headers)
      filtered |= name == "x-wasm-response" && value == "add-header";
    EXPECT_TRUE(filtered) << named.name;
  }
  auto json = debugger::parse_json_text(read_text(file), file);
  ASSERT_TRUE(json);
  EXPECT_EQ((*json)["log"]["entries"][0]["startedDateTime"],
            debugger::iso8601(session_.snapshot()->history[0]->time));

  session_.clear_history();
  auto empty = run("export-har", path("empty.har"));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "export-har: the history is empty: send a request first");
  EXPECT_FALSE(std::filesystem::exists(path("empty.har")));
}

TEST_F(FileCommands, ExportTraceWritesTheSessionsTraceForPerfetto) {
  std::string file = path("trace.json");
  auto empty = run("export-trace", file);
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("the trace is empty"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(file));
  if (!have_samples()) GTEST_SKIP() << "build the pwplay_samples target first";
  workspace_.filter.wasm_path = sample("add_header.wasm");
  ASSERT_TRUE(run("paste-curl", "curl http://example.com/traced"));
  auto request = workspace_.build_request();
  ASSERT_TRUE(request);
  ASSERT_TRUE(send_request(session_, workspace_, *request, debugger::Pausing::Off));
  ASSERT_EQ(session_.wait(60s), debugger::SessionState::Idle);
  auto exported = run("export-trace", file);
  ASSERT_TRUE(exported) << exported.error().message;
  EXPECT_NE(workspace_.request_message.find("to " + file), std::string::npos);
  auto json = debugger::parse_json_text(read_text(file), file);
  ASSERT_TRUE(json);
  bool request_headers = false;
  for (const auto& event : (*json)["traceEvents"])
    request_headers |= event["ph"] == "X" && event["name"] == "proxy_on_request_headers";
  EXPECT_TRUE(request_headers);
  // From the menu, without a path: the File window asks for one.
  ASSERT_TRUE(run("export-trace"));
  EXPECT_EQ(workspace_.file_dialog.kind, FileDialog::Kind::ExportTrace);
  EXPECT_EQ(workspace_.file_dialog.path, "trace.json");
}

TEST_F(FileCommands, SaveThenOpenProjectRestoresEverything) {
  if (!have_samples()) GTEST_SKIP() << "build the pwplay_samples target first";
  workspace_.filter.wasm_path = sample("add_header.wasm");
  workspace_.filter.configuration = "from-project";
  workspace_.filter.root_id = "root";
  workspace_.filter.fail_open = true;
  ASSERT_TRUE(run("import-har", fixture("browser_session.har") + "#4"));
  auto breakpoint = debugger::breakpoint_from_text("proxy_add_header_map_value if key == x-a");
  ASSERT_TRUE(breakpoint);
  uint32_t bp = session_.add_breakpoint(*breakpoint);
  session_.enable_breakpoint(bp, false);
  ASSERT_TRUE(run("paste-curl", "curl -H 'x-a: 1' http://example.com/ran"));
  auto request = workspace_.build_request();
  ASSERT_TRUE(request);
  ASSERT_TRUE(send_request(session_, workspace_, *request, debugger::Pausing::Off));
  ASSERT_EQ(session_.wait(60s), debugger::SessionState::Idle);
  ASSERT_TRUE(session_.snapshot()->last()->ran()) << session_.snapshot()->last()->error;
  // The draft differs from what ran: the project keeps both.
  ASSERT_TRUE(run("paste-curl", "curl -X DELETE -H 'x-draft: yes' http://example.com/draft"));
  RequestDraft draft = workspace_.request;

  std::string file = path("my.pwplay.json");
  auto saved = run("save-project", file);
  ASSERT_TRUE(saved) << saved.error().message;
  EXPECT_EQ(workspace_.project_path, file);

  // A new app opens it.
  Workspace opened;
  debugger::Session session;
  Commands commands;
  register_file_action_commands(commands, opened, session, {});
  auto open = commands.run("open-project", CommandSource::Automation, file);
  ASSERT_TRUE(open) << open.error().message;
  EXPECT_EQ(opened.filter, workspace_.filter);
  EXPECT_EQ(opened.request.to_json(), draft.to_json());
  ASSERT_EQ(opened.saved_requests.size(), 1u);
  EXPECT_EQ(opened.saved_requests[0].name, "login form (Firefox)");
  EXPECT_EQ(opened.saved_requests[0].request.request.path, "/login");
  ASSERT_EQ(opened.saved_history.size(), 1u);
  const debugger::HistoryRecord& record = opened.saved_history[0];
  EXPECT_EQ(record.request.request.path, "/ran");
  ASSERT_TRUE(record.outcome);
  EXPECT_EQ(record.outcome->status, 200u);
  auto breakpoints = session.breakpoints();
  ASSERT_EQ(breakpoints.size(), 1u);
  EXPECT_EQ(breakpoints[0].target, "proxy_add_header_map_value");
  EXPECT_EQ(breakpoints[0].condition_text, "key == x-a");
  EXPECT_FALSE(breakpoints[0].enabled);
  EXPECT_TRUE(opened.show_project);
  EXPECT_EQ(opened.project_path, file);
  // The filter is loaded with the project's settings.
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  EXPECT_TRUE(session.snapshot()->plugin.loaded) << session.snapshot()->plugin.error;
  EXPECT_EQ(opened.loaded_filter, opened.filter);

  // Saving again keeps the opened history, then the new runs.
  auto again = request;
  ASSERT_TRUE(send_request(session, opened, *again, debugger::Pausing::Off));
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  ASSERT_TRUE(commands.run("save-project", CommandSource::Automation, file));
  auto project = debugger::load_project(file);
  ASSERT_TRUE(project) << project.error().message;
  ASSERT_EQ(project->history.size(), 2u);
  EXPECT_EQ(project->history[0].id, 1u);
  EXPECT_EQ(project->history[1].id, 2u);
  EXPECT_EQ(project->history[1].request.request.path, "/ran");
  ASSERT_EQ(project->requests.size(), 2u);
  EXPECT_EQ(project->requests[0].name, kDraftRequestName);
}

// The whole chain goes into the project: a new app opens it, loads the enabled filters in order
// and a request sent there carries both filters' headers to the upstream, in chain order.
TEST_F(FileCommands, SaveThenOpenProjectKeepsTheWholeChain) {
  if (!have_samples() || !std::filesystem::exists(sample("add_header_as.wasm")))
    GTEST_SKIP() << "build the pwplay_samples target first";
  workspace_.filter.wasm_path = sample("add_header.wasm");
  workspace_.filter.configuration = "first";
  workspace_.filter.environment = {{"REGION", "eu"}};
  ChainFilter second;
  second.settings.wasm_path = sample("add_header_as.wasm");
  second.settings.vm_id = "as-vm";
  ChainFilter off;
  off.settings.wasm_path = sample("add_header.wasm");
  off.settings.configuration = "switched-off";
  off.enabled = false;
  workspace_.more_filters = {second, off};
  std::string file = path("chain.pwplay.json");
  auto saved = run("save-project", file);
  ASSERT_TRUE(saved) << saved.error().message;
  auto project = debugger::load_project(file);
  ASSERT_TRUE(project) << project.error().message;
  ASSERT_EQ(project->plugins.size(), 3u);
  EXPECT_EQ(project->plugins_enabled, (std::vector<bool>{true, true, false}));

  Workspace opened;
  debugger::Session session;
  Commands commands;
  register_file_action_commands(commands, opened, session, {});
  auto open = commands.run("open-project", CommandSource::Automation, file);
  ASSERT_TRUE(open) << open.error().message;
  EXPECT_EQ(opened.filter, workspace_.filter);
  EXPECT_TRUE(opened.filter_enabled);
  ASSERT_EQ(opened.more_filters.size(), 2u);
  EXPECT_EQ(opened.more_filters[0], second);
  EXPECT_EQ(opened.more_filters[1], off);
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  auto loaded = session.snapshot();
  ASSERT_TRUE(loaded->plugin.loaded) << loaded->plugin.error;
  ASSERT_EQ(loaded->chain.size(), 2u);
  EXPECT_EQ(loaded->chain[0].name, "add_header");
  EXPECT_EQ(loaded->chain[1].name, "add_header_as");

  debugger::RequestFile request;
  request.request.path = "/chain";
  request.request.headers = {{":authority", "example.com"}};
  ASSERT_TRUE(send_request(session, opened, request, debugger::Pausing::Off));
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  const debugger::HistoryEntry* run = session.snapshot()->last();
  ASSERT_TRUE(run && run->ran());
  ASSERT_TRUE(run->report.upstream_request);
  std::vector<std::string> values;
  for (const auto& [name, value] : run->report.upstream_request->headers)
    if (name == "x-wasm-filter") values.push_back(value);
  EXPECT_EQ(values, (std::vector<std::string>{"first", "add-header"}));
}

TEST_F(FileCommands, AFailedOpenLeavesTheStateAndNamesTheFileAndField) {
  workspace_.filter.wasm_path = "/kept/filter.wasm";
  ASSERT_TRUE(run("paste-curl", "curl -X PATCH http://example.com/kept"));
  ASSERT_TRUE(run("import-har", fixture("browser_session.har") + "#1"));
  auto breakpoint = debugger::breakpoint_from_text("proxy_on_request_headers");
  ASSERT_TRUE(breakpoint);
  session_.add_breakpoint(*breakpoint);
  const FilterSettings filter = workspace_.filter;
  const nlohmann::json draft = workspace_.request.to_json();

  auto expect_kept = [&](const char* what) {
    EXPECT_EQ(workspace_.filter, filter) << what;
    EXPECT_EQ(workspace_.request.to_json(), draft) << what;
    EXPECT_EQ(workspace_.saved_requests.size(), 1u) << what;
    EXPECT_EQ(session_.breakpoints().size(), 1u) << what;
    EXPECT_TRUE(workspace_.project_path.empty()) << what;
    EXPECT_TRUE(workspace_.request_message_is_error) << what;
  };

  std::string missing = path("missing.pwplay.json");
  auto none = run("open-project", missing);
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().message.find(missing), std::string::npos) << none.error().message;
  expect_kept("missing file");

  std::string broken = path("broken.pwplay.json");
  std::ofstream(broken) << R"({"format": "pwplay-project", "version": 1, "plugins": [)"
                        << R"({"wasm_path": "f.wasm"}], "requests": [{"name": "a", )"
                        << R"("request": {"method": "GET", "path": "/", "headers": 7}}]})";
  auto bad_field = run("open-project", broken);
  ASSERT_FALSE(bad_field);
  EXPECT_EQ(bad_field.error().message.rfind(broken + ": requests[0]", 0), 0u)
      << bad_field.error().message;
  EXPECT_NE(bad_field.error().message.find("headers"), std::string::npos)
      << bad_field.error().message;
  EXPECT_EQ(workspace_.request_message, bad_field.error().message);
  expect_kept("a bad field");

  std::string bad_breakpoint = path("breakpoint.pwplay.json");
  std::ofstream(bad_breakpoint) << R"({"format": "pwplay-project", "version": 1, )"
                                << R"("breakpoints": [{"id": 3, "kind": "hostcall", )"
                                << R"("target": "proxy_on_request_headers"}]})";
  auto wrong_kind = run("open-project", bad_breakpoint);
  ASSERT_FALSE(wrong_kind);
  EXPECT_EQ(wrong_kind.error().message.rfind(bad_breakpoint + ": breakpoints[0]: breakpoint 3", 0),
            0u)
      << wrong_kind.error().message;
  expect_kept("a breakpoint of the wrong kind");

  // Saving where it cannot write leaves nothing behind and says where.
  std::string unwritable = path("no-such-dir/p.pwplay.json");
  auto not_saved = run("save-project", unwritable);
  ASSERT_FALSE(not_saved);
  EXPECT_NE(not_saved.error().message.find(unwritable), std::string::npos)
      << not_saved.error().message;
}

TEST_F(FileCommands, PathCommandsFromTheMenuAskForAPath) {
  ASSERT_TRUE(run("save-project"));
  EXPECT_EQ(workspace_.file_dialog.kind, FileDialog::Kind::SaveProject);
  EXPECT_EQ(workspace_.file_dialog.path, "project.pwplay.json");
  EXPECT_FALSE(std::filesystem::exists("project.pwplay.json"));
  ASSERT_TRUE(run("open-project"));
  EXPECT_EQ(workspace_.file_dialog.kind, FileDialog::Kind::OpenProject);
  EXPECT_TRUE(workspace_.file_dialog.open_requested);
  ASSERT_TRUE(run("export-har"));
  EXPECT_EQ(workspace_.file_dialog.kind, FileDialog::Kind::ExportHar);
  EXPECT_EQ(workspace_.file_dialog.path, "history.har");
  ASSERT_TRUE(run("show-project"));
  EXPECT_TRUE(workspace_.show_project);
  EXPECT_TRUE(commands_.find("show-project")->checked());
}

}  // namespace
}  // namespace pwplay::gui
