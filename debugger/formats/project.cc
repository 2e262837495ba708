#include "debugger/formats/project.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "debugger/formats/atomic_file.h"
#include "debugger/formats/json_place.h"
#include "debugger/runner.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;

// A saved filter of the chain and whether it runs.
struct SavedPlugin {
  PluginSpec spec;
  bool enabled = true;
};

Result<SavedPlugin> parse_plugin(const json& value, const JsonPlace& place) {
  if (!value.is_object()) return place.error("expected an object, got " + json_type_phrase(value));
  if (auto ok = check_fields(value,
                             {"wasm_path", "engine", "name", "root_id", "vm_id", "configuration",
                              "vm_configuration", "environment", "fail_open", "enabled"},
                             place);
      !ok)
    return unexpected(ok.error());
  SavedPlugin saved;
  PluginSpec& setup = saved.spec;
  if (!value.contains("wasm_path"))
    return place.field("wasm_path").error("missing; expected a string");
  for (auto [key, target] :
       {std::pair{"wasm_path", &setup.wasm_path}, std::pair{"engine", &setup.engine},
        std::pair{"name", &setup.name}, std::pair{"root_id", &setup.root_id},
        std::pair{"vm_id", &setup.vm_id}, std::pair{"configuration", &setup.configuration},
        std::pair{"vm_configuration", &setup.vm_configuration}}) {
    auto text = string_field(value, key, place);
    if (!text) return unexpected(text.error());
    *target = text->value_or("");
  }
  auto fail_open = bool_field(value, "fail_open", place);
  if (!fail_open) return unexpected(fail_open.error());
  setup.fail_open = fail_open->value_or(false);
  if (auto it = value.find("environment"); it != value.end()) {
    auto environment = parse_header_list(*it, place.field("environment").str());
    if (!environment) return unexpected(environment.error());
    setup.environment = std::move(*environment);
  }
  auto enabled = bool_field(value, "enabled", place);
  if (!enabled) return unexpected(enabled.error());
  saved.enabled = enabled->value_or(true);
  return saved;
}

Result<RequestFile> parse_embedded_request(const json& object, const JsonPlace& place) {
  auto it = object.find("request");
  if (it == object.end()) return place.field("request").error("missing; expected a request object");
  return parse_request(*it, place.field("request").str());
}

Result<SavedRequest> parse_saved_request(const json& value, const JsonPlace& place) {
  if (!value.is_object()) return place.error("expected an object, got " + json_type_phrase(value));
  if (auto ok = check_fields(value, {"name", "request"}, place); !ok) return unexpected(ok.error());
  SavedRequest saved;
  auto name = string_field(value, "name", place);
  if (!name) return unexpected(name.error());
  saved.name = name->value_or("");
  auto request = parse_embedded_request(value, place);
  if (!request) return unexpected(request.error());
  saved.request = std::move(*request);
  return saved;
}

Result<HistoryRecord> parse_history_entry(const json& value, const JsonPlace& place) {
  if (!value.is_object()) return place.error("expected an object, got " + json_type_phrase(value));
  if (auto ok = check_fields(value, {"id", "name", "time", "request", "outcome"}, place); !ok)
    return unexpected(ok.error());
  HistoryRecord entry;
  auto id = uint_field(value, "id", place);
  if (!id) return unexpected(id.error());
  entry.id = id->value_or(0);
  auto name = string_field(value, "name", place);
  if (!name) return unexpected(name.error());
  entry.name = name->value_or("");
  auto time = string_field(value, "time", place);
  if (!time) return unexpected(time.error());
  entry.time = time->value_or("");
  auto request = parse_embedded_request(value, place);
  if (!request) return unexpected(request.error());
  entry.request = std::move(*request);
  if (auto it = value.find("outcome"); it != value.end() && !it->is_null()) {
    auto outcome = parse_outcome(*it, place.field("outcome"));
    if (!outcome) return unexpected(outcome.error());
    entry.outcome = std::move(*outcome);
  }
  return entry;
}

Result<BreakpointRecord> parse_breakpoint(const json& value, const JsonPlace& place) {
  if (!value.is_object()) return place.error("expected an object, got " + json_type_phrase(value));
  if (auto ok =
          check_fields(value, {"id", "kind", "target", "condition", "enabled", "hit_count"}, place);
      !ok)
    return unexpected(ok.error());
  BreakpointRecord record;
  auto id = uint_field(value, "id", place);
  if (!id) return unexpected(id.error());
  record.id = id->value_or(0);
  for (auto [key, target] : {std::pair{"kind", &record.kind}, std::pair{"target", &record.target},
                             std::pair{"condition", &record.condition}}) {
    auto text = string_field(value, key, place);
    if (!text) return unexpected(text.error());
    *target = text->value_or("");
  }
  auto enabled = bool_field(value, "enabled", place);
  if (!enabled) return unexpected(enabled.error());
  record.enabled = enabled->value_or(true);
  auto hits = uint_field(value, "hit_count", place);
  if (!hits) return unexpected(hits.error());
  record.hit_count = hits->value_or(0);
  return record;
}

