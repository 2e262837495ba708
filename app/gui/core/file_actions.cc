#include "app/gui/core/file_actions.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "app/gui/core/chain_model.h"
#include "app/gui/core/session_commands.h"
#include "debugger/formats/atomic_file.h"
#include "debugger/formats/chrome_trace.h"
#include "debugger/formats/curl.h"

namespace pwplay::gui {
namespace {

// Header names compare case-insensitively (HTTP/1.1 browsers keep "Host").
std::string header_value(const abi::HeaderPairs& headers, std::string_view name) {
  auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  for (const auto& [key, value] : headers)
    if (std::ranges::equal(key, name, {}, lower, lower)) return value;
  return {};
}

// The session's runs after the project's saved ones, as records (no outcome for a run that
// never went through the filter).
std::vector<debugger::HistoryRecord> all_history(const Workspace& workspace,
                                                 const Snapshot& snapshot) {
  std::vector<debugger::HistoryRecord> records = workspace.saved_history;
  for (const auto& entry : snapshot.history) {
    debugger::HistoryRecord record = debugger::history_record(*entry);
    if (!entry->ran()) record.outcome.reset();
    records.push_back(std::move(record));
  }
  return records;
}

FilterSettings filter_of(const debugger::PluginSpec& setup, const std::string& project_path) {
  FilterSettings filter = setup;
  std::filesystem::path wasm = setup.wasm_path;
  // Relative to the project file, as docs/formats.md says.
  if (!wasm.empty() && wasm.is_relative())
    wasm = (std::filesystem::path(project_path).parent_path() / wasm).lexically_normal();
  filter.wasm_path = wasm.string();
  if (filter.engine.empty()) filter.engine = "v8";
  return filter;
}

// Shows a command's outcome on the Request panel's message line.
Result<void> report(Workspace& workspace, Result<void> result, std::string ok_message) {
  workspace.request_message_is_error = !result;
  workspace.request_message = result ? std::move(ok_message) : result.error().message;
  return result;
}

// Opens a File-menu window (the command ran from a menu or the palette without an argument).
Result<void> ask(Workspace& workspace, FileDialog::Kind kind, std::string path) {
  FileDialog& dialog = workspace.file_dialog;
  if (dialog.kind != kind) dialog = FileDialog{};
  dialog.kind = kind;
  dialog.open_requested = true;
  if (dialog.path.empty()) dialog.path = std::move(path);
  dialog.message.clear();
  return {};
}

std::string plural(size_t count, const char* noun) {
  return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

}  // namespace

void ask_for_file(Workspace& workspace, FileDialog::Kind kind, std::string path) {
  (void)ask(workspace, kind, std::move(path));
}

Result<RequestDraft> draft_from_request(const debugger::RequestFile& request) {
  return RequestDraft::from_json(debugger::request_to_json_complete(request), "request");
}

Result<void> paste_curl(Workspace& workspace, std::string_view command_line) {
  auto parsed = debugger::parse_curl(command_line);
  if (!parsed) return make_error("curl command line: " + parsed.error().message);
  auto draft = draft_from_request(*parsed);
  if (!draft) return make_error("curl command line: " + draft.error().message);
  workspace.request = std::move(*draft);
  return {};
}

Result<std::string> draft_as_curl(const Workspace& workspace) {
  auto request = workspace.build_request();
  if (!request) return unexpected(request.error());
  return debugger::to_curl(request->request);
}

Result<HarPick> parse_har_pick(std::string_view arg) {
  HarPick pick;
  size_t hash = arg.rfind('#');
  std::string_view list =
      hash == std::string_view::npos ? std::string_view() : arg.substr(hash + 1);
  bool numbers = hash != std::string_view::npos && !list.empty() &&
                 list.find_first_not_of("0123456789, ") == std::string_view::npos;
  pick.path = std::string(numbers ? arg.substr(0, hash) : arg);
  if (pick.path.empty())
    return make_error("expected PATH[#N,M,...], got '" + std::string(arg) + "'");
  while (numbers && !list.empty()) {
    size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) return make_error("'" + std::string(arg) + "': an empty entry number");
    size_t number = 0;
    for (char c : item) {
      if (c < '0' || c > '9')
        return make_error("'" + std::string(arg) + "': entry numbers are 1, 2, ...");
      number = number * 10 + static_cast<size_t>(c - '0');
      if (number > 1000000) return make_error("'" + std::string(arg) + "': entry number too large");
    }
    if (number == 0) return make_error("'" + std::string(arg) + "': entry numbers start at 1");
    pick.entries.push_back(number);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
  }
  return pick;
}

std::vector<HarListRow> har_rows(const debugger::HarImport& har) {
  std::vector<HarListRow> rows;
  for (const auto& named : har.requests) {
    const host::RequestSpec& request = named.request.request;
    HarListRow row;
    row.method = request.method;
    row.url = header_value(request.headers, "host") + request.path;
    if (named.request.upstream.mock) row.status = named.request.upstream.mock->status;
    rows.push_back(std::move(row));
  }
  return rows;
}

Result<void> list_har(FileDialog& dialog) {
  auto har = debugger::load_har_file(dialog.path);
  if (!har) return unexpected(har.error());
  if (har->requests.empty()) return make_error(dialog.path + ": no HTTP requests to import");
  dialog.entries = har_rows(*har);
  dialog.listed_path = dialog.path;
  return {};
}

std::string har_pick_argument(const FileDialog& dialog) {
  std::string numbers;
  for (size_t i = 0; i < dialog.entries.size(); ++i) {
    if (!dialog.entries[i].picked) continue;
    numbers += (numbers.empty() ? "#" : ",") + std::to_string(i + 1);
  }
  return numbers.empty() ? std::string() : dialog.listed_path + numbers;
}

Result<size_t> import_har(Workspace& workspace, const debugger::HarImport& har,
                          const std::vector<size_t>& entries) {
  if (har.requests.empty()) return make_error("no HTTP requests to import");
  std::vector<size_t> picked = entries;
  if (picked.empty())
    for (size_t i = 1; i <= har.requests.size(); ++i) picked.push_back(i);
  for (size_t number : picked)
    if (number == 0 || number > har.requests.size())
      return make_error("no entry " + std::to_string(number) + ": the file has " +
                        plural(har.requests.size(), "HTTP request") + " (1.." +
                        std::to_string(har.requests.size()) + ")");
  // Check the first before changing anything: it becomes the composer's request.
  auto draft = draft_from_request(har.requests[picked.front() - 1].request);
  if (!draft) return unexpected(draft.error());
  for (size_t number : picked) {
    const debugger::NamedRequest& named = har.requests[number - 1];
    workspace.saved_requests.push_back({named.name, named.request});
  }
  workspace.request = std::move(*draft);
  workspace.show_project = true;
  return picked.size();
}

std::vector<debugger::HarExportEntry> history_har_entries(const Workspace& workspace,
                                                          const Snapshot& snapshot) {
  std::vector<debugger::HarExportEntry> entries;
  for (auto& record : all_history(workspace, snapshot))
    entries.push_back({std::move(record.request), std::move(record.outcome), record.time});
  return entries;
}

Result<void> export_history_har(const Workspace& workspace, const Snapshot& snapshot,
                                const std::string& path) {
  if (path.empty()) return make_error("export-har: expected the path of the HAR file to write");
  auto entries = history_har_entries(workspace, snapshot);
  if (entries.empty()) return make_error("export-har: the history is empty: send a request first");
  return debugger::write_file_atomically(path, debugger::export_har(entries).dump(2) + "\n");
}

Result<debugger::Project> project_of(const Workspace& workspace, const Snapshot& snapshot) {
  debugger::Project project;
  // The whole chain in order, each filter with whether it runs; a first slot never filled in
  // is not a filter.
  for (const ChainFilter& filter : chain_filters(workspace)) {
    if (filter.settings == FilterSettings{} && filter.enabled && workspace.more_filters.empty())
      continue;
    project.plugins.push_back(filter.settings);
    project.plugins_enabled.push_back(filter.enabled);
  }
  // A draft the engine would refuse is not dropped silently: saving fails and says why.
  auto draft = workspace.build_request();
  if (!draft) return unexpected(draft.error());
  project.requests.push_back({kDraftRequestName, std::move(*draft)});
  for (const auto& saved : workspace.saved_requests) project.requests.push_back(saved);
  project.history = all_history(workspace, snapshot);
  uint64_t id = 0;
  for (auto& record : project.history) record.id = ++id;
  for (const auto& breakpoint : snapshot.breakpoints)
    project.breakpoints.push_back(debugger::breakpoint_record(breakpoint));
  return project;
}

Result<void> save_project_file(Workspace& workspace, const Snapshot& snapshot,
                               const std::string& path) {
  if (path.empty()) return make_error("save-project: expected the path of the project file");
  auto project = project_of(workspace, snapshot);
  if (!project) return make_error(path + ": not saved: " + project.error().message);
  if (auto saved = debugger::save_project(*project, path); !saved) return saved;
  workspace.project_path = path;
  return {};
}

Result<void> open_project_file(Workspace& workspace, debugger::Session& session,
                               const std::string& path) {
  if (path.empty()) return make_error("open-project: expected the path of a project file");
  if (session.snapshot()->state == debugger::SessionState::Paused)
    return make_error("the debugger is paused: continue, finish or abort the request first");
  auto project = debugger::load_project(path);
  if (!project) return unexpected(project.error());
  // Convert everything before changing anything.
  std::vector<debugger::Breakpoint> breakpoints;
  for (size_t i = 0; i < project->breakpoints.size(); ++i) {
    auto breakpoint = debugger::breakpoint_from_record(project->breakpoints[i]);
    if (!breakpoint)
      return make_error(path + ": breakpoints[" + std::to_string(i) +
                        "]: " + breakpoint.error().message);
    breakpoints.push_back(std::move(*breakpoint));
  }
  std::optional<RequestDraft> draft;
  std::vector<debugger::SavedRequest> saved;
  for (size_t i = 0; i < project->requests.size(); ++i) {
    auto& request = project->requests[i];
    if (request.name == kDraftRequestName && !draft) {
      auto converted = draft_from_request(request.request);
      if (!converted)
        return make_error(path + ": requests[" + std::to_string(i) +
                          "]: " + converted.error().message);
      draft = std::move(*converted);
    } else {
      saved.push_back(std::move(request));
    }
  }

  std::vector<ChainFilter> chain;
  for (size_t i = 0; i < project->plugins.size(); ++i)
    chain.push_back({filter_of(project->plugins[i], path), project->plugin_enabled(i)});
  if (chain.empty()) {
    workspace.filter = FilterSettings{};
    workspace.filter_enabled = true;
    workspace.more_filters.clear();
  } else {
    set_chain_filters(workspace, std::move(chain));
  }
  if (draft)
    workspace.request = std::move(*draft);
  else
    workspace.new_request();
  workspace.saved_requests = std::move(saved);
  workspace.saved_history = std::move(project->history);
  workspace.project_path = path;
  workspace.show_project = true;
  // The project's history replaces the session's (it is shown from the project).
  session.clear_history();
  for (const auto& old : session.breakpoints()) session.remove_breakpoint(old.id);
  for (auto& breakpoint : breakpoints) session.add_breakpoint(std::move(breakpoint));
  if (!workspace.filter.wasm_path.empty() && !chain_specs(workspace).empty())
    return load_filter(session, workspace);
  return {};
}

void register_file_action_commands(Commands& commands, Workspace& workspace,
                                   debugger::Session& session, FileCommandHost host) {
  Workspace& ws = workspace;
  commands.add(
      {"paste-curl",
       "Paste curl",
       "File",
       {},
       "curl command line (default: the clipboard)",
       false,
       [&ws, host](std::string_view arg) -> Result<void> {
         std::string text(arg);
         if (text.empty() && host.get_clipboard) text = host.get_clipboard();
         if (text.empty())
           return report(ws, make_error("paste-curl: the clipboard holds no curl command"), {});
         auto pasted = paste_curl(ws, text);
         return report(ws, pasted, "pasted curl: " + ws.request.method + " " + ws.request.path);
       }});
  commands.add({"copy-as-curl",
                "Copy as curl",
                "File",
                {},
                "PATH: also write the command line to this file",
                false,
                [&ws, host](std::string_view arg) -> Result<void> {
                  auto line = draft_as_curl(ws);
                  if (!line) return report(ws, unexpected(line.error()), {});
                  ws.last_curl = *line;
                  if (host.set_clipboard) host.set_clipboard(*line);
                  if (arg.empty()) return report(ws, {}, "copied as curl to the clipboard");
                  std::string path(arg);
                  return report(ws, debugger::write_file_atomically(path, *line),
                                "copied as curl, and written to " + path);
                }});
  commands.add({"import-har",
                "Import HAR",
                "File",
                {},
                "PATH[#N,M,...]: the entries to import (1-based; default: all)",
                false,
                [&ws](std::string_view arg) -> Result<void> {
                  if (arg.empty()) return ask(ws, FileDialog::Kind::ImportHar, {});
                  auto pick = parse_har_pick(arg);
                  if (!pick) return report(ws, unexpected(pick.error()), {});
                  auto har = debugger::load_har_file(pick->path);
                  if (!har) return report(ws, unexpected(har.error()), {});
                  auto imported = import_har(ws, *har, pick->entries);
                  if (!imported)
                    return report(ws, make_error(pick->path + ": " + imported.error().message), {});
                  std::string message =
                      "imported " + plural(*imported, "request") + " from " + pick->path;
                  if (!har->skipped.empty())
                    message += " (skipped " + plural(har->skipped.size(), "entry") + ")";
                  return report(ws, {}, message);
                }});
  commands.add({"export-har",
                "Export history as HAR",
                "File",
                {},
                "PATH of the HAR file to write",
                false,
                [&ws, &session](std::string_view arg) -> Result<void> {
                  if (arg.empty()) return ask(ws, FileDialog::Kind::ExportHar, "history.har");
                  std::string path(arg);
                  auto snapshot = session.snapshot();
                  return report(ws, export_history_har(ws, *snapshot, path),
                                "exported the history to " + path);
                }});
  commands.add({"export-trace",
                "Export trace",
                "File",
                {},
                "PATH of the trace file to write (Chrome's trace event format, for Perfetto)",
                false,
                [&ws, &session](std::string_view arg) -> Result<void> {
                  if (arg.empty()) return ask(ws, FileDialog::Kind::ExportTrace, "trace.json");
                  std::string path(arg);
                  auto written = debugger::export_chrome_trace(session.trace(), path);
                  if (!written) return report(ws, unexpected(written.error()), {});
                  return report(ws, {},
                                "exported " + plural(*written, "trace event") + " to " + path);
                }});
  commands.add({"open-project",
                "Open project",
                "File",
                {},
                "PATH of a pwplay project file",
                false,
                [&ws, &session](std::string_view arg) -> Result<void> {
                  if (arg.empty()) return ask(ws, FileDialog::Kind::OpenProject, ws.project_path);
                  std::string path(arg);
                  return report(ws, open_project_file(ws, session, path), "opened " + path);
                }});
  commands.add({"save-project",
                "Save project",
                "File",
                {},
                "PATH of the project file to write",
                false,
                [&ws, &session](std::string_view arg) -> Result<void> {
                  if (arg.empty())
                    return ask(ws, FileDialog::Kind::SaveProject,
                               ws.project_path.empty() ? "project.pwplay.json" : ws.project_path);
                  std::string path(arg);
                  auto snapshot = session.snapshot();
                  return report(ws, save_project_file(ws, *snapshot, path), "saved " + path);
                }});
  Command show{"show-project",
               "Saved requests and history",
               "File",
               {},
               "",
               false,
               [&ws](std::string_view) -> Result<void> {
                 ws.show_project = !ws.show_project;
                 return {};
               }};
  show.checked = [&ws] { return ws.show_project; };
  commands.add(std::move(show));
}

}  // namespace pwplay::gui
