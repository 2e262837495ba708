#include "app/gui/core/workspace.h"

#include <cstdio>
#include <fstream>

namespace pwplay::gui {
namespace {

using nlohmann::json;

const char* const kShownFields[] = {"method",      "path",        "headers",         "body",
                                    "body_base64", "body_chunks", "disabled_headers"};

std::string joined(const std::vector<std::string>& chunks) {
  std::string out;
  for (const auto& chunk : chunks) out += chunk;
  return out;
}

}  // namespace

json RequestDraft::to_json() const {
  json out = extra.is_object() ? extra : json::object();
  out["method"] = method;
  out["path"] = path;
  abi::HeaderPairs pairs, disabled;
  for (const auto& row : headers)
    if (!row.name.empty()) (row.enabled ? pairs : disabled).emplace_back(row.name, row.value);
  out["headers"] = debugger::header_list_to_json(pairs);
  if (!disabled.empty()) out["disabled_headers"] = debugger::header_list_to_json(disabled);
  if (!body_chunks.empty() && joined(body_chunks) == body)
    out["body_chunks"] = body_chunks;
  else if (!body.empty())
    debugger::put_body(out, body);
  return out;
}

Result<RequestDraft> RequestDraft::from_json(const json& object, const std::string& where) {
  // Validate the whole file first, so the editor never holds a request the engine would refuse.
  auto parsed = debugger::parse_request(object, where);
  if (!parsed) return unexpected(parsed.error());
  RequestDraft draft;
  draft.method = parsed->request.method;
  draft.path = parsed->request.path;
  for (const auto& [name, value] : parsed->request.headers) draft.headers.push_back({name, value});
  if (object.contains("disabled_headers")) {
    // Validated by parse_request; kept after the sent ones, switched off.
    auto disabled =
        debugger::parse_header_list(object["disabled_headers"], where, "disabled_headers");
    if (!disabled) return unexpected(disabled.error());
    for (const auto& [name, value] : *disabled) draft.headers.push_back({name, value, false});
  }
  draft.body_chunks = parsed->request.body_chunks;
  draft.body = draft.body_chunks.empty() ? parsed->request.body : joined(draft.body_chunks);
  draft.extra = object;
  for (const char* field : kShownFields) draft.extra.erase(field);
  return draft;
}

bool RequestDraft::binary_body() const {
  return !debugger::is_valid_utf8(body);
}

Workspace::Workspace() {
  new_request();
}

void Workspace::new_request() {
  request = RequestDraft{};
  request.method = "GET";
  request.path = "/";
  request.headers = {{"host", "example.com"}};
}

Result<void> Workspace::open_request(const std::string& path) {
  auto text = debugger::read_file(path, "request file");
  if (!text) return unexpected(text.error());
  auto object = debugger::parse_json_text(*text, path);
  if (!object) return unexpected(object.error());
  auto draft = RequestDraft::from_json(*object, path);
  if (!draft) return unexpected(draft.error());
  request = std::move(*draft);
  request_path = path;
  return {};
}

Result<void> Workspace::save_request(const std::string& path) {
  if (path.empty()) return make_error("no file name: type a path for the request file first");
  auto checked = build_request();
  if (!checked) return unexpected(checked.error());
  // Write beside the target and rename, so a failed write never truncates the user's file.
  std::string temp = path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return make_error(path + ": cannot write the file");
    out << request.to_json().dump(2) << "\n";
    if (!out) return make_error(path + ": write failed");
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    std::remove(temp.c_str());
    return make_error(path + ": cannot replace the file");
  }
  request_path = path;
  return {};
}

Result<debugger::RequestFile> Workspace::build_request() const {
  return debugger::parse_request(request.to_json(), "request editor");
}

const debugger::HistoryEntry* Workspace::selected_run(const Snapshot& snapshot) const {
  if (const debugger::HistoryEntry* run = snapshot.find(selection.run_id)) return run;
  return snapshot.last();
}

void Workspace::observe(const Snapshot& snapshot) {
  const debugger::HistoryEntry* latest = snapshot.last();
  uint64_t latest_id = latest ? latest->id : 0;
  if (latest_id != last_seen_run_) {
    last_seen_run_ = latest_id;
    if (selection.follow_latest && latest) {
      selection.run_id = latest_id;
      selection.event_seq.reset();
    }
  }
  if (selection.run_id != 0 && !snapshot.find(selection.run_id)) {
    selection.run_id = latest_id;
    selection.event_seq.reset();
  }
}

}  // namespace pwplay::gui
