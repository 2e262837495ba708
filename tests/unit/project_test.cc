// Project files: a full round trip, refusal of newer versions and foreign
// files, errors with places, and atomic saving (the previous file survives
// every failure, no temporary files stay).
#include "debugger/formats/project.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "debugger/formats/atomic_file.h"

namespace pwplay::debugger {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A fresh directory per test, removed afterwards.
class ProjectFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pwplay-project-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    set_atomic_write_fault_hook(nullptr);
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string read(const std::string& name) const {
    std::ifstream in(dir_ / name, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
  }
  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_))
      names.push_back(entry.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }
  std::string load_error(const std::string& text) const {
    write("p.json", text);
    auto loaded = load_project(path("p.json"));
    EXPECT_FALSE(loaded.ok()) << text;
    return loaded.ok() ? "" : loaded.error().message;
  }
  fs::path dir_;
};

Project sample_project() {
  Project project;
  project.plugins.push_back({.wasm_path = "filters/add_header.wasm",
                             .engine = "v8",
                             .name = "add_header",
                             .root_id = "root",
                             .vm_id = "vm1",
                             .configuration = "from-config",
                             .vm_configuration = "vm-config",
                             .fail_open = true});
  project.plugins.push_back({.wasm_path = "/abs/other.wasm", .engine = ""});

  RequestFile get;
  get.request.path = "/hello";
  get.request.headers = {{"host", "example.com"}, {"accept", "*/*"}};
  project.requests.push_back({"get hello", get});

  RequestFile rich;
  rich.request.method = "POST";
  rich.request.path = "/upload";
  rich.request.headers = {{"host", "example.com"}, {"content-type", "application/octet-stream"}};
  rich.request.body = std::string("\x00\x01\xfe\xff", 4);
  rich.request.trailers = {{"x-checksum", "abc"}};
  host::ResponseSpec mock;
  mock.status = 201;
  mock.headers = {{"location", "/u/1"}};
  mock.body = "created";
  mock.trailers = {{"grpc-status", "0"}};
  rich.upstream.mock = mock;
  CalloutReply reply;
  reply.response.headers = {{":status", "200"}, {"x-auth-user", "alice"}};
  reply.response.body = "alice";
  reply.delay_ms = 25;
  rich.callouts["auth"] = reply;
  host::GrpcMockReply grpc;
  grpc.status = 5;
  grpc.status_message = "not found";
  grpc.initial_metadata = {{"k", "v"}};
  grpc.messages = {"m1", std::string("\x08\x01", 2)};
  rich.grpc["backend"] = grpc;
  rich.properties["source.address"] = "10.0.0.1:1234";
  project.requests.push_back({"upload", rich});

  HistoryRecord ran;
  ran.id = 7;
  ran.time = "2024-03-01T10:00:00.000Z";
  ran.request = get;
  Outcome outcome;
  outcome.status = 503;
  outcome.headers = {{"content-type", "text/plain"}};
  outcome.body = "failed";
  outcome.local_response = true;
  outcome.failure = OutcomeFailure{"proxy_on_request_headers", "trap", "unreachable"};
  outcome.duration_ms = 0.25;
  ran.outcome = outcome;
  project.history.push_back(ran);
  HistoryRecord never_ran;
  never_ran.id = 8;
  never_ran.time = "2024-03-01T10:01:00.000Z";
  never_ran.request = rich;
  project.history.push_back(never_ran);

  project.breakpoints.push_back({1, "callback", "proxy_on_request_headers", "", true, 3});
  project.breakpoints.push_back(
      {2, "hostcall", "proxy_http_call", "cluster == \"auth\"", false, 0});
  return project;
}

