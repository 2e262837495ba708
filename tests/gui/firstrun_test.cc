// The first run's model without a window: where the built samples and their requests are found
// (a temporary tree laid out like build/ and samples/), open-sample against the real add_header,
// the recent list (round trip, its limit, a corrupt file left alone), the file browser's listing
// and completion, open-file's dispatch by extension and contents, and the status bar's hint.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "app/gui/core/automation.h"
#include "app/gui/core/file_actions.h"
#include "app/gui/core/file_browser.h"
#include "app/gui/core/firstrun_commands.h"
#include "app/gui/core/open_file.h"
#include "app/gui/core/recent.h"
#include "app/gui/core/samples.h"
#include "app/gui/core/session_commands.h"
#include "gui/gui_test_support.h"

namespace pwplay::gui {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A fresh directory per test, removed after it.
class TempTree {
 public:
  TempTree() {
    std::string pattern = (fs::temp_directory_path() / "pwplay-firstrun-XXXXXX").string();
    if (mkdtemp(pattern.data())) path_ = pattern;
    EXPECT_FALSE(path_.empty()) << "mkdtemp failed";
  }
  ~TempTree() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& content) const {
    fs::path file = path_ / name;
    fs::create_directories(file.parent_path());
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }
  fs::path folder(const std::string& name) const {
    fs::create_directories(path_ / name);
    return path_ / name;
  }

 private:
  fs::path path_;
};

using test_support::read_text;

const std::string kWasmMagic("\0asm\1\0\0\0", 8);
const char* const kGetJson =
    R"({"method":"GET","path":"/hello","headers":[["host","example.com"]]})";

// --- Sample discovery -------------------------------------------------------------------------

TEST(SampleDiscovery, FindsBuiltSamplesNextToTheExecutableAndRequestsInTheTree) {
  TempTree tree;
  tree.write("build/app/pwplay", "#!");
  tree.write("build/samples/add_header.wasm", kWasmMagic);
  tree.write("build/samples/trap.wasm", kWasmMagic);
  tree.write("samples/requests/get.json", kGetJson);
  auto found = find_samples({.executable = tree.path() / "build/app/pwplay"});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->built, tree.path() / "build/samples");
  EXPECT_EQ(found->requests, tree.path() / "samples/requests");

  auto samples = available_samples(*found);
  ASSERT_EQ(samples.size(), 2u);  // only the built ones, in catalog order
  EXPECT_STREQ(samples[0].info->name, "add_header");
  EXPECT_EQ(samples[0].wasm, tree.path() / "build/samples/add_header.wasm");
  ASSERT_TRUE(samples[0].request.has_value());
  EXPECT_EQ(*samples[0].request, tree.path() / "samples/requests/get.json");
  EXPECT_STREQ(samples[1].info->name, "trap");
  EXPECT_STREQ(samples[1].info->language, "WAT");
}

TEST(SampleDiscovery, PresetsInAssetsComeFirstAndSamplesRequestsStillServe) {
  TempTree tree;
  tree.write("build/app/pwplay", "#!");
  tree.write("build/samples/add_header.wasm", kWasmMagic);
  tree.write("build/samples/hello.wasm", kWasmMagic);
  tree.write("build/samples/trap.wasm", kWasmMagic);
  tree.write("samples/requests/get.json", kGetJson);
  tree.write("assets/requests/hello.json", kGetJson);
  auto found = find_samples({.executable = tree.path() / "build/app/pwplay"});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->requests, tree.path() / "samples/requests");
  EXPECT_EQ(found->assets_requests, tree.path() / "assets/requests");
  auto samples = available_samples(*found);
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(*samples[0].request, tree.path() / "samples/requests/get.json");
  EXPECT_FALSE(samples[1].request.has_value());  // trap.json is in neither folder
  EXPECT_EQ(*samples[2].request, tree.path() / "assets/requests/hello.json");
}

TEST(SampleDiscovery, TheRealTreesPresetsAreFound) {
  auto found =
      find_samples({.samples_dir = PWPLAY_SAMPLES_DIR, .source_dirs = {PWPLAY_SOURCE_DIR}});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->assets_requests, fs::path(PWPLAY_SOURCE_DIR) / "assets/requests");
  for (const auto& sample : available_samples(*found))
    EXPECT_TRUE(sample.request.has_value()) << sample.info->name << ": " << sample.info->request;
}

