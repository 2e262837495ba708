// Lesson files (debugger/formats/lesson_file.h): parsing with errors that name the field, the
// lessons of assets/lessons all valid, and check evaluation on a state document.
#include "debugger/formats/lesson_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace pwplay::debugger {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json minimal_step() {
  return {{"title", "t"},
          {"text", "x"},
          {"commands", json::array({"send", {{"run", "open-sample"}, {"arg", "hello"}}})},
          {"check", {{"text", "ok"}, {"all", json::array({{{"path", "a.b"}, {"equals", 1}}})}}}};
}

Result<Lesson> parse(const json& document) {
  return parse_lesson(document, "01-x", "L.json");
}

TEST(LessonFile, ParsesStepsCommandsAndConditions) {
  auto lesson = parse({{"title", "T"}, {"summary", "S"}, {"steps", json::array({minimal_step()})}});
  ASSERT_TRUE(lesson) << lesson.error().message;
  EXPECT_EQ(lesson->id, "01-x");
  ASSERT_EQ(lesson->steps.size(), 1u);
  const LessonStep& step = lesson->steps[0];
  ASSERT_EQ(step.commands.size(), 2u);
  EXPECT_EQ(step.commands[0].id, "send");
  EXPECT_EQ(step.commands[1].id, "open-sample");
  EXPECT_EQ(step.commands[1].arg, "hello");
  ASSERT_EQ(step.check.all.size(), 1u);
  EXPECT_EQ(step.check.all[0].path, "a.b");
  EXPECT_EQ(step.check.all[0].op, LessonCondition::Op::Equals);
}

TEST(LessonFile, ErrorsNameTheFieldAtFault) {
  json step = minimal_step();
  step["check"]["all"][0] = {{"path", "a"}, {"equal", 1}};
  auto bad_op = parse({{"title", "T"}, {"steps", json::array({minimal_step(), step})}});
  ASSERT_FALSE(bad_op);
  EXPECT_NE(bad_op.error().message.find("L.json: steps[1].check.all[0]: unknown field 'equal'"),
            std::string::npos)
      << bad_op.error().message;

  json two_ops = minimal_step();
  two_ops["check"]["all"][0] = {{"path", "a"}, {"equals", 1}, {"contains", "x"}};
  auto two = parse({{"title", "T"}, {"steps", json::array({two_ops})}});
  ASSERT_FALSE(two);
  EXPECT_NE(two.error().message.find("exactly one of"), std::string::npos);

  json no_check = minimal_step();
  no_check.erase("check");
  auto missing = parse({{"title", "T"}, {"steps", json::array({no_check})}});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("steps[0]: field 'check'"), std::string::npos);

  json bad_command = minimal_step();
  bad_command["commands"][0] = 5;
  auto command = parse({{"title", "T"}, {"steps", json::array({bad_command})}});
  ASSERT_FALSE(command);
  EXPECT_NE(command.error().message.find("steps[0].commands[0]"), std::string::npos);

  auto at_least = parse(
      {{"title", "T"},
       {"steps",
        json::array({json{
            {"title", "t"},
            {"text", "x"},
            {"check",
             {{"text", "ok"}, {"all", json::array({{{"path", "a"}, {"at_least", "1"}}})}}}}})}});
  ASSERT_FALSE(at_least);
  EXPECT_NE(at_least.error().message.find("at_least and at_most take a number"), std::string::npos);

  json waits = minimal_step();
  waits["commands"] = json::array({{{"wait_ms", 1500}}});
  auto waited = parse({{"title", "T"}, {"steps", json::array({waits})}});
  ASSERT_TRUE(waited) << waited.error().message;
  EXPECT_EQ(waited->steps[0].commands[0].wait_ms, 1500);
  waits["commands"] = json::array({{{"wait_ms", 0}}});
  auto zero = parse({{"title", "T"}, {"steps", json::array({waits})}});
  ASSERT_FALSE(zero);
  EXPECT_NE(zero.error().message.find("steps[0].commands[0]: field 'wait_ms' must be an integer"),
            std::string::npos)
      << zero.error().message;

  EXPECT_FALSE(parse({{"title", "T"}, {"steps", json::array()}}));
  EXPECT_FALSE(parse({{"steps", json::array({minimal_step()})}}));
}