TEST_F(ProjectFiles, RoundTripKeepsEverything) {
  Project project = sample_project();
  auto saved = save_project(project, path("my.pwplay.json"));
  ASSERT_TRUE(saved.ok()) << saved.error().message;
  auto loaded = load_project(path("my.pwplay.json"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  // Same JSON both ways means every field made it through.
  EXPECT_EQ(project_to_json(*loaded), project_to_json(project));

  const Project& back = *loaded;
  ASSERT_EQ(back.plugins.size(), 2u);
  EXPECT_EQ(back.plugins[0].wasm_path, "filters/add_header.wasm");
  EXPECT_EQ(back.plugins[0].vm_configuration, "vm-config");
  EXPECT_TRUE(back.plugins[0].fail_open);
  ASSERT_EQ(back.requests.size(), 2u);
  const RequestFile& rich = back.requests[1].request;
  EXPECT_EQ(rich.request.body, std::string("\x00\x01\xfe\xff", 4));
  EXPECT_EQ(rich.request.trailers, (abi::HeaderPairs{{"x-checksum", "abc"}}));
  ASSERT_TRUE(rich.upstream.mock.has_value());
  EXPECT_EQ(rich.upstream.mock->trailers, (abi::HeaderPairs{{"grpc-status", "0"}}));
  EXPECT_EQ(rich.callouts.at("auth").delay_ms, 25u);
  EXPECT_EQ(rich.callouts.at("auth").response.body, "alice");
  EXPECT_EQ(rich.grpc.at("backend").status, 5u);
  EXPECT_EQ(rich.grpc.at("backend").messages.size(), 2u);
  EXPECT_EQ(rich.properties.at("source.address"), "10.0.0.1:1234");
  ASSERT_EQ(back.history.size(), 2u);
  ASSERT_TRUE(back.history[0].outcome.has_value());
  EXPECT_EQ(back.history[0].outcome->status, 503u);
  ASSERT_TRUE(back.history[0].outcome->failure.has_value());
  EXPECT_EQ(back.history[0].outcome->failure->callback, "proxy_on_request_headers");
  EXPECT_FALSE(back.history[1].outcome.has_value());
  ASSERT_EQ(back.breakpoints.size(), 2u);
  EXPECT_EQ(back.breakpoints[1].condition, "cluster == \"auth\"");
  EXPECT_FALSE(back.breakpoints[1].enabled);
  EXPECT_EQ(back.breakpoints[0].hit_count, 3u);

  json document = json::parse(read("my.pwplay.json"));
  EXPECT_EQ(document["format"], "pwplay-project");
  EXPECT_EQ(document["version"], 1);
  EXPECT_EQ(files(), std::vector<std::string>{"my.pwplay.json"});
}

// The app's chain: every filter in order, with its environment and whether it runs.
TEST_F(ProjectFiles, AChainWithADisabledFilterRoundTrips) {
  Project project;
  project.plugins.push_back({.wasm_path = "first.wasm",
                             .engine = "wabt",
                             .name = "first",
                             .root_id = "r1",
                             .vm_id = "vm",
                             .configuration = R"({"a": 1})",
                             .vm_configuration = "vm-config",
                             .environment = {{"REGION", "eu"}, {"TIER", "gold"}},
                             .fail_open = true});
  project.plugins.push_back({.wasm_path = "second.wasm", .engine = "v8", .name = "second"});
  project.plugins_enabled = {true, false};
  ASSERT_TRUE(save_project(project, path("chain.pwplay.json")).ok());
  auto loaded = load_project(path("chain.pwplay.json"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->plugins.size(), 2u);
  EXPECT_EQ(loaded->plugins[0], project.plugins[0]);
  EXPECT_EQ(loaded->plugins[1], project.plugins[1]);
  EXPECT_EQ(loaded->plugins_enabled, (std::vector<bool>{true, false}));
  EXPECT_TRUE(loaded->plugin_enabled(0));
  EXPECT_FALSE(loaded->plugin_enabled(1));
  json document = json::parse(read("chain.pwplay.json"));
  EXPECT_EQ(document["plugins"][0]["environment"],
            json::parse(R"([["REGION", "eu"], ["TIER", "gold"]])"));
  EXPECT_EQ(document["plugins"][0]["enabled"], true);
  EXPECT_EQ(document["plugins"][1]["enabled"], false);
  EXPECT_EQ(document["plugins"][1]["name"], "second");
}

// A file from before the chain was saved (one filter, no environment, no enabled) reads as it
// did; a bad value of the new fields names its place.
TEST_F(ProjectFiles, OldOneFilterFilesStillLoad) {
  write("old.json", R"({"format": "pwplay-project", "version": 1,
      "plugins": [{"wasm_path": "f.wasm", "engine": "v8", "name": "", "root_id": "", "vm_id": "",
                   "configuration": "c", "vm_configuration": "", "fail_open": false}]})");
  auto loaded = load_project(path("old.json"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  ASSERT_EQ(loaded->plugins.size(), 1u);
  EXPECT_EQ(loaded->plugins[0].configuration, "c");
  EXPECT_TRUE(loaded->plugins[0].environment.empty());
  EXPECT_TRUE(loaded->plugin_enabled(0));
  EXPECT_EQ(load_error(R"({"format": "pwplay-project", "version": 1,
      "plugins": [{"wasm_path": "f.wasm", "enabled": "yes"}]})"),
            path("p.json") + ": plugins[0].enabled: expected true or false, got a string");
  EXPECT_NE(load_error(R"({"format": "pwplay-project", "version": 1,
      "plugins": [{"wasm_path": "f.wasm", "environment": 3}]})")
                .find(path("p.json") + ": plugins[0].environment"),
            std::string::npos);
}

TEST_F(ProjectFiles, PluginsResolveAgainstTheProjectFile) {
  Project project = sample_project();
  PluginSpec relative = plugin_in_project(project.plugins[0], "/home/me/proj/my.pwplay.json");
  EXPECT_EQ(relative.wasm_path, "/home/me/proj/filters/add_header.wasm");
  EXPECT_EQ(relative.engine, "v8");
  EXPECT_EQ(relative.configuration, "from-config");
  EXPECT_TRUE(relative.fail_open);
  // The fields the old PluginOptions had no room for come along too.
  EXPECT_EQ(relative.name, "add_header");
  EXPECT_EQ(relative.vm_configuration, "vm-config");
  PluginSpec absolute = plugin_in_project(project.plugins[1], "/home/me/proj/my.pwplay.json");
  EXPECT_EQ(absolute.wasm_path, "/abs/other.wasm");
  EXPECT_EQ(absolute.engine, "");  // the default engine
}

TEST_F(ProjectFiles, BreakpointsConvertToAndFromTheSessionsType) {
  for (auto [target, condition] :
       {std::pair{"proxy_http_call", "cluster == auth"}, std::pair{"proxy_on_request_headers", ""},
        std::pair{"log warn", "message contains boom"}, std::pair{"trap", ""},
        std::pair{"local_response", "status == 403"}}) {
    SCOPED_TRACE(target);
    auto breakpoint = make_breakpoint(target, condition);
    ASSERT_TRUE(breakpoint.ok()) << breakpoint.error().message;
    breakpoint->id = 4;
    breakpoint->hits = 2;
    breakpoint->enabled = false;
    BreakpointRecord record = breakpoint_record(*breakpoint);
    EXPECT_EQ(record.condition, condition);
    auto back = breakpoint_from_record(record);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(describe(*back), describe(*breakpoint));
    EXPECT_EQ(back->id, 4u);
    EXPECT_EQ(back->hits, 2u);
    EXPECT_FALSE(back->enabled);
  }
  auto unknown = breakpoint_from_record({9, "watchpoint", "x", "", true, 0});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().message, "breakpoint 9: unknown kind 'watchpoint'");
  auto mismatched = breakpoint_from_record({3, "callback", "proxy_http_call", "", true, 0});
  ASSERT_FALSE(mismatched.ok());
  EXPECT_EQ(mismatched.error().message, "breakpoint 3: 'proxy_http_call' is not a callback target");
}

TEST_F(ProjectFiles, RefusesFilesFromANewerVersion) {
  std::string message = load_error(R"({"format": "pwplay-project", "version": 2,
      "plugins": [], "something_new": {"a": 1}})");
  EXPECT_EQ(message, path("p.json") +
                         ": was written by a newer pwplay "
                         "(version 2, this one reads 1); open it "
                         "with that version");
}

