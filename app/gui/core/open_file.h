// open-file PATH: what a file dropped on the window (or named in a script) opens as, by its
// extension and, for .json and text files, its contents: a filter, a request, a HAR file, a
// project or a curl command line. Each goes through its own command of the table.
#pragma once

#include <cstdint>
#include <string>

#include "abi/result.h"
#include "app/gui/core/command_table.h"
#include "app/gui/core/workspace.h"

namespace pwplay::gui {

enum class FileKind : uint8_t { Filter, NativeFilter, Request, Har, Project, Curl };
const char* file_kind_name(FileKind kind);

// .wasm (or the wasm magic) is a filter, .so a native one, .har a HAR file, .pwplay.json a
// project; another .json is a project when its format says so, a HAR file when it has log.entries,
// else a request; a text file whose first word is `curl` is a curl command line. Errors name the
// file and what pwplay opens.
Result<FileKind> classify_file(const std::string& path);

// The command id each kind runs, with the argument it gets (the path; for curl, the file's text).
struct OpenFileAction {
  FileKind kind;
  std::string command;
  std::string arg;
};
Result<OpenFileAction> open_file_action(const std::string& path);

// Adds open-file: classifies the file and runs load, open-request, import-har, open-project or
// paste-curl (which must be in the table) with it; a .so switches the Filter panel to the native
// engine, a .wasm away from it. `workspace` must outlive `commands`.
void register_open_file_command(Commands& commands, Workspace& workspace);

}  // namespace pwplay::gui