// Reads the list at `key` (absent = empty) with `parse_item` for each element.
template <typename T, typename Parse>
Result<std::vector<T>> parse_list(const json& document, const char* key, const JsonPlace& top,
                                  Parse parse_item) {
  std::vector<T> items;
  auto it = document.find(key);
  if (it == document.end()) return items;
  JsonPlace place = top.field(key);
  if (!it->is_array()) return place.error("expected a list, got " + json_type_phrase(*it));
  for (size_t i = 0; i < it->size(); ++i) {
    auto item = parse_item((*it)[i], place.index(i));
    if (!item) return unexpected(item.error());
    items.push_back(std::move(*item));
  }
  return items;
}

}  // namespace

json request_to_json_complete(const RequestFile& request) {
  json out = request_to_json(request);
  if (request.upstream.mock && !request.upstream.mock->trailers.empty())
    out["upstream_response"]["trailers"] = header_list_to_json(request.upstream.mock->trailers);
  for (const auto& [cluster, reply] : request.callouts) {
    if (!reply.response.trailers.empty())
      out["callouts"][cluster]["trailers"] = header_list_to_json(reply.response.trailers);
  }
  for (const auto& [cluster, reply] : request.grpc) {
    json entry;
    entry["status"] = reply.status;
    if (!reply.status_message.empty()) entry["status_message"] = reply.status_message;
    if (!reply.initial_metadata.empty())
      entry["initial_metadata"] = header_list_to_json(reply.initial_metadata);
    if (!reply.messages.empty()) entry["messages"] = reply.messages;
    if (!reply.trailing_metadata.empty())
      entry["trailing_metadata"] = header_list_to_json(reply.trailing_metadata);
    out["grpc"][cluster] = entry;
  }
  for (const auto& [path, value] : request.properties) out["properties"][path] = value;
  return out;
}

Result<Project> parse_project(const json& document, const std::string& file) {
  JsonPlace top{file, ""};
  if (!document.is_object())
    return top.error("expected a pwplay project object, got " + json_type_phrase(document));
  auto format = document.find("format");
  if (format == document.end())
    return top.error(std::string("not a pwplay project file (it has no \"format\": \"") +
                     kProjectFormat + "\")");
  if (!format->is_string() || format->get<std::string>() != kProjectFormat)
    return top.field("format").error(std::string("expected \"") + kProjectFormat + "\", got " +
                                     format->dump() + " (not a pwplay project file)");
  auto version = document.find("version");
  if (version == document.end())
    return top.field("version").error("missing; expected the format version (1)");
  if (!version->is_number_integer() || version->get<int64_t>() < 1)
    return top.field("version").error("expected a positive integer, got " +
                                      json_type_phrase(*version));
  int64_t number = version->get<int64_t>();
  if (number > kProjectVersion)
    return top.error("was written by a newer pwplay (version " + std::to_string(number) +
                     ", this one reads " + std::to_string(kProjectVersion) +
                     "); open it with that version");
  if (auto ok = check_fields(
          document, {"format", "version", "plugins", "requests", "history", "breakpoints"}, top);
      !ok)
    return unexpected(ok.error());
  Project project;
  auto plugins = parse_list<SavedPlugin>(document, "plugins", top, parse_plugin);
  if (!plugins) return unexpected(plugins.error());
  for (SavedPlugin& plugin : *plugins) {
    project.plugins.push_back(std::move(plugin.spec));
    project.plugins_enabled.push_back(plugin.enabled);
  }
  auto requests = parse_list<SavedRequest>(document, "requests", top, parse_saved_request);
  if (!requests) return unexpected(requests.error());
  project.requests = std::move(*requests);
  auto history = parse_list<HistoryRecord>(document, "history", top, parse_history_entry);
  if (!history) return unexpected(history.error());
  project.history = std::move(*history);
  auto breakpoints = parse_list<BreakpointRecord>(document, "breakpoints", top, parse_breakpoint);
  if (!breakpoints) return unexpected(breakpoints.error());
  project.breakpoints = std::move(*breakpoints);
  return project;
}