TEST(SampleDiscovery, RequestsComeFromASourceDirWhenTheTreeHasNone) {
  TempTree build, source;
  build.write("out/bin/pwplay", "#!");
  build.write("out/samples/add_header.wasm", kWasmMagic);
  source.write("samples/requests/get.json", kGetJson);
  auto found =
      find_samples({.executable = build.path() / "out/bin/pwplay", .source_dirs = {source.path()}});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->requests, source.path() / "samples/requests");
}

TEST(SampleDiscovery, MissingSamplesSayWhereItLooked) {
  TempTree tree;
  tree.write("build/app/pwplay", "#!");
  auto found = find_samples({.executable = tree.path() / "build/app/pwplay"});
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find((tree.path() / "build/samples").string()), std::string::npos)
      << found.error().message;
}

TEST(SampleDiscovery, AnExplicitDirIsTheOnlyOneTried) {
  TempTree tree;
  tree.write("build/app/pwplay", "#!");
  tree.write("build/samples/add_header.wasm", kWasmMagic);
  fs::path elsewhere = tree.folder("elsewhere");
  auto found =
      find_samples({.samples_dir = elsewhere, .executable = tree.path() / "build/app/pwplay"});
  ASSERT_FALSE(found);
  EXPECT_NE(found.error().message.find(elsewhere.string()), std::string::npos);
}

TEST(SampleDiscovery, MissingPresetsLeaveTheRequestEmpty) {
  TempTree tree;
  tree.write("samples/add_header.wasm", kWasmMagic);
  auto found = find_samples({.samples_dir = tree.path() / "samples"});
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_TRUE(found->requests.empty());
  auto samples = available_samples(*found);
  ASSERT_EQ(samples.size(), 1u);
  EXPECT_FALSE(samples[0].request.has_value());
}

// --- open-sample --------------------------------------------------------------------------------

class OpenSample : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(PWPLAY_SAMPLES_DIR "/add_header.wasm")) GTEST_SKIP() << "samples not built";
    locations_.built = PWPLAY_SAMPLES_DIR;
    locations_.requests = PWPLAY_SOURCE_DIR "/samples/requests";
    FirstRunContext context;
    context.locations = [this]() -> Result<SampleLocations> { return locations_; };
    context.on_sample_opened = [this] { ++opened_; };
    register_first_run_commands(commands_, workspace_, session_, std::move(context));
  }
  SampleLocations locations_;
  Workspace workspace_;
  debugger::Session session_;
  Commands commands_;
  int opened_ = 0;
};

TEST_F(OpenSample, LoadsTheFilterWithItsRequestReadyToSend) {
  auto opened = commands_.run("open-sample", CommandSource::Automation, "add_header");
  ASSERT_TRUE(opened) << opened.error().message;
  EXPECT_EQ(opened_, 1);
  // Shown relative to the current directory when under it.
  EXPECT_TRUE(fs::equivalent(workspace_.filter.wasm_path, PWPLAY_SAMPLES_DIR "/add_header.wasm"))
      << workspace_.filter.wasm_path;
  EXPECT_EQ(workspace_.request.path, "/hello");  // samples/requests/get.json
  EXPECT_TRUE(
      fs::equivalent(workspace_.request_path, PWPLAY_SOURCE_DIR "/samples/requests/get.json"))
      << workspace_.request_path;
  ASSERT_EQ(session_.wait(60s), debugger::SessionState::Idle);
  auto snapshot = session_.snapshot();
  ASSERT_TRUE(snapshot->plugin.loaded) << snapshot->plugin.error;
  EXPECT_EQ(snapshot->plugin.name, "add_header");

  // What Ctrl+Enter does next: the request runs through the filter.
  auto request = workspace_.build_request();
  ASSERT_TRUE(request);
  ASSERT_TRUE(send_request(session_, workspace_, *request, debugger::Pausing::Off));
  ASSERT_EQ(session_.wait(60s), debugger::SessionState::Idle);
  const debugger::HistoryEntry* run = session_.snapshot()->last();
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(run->report.response.has_value());
  EXPECT_EQ(run->report.response->status, 200u);
  EXPECT_EQ(snapshot->loads, 1u);
}

