// Workspace: what the user is editing on the UI thread (filter settings, the request draft, the
// project's saved requests and history), what is selected (run, trace event) and which settings
// the engine was last asked to load. Commands read it to build engine commands; panels edit it.
// Nothing here touches the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "app/gui/core/snapshot.h"
#include "debugger/formats/project.h"
#include "debugger/formats/request_file.h"

namespace pwplay::gui {

struct HeaderRow {
  std::string name;
  std::string value;
  bool enabled = true;  // a disabled header is kept in the draft (and saved) but not sent
};

// The request editor's contents. Fields the editor does not show (upstream_response, callouts,
// grpc, properties, trailers, ...) ride along in `extra` so that Send and Save keep them.
struct RequestDraft {
  std::string method = "GET";
  std::string path = "/";
  std::vector<HeaderRow> headers;
  std::string body;                      // raw bytes; the editor shows it when it is text
  std::vector<std::string> body_chunks;  // from the file; kept while `body` is their concatenation
  nlohmann::json extra = nlohmann::json::object();

  // The REQ.json object for this draft.
  nlohmann::json to_json() const;
  static Result<RequestDraft> from_json(const nlohmann::json& json, const std::string& where);
  bool binary_body() const;
};

// What panels share: the run being looked at and the trace event picked in it.
struct Selection {
  uint64_t run_id = 0;        // 0: none yet
  bool follow_latest = true;  // select each new run as it arrives
  std::optional<uint64_t> event_seq;
  int result_tab = -1;  // a tab the Result panel should switch to (-1: leave it)
};

// A filter of the chain after the first, and whether it runs.
struct ChainFilter {
  FilterSettings settings;
  bool enabled = true;
  bool operator==(const ChainFilter&) const = default;
};

// One importable entry of a HAR file, as the import window lists it.
struct HarListRow {
  std::string method;
  std::string url;      // host and path (the scheme is not kept)
  uint32_t status = 0;  // the recorded response's status; 0: none
  bool picked = true;
};

// A File-menu window that asks for a path, with a file browser (and for HAR import, which
// entries). The File commands open it when run without an argument; the window runs the command
// again with one.
struct FileDialog {
  enum class Kind : uint8_t {
    None,
    ImportHar,
    ExportHar,
    OpenProject,
    SaveProject,
    ExportTrace,
    OpenFilter,
    OpenRequest
  };
  Kind kind = Kind::None;
  bool open_requested = false;  // the next frame opens the window
  std::string path;
  std::vector<HarListRow> entries;  // ImportHar: read from `path` by "List entries"
  std::string listed_path;          // the file `entries` came from
  std::string message;              // why listing or running failed
};

class Workspace {
 public:
  Workspace();

  FilterSettings filter;
  // The settings of the last load queued on the engine (Send loads again when `filter` differs).
  std::optional<FilterSettings> loaded_filter;
  // The rest of the filter chain after `filter` (the Filter panel's chain editor, chain_model.h),
  // whether `filter` runs, and the enabled filters of the last load queued.
  std::vector<ChainFilter> more_filters;
  bool filter_enabled = true;
  std::optional<std::vector<FilterSettings>> loaded_chain;
  RequestDraft request;
  std::string request_path;  // the request editor's file field
  Selection selection;

  // Feedback shown under the request editor (last open/save/send problem or confirmation).
  std::string request_message;
  bool request_message_is_error = false;

  // Requests kept with the project (imported from HAR files or opened with a project); the user
  // picks one into the composer from the Project window.
  std::vector<debugger::SavedRequest> saved_requests;
  // Runs opened with a project: shown in the Project window, saved again with the session's.
  std::vector<debugger::HistoryRecord> saved_history;
  std::string project_path;   // the project file last opened or saved
  bool show_project = false;  // the Project window is open
  std::string last_curl;      // what copy-as-curl produced last
  FileDialog file_dialog;

  Result<void> open_request(const std::string& path);
  Result<void> save_request(const std::string& path);
  // The draft as the engine takes it, validated as REQ.json files are.
  Result<debugger::RequestFile> build_request() const;
  void new_request();

  // Picks the run to show: the selected one, else the latest.
  const debugger::HistoryEntry* selected_run(const Snapshot& snapshot) const;
  // Called once per frame with the newest snapshot (follows new runs).
  void observe(const Snapshot& snapshot);

 private:
  uint64_t last_seen_run_ = 0;
};

}  // namespace pwplay::gui
