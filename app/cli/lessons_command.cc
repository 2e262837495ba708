// `pwplay lessons [--json] [--lessons-dir DIR]`: the guided lessons of assets/lessons, as the
// desktop app's Learn panel lists them. `pwplay --lesson ID` opens the app at one.
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/cli/commands.h"
#include "app/cli/lessons_dir.h"
#include "debugger/formats/lesson_file.h"
#include "host/trace.h"

namespace pwplay::app {
namespace fs = std::filesystem;

#ifndef PWPLAY_SOURCE_DIR
#define PWPLAY_SOURCE_DIR ""
#endif

Result<fs::path> lessons_dir(const std::string& given) {
  if (!given.empty()) {
    std::error_code ec;
    if (!fs::is_directory(given, ec)) return make_error(given + ": not a folder of lessons");
    return fs::path(given);
  }
  std::vector<fs::path> starts;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) starts.push_back(exe.parent_path());
  if (*PWPLAY_SOURCE_DIR) starts.emplace_back(PWPLAY_SOURCE_DIR);
  starts.push_back(fs::current_path(ec));
  if (auto found = debugger::find_lessons_dir(starts)) return *found;
  return make_error(
      "no assets/lessons folder found beside the executable or in the source tree (give "
      "--lessons-dir DIR)");
}

namespace {

struct LessonsArgs {
  bool json = false;
  std::string dir;
};

int list_lessons(const LessonsArgs& args) {
  auto dir = lessons_dir(args.dir);
  if (!dir) {
    print_failure("lessons", dir.error().message);
    return kExitError;
  }
  auto lessons = debugger::load_lessons(*dir);
  if (!lessons) {
    print_failure("lessons", host::printable_text(lessons.error().message));
    return kExitError;
  }
  if (args.json) {
    std::printf("%s\n", debugger::lessons_json(*lessons).dump(2).c_str());
    return kExitOk;
  }
  for (const debugger::Lesson& lesson : *lessons)
    std::printf("%-24s %2zu steps  %s\n", lesson.id.c_str(), lesson.steps.size(),
                lesson.title.c_str());
  std::printf("\nOpen one in the desktop app: pwplay --lesson ID\n");
  return kExitOk;
}

}  // namespace

void add_lessons_command(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<LessonsArgs>();
  CLI::App* command =
      app.add_subcommand("lessons", "List the guided lessons (open one with pwplay --lesson ID)");
  command->add_flag("--json", args->json,
                    "Print {\"lessons\": [{\"id\", \"title\", \"summary\", \"steps\"}]}");
  command->add_option("--lessons-dir", args->dir,
                      "Folder of lesson files (default: assets/lessons, found beside the "
                      "executable or in the source tree)");
  command->callback([args, &exit_code] { exit_code = list_lessons(*args); });
}

}  // namespace pwplay::app