TEST_F(ProjectFiles, RefusesOtherFilesAndBadValuesWithThePlace) {
  EXPECT_EQ(load_error(R"({"log": {"entries": []}})"), path("p.json") +
                                                           ": not a pwplay project file (it has no "
                                                           "\"format\": \"pwplay-project\")");
  EXPECT_EQ(load_error(R"({"format": "pwplay-scenarios", "version": 1})"),
            path("p.json") +
                ": format: expected \"pwplay-project\", got "
                "\"pwplay-scenarios\" (not a pwplay "
                "project file)");
  EXPECT_EQ(load_error(R"({"format": "pwplay-project"})"),
            path("p.json") + ": version: missing; expected the format version (1)");
  EXPECT_EQ(load_error(R"({"format": "pwplay-project", "version": "1"})"),
            path("p.json") + ": version: expected a positive integer, got a string");
  EXPECT_EQ(load_error(R"({"format": "pwplay-project", "version": 1, "histroy": []})"),
            path("p.json") +
                ": unknown field 'histroy' (allowed: format, "
                "version, plugins, requests, history, "
                "breakpoints)");
  EXPECT_EQ(load_error(R"({"format": "pwplay-project", "version": 1,
      "history": [{"id": 1, "request": {}, "outcome": {"status": 200, "bogus": 1}}]})"),
            path("p.json") +
                ": history[0].outcome: unknown field 'bogus' (allowed: status, "
                "headers, body, "
                "body_base64, local_response, failure, duration_ms)");
  std::string request = load_error(R"({"format": "pwplay-project", "version": 1,
      "requests": [{"name": "a", "request": {"path": "/"}}, {"name": "b", "request": {"path": 5}}]})");
  EXPECT_EQ(request,
            path("p.json") + ": requests[1].request: field 'path' must be a string, not number");
  EXPECT_EQ(load_error(R"({"format": "pwplay-project", "version": 1,
      "breakpoints": [{"id": -1}]})"),
            path("p.json") +
                ": breakpoints[0].id: expected a non-negative "
                "integer, got an integer (-1)");
  EXPECT_EQ(load_error(R"({"format": "pwplay-project", "version": 1, "plugins": [{}]})"),
            path("p.json") + ": plugins[0].wasm_path: missing; expected a string");
  EXPECT_EQ(load_error(R"({"format": "pwplay-project", "version": 1, "plugins": {}})"),
            path("p.json") + ": plugins: expected a list, got an object");
}