TEST(LessonFile, ChecksReadPathsWithIndexesAndWildcards) {
  const json state = {
      {"snapshot",
       {{"last_run",
         {{"status", 403},
          {"logs", json::array({{{"message", "hello: proxy_on_vm_start()"}},
                                {{"message", "hello: proxy_on_request_headers(x)"}}})}}},
        {"load_error", nullptr}}},
      {"debugger", {{"pause", nullptr}, {"breakpoints", json::array({1, 2})}}},
      {"ui", {{"memory", {{"selected_region", "serialized request headers, 5 pairs"}}}}}};
  auto check = [&](json condition) {
    json step = minimal_step();
    step["check"]["all"] = json::array({condition});
    auto lesson = parse({{"title", "T"}, {"steps", json::array({step})}});
    EXPECT_TRUE(lesson) << lesson.error().message;
    return evaluate_check(lesson->steps[0].check, state);
  };
  EXPECT_TRUE(check({{"path", "snapshot.last_run.status"}, {"equals", 403}}).held);
  EXPECT_TRUE(check({{"path", "snapshot.last_run.logs.*.message"},
                     {"contains", "proxy_on_request_headers"}})
                  .held);
  EXPECT_TRUE(check({{"path", "snapshot.last_run.logs.0.message"}, {"contains", "vm_start"}}).held);
  EXPECT_FALSE(check({{"path", "snapshot.last_run.logs.0.message"}, {"contains", "request"}}).held);
  EXPECT_TRUE(check({{"path", "snapshot.load_error"}, {"equals", nullptr}}).held);
  EXPECT_TRUE(check({{"path", "snapshot.load_error"}, {"exists", false}}).held);
  EXPECT_TRUE(check({{"path", "debugger.breakpoints"}, {"at_least", 2}}).held);
  EXPECT_FALSE(check({{"path", "debugger.breakpoints"}, {"at_most", 1}}).held);
  EXPECT_TRUE(check({{"path", "debugger.pause.event"}, {"not_equals", "x"}}).held);
  EXPECT_TRUE(check({{"path", "ui.memory.selected_region"}, {"contains", "request headers"}}).held);

  const CheckOutcome failed =
      check({{"path", "debugger.pause.event"}, {"equals", "proxy_on_request_headers"}});
  EXPECT_FALSE(failed.held);
  EXPECT_EQ(failed.failure,
            "debugger.pause.event is missing, expected \"proxy_on_request_headers\"");
  const CheckOutcome wrong = check({{"path", "snapshot.last_run.status"}, {"equals", 200}});
  EXPECT_EQ(wrong.failure, "snapshot.last_run.status is 403, expected 200");
}

TEST(LessonFile, FindsALessonByIdOrNumberAndExpandsArguments) {
  std::vector<Lesson> lessons(2);
  lessons[0].id = "01-request-life";
  lessons[1].id = "02-header-maps";
  auto by_id = find_lesson(lessons, "02-header-maps");
  ASSERT_TRUE(by_id);
  EXPECT_EQ(*by_id, &lessons[1]);
  auto by_number = find_lesson(lessons, "1");
  ASSERT_TRUE(by_number);
  EXPECT_EQ(*by_number, &lessons[0]);
  auto unknown = find_lesson(lessons, "03-x");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("01-request-life, 02-header-maps"), std::string::npos);
  EXPECT_EQ(expand_lesson_arg("${samples}/a.wasm ${lessons}/b ${assets}/c", "/s", "/a/l"),
            "/s/a.wasm /a/l/b /a/c");
}

// Every lesson shipped in assets/lessons reads, and `pwplay lessons --json` lists it.
TEST(LessonFile, EveryShippedLessonReads) {
  auto lessons = load_lessons(fs::path(PWPLAY_SOURCE_DIR) / "assets" / "lessons");
  ASSERT_TRUE(lessons) << lessons.error().message;
  EXPECT_GE(lessons->size(), 9u);
  const json listed = lessons_json(*lessons);
  ASSERT_EQ(listed["lessons"].size(), lessons->size());
  EXPECT_EQ(listed["lessons"][0]["id"], "01-request-life");
  EXPECT_EQ(listed["lessons"][0]["steps"], (*lessons)[0].steps.size());
  for (const Lesson& lesson : *lessons) {
    EXPECT_FALSE(lesson.title.empty()) << lesson.id;
    for (const LessonStep& step : lesson.steps) EXPECT_FALSE(step.check.all.empty()) << lesson.id;
  }
}

TEST(LessonFile, ABadFileIsNamedInTheListsError) {
  const fs::path dir = fs::temp_directory_path() / ("pwplay-lessons-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "01-good.json")
      << json{{"title", "T"}, {"steps", json::array({minimal_step()})}}.dump();
  std::ofstream(dir / "02-bad.json") << "{\"title\": \"T\", \"steps\": [}";
  std::ofstream(dir / "notes.json") << "not a lesson";
  auto lessons = load_lessons(dir);
  ASSERT_FALSE(lessons);
  EXPECT_NE(lessons.error().message.find("02-bad.json"), std::string::npos)
      << lessons.error().message;
  fs::remove(dir / "02-bad.json");
  auto good = load_lessons(dir);
  ASSERT_TRUE(good) << good.error().message;
  EXPECT_EQ(good->size(), 1u);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace pwplay::debugger
