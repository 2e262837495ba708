#include "app/gui/core/open_file.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <system_error>

#include "app/gui/core/file_browser.h"
#include "debugger/formats/json_read.h"
#include "debugger/formats/request_file.h"

namespace pwplay::gui {
namespace {

std::string_view trimmed_start(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  return text;
}

bool starts_with_curl(std::string_view text) {
  text = trimmed_start(text);
  return text.substr(0, 4) == "curl" &&
         (text.size() == 4 || std::isspace(static_cast<unsigned char>(text[4])));
}

Result<FileKind> classify_json(const std::string& path, const std::string& text) {
  auto parsed = debugger::parse_json_text(text, path);
  if (!parsed) return unexpected(parsed.error());
  if (!parsed->is_object())
    return make_error(path + ": expected a JSON object (a request, a HAR file or a project)");
  if (auto format = parsed->find("format");
      format != parsed->end() && format->is_string() && *format == "pwplay-project")
    return FileKind::Project;
  if (auto log = parsed->find("log");
      log != parsed->end() && log->is_object() && log->contains("entries"))
    return FileKind::Har;
  return FileKind::Request;
}

}  // namespace

const char* file_kind_name(FileKind kind) {
  switch (kind) {
    case FileKind::Filter:
      return "filter";
    case FileKind::NativeFilter:
      return "native filter";
    case FileKind::Request:
      return "request";
    case FileKind::Har:
      return "HAR file";
    case FileKind::Project:
      return "project";
    case FileKind::Curl:
      return "curl command";
  }
  return "file";
}

Result<FileKind> classify_file(const std::string& path) {
  if (path.empty()) return make_error("open-file: expected the path of a file");
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    return make_error(path + ": a folder; open-file takes a file");
  if (matches_extension(path, {".wasm"})) return FileKind::Filter;
  if (matches_extension(path, {".so"})) return FileKind::NativeFilter;
  if (matches_extension(path, {".har"})) return FileKind::Har;
  if (matches_extension(path, {".pwplay.json"})) return FileKind::Project;
  auto text = debugger::read_file(path, "file");
  if (!text) return unexpected(text.error());
  if (text->rfind(std::string("\0asm", 4), 0) == 0) return FileKind::Filter;
  if (matches_extension(path, {".json"})) return classify_json(path, *text);
  if (starts_with_curl(*text)) return FileKind::Curl;
  std::string_view start = trimmed_start(*text);
  if (!start.empty() && start.front() == '{') return classify_json(path, *text);
  return make_error(path +
                    ": pwplay opens filters (.wasm, .so), requests (.json), HAR files (.har), "
                    "projects (.pwplay.json) and curl command lines (text starting with curl)");
}

Result<OpenFileAction> open_file_action(const std::string& path) {
  auto kind = classify_file(path);
  if (!kind) return unexpected(kind.error());
  switch (*kind) {
    case FileKind::Filter:
    case FileKind::NativeFilter:
      return OpenFileAction{*kind, "load", path};
    case FileKind::Request:
      return OpenFileAction{*kind, "open-request", path};
    case FileKind::Har:
      return OpenFileAction{*kind, "import-har", path};
    case FileKind::Project:
      return OpenFileAction{*kind, "open-project", path};
    case FileKind::Curl: {
      auto text = debugger::read_file(path, "curl command file");
      if (!text) return unexpected(text.error());
      std::string line(trimmed_start(*text));
      while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back())))
        line.pop_back();
      return OpenFileAction{*kind, "paste-curl", std::move(line)};
    }
  }
  return make_error(path + ": cannot be opened");
}

void register_open_file_command(Commands& commands, Workspace& workspace) {
  Commands* table = &commands;
  Workspace* ws = &workspace;
  commands.add({"open-file",
                "Open file",
                "",
                {},
                "PATH: a filter, request, HAR file, project or curl command file (as dropped on "
                "the window)",
                true,
                [table, ws](std::string_view arg) -> Result<void> {
                  auto action = open_file_action(std::string(arg));
                  if (!action) {
                    ws->request_message_is_error = true;
                    ws->request_message = action.error().message;
                    return unexpected(action.error());
                  }
                  const Command* target = table->find(action->command);
                  if (!target || !table->is_enabled(*target))
                    return make_error("open-file: '" + action->command + "' is not available now");
                  if (action->kind == FileKind::NativeFilter)
                    ws->filter.engine = "native";
                  else if (action->kind == FileKind::Filter && ws->filter.engine == "native")
                    ws->filter.engine = "v8";
                  return target->run(action->arg);
                }});
}

}  // namespace pwplay::gui
