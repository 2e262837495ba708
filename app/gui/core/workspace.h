// Workspace: what the user is editing on the UI thread (filter settings, the request draft), what
// is selected (run, trace event) and which settings the engine was last asked to load. Commands
// read it to build engine commands; panels edit it. Nothing here touches the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "abi/result.h"
#include "app/gui/core/snapshot.h"
#include "debugger/formats/request_file.h"

namespace pwplay::gui {

struct HeaderRow {
  std::string name;
  std::string value;
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

class Workspace {
 public:
  Workspace();

  FilterSettings filter;
  // The settings of the last load queued on the engine (Send loads again when `filter` differs).
  std::optional<FilterSettings> loaded_filter;
  RequestDraft request;
  std::string request_path;  // the request editor's file field
  Selection selection;

  // Feedback shown under the request editor (last open/save/send problem or confirmation).
  std::string request_message;
  bool request_message_is_error = false;

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
