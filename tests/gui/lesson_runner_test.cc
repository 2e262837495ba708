// The Learn panel's model (app/gui/core/lesson_runner.h) without a window: a step's commands run
// one at a time through the command table and wait for an idle engine, a failing command stops
// the step, checks mark steps done, progress survives in its file, and the lesson commands.
#include "app/gui/core/lesson_runner.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace pwplay::gui {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::vector<debugger::Lesson> two_step_lesson() {
  json check = {{"text", "x is 1"}, {"all", json::array({{{"path", "x"}, {"equals", 1}}})}};
  json document = {
      {"title", "T"},
      {"steps",
       json::array(
           {{{"title", "one"},
             {"text", "a"},
             {"commands", json::array({{{"run", "first"}, {"arg", "${samples}/a"}}, "second"})},
             {"check", check}},
            {{"title", "two"},
             {"text", "b"},
             {"commands", json::array({"broken", "second"})},
             {"check", check}}})}};
  auto lesson = debugger::parse_lesson(document, "01-test", "01-test.json");
  EXPECT_TRUE(lesson) << lesson.error().message;
  return {*lesson};
}

struct Table {
  Commands commands;
  std::vector<std::string> ran;
  Table() {
    for (const char* id : {"first", "second"})
      commands.add({id, id, "", {}, "ARG", false, [this, id](std::string_view arg) -> Result<void> {
                      ran.push_back(std::string(id) + (arg.empty() ? "" : " " + std::string(arg)));
                      return {};
                    }});
    commands.add({"broken", "broken", "", {}, "", false, [](std::string_view) -> Result<void> {
                    return make_error("it broke");
                  }});
  }
};

TEST(LessonRunner, RunsAStepsCommandsOneAtATimeOnceTheEngineIsIdle) {
  Table table;
  LessonRunner runner;
  runner.set_lessons(two_step_lesson(), "/lessons");
  runner.set_samples_dir("/built");
  ASSERT_TRUE(runner.open("1"));
  ASSERT_TRUE(runner.run_step());
  EXPECT_TRUE(runner.running());
  const auto state = [] { return json{{"x", 0}}; };
  runner.tick(table.commands, /*engine_idle=*/false, state);
  EXPECT_TRUE(table.ran.empty());  // a busy engine holds the step back
  runner.tick(table.commands, true, state);
  ASSERT_EQ(table.ran, std::vector<std::string>{"first /built/a"});
  // The next command waits a couple of frames for the first one's effect to show.
  for (int i = 0; i < LessonRunner::kFramesBetweenCommands; ++i) {
    runner.tick(table.commands, true, state);
    EXPECT_EQ(table.ran.size(), 1u);
  }
  runner.tick(table.commands, true, state);
  EXPECT_EQ(table.ran.back(), "second");
  EXPECT_FALSE(runner.running());
  EXPECT_EQ(table.commands.log().back().source, CommandSource::Lesson);

  // The check is evaluated once the commands ran, and again while the lesson is open.
  for (int i = 0; i < 20; ++i) runner.tick(table.commands, true, state);
  EXPECT_TRUE(runner.checked());
  EXPECT_FALSE(runner.outcome().held);
  EXPECT_EQ(runner.outcome().failure, "x is 0, expected 1");
  EXPECT_EQ(runner.done_steps("01-test"), 0u);
  // Done by hand: the state changes and the next evaluation notices.
  for (int i = 0; i <= LessonRunner::kCheckEveryFrames; ++i)
    runner.tick(table.commands, true, [] { return json{{"x", 1}}; });
  EXPECT_TRUE(runner.outcome().held);
  EXPECT_TRUE(runner.step_done("01-test", 0));
  EXPECT_EQ(runner.summary()["progress"]["01-test"]["done"], 1);
}

TEST(LessonRunner, AFailingCommandStopsTheStepAndSaysWhy) {
  Table table;
  LessonRunner runner;
  runner.set_lessons(two_step_lesson(), "/lessons");
  ASSERT_TRUE(runner.open("01-test"));
  EXPECT_FALSE(runner.back());
  ASSERT_TRUE(runner.next());
  EXPECT_FALSE(runner.next());  // the last step
  EXPECT_EQ(runner.where(), "lesson 01-test, step 2 of 2 (two)");
  ASSERT_TRUE(runner.run_step());
  runner.tick(table.commands, true, {});
  EXPECT_FALSE(runner.running());
  EXPECT_EQ(runner.command_error(), "broken: it broke");
  for (int i = 0; i < 5; ++i) runner.tick(table.commands, true, {});
  EXPECT_TRUE(table.ran.empty());  // "second" never ran
  ASSERT_TRUE(runner.back());
  EXPECT_TRUE(runner.command_error().empty());
}