TEST_F(OpenSample, TakesTheSamplesOwnPreset) {
  if (!fs::exists(PWPLAY_SAMPLES_DIR "/body_rewrite.wasm")) GTEST_SKIP();
  ASSERT_TRUE(commands_.run("open-sample", CommandSource::Automation, "body_rewrite"));
  EXPECT_EQ(workspace_.request.method, "POST");  // post.json
  EXPECT_EQ(workspace_.request.body, "hello pwplay");
}

TEST_F(OpenSample, UnknownNamesChangeNothing) {
  workspace_.filter.wasm_path = "mine.wasm";
  workspace_.request.path = "/mine";
  auto opened = commands_.run("open-sample", CommandSource::Automation, "no_such_sample");
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("no_such_sample"), std::string::npos);
  EXPECT_NE(opened.error().message.find("add_header"), std::string::npos);  // names the known
  EXPECT_EQ(workspace_.filter.wasm_path, "mine.wasm");
  EXPECT_EQ(workspace_.request.path, "/mine");
  EXPECT_EQ(opened_, 0);
}

TEST_F(OpenSample, AnUnbuiltSampleSaysSo) {
  TempTree empty;
  locations_.built = empty.path();
  auto opened = commands_.run("open-sample", CommandSource::Automation, "add_header");
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("not built"), std::string::npos) << opened.error().message;
}

// --- break-on-event and the hint ---------------------------------------------------------------

TEST_F(OpenSample, BreakOnEventSetsABreakpointOnTheSelectedCallback) {
  std::string added;
  commands_.add({"debug-break",
                 "Add breakpoint",
                 "Debug",
                 {},
                 "target",
                 true,
                 [&added](std::string_view arg) -> Result<void> {
                   added = std::string(arg);
                   return {};
                 }});
  auto none = commands_.run("break-on-event", CommandSource::Shortcut);
  ASSERT_FALSE(none);  // nothing selected yet
  EXPECT_NE(none.error().message.find("Trace"), std::string::npos);

  ASSERT_TRUE(commands_.run("open-sample", CommandSource::Automation, "add_header"));
  auto request = workspace_.build_request();
  ASSERT_TRUE(request);
  ASSERT_TRUE(send_request(session_, workspace_, *request, debugger::Pausing::Off));
  ASSERT_EQ(session_.wait(60s), debugger::SessionState::Idle);
  auto snapshot = session_.snapshot();
  workspace_.observe(*snapshot);
  const debugger::HistoryEntry* run = snapshot->last();
  ASSERT_NE(run, nullptr);
  for (const auto& event : run->trace)
    if (event.kind == host::EventKind::Callback && event.name == "proxy_on_request_headers") {
      workspace_.selection.event_seq = event.seq;
      break;
    }
  ASSERT_TRUE(workspace_.selection.event_seq);
  auto set = commands_.run("break-on-event", CommandSource::Shortcut);
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(added, "proxy_on_request_headers");

  for (const auto& event : run->trace)
    if (event.kind == host::EventKind::Copy) {
      workspace_.selection.event_seq = event.seq;
      break;
    }
  EXPECT_FALSE(commands_.run("break-on-event", CommandSource::Shortcut));
}

TEST(NextStepsHint, NamesTheKeysTheTableBinds) {
  Commands commands;
  auto add = [&](const char* id, const char* keys) {
    Command command{
        id, id, "Run", {}, "", false, [](std::string_view) -> Result<void> {
                      return {}; }};
    if (keys) command.shortcut = *parse_shortcut(keys);
    commands.add(std::move(command));
  };
  add("send", "Ctrl+Enter");
  add("break-on-event", "F9");
  add("debug-send", "Ctrl+D");
  EXPECT_EQ(next_steps_hint(commands),
            "Ctrl+Enter sends; F9 on an event breaks there; Ctrl+D debugs");
  add("debug-send", nullptr);  // unbound: not promised
  EXPECT_EQ(next_steps_hint(commands), "Ctrl+Enter sends; F9 on an event breaks there");
  // The lessons, by the menu entry that opens them.
  commands.add(
      {"open-lesson", "Lessons", "Help", {}, "", false, [](std::string_view) -> Result<void> {
         return {};
       }});
  EXPECT_EQ(next_steps_hint(commands),
            "Ctrl+Enter sends; F9 on an event breaks there; Help > Lessons to learn proxy-wasm");
}

