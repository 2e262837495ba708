// The File menu's model: curl lines, HAR files and project files to and from the Workspace and
// the debugger session (debugger/formats/ does the parsing and writing), and the commands that
// run them. ImGui-free: the app passes its clipboard in, tests run the commands without a window.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "abi/result.h"
#include "app/gui/core/command_table.h"
#include "app/gui/core/workspace.h"
#include "debugger/formats/har.h"
#include "debugger/formats/project.h"
#include "debugger/session.h"

namespace pwplay::gui {

// The name of the saved request that holds the Request panel's draft in a project file (the
// format has no field of its own for it): opening the project puts it back in the composer.
inline constexpr const char* kDraftRequestName = "(request editor)";

// The composer's contents for a request: method, path, headers and body; the fields the editor
// does not show (upstream mock, callouts, ...) ride along in `extra`.
Result<RequestDraft> draft_from_request(const debugger::RequestFile& request);

// Fills the composer from a curl command line. Errors say what curl option or quote is wrong;
// the composer is left as it was then.
Result<void> paste_curl(Workspace& workspace, std::string_view command_line);
// The composer's request as a curl command line (sent to a local proxy on 127.0.0.1:8080).
Result<std::string> draft_as_curl(const Workspace& workspace);

// `PATH[#N,M,...]`: a HAR file and the 1-based numbers of the entries to import, counted among
// the entries that are HTTP requests (as the import window lists them); none = all of them.
struct HarPick {
  std::string path;
  std::vector<size_t> entries;
};
Result<HarPick> parse_har_pick(std::string_view arg);
// One row per importable entry, for the import window.
std::vector<HarListRow> har_rows(const debugger::HarImport& har);
// The import window: reads dialog.path and lists its entries (all picked); and the import-har
// argument for the entries picked there ("" when none is).
Result<void> list_har(FileDialog& dialog);
std::string har_pick_argument(const FileDialog& dialog);
// Keeps the picked entries as saved requests (appended) and puts the first in the composer.
// Returns how many were imported. Out-of-range numbers are errors and change nothing.
Result<size_t> import_har(Workspace& workspace, const debugger::HarImport& har,
                          const std::vector<size_t>& entries);

// Every run of the history (the project's saved history first, then the session's runs): the
// request, the response the client received and the time spent in the filter.
std::vector<debugger::HarExportEntry> history_har_entries(const Workspace& workspace,
                                                          const Snapshot& snapshot);
Result<void> export_history_har(const Workspace& workspace, const Snapshot& snapshot,
                                const std::string& path);

// What save-project writes: the Filter panel's settings (one plugin), the composer's draft
// (named kDraftRequestName) then the saved requests, the history (saved first, then the session's
// runs, numbered from 1) and the session's breakpoints.
Result<debugger::Project> project_of(const Workspace& workspace, const Snapshot& snapshot);
Result<void> save_project_file(Workspace& workspace, const Snapshot& snapshot,
                               const std::string& path);
// Reads and checks the whole project first: on any error nothing changes and the error names
// the file and the field. Then it replaces the filter settings, the draft, the saved requests
// and history and the session's breakpoints, and queues a load of the filter.
Result<void> open_project_file(Workspace& workspace, debugger::Session& session,
                               const std::string& path);

// Opens the File window of `kind` (a path field over a file browser) with `path` typed in it,
// unless it already holds one; the window runs the kind's command with the path chosen.
void ask_for_file(Workspace& workspace, FileDialog::Kind kind, std::string path);

// What the File commands need from the window (null members: none, e.g. in tests).
struct FileCommandHost {
  std::function<std::string()> get_clipboard;
  std::function<void(const std::string&)> set_clipboard;
};

// Adds paste-curl, copy-as-curl, import-har, export-har, open-project, save-project and
// show-project to the File menu. `workspace` and `session` must outlive `commands`.
void register_file_action_commands(Commands& commands, Workspace& workspace,
                                   debugger::Session& session, FileCommandHost host);

}  // namespace pwplay::gui