TEST_F(ProjectFiles, CorruptJsonGivesLineAndColumn) {
  std::string message = load_error("{\n  \"format\": \"pwplay-project\",\n  \"version\": 1,,\n}");
  EXPECT_EQ(message.rfind(path("p.json") + ":3:", 0), 0u) << message;
  EXPECT_NE(message.find("invalid JSON"), std::string::npos) << message;
}

TEST_F(ProjectFiles, AtomicWriteReplacesContentAndKeepsTheMode) {
  write("data.txt", "old");
  ASSERT_EQ(::chmod(path("data.txt").c_str(), 0640), 0);
  auto written = write_file_atomically(path("data.txt"), "new content");
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_EQ(read("data.txt"), "new content");
  struct stat info {};
  ASSERT_EQ(::stat(path("data.txt").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  EXPECT_EQ(files(), std::vector<std::string>{"data.txt"});

  auto created = write_file_atomically(path("fresh.txt"), "");
  ASSERT_TRUE(created.ok()) << created.error().message;
  EXPECT_EQ(read("fresh.txt"), "");
}

TEST_F(ProjectFiles, AtomicWriteFollowsSymlinks) {
  write("real.json", "old");
  fs::create_symlink(dir_ / "real.json", dir_ / "link.json");
  auto written = write_file_atomically(path("link.json"), "new");
  ASSERT_TRUE(written.ok()) << written.error().message;
  EXPECT_TRUE(fs::is_symlink(dir_ / "link.json"));
  EXPECT_EQ(read("real.json"), "new");
}

TEST_F(ProjectFiles, FailedWritesLeaveTheOldFileAndNoTemporaries) {
  Project original = sample_project();
  ASSERT_TRUE(save_project(original, path("p.json")).ok());
  std::string before = read("p.json");
  Project changed;
  for (const char* step : {"create", "write", "fsync", "rename"}) {
    SCOPED_TRACE(step);
    set_atomic_write_fault_hook([step](std::string_view current) { return current != step; });
    auto saved = save_project(changed, path("p.json"));
    ASSERT_FALSE(saved.ok());
    EXPECT_EQ(saved.error().message.rfind(path("p.json") + ": ", 0), 0u) << saved.error().message;
    EXPECT_NE(saved.error().message.find("Input/output error"), std::string::npos)
        << saved.error().message;
    EXPECT_EQ(read("p.json"), before);
    EXPECT_EQ(files(), std::vector<std::string>{"p.json"});
  }
  set_atomic_write_fault_hook(nullptr);
  auto loaded = load_project(path("p.json"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(project_to_json(*loaded), project_to_json(original));
}

TEST_F(ProjectFiles, ReadOnlyDirectoryKeepsTheOldFile) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  ASSERT_TRUE(save_project(sample_project(), path("p.json")).ok());
  std::string before = read("p.json");
  fs::permissions(dir_, fs::perms::owner_write | fs::perms::group_write | fs::perms::others_write,
                  fs::perm_options::remove);
  auto saved = save_project(Project{}, path("p.json"));
  fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
  ASSERT_FALSE(saved.ok());
  EXPECT_NE(saved.error().message.find("cannot create a temporary file"), std::string::npos)
      << saved.error().message;
  EXPECT_EQ(read("p.json"), before);
  EXPECT_EQ(files(), std::vector<std::string>{"p.json"});
}

TEST_F(ProjectFiles, SavingIntoAMissingDirectoryOrOverADirectoryFails) {
  auto missing = write_file_atomically(path("no/such/dir/p.json"), "x");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("no/such/dir/p.json"), std::string::npos);
  fs::create_directory(dir_ / "sub");
  auto directory = write_file_atomically(path("sub"), "x");
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message.find("is a directory"), std::string::npos);
}

}  // namespace
}  // namespace pwplay::debugger
