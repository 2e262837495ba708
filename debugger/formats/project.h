// The project file: what a user keeps between sessions (plugin setups, saved requests, request
// history with outcomes, breakpoints) in one versioned JSON document, saved atomically.
//
//   {"format": "pwplay-project", "version": 1, "plugins": [...], "requests": [...],
//    "history": [...], "breakpoints": [...]}
//
// The schema is documented in docs/formats.md. Loading is strict: an unknown field is an error
// (so saving never silently drops something a newer pwplay wrote), a newer version is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "abi/result.h"
#include "debugger/breakpoints.h"
#include "debugger/formats/outcome.h"
#include "debugger/formats/request_file.h"
#include "debugger/history.h"
#include "debugger/plugin_spec.h"

namespace pwplay::debugger {

inline constexpr const char* kProjectFormat = "pwplay-project";
inline constexpr int kProjectVersion = 1;

struct SavedRequest {
  std::string name;
  RequestFile request;
};

// One run of the history as it is saved (the session's HistoryEntry without trace and logs).
struct HistoryRecord {
  uint64_t id = 0;
  std::string name;
  std::string time;  // ISO 8601 UTC, when the request ran
  RequestFile request;
  std::optional<Outcome> outcome;  // absent when the request never completed a run
};

// Stored as plain data; debugger/breakpoints.h gives the fields their meaning.
struct BreakpointRecord {
  uint64_t id = 0;
  std::string kind;       // breakpoint_kind_name: "callback", "hostcall", "trap", "log", ...
  std::string target;     // "proxy_on_request_headers"; the minimum level for "log"
  std::string condition;  // as the user wrote it ("key == :path"); empty = always
  bool enabled = true;
  uint64_t hit_count = 0;
};

struct Project {
  // The filter chain in request order, saved with the fields of the format (wasm_path, engine,
  // name, root_id, vm_id, configuration, vm_configuration, environment, fail_open); a relative
  // wasm_path is relative to the project file's directory. The spec's other fields are not saved
  // and load as their defaults.
  std::vector<PluginSpec> plugins;
  // Whether each filter of `plugins` runs (the app's chain can switch one off); an index past
  // the end counts as enabled, so a project built without it keeps every filter on.
  std::vector<bool> plugins_enabled;
  bool plugin_enabled(size_t index) const {
    return index >= plugins_enabled.size() || plugins_enabled[index];
  }
  std::vector<SavedRequest> requests;
  std::vector<HistoryRecord> history;
  std::vector<BreakpointRecord> breakpoints;
};

// `file` names the source in errors ("my.pwplay.json: history[2].request: ...").
Result<Project> parse_project(const nlohmann::json& json, const std::string& file);
Result<Project> load_project(const std::string& path);
nlohmann::json project_to_json(const Project& project);
// Writes the project with write_file_atomically: the old file stays whole if anything fails.
Result<void> save_project(const Project& project, const std::string& path);

// From the live session's types (debugger/history.h, debugger/breakpoints.h) to what is saved,
// and back for breakpoints (through make_breakpoint, so a saved one is checked like a typed one).
HistoryRecord history_record(const HistoryEntry& entry);
BreakpointRecord breakpoint_record(const Breakpoint& breakpoint);
Result<Breakpoint> breakpoint_from_record(const BreakpointRecord& record);

// request_to_json plus what it leaves out (gRPC replies, properties, mock trailers), so saving
// a request keeps everything parse_request read.
nlohmann::json request_to_json_complete(const RequestFile& request);

// A saved plugin as it loads: a relative wasm_path resolved against `project_path`'s directory.
PluginSpec plugin_in_project(const PluginSpec& saved, const std::string& project_path);

}  // namespace pwplay::debugger