// --- Recent files -------------------------------------------------------------------------------

TEST(RecentFiles, RoundTripNewestFirstWithoutDuplicates) {
  TempTree tree;
  fs::path file = tree.path() / "config/pwplay/recent.json";
  {
    RecentStore store(file.string());
    ASSERT_TRUE(store.load());  // missing: empty
    ASSERT_TRUE(store.remember_filter("/f/a.wasm"));
    ASSERT_TRUE(store.remember_filter("/f/b.wasm"));
    ASSERT_TRUE(store.remember_filter("/f/a.wasm"));
    ASSERT_TRUE(store.remember_request("/r/get.json"));
  }
  RecentStore again(file.string());
  ASSERT_TRUE(again.load());
  EXPECT_EQ(again.files().filters, (std::vector<std::string>{"/f/a.wasm", "/f/b.wasm"}));
  EXPECT_EQ(again.files().requests, (std::vector<std::string>{"/r/get.json"}));
  EXPECT_TRUE(again.problem().empty());
}

TEST(RecentFiles, KeepsAtMostTheLimitAndFieldsItDoesNotKnow) {
  TempTree tree;
  fs::path file =
      tree.write("recent.json", R"({"format":"pwplay-recent","version":1,"pinned":["/x.wasm"]})");
  RecentStore store(file.string());
  ASSERT_TRUE(store.load());
  for (int i = 0; i < 12; ++i)
    ASSERT_TRUE(store.remember_filter("/f/" + std::to_string(i) + ".wasm"));
  ASSERT_EQ(store.files().filters.size(), RecentFiles::kMaxRecent);
  EXPECT_EQ(store.files().filters.front(), "/f/11.wasm");
  EXPECT_EQ(store.files().filters.back(), "/f/2.wasm");
  RecentStore again(file.string());
  ASSERT_TRUE(again.load());
  EXPECT_EQ(again.files().filters.size(), RecentFiles::kMaxRecent);
  EXPECT_NE(read_text(file).find("\"pinned\""), std::string::npos);  // the user's field stays
}

TEST(RecentFiles, ACorruptFileIsReportedAndNeverOverwritten) {
  TempTree tree;
  const std::string corrupt = "{\"filters\": [\"/a.wasm\", 3]}";
  fs::path file = tree.write("recent.json", corrupt);
  RecentStore store(file.string());
  auto loaded = store.load();
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find(file.string()), std::string::npos);
  EXPECT_NE(loaded.error().message.find("filters[1]"), std::string::npos) << loaded.error().message;
  EXPECT_NE(store.problem().find("left as it is"), std::string::npos);
  EXPECT_TRUE(store.files().filters.empty());
  EXPECT_FALSE(store.remember_filter("/b.wasm"));  // refused: the file is not ours to replace
  EXPECT_EQ(read_text(file), corrupt);

  fs::path not_json = tree.write("broken.json", "{not json");
  RecentStore broken(not_json.string());
  ASSERT_FALSE(broken.load());
  (void)broken.remember_request("/r.json");
  EXPECT_EQ(read_text(not_json), "{not json");
}

// --- File browser -------------------------------------------------------------------------------

TEST(FileBrowserModel, FoldersFirstThenFilesByNameFilteredByExtension) {
  TempTree tree;
  tree.folder("b_dir");
  tree.folder("A_dir");
  tree.folder(".git");
  tree.write("z.wasm", kWasmMagic);
  tree.write("a.WASM", kWasmMagic);
  tree.write("notes.txt", "hi");
  tree.write(".hidden.wasm", kWasmMagic);
  auto listing = list_directory(tree.path(), {.extensions = {".wasm"}});
  ASSERT_TRUE(listing) << listing.error().message;
  std::vector<std::string> names;
  for (const auto& entry : listing->entries) names.push_back(entry.name);
  EXPECT_EQ(names, (std::vector<std::string>{"A_dir", "b_dir", "a.WASM", "z.wasm"}));
  EXPECT_TRUE(listing->entries[0].directory);
  EXPECT_FALSE(listing->entries[2].directory);
  EXPECT_EQ(listing->entries[3].size, kWasmMagic.size());

  auto all = list_directory(tree.path(), {.show_hidden = true});
  ASSERT_TRUE(all);
  EXPECT_EQ(all->entries.size(), 7u);

  EXPECT_FALSE(list_directory(tree.path() / "missing", {}));
}