TEST(LessonRunner, ProgressIsKeptInItsFileAndABrokenFileIsLeftAlone) {
  const fs::path dir = fs::temp_directory_path() / ("pwplay-progress-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const std::string path = (dir / "pwplay" / "lessons.json").string();
  {
    LessonRunner runner(path);
    runner.set_lessons(two_step_lesson(), "/lessons");
    ASSERT_TRUE(runner.open("1"));
    EXPECT_TRUE(runner.check_now(json{{"x", 1}}).held);
  }
  {
    LessonRunner again(path);
    again.set_lessons(two_step_lesson(), "/lessons");
    EXPECT_TRUE(again.step_done("01-test", 0));
    EXPECT_FALSE(again.step_done("01-test", 1));
  }
  std::ofstream(path, std::ios::trunc) << "{broken";
  {
    LessonRunner broken(path);
    broken.set_lessons(two_step_lesson(), "/lessons");
    ASSERT_TRUE(broken.open("1"));
    EXPECT_TRUE(broken.check_now(json{{"x", 1}}).held);
    EXPECT_TRUE(broken.step_done("01-test", 0));  // for this run
  }
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "{broken");
  fs::remove_all(dir);
}

TEST(LessonRunner, TheLessonCommandsDriveTheRunner) {
  Table table;
  LessonRunner runner;
  runner.set_lessons(two_step_lesson(), "/lessons");
  int shown = 0;
  register_lesson_commands(table.commands, runner, [&shown] { ++shown; });
  EXPECT_FALSE(table.commands.run("lesson-next", CommandSource::Menu));  // no lesson open
  auto unknown = table.commands.run("open-lesson", CommandSource::Menu, "7");
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("the lessons are: 01-test"), std::string::npos);
  ASSERT_TRUE(table.commands.run("open-lesson", CommandSource::Menu, "01-test"));
  EXPECT_EQ(shown, 1);
  ASSERT_TRUE(table.commands.run("lesson-next", CommandSource::Button));
  EXPECT_EQ(shown, 1);  // Next and Back act in the panel already shown
  EXPECT_EQ(runner.step_index(), 1u);
  ASSERT_TRUE(table.commands.run("lesson-back", CommandSource::Button));
  EXPECT_EQ(runner.step_index(), 0u);
  ASSERT_TRUE(table.commands.run("lesson-run-step", CommandSource::Button));
  EXPECT_EQ(shown, 2);  // Run step from the palette brings the panel up too
  EXPECT_TRUE(runner.running());
  EXPECT_FALSE(table.commands.run("lesson-run-step", CommandSource::Button));  // still running
  // Without an id: the list, the lesson closed.
  ASSERT_TRUE(table.commands.run("open-lesson", CommandSource::Menu));
  EXPECT_EQ(runner.lesson(), nullptr);
  EXPECT_EQ(shown, 3);
}

TEST(LessonRunner, AWaitHoldsTheNextCommandBackAndCountsAsRunning) {
  json document = {
      {"title", "T"},
      {"steps",
       json::array({{{"title", "one"},
                     {"text", "a"},
                     {"commands", json::array({"first", {{"wait_ms", 80}}, "second"})},
                     {"check",
                      {{"text", "t"}, {"all", json::array({{{"path", "x"}, {"equals", 1}}})}}}}})}};
  auto lesson = debugger::parse_lesson(document, "01-wait", "01-wait.json");
  ASSERT_TRUE(lesson) << lesson.error().message;
  Table table;
  LessonRunner runner;
  runner.set_lessons(std::vector<debugger::Lesson>{*lesson}, "/lessons");
  ASSERT_TRUE(runner.open("1"));
  ASSERT_TRUE(runner.run_step());
  const auto state = [] { return json{{"x", 0}}; };
  for (int i = 0; i < 10; ++i) runner.tick(table.commands, true, state);
  EXPECT_EQ(table.ran, std::vector<std::string>{"first"});
  EXPECT_TRUE(runner.running());  // waiting
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 0; i < 5; ++i) runner.tick(table.commands, true, state);
  EXPECT_EQ(table.ran, (std::vector<std::string>{"first", "second"}));
  EXPECT_FALSE(runner.running());
}

TEST(LessonRunner, NoLessonsFoundIsSaid) {
  LessonRunner runner;
  runner.set_lessons(make_error("no assets/lessons folder found"), {});
  auto opened = runner.open("1");
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("no assets/lessons folder found"), std::string::npos);
  EXPECT_EQ(runner.problem(), "no assets/lessons folder found");
}

}  // namespace
}  // namespace pwplay::gui