Result<Project> load_project(const std::string& path) {
  auto text = read_file(path, "project file");
  if (!text) return unexpected(text.error());
  auto parsed = parse_json_text(*text, path);
  if (!parsed) return unexpected(parsed.error());
  return parse_project(*parsed, path);
}

json project_to_json(const Project& project) {
  json out;
  out["format"] = kProjectFormat;
  out["version"] = kProjectVersion;
  json plugins = json::array();
  for (size_t i = 0; i < project.plugins.size(); ++i) {
    const PluginSpec& setup = project.plugins[i];
    json entry;
    entry["wasm_path"] = setup.wasm_path;
    entry["engine"] = setup.engine;
    entry["name"] = setup.name;
    entry["root_id"] = setup.root_id;
    entry["vm_id"] = setup.vm_id;
    entry["configuration"] = setup.configuration;
    entry["vm_configuration"] = setup.vm_configuration;
    entry["environment"] = header_list_to_json(setup.environment);
    entry["fail_open"] = setup.fail_open;
    entry["enabled"] = project.plugin_enabled(i);
    plugins.push_back(entry);
  }
  out["plugins"] = plugins;
  json requests = json::array();
  for (const auto& saved : project.requests)
    requests.push_back(
        {{"name", saved.name}, {"request", request_to_json_complete(saved.request)}});
  out["requests"] = requests;
  json history = json::array();
  for (const auto& entry : project.history) {
    json item;
    item["id"] = entry.id;
    item["name"] = entry.name;
    item["time"] = entry.time;
    item["request"] = request_to_json_complete(entry.request);
    item["outcome"] = entry.outcome ? outcome_to_json(*entry.outcome) : json(nullptr);
    history.push_back(item);
  }
  out["history"] = history;
  json breakpoints = json::array();
  for (const auto& record : project.breakpoints)
    breakpoints.push_back({{"id", record.id},
                           {"kind", record.kind},
                           {"target", record.target},
                           {"condition", record.condition},
                           {"enabled", record.enabled},
                           {"hit_count", record.hit_count}});
  out["breakpoints"] = breakpoints;
  return out;
}

Result<void> save_project(const Project& project, const std::string& path) {
  std::string text =
      project_to_json(project).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  return write_file_atomically(path, text);
}

HistoryRecord history_record(const HistoryEntry& entry) {
  HistoryRecord record;
  record.id = entry.id;
  record.name = entry.name;
  record.time = iso8601(entry.time);
  record.request = entry.request;
  record.outcome =
      outcome_from_report(entry.report, entry.failure, compute_stats(entry.trace).filter_ns);
  return record;
}

BreakpointRecord breakpoint_record(const Breakpoint& breakpoint) {
  BreakpointRecord record;
  record.id = breakpoint.id;
  record.kind = std::string(breakpoint_kind_name(breakpoint.kind));
  record.target = breakpoint.target;
  record.condition = breakpoint.condition_text;
  record.enabled = breakpoint.enabled;
  record.hit_count = breakpoint.hits;
  return record;
}

Result<Breakpoint> breakpoint_from_record(const BreakpointRecord& record) {
  auto kind = parse_breakpoint_kind(record.kind);
  if (!kind)
    return make_error("breakpoint " + std::to_string(record.id) + ": unknown kind '" + record.kind +
                      "'");
  // make_breakpoint takes targets as typed: "trap", "local_response", "log LEVEL", or a name.
  std::string target = record.target;
  if (*kind == BreakpointKind::Trap || *kind == BreakpointKind::LocalResponse)
    target = std::string(breakpoint_kind_name(*kind));
  else if (*kind == BreakpointKind::Log)
    target = "log " + record.target;
  else if (*kind == BreakpointKind::Instruction)
    target = "*" + record.target;
  auto breakpoint = make_breakpoint(target, record.condition);
  if (!breakpoint)
    return make_error("breakpoint " + std::to_string(record.id) + ": " +
                      breakpoint.error().message);
  if (breakpoint->kind != *kind)
    return make_error("breakpoint " + std::to_string(record.id) + ": '" + record.target +
                      "' is not a " + record.kind + " target");
  breakpoint->id = static_cast<uint32_t>(record.id);
  breakpoint->enabled = record.enabled;
  breakpoint->hits = static_cast<uint32_t>(record.hit_count);
  return breakpoint;
}

PluginSpec plugin_in_project(const PluginSpec& saved, const std::string& project_path) {
  PluginSpec spec = saved;
  std::filesystem::path wasm = saved.wasm_path;
  if (!project_path.empty() && !wasm.empty() && wasm.is_relative())
    spec.wasm_path = (std::filesystem::path(project_path).parent_path() / wasm).string();
  return spec;
}

}  // namespace pwplay::debugger