TEST(FileBrowserModel, ListsAtMostTheLimit) {
  TempTree tree;
  for (size_t i = 0; i <= kMaxBrowserEntries; ++i) tree.write("f" + std::to_string(i), "");
  auto listing = list_directory(tree.path(), {});
  ASSERT_TRUE(listing);
  EXPECT_EQ(listing->entries.size(), kMaxBrowserEntries);
  EXPECT_TRUE(listing->truncated);
}

TEST(FileBrowserModel, CompletesATypedPath) {
  TempTree tree;
  tree.write("requests/req_one.json", "{}");
  tree.write("requests/req_two.json", "{}");
  tree.write("requests/other.txt", "");
  tree.folder("samples");
  BrowserFilter json{.extensions = {".json"}};

  Completion folder = complete_path("req", tree.path(), json);
  EXPECT_EQ(folder.completed, "requests/");  // a single folder gets its slash
  Completion shared = complete_path("requests/r", tree.path(), json);
  EXPECT_EQ(shared.completed, "requests/req_");
  EXPECT_EQ(shared.candidates, (std::vector<std::string>{"req_one.json", "req_two.json"}));
  Completion one = complete_path("requests/req_t", tree.path(), json);
  EXPECT_EQ(one.completed, "requests/req_two.json");
  Completion filtered = complete_path("requests/o", tree.path(), json);
  EXPECT_EQ(filtered.completed, "requests/o");  // other.txt is not a .json
  EXPECT_TRUE(filtered.candidates.empty());
  std::string absolute = (tree.path() / "sam").string();
  EXPECT_EQ(complete_path(absolute, "/", json).completed, (tree.path() / "samples/").string());
}

TEST(FileBrowserModel, NavigatesAndFollowsATypedPath) {
  TempTree tree;
  tree.write("one/two/filter.wasm", kWasmMagic);
  FileBrowser browser;
  browser.open(tree.path(), {.extensions = {".wasm"}});
  ASSERT_EQ(browser.entries().size(), 1u);
  browser.enter("one");
  EXPECT_EQ(browser.dir(), tree.path() / "one");
  browser.up();
  EXPECT_EQ(browser.dir(), tree.path());
  browser.go_to((tree.path() / "one/two/filter.wasm").string());
  EXPECT_EQ(browser.dir(), tree.path() / "one/two");
  EXPECT_EQ(browser.picked, "filter.wasm");
  browser.enter("missing");
  EXPECT_FALSE(browser.message().empty());
}

// --- open-file ----------------------------------------------------------------------------------

TEST(OpenFile, ClassifiesByExtensionAndContents) {
  TempTree tree;
  auto kind = [](const fs::path& path) {
    auto classified = classify_file(path.string());
    return classified ? std::string(file_kind_name(*classified)) : classified.error().message;
  };
  EXPECT_EQ(kind(tree.write("f.wasm", kWasmMagic)), "filter");
  EXPECT_EQ(kind(tree.write("module.bin", kWasmMagic)), "filter");  // by its magic
  EXPECT_EQ(kind(tree.write("f.so", "ELF")), "native filter");
  EXPECT_EQ(kind(tree.write("s.har", "{}")), "HAR file");
  EXPECT_EQ(kind(tree.write("p.pwplay.json", "{}")), "project");
  EXPECT_EQ(kind(tree.write("p.json", R"({"format":"pwplay-project","version":1})")), "project");
  EXPECT_EQ(kind(tree.write("h.json", R"({"log":{"entries":[]}})")), "HAR file");
  EXPECT_EQ(kind(tree.write("r.json", kGetJson)), "request");
  EXPECT_EQ(kind(tree.write("c.txt", "\n  curl -H 'x: 1' http://a/b\n")), "curl command");
  std::string junk = kind(tree.write("notes.txt", "hello"));
  EXPECT_NE(junk.find("notes.txt"), std::string::npos);
  EXPECT_NE(junk.find(".wasm"), std::string::npos);  // says what pwplay opens
  EXPECT_NE(kind(tree.folder("dir")).find("folder"), std::string::npos);
  EXPECT_NE(kind(tree.path() / "missing.json").find("missing.json"), std::string::npos);
}

