// The request composer's model: query rows, authority, disabled headers, trailers, the upstream
// mock and callout mocks, body forms; and what a composed request does when the session sends it.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "app/gui/core/request_composer.h"
#include "app/gui/core/session_commands.h"
#include "app/gui/core/workspace.h"
#include "debugger/session.h"
#include "gui/gui_test_support.h"

namespace pwplay::gui {
namespace {

using namespace std::chrono_literals;

using test_support::sample;

std::string header(const abi::HeaderPairs& headers, const std::string& name) {
  for (const auto& [key, value] : headers)
    if (key == name) return value;
  return "(none)";
}

TEST(RequestComposer, QueryRowsRoundTripAsTyped) {
  PathAndQuery split = split_query("/search?q=a+b&empty=&flag&x=%2F#top");
  EXPECT_EQ(split.path, "/search#top");
  ASSERT_EQ(split.params.size(), 4u);
  EXPECT_EQ(split.params[0].name, "q");
  EXPECT_EQ(split.params[0].value, "a+b");
  EXPECT_TRUE(split.params[1].has_value);
  EXPECT_EQ(split.params[1].value, "");
  EXPECT_FALSE(split.params[2].has_value);
  EXPECT_EQ(split.params[3].value, "%2F");
  EXPECT_EQ(join_query(split.path, split.params), "/search?q=a+b&empty=&flag&x=%2F#top");
  split.params.erase(split.params.begin());
  split.params.push_back({"page", "2"});
  EXPECT_EQ(join_query(split.path, split.params), "/search?empty=&flag&x=%2F&page=2#top");
  EXPECT_EQ(join_query("/p", {}), "/p");
  EXPECT_TRUE(split_query("/plain").params.empty());
}

TEST(RequestComposer, AuthorityIsTheHostHeader) {
  RequestDraft draft;
  EXPECT_EQ(authority(draft), "");
  set_authority(draft, "api.test");
  ASSERT_EQ(draft.headers.size(), 1u);
  EXPECT_EQ(draft.headers[0].name, "host");
  draft.headers.push_back({"accept", "*/*"});
  set_authority(draft, "other.test");
  EXPECT_EQ(draft.headers.size(), 2u);
  EXPECT_EQ(authority(draft), "other.test");
  EXPECT_TRUE(move_row(draft.headers, 1, -1));
  EXPECT_EQ(draft.headers[0].name, "accept");
  EXPECT_FALSE(move_row(draft.headers, 0, -1));
  EXPECT_FALSE(move_row(draft.headers, 1, 1));
}

TEST(RequestComposer, WhatTheEngineGetsFromTheComposer) {
  RequestDraft draft;
  draft.method = "POST";
  draft.path = join_query("/items", {{"id", "7"}});
  draft.headers = {{"host", "example.com"}, {"x-debug", "1", false}, {"x-keep", "yes"}};
  set_trailers(draft, {{"x-checksum", "abc"}});
  MockReply upstream;
  upstream.status = 201;
  upstream.headers = {{"x-upstream", "mock"}};
  upstream.body = "created";
  set_upstream_mock(draft, upstream);
  MockReply auth;
  auth.status = 200;
  auth.delay_ms = 25;
  set_callout_mock(draft, {"auth", auth});
  MockReply down;
  down.fail = true;
  set_callout_mock(draft, {"billing", down});

  Workspace workspace;
  workspace.request = draft;
  auto file = workspace.build_request();
  ASSERT_TRUE(file) << file.error().message;
  EXPECT_EQ(file->request.path, "/items?id=7");
  EXPECT_EQ(header(file->request.headers, "x-debug"), "(none)");  // disabled: not sent
  EXPECT_EQ(header(file->request.headers, "x-keep"), "yes");
  EXPECT_EQ(header(file->request.trailers, "x-checksum"), "abc");
  ASSERT_TRUE(file->upstream.mock);
  EXPECT_EQ(file->upstream.mock->status, 201u);
  EXPECT_EQ(file->upstream.mock->body, "created");
  ASSERT_EQ(file->callouts.count("auth"), 1u);
  EXPECT_EQ(file->callouts.at("auth").delay_ms, 25u);
  EXPECT_TRUE(file->callouts.at("billing").response.failed);

  // Saved and opened again, nothing is lost: the disabled header comes back switched off.
  auto back = RequestDraft::from_json(draft.to_json(), "saved.json");
  ASSERT_TRUE(back) << back.error().message;
  ASSERT_EQ(back->headers.size(), 3u);
  EXPECT_EQ(back->headers[2].name, "x-debug");
  EXPECT_FALSE(back->headers[2].enabled);
  EXPECT_EQ(upstream_mock(*back).headers.at(0).value, "mock");
  auto mocks = callout_mocks(*back);
  ASSERT_EQ(mocks.size(), 2u);
  EXPECT_EQ(mocks[0].cluster, "auth");
  EXPECT_EQ(mocks[1].cluster, "billing");
  EXPECT_TRUE(mocks[1].reply.fail);

  remove_callout_mock(*back, "auth");
  remove_callout_mock(*back, "billing");
  set_upstream_echo(*back);
  set_trailers(*back, {});
  EXPECT_FALSE(back->to_json().contains("callouts"));
  EXPECT_FALSE(back->to_json().contains("upstream_response"));
  EXPECT_FALSE(back->to_json().contains("trailers"));
}

TEST(RequestComposer, BodyForms) {
  auto pretty = pretty_json(R"({"a":[1,2],"b":"x"})");
  ASSERT_TRUE(pretty);
  EXPECT_EQ(*pretty, "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": \"x\"\n}");
  auto bad = pretty_json("{\"a\": }");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("the body is not JSON"), std::string::npos);
  EXPECT_NE(bad.error().message.find("column 7"), std::string::npos) << bad.error().message;