TEST(OpenFile, DispatchesThroughTheCommandTable) {
  TempTree tree;
  Workspace workspace;
  Commands commands;
  std::vector<std::pair<std::string, std::string>> ran;
  for (const char* id : {"load", "open-request", "import-har", "open-project", "paste-curl"}) {
    commands.add(
        {id, id, "File", {}, "arg", false, [&ran, id](std::string_view arg) -> Result<void> {
           ran.emplace_back(id, std::string(arg));
           return {};
         }});
  }
  register_open_file_command(commands, workspace);
  auto open = [&](const fs::path& path) {
    ran.clear();
    auto result = commands.run("open-file", CommandSource::Drop, path.string());
    EXPECT_TRUE(result) << path << ": " << (result ? "" : result.error().message);
    return ran.size() == 1 ? ran[0] : std::pair<std::string, std::string>{};
  };
  fs::path wasm = tree.write("f.wasm", kWasmMagic);
  EXPECT_EQ(open(wasm), std::make_pair(std::string("load"), wasm.string()));
  fs::path so = tree.write("f.so", "ELF");
  EXPECT_EQ(open(so).first, "load");
  EXPECT_EQ(workspace.filter.engine, "native");
  EXPECT_EQ(open(wasm).first, "load");
  EXPECT_EQ(workspace.filter.engine, "v8");
  fs::path request = tree.write("r.json", kGetJson);
  EXPECT_EQ(open(request), std::make_pair(std::string("open-request"), request.string()));
  fs::path har = tree.write("s.har", "{}");
  EXPECT_EQ(open(har), std::make_pair(std::string("import-har"), har.string()));
  fs::path project = tree.write("p.pwplay.json", "{}");
  EXPECT_EQ(open(project), std::make_pair(std::string("open-project"), project.string()));
  fs::path curl = tree.write("c.curl", "curl http://example.com/x\n");
  EXPECT_EQ(open(curl),
            std::make_pair(std::string("paste-curl"), std::string("curl http://example.com/x")));

  ran.clear();
  auto refused = commands.run("open-file", CommandSource::Drop, tree.write("x.txt", "?").string());
  EXPECT_FALSE(refused);
  EXPECT_TRUE(ran.empty());
  EXPECT_TRUE(workspace.request_message_is_error);
  EXPECT_EQ(commands.log().back().source, CommandSource::Drop);
  EXPECT_STREQ(command_source_name(CommandSource::Drop), "drop");
}

TEST(OpenFile, ARealRequestAndCurlFileReachTheComposer) {
  TempTree tree;
  Workspace workspace;
  debugger::Session session;
  Commands commands;
  register_file_action_commands(commands, workspace, session, {});
  commands.add(
      {"open-request",
       "Open request",
       "File",
       {},
       "path",
       false,
       [&workspace](std::string_view arg) { return workspace.open_request(std::string(arg)); }});
  register_open_file_command(commands, workspace);
  ASSERT_TRUE(commands.run(
      "open-file", CommandSource::Drop,
      tree.write("c.sh", "curl -X PUT -H 'x-from: drop' http://example.com/dropped").string()));
  EXPECT_EQ(workspace.request.method, "PUT");
  EXPECT_EQ(workspace.request.path, "/dropped");
  ASSERT_TRUE(
      commands.run("open-file", CommandSource::Drop, tree.write("get.json", kGetJson).string()));
  EXPECT_EQ(workspace.request.path, "/hello");
}

// --- The automation log's windows ---------------------------------------------------------------

TEST(AutomationWindows, TheLogListsOpenAndSeenWindows) {
  AutomationRunner runner(command_line_script({"about"}, "", 0));
  runner.record_windows({"welcome"});
  runner.record_windows({"welcome", "about"});
  runner.record_windows({"about"});
  Commands commands;
  auto log = runner.log(Snapshot{}, commands);
  EXPECT_EQ(log["windows"]["open"], nlohmann::json({"about"}));
  EXPECT_EQ(log["windows"]["seen"], nlohmann::json({"welcome", "about"}));
}

}  // namespace
}  // namespace pwplay::gui