  EXPECT_EQ(to_hex(std::string("Hi\0\xff", 4)), "48 69 00 ff");
  EXPECT_EQ(to_hex(std::string(17, 'a')).find('\n'), 47u);  // 16 bytes per line
  auto bytes = from_hex("48 69\n00 FF");
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, std::string("Hi\0\xff", 4));
  auto odd = from_hex("48 6");
  ASSERT_FALSE(odd);
  EXPECT_NE(odd.error().message.find("odd number"), std::string::npos);
  auto wrong = from_hex("48 zz");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message, "not a hex digit: 'z' at position 4");
}

TEST(RequestComposer, PresetsAreTheJsonFilesOfTheFoldersThatExist) {
  auto dir =
      std::filesystem::temp_directory_path() /
      ("pwplay-presets-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + "-" +
       std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir / "a");
  std::filesystem::create_directories(dir / "b" / "nested.json");  // a folder, not a preset
  for (const char* name : {"a/zeta.json", "a/notes.txt", "b/alpha.json"})
    std::ofstream(dir / name) << "{}";
  auto presets = list_request_presets(
      {(dir / "a").string(), (dir / "b").string(), (dir / "missing").string()});
  ASSERT_EQ(presets.size(), 2u);
  EXPECT_EQ(std::filesystem::path(presets[0]).filename(), "alpha.json");
  EXPECT_EQ(std::filesystem::path(presets[1]).filename(), "zeta.json");
  std::filesystem::remove_all(dir);
}

TEST(RequestComposer, MocksReachTheFilterWhenSent) {
  if (!std::filesystem::exists(sample("http_callout.wasm")))
    GTEST_SKIP() << "build the pwplay_samples target first";
  Workspace workspace;
  workspace.filter.wasm_path = sample("http_callout.wasm");
  MockReply denied;
  denied.status = 500;
  set_callout_mock(workspace.request, {"auth", denied});
  MockReply upstream;
  upstream.status = 202;
  set_upstream_mock(workspace.request, upstream);
  debugger::Session session;
  auto first = workspace.build_request();
  ASSERT_TRUE(first) << first.error().message;
  ASSERT_TRUE(send_request(session, workspace, *first, debugger::Pausing::Off));
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  const debugger::HistoryEntry* run = session.snapshot()->last();
  ASSERT_NE(run, nullptr);
  ASSERT_TRUE(run->report.response);
  EXPECT_EQ(run->report.response->status, 403u);  // the auth mock said 500: denied

  MockReply allowed;
  allowed.status = 200;
  set_callout_mock(workspace.request, {"auth", allowed});
  auto second = workspace.build_request();
  ASSERT_TRUE(second);
  ASSERT_TRUE(send_request(session, workspace, *second, debugger::Pausing::Off));
  ASSERT_EQ(session.wait(60s), debugger::SessionState::Idle);
  run = session.snapshot()->last();
  ASSERT_TRUE(run->report.response);
  EXPECT_EQ(run->report.response->status, 202u);  // let through to the mocked upstream
  ASSERT_TRUE(run->report.upstream_request);
  EXPECT_EQ(header(run->report.upstream_request->headers, "x-auth"), "ok");
}

}  // namespace
}  // namespace pwplay::gui
