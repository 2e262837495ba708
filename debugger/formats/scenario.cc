#include "debugger/formats/scenario.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "abi/enums.h"
#include "debugger/formats/atomic_file.h"
#include "debugger/formats/json_place.h"
#include "debugger/formats/plugin_config_file.h"
#include "debugger/formats/project.h"
#include "host/vm.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const std::vector<std::string> kPluginKeys = {
    "filter", "engine", "config", "config_file", "plugin_config", "fail_open", "root_id", "vm_id"};

const std::vector<std::string> kExpectKeys = {"status",
                                              "headers",
                                              "headers_present",
                                              "headers_absent",
                                              "upstream_headers",
                                              "upstream_headers_present",
                                              "upstream_headers_absent",
                                              "upstream_reached",
                                              "body_contains",
                                              "body_equals",
                                              "upstream_body_equals",
                                              "logs_contain",
                                              "host_calls",
                                              "no_trap",
                                              "local_response"};

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> with(std::vector<std::string> keys,
                              std::initializer_list<const char*> more) {
  for (const char* key : more) keys.emplace_back(key);
  return keys;
}

struct LoadContext {
  std::string file;
  fs::path dir;  // the scenario file's directory
  const ScenarioLoadOptions* options;
};

// ${NAME} and ${NAME:-default} in a path-valued field.
Result<std::string> expand(const std::string& text, const LoadContext& context,
                           const JsonPlace& place, bool& from_environment) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (text[i] != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      out.push_back(text[i++]);
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string::npos)
      return place.error("'${' without a closing '}' in \"" + text + "\"");
    std::string name = text.substr(i + 2, close - i - 2);
    std::optional<std::string> fallback;
    if (size_t dash = name.find(":-"); dash != std::string::npos) {
      fallback = name.substr(dash + 2);
      name = name.substr(0, dash);
    }
    std::optional<std::string> value;
    if (name == "PWPLAY_SAMPLES" && context.options->samples_dir) {
      value = *context.options->samples_dir;
    } else if (name == "PWPLAY_SCENARIO_DIR") {
      value = context.dir.string();
    } else if (const char* env = std::getenv(name.c_str()); env && *env) {
      value = env;
      from_environment = true;
    }
    if (!value) value = fallback;
    if (!value) {
      std::string hint = name == "PWPLAY_SAMPLES"
                             ? " (pass --samples-dir DIR or set PWPLAY_SAMPLES to the directory of "
                               "the built samples)"
                             : " (set it in the environment)";
      return place.error("${" + name + "} is not set" + hint);
    }
    out += *value;
    i = close + 1;
  }
  return out;
}

// `path` with every occurrence of `from` replaced by `to`.
std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// True when `path` lies inside `root` once both are resolved (symbolic links and "..").
bool inside(const fs::path& path, const fs::path& root) {
  std::error_code ec;
  fs::path real_root = fs::weakly_canonical(fs::absolute(root, ec), ec);
  if (ec) return false;
  fs::path real = fs::weakly_canonical(fs::absolute(path, ec), ec);
  if (ec) return false;
  auto r = real_root.begin();
  auto p = real.begin();
  for (; r != real_root.end(); ++r, ++p) {
    if (r->empty()) continue;  // a trailing separator
    if (p == real.end() || *p != *r) return false;
  }
  return true;
}

// A path field of the file, resolved: ${NAME} expanded, relative to the scenario file's folder.
// Scenario files are untrusted input: with options.confine_paths the result must lie inside that
// folder or the samples folder, and a value taken from the environment never appears in an error
// (errors show the path as written).
struct ResolvedPath {
  std::string path;
  std::string written;    // as the file wrote it
  bool from_environment;  // some ${NAME} came from the environment

  // `message` with the resolved path shown as written, when the environment supplied part of it.
  std::string shown(const std::string& message) const {
    return from_environment ? replace_all(message, path, "\"" + written + "\"") : message;
  }
};

Result<ResolvedPath> path_field(const std::string& text, const LoadContext& context,
                                const JsonPlace& place) {
  if (text.empty()) return place.error("expected a file path, got an empty string");
  bool from_environment = false;
  auto expanded = expand(text, context, place, from_environment);
  if (!expanded) return unexpected(expanded.error());
  fs::path path = *expanded;
  if (path.is_relative()) path = context.dir / path;
  ResolvedPath resolved{path.lexically_normal().string(), text, from_environment};
  if (!context.options->confine_paths) return resolved;
  if (inside(resolved.path, context.dir)) return resolved;
  const auto& samples = context.options->samples_dir;
  if (samples && inside(resolved.path, *samples)) return resolved;
  return place.error(
      (from_environment ? "\"" + text + "\"" : resolved.path) +
      " is outside the scenario file's folder" + (samples ? " and the samples folder" : "") +
      ": paths in a scenario file must stay inside it (no absolute paths elsewhere, no '..' "
      "out of it); pass --allow-paths-outside to allow it");
}

// The Envoy config a level names ("plugin_config"), loaded: the base its explicit fields override.
Result<std::optional<PluginSpec>> plugin_config_field(const json& object, const JsonPlace& place,
                                                      const LoadContext& context) {
  auto text = string_field(object, "plugin_config", place);
  if (!text) return unexpected(text.error());
  if (!*text) return std::optional<PluginSpec>();
  JsonPlace field = place.field("plugin_config");
  auto path = path_field(**text, context, field);
  if (!path) return unexpected(path.error());
  auto loaded = load_plugin_config_file(path->path);
  if (!loaded) return field.error(path->shown(loaded.error().message));
  return std::optional<PluginSpec>(std::move(*loaded));
}

// The explicit plugin fields of the file or of a scenario, applied over `spec`.
Result<void> apply_plugin_fields(const json& object, const JsonPlace& place,
                                 const LoadContext& context, PluginSpec& spec) {
  if (object.contains("config") && object.contains("config_file"))
    return place.error("give either 'config' or 'config_file', not both");
  for (const char* key : {"filter", "config_file"}) {
    auto text = string_field(object, key, place);
    if (!text) return unexpected(text.error());
    if (!*text) continue;
    auto path = path_field(**text, context, place.field(key));
    if (!path) return unexpected(path.error());
    if (std::string_view(key) == "filter") {
      // The module is read when the scenario runs; a path the environment made is checked here,
      // so that the run's error never shows it.
      if (path->from_environment) {
        std::error_code ec;
        if (!fs::is_regular_file(path->path, ec))
          return place.field(key).error("\"" + path->written +
                                        "\" is not a regular file (the value of the variable "
                                        "is not shown)");
      }
      spec.wasm_path = path->path;
      spec.inline_code.clear();
    } else {
      // Read here, so the runner gets its contents as the configuration.
      auto contents = read_file(path->path, "plugin configuration");
      if (!contents) return place.field(key).error(path->shown(contents.error().message));
      spec.configuration = std::move(*contents);
    }
  }
  for (auto [key, target] :
       {std::pair{"engine", &spec.engine}, std::pair{"config", &spec.configuration},
        std::pair{"root_id", &spec.root_id}, std::pair{"vm_id", &spec.vm_id}}) {
    auto text = string_field(object, key, place);
    if (!text) return unexpected(text.error());
    if (*text) *target = **text;
  }
  auto fail_open = bool_field(object, "fail_open", place);
  if (!fail_open) return unexpected(fail_open.error());
  if (*fail_open) spec.fail_open = **fail_open;
  return {};
}

Result<std::vector<std::pair<std::string, std::string>>> header_expectations(
    const json& object, const char* key, const JsonPlace& place) {
  std::vector<std::pair<std::string, std::string>> out;
  auto it = object.find(key);
  if (it == object.end()) return out;
  JsonPlace field = place.field(key);
  if (!it->is_object())
    return field.error("expected an object of header name -> value, got " + json_type_phrase(*it));
  for (const auto& [name, value] : it->items()) {
    if (!value.is_string())
      return field.field(name).error("expected a string, got " + json_type_phrase(value));
    out.emplace_back(name, value.get<std::string>());
  }
  return out;
}

Result<Expectations> parse_expectations(const json& object, const JsonPlace& place) {
  if (!object.is_object())
    return place.error("expected an object, got " + json_type_phrase(object));
  if (auto ok = check_fields(object, kExpectKeys, place); !ok) return unexpected(ok.error());
  Expectations expect;
  if (auto it = object.find("status"); it != object.end()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 100 || it->get<int64_t>() > 999)
      return place.field("status").error("expected an HTTP status code (100-999), got " +
                                         json_type_phrase(*it));
    expect.status = static_cast<uint32_t>(it->get<int64_t>());
  }
  auto headers = header_expectations(object, "headers", place);
  if (!headers) return unexpected(headers.error());
  expect.headers = std::move(*headers);
  auto upstream_headers = header_expectations(object, "upstream_headers", place);
  if (!upstream_headers) return unexpected(upstream_headers.error());
  expect.upstream_headers = std::move(*upstream_headers);
  for (auto [key, target] :
       {std::pair{"headers_present", &expect.headers_present},
        std::pair{"headers_absent", &expect.headers_absent},
        std::pair{"upstream_headers_present", &expect.upstream_headers_present},
        std::pair{"upstream_headers_absent", &expect.upstream_headers_absent},
        std::pair{"logs_contain", &expect.logs_contain}}) {
    auto list = string_list_field(object, key, place);
    if (!list) return unexpected(list.error());
    *target = std::move(*list);
  }
  for (auto [key, target] : {std::pair{"body_contains", &expect.body_contains},
                             std::pair{"body_equals", &expect.body_equals},
                             std::pair{"upstream_body_equals", &expect.upstream_body_equals}}) {
    auto text = string_field(object, key, place);
    if (!text) return unexpected(text.error());
    *target = std::move(*text);
  }
  for (auto [key, target] : {std::pair{"upstream_reached", &expect.upstream_reached},
                             std::pair{"no_trap", &expect.no_trap},
                             std::pair{"local_response", &expect.local_response}}) {
    auto flag = bool_field(object, key, place);
    if (!flag) return unexpected(flag.error());
    *target = *flag;
  }
  if (auto it = object.find("host_calls"); it != object.end()) {
    JsonPlace field = place.field("host_calls");
    if (!it->is_object())
      return field.error("expected an object of host function name -> count, got " +
                         json_type_phrase(*it));
    for (const auto& [name, count] : it->items()) {
      if (!count.is_number_unsigned())
        return field.field(name).error("expected a call count (a non-negative integer), got " +
                                       json_type_phrase(count));
      expect.host_calls.emplace_back(name, count.get<uint64_t>());
    }
  }
  return expect;
}

// Text for display: quoted, escapes for control bytes, long values cut.
std::string quote(std::string_view text, size_t limit = 200) {
  std::string out = "\"";
  size_t shown = std::min(text.size(), limit);
  for (size_t i = 0; i < shown; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    static constexpr std::string_view kEscapes = "\nn\rr\tt\"\"\\\\";
    size_t escape = kEscapes.find(static_cast<char>(c));
    if (escape != std::string_view::npos && escape % 2 == 0) {
      out += '\\';
      out.push_back(kEscapes[escape + 1]);
    } else if (c < 0x20 || c == 0x7F) {
      char buffer[8];
      std::snprintf(buffer, sizeof(buffer), "\\x%02x", c);
      out += buffer;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out += "\"";
  if (text.size() > limit) out += " ... (" + std::to_string(text.size() - limit) + " more bytes)";
  return out;
}

std::vector<std::string> values_of(const abi::HeaderPairs& headers, std::string_view name) {
  std::vector<std::string> out;
  std::string wanted = lower(name);
  for (const auto& [key, value] : headers)
    if (lower(key) == wanted) out.push_back(value);
  return out;
}

std::string show_values(const std::vector<std::string>& values) {
  if (values.empty()) return "(absent)";
  std::string out;
  for (size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + quote(values[i]);
  return out;
}

// Why there is no response to compare against.
std::string no_response(const host::RunReport& report) {
  if (report.reset) return "no response (the stream was reset: " + report.reset_reason + ")";
  if (report.stalled)
    return "no response (the request never completed: " + report.stall_reason + ")";
  return "no response";
}

void check_headers(const std::string& side, const abi::HeaderPairs* headers,
                   const std::string& missing_reason,
                   const std::vector<std::pair<std::string, std::string>>& equal,
                   const std::vector<std::string>& present, const std::vector<std::string>& absent,
                   std::vector<Mismatch>& out) {
  for (const auto& [name, value] : equal) {
    std::string what = side + " header '" + name + "'";
    if (!headers) {
      out.push_back({what, quote(value), missing_reason, {}});
      continue;
    }
    auto values = values_of(*headers, name);
    if (std::find(values.begin(), values.end(), value) == values.end())
      out.push_back({what, quote(value), show_values(values), {}});
  }
  for (const auto& name : present) {
    std::string what = side + " header '" + name + "'";
    if (!headers) {
      out.push_back({what, "present", missing_reason, {}});
    } else if (values_of(*headers, name).empty()) {
      out.push_back({what, "present", "(absent)", {}});
    }
  }
  for (const auto& name : absent) {
    if (!headers) continue;  // nothing arrived, so the header is absent too
    auto values = values_of(*headers, name);
    if (!values.empty())
      out.push_back({side + " header '" + name + "'", "(absent)", show_values(values), {}});
  }
}

// Where two texts first differ, with a short window of each around it.
void body_difference(const std::string& what, const std::string& expected,
                     const std::string& actual, std::vector<Mismatch>& out) {
  size_t at = 0;
  while (at < expected.size() && at < actual.size() && expected[at] == actual[at]) ++at;
  size_t line = 1, column = 1;
  for (size_t i = 0; i < at; ++i) {
    if (expected[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  Mismatch mismatch;
  mismatch.what = what;
  mismatch.expected = quote(expected);
  mismatch.actual = quote(actual);
  if (expected.size() > 40 || actual.size() > 40) {
    size_t from = at > 20 ? at - 20 : 0;
    std::string prefix = from > 0 ? "..." : "";
    mismatch.details.push_back("first difference at byte " + std::to_string(at) + " (line " +
                               std::to_string(line) + ", column " + std::to_string(column) + "):");
    mismatch.details.push_back(
        "  expected: " + prefix +
        quote(std::string_view(expected).substr(std::min(from, expected.size())), 60));
    mismatch.details.push_back(
        "  actual:   " + prefix +
        quote(std::string_view(actual).substr(std::min(from, actual.size())), 60));
  } else {
    mismatch.details.push_back("first difference at byte " + std::to_string(at) + " (line " +
                               std::to_string(line) + ", column " + std::to_string(column) + ")");
  }
  out.push_back(std::move(mismatch));
}

std::string failure_phrase(const host::PluginFailure& failure) {
  return std::string(host::vm_fault_name(failure.fault)) + " in " + failure.callback + ": " +
         failure.message;
}

// Quotes are escaped only inside attributes, so failure text stays readable in CI viewers.
std::string xml_escape(std::string_view text, bool attribute = true) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    // Keep valid UTF-8 sequences; anything else that XML 1.0 cannot carry becomes U+FFFD.
    if (c >= 0x80) {
      size_t length = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
      if (length && i + length <= text.size() &&
          is_valid_utf8(std::string(text.substr(i, length)))) {
        out.append(text.substr(i, length));
        i += length;
      } else {
        out += "\xEF\xBF\xBD";
        ++i;
      }
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += attribute ? "&quot;" : "\"";
        break;
      case '\'':
        out += attribute ? "&apos;" : "'";
        break;
      case '\n':
      case '\r':
      case '\t':
        out.push_back(static_cast<char>(c));
        break;
      default:
        if (c < 0x20)
          out += "\xEF\xBF\xBD";
        else
          out.push_back(static_cast<char>(c));
    }
    ++i;
  }
  return out;
}

std::string seconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.3f", seconds);
  return buffer;
}

}  // namespace

Result<ScenarioSuite> parse_scenarios(const json& document, const std::string& file,
                                      const ScenarioLoadOptions& options) {
  JsonPlace top{file, ""};
  LoadContext context{file, fs::path(file).parent_path(), &options};
  if (context.dir.empty()) context.dir = ".";
  if (!document.is_object())
    return top.error(
        "expected a scenario file object {\"filter\": ..., \"scenarios\": [...]}, got " +
        json_type_phrase(document));
  if (auto ok = check_fields(document, with(kPluginKeys, {"description", "scenarios"}), top); !ok)
    return unexpected(ok.error());
  ScenarioSuite suite;
  suite.path = file;
  auto description = string_field(document, "description", top);
  if (!description) return unexpected(description.error());
  suite.description = description->value_or("");
  // The file's plugin: its Envoy config (if any) with its explicit fields over it.
  auto file_base = plugin_config_field(document, top, context);
  if (!file_base) return unexpected(file_base.error());
  PluginSpec defaults = file_base->value_or(PluginSpec{});
  if (auto ok = apply_plugin_fields(document, top, context, defaults); !ok)
    return unexpected(ok.error());

  auto list = document.find("scenarios");
  if (list == document.end())
    return top.field("scenarios").error("missing; expected a list of scenarios");
  JsonPlace list_place = top.field("scenarios");
  if (!list->is_array()) return list_place.error("expected a list, got " + json_type_phrase(*list));
  if (list->empty()) return list_place.error("the list is empty; expected at least one scenario");
  std::set<std::string> names;
  for (size_t i = 0; i < list->size(); ++i) {
    const json& item = (*list)[i];
    JsonPlace place = list_place.index(i);
    if (!item.is_object()) return place.error("expected an object, got " + json_type_phrase(item));
    if (auto ok = check_fields(
            item, with(kPluginKeys, {"name", "description", "request", "expect"}), place);
        !ok)
      return unexpected(ok.error());
    Scenario scenario;
    auto name = string_field(item, "name", place);
    if (!name) return unexpected(name.error());
    if (!*name || (*name)->empty())
      return place.field("name").error("missing; every scenario needs a name");
    scenario.name = **name;
    if (!names.insert(scenario.name).second)
      return place.field("name").error("\"" + scenario.name + "\" is used by an earlier scenario");
    auto text = string_field(item, "description", place);
    if (!text) return unexpected(text.error());
    scenario.description = text->value_or("");

    // A scenario's own Envoy config replaces the file's as the base; explicit fields win over
    // it, the scenario's over the file's.
    auto own_base = plugin_config_field(item, place, context);
    if (!own_base) return unexpected(own_base.error());
    scenario.plugin = defaults;
    if (*own_base) {
      scenario.plugin = std::move(**own_base);
      if (auto ok = apply_plugin_fields(document, top, context, scenario.plugin); !ok)
        return unexpected(ok.error());
    }
    if (auto ok = apply_plugin_fields(item, place, context, scenario.plugin); !ok)
      return unexpected(ok.error());
    if (options.engine) scenario.plugin.engine = *options.engine;
    if (!scenario.plugin.has_module())
      return place.error("no filter: give \"filter\" in the scenario or at the top of the file");

    auto request = item.find("request");
    JsonPlace request_place = place.field("request");
    if (request == item.end())
      return request_place.error("missing; expected a request object or a file name");
    if (request->is_string()) {
      auto path = path_field(request->get<std::string>(), context, request_place);
      if (!path) return unexpected(path.error());
      auto loaded = load_request_file(path->path);
      if (!loaded) return request_place.error(path->shown(loaded.error().message));
      scenario.request = std::move(*loaded);
    } else if (request->is_object()) {
      auto parsed = parse_request(*request, request_place.str());
      if (!parsed) return unexpected(parsed.error());
      scenario.request = std::move(*parsed);
    } else {
      return request_place.error("expected a request object or a request file name, got " +
                                 json_type_phrase(*request));
    }

    if (auto expect = item.find("expect"); expect != item.end()) {
      auto parsed = parse_expectations(*expect, place.field("expect"));
      if (!parsed) return unexpected(parsed.error());
      scenario.expect = std::move(*parsed);
    }
    suite.scenarios.push_back(std::move(scenario));
  }
  return suite;
}

Result<ScenarioSuite> load_scenarios(const std::string& path, const ScenarioLoadOptions& options) {
  auto text = read_file(path, "scenario file");
  if (!text) return unexpected(text.error());
  auto parsed = parse_json_text(*text, path);
  if (!parsed) return unexpected(parsed.error());
  return parse_scenarios(*parsed, path, options);
}

std::vector<Mismatch> check_expectations(const Expectations& expect, const RunResult& result) {
  std::vector<Mismatch> out;
  const host::RunReport& report = result.report;
  const host::MessageView* response = report.response ? &*report.response : nullptr;
  const host::MessageView* upstream = report.upstream_request ? &*report.upstream_request : nullptr;

  if (expect.status) {
    if (!response)
      out.push_back({"status", std::to_string(*expect.status), no_response(report), {}});
    else if (response->status != *expect.status)
      out.push_back(
          {"status", std::to_string(*expect.status), std::to_string(response->status), {}});
  }
  if (expect.local_response && report.local_response != *expect.local_response) {
    Mismatch mismatch{"local_response",
                      *expect.local_response ? "true" : "false",
                      report.local_response ? "true" : "false",
                      {}};
    if (report.local_reply)
      mismatch.details.push_back("a filter answered " + std::to_string(report.local_reply->status) +
                                 (report.local_reply->details.empty()
                                      ? std::string()
                                      : " (" + report.local_reply->details + ")"));
    out.push_back(std::move(mismatch));
  }
  if (expect.upstream_reached && (upstream != nullptr) != *expect.upstream_reached)
    out.push_back({"upstream_reached",
                   *expect.upstream_reached ? "true" : "false",
                   upstream ? "true" : "false",
                   {}});

  check_headers("response", response ? &response->headers : nullptr, no_response(report),
                expect.headers, expect.headers_present, expect.headers_absent, out);
  check_headers("upstream", upstream ? &upstream->headers : nullptr, "the upstream was not reached",
                expect.upstream_headers, expect.upstream_headers_present,
                expect.upstream_headers_absent, out);

  if (expect.body_contains) {
    if (!response) {
      out.push_back({"body_contains", quote(*expect.body_contains), no_response(report), {}});
    } else if (response->body.find(*expect.body_contains) == std::string::npos) {
      out.push_back({"body_contains",
                     "a response body containing " + quote(*expect.body_contains),
                     quote(response->body),
                     {}});
    }
  }
  if (expect.body_equals) {
    if (!response)
      out.push_back({"body_equals", quote(*expect.body_equals), no_response(report), {}});
    else if (response->body != *expect.body_equals)
      body_difference("body_equals", *expect.body_equals, response->body, out);
  }
  if (expect.upstream_body_equals) {
    if (!upstream)
      out.push_back({"upstream_body_equals",
                     quote(*expect.upstream_body_equals),
                     "the upstream was not reached",
                     {}});
    else if (upstream->body != *expect.upstream_body_equals)
      body_difference("upstream_body_equals", *expect.upstream_body_equals, upstream->body, out);
  }
  for (const auto& wanted : expect.logs_contain) {
    bool found = std::any_of(result.logs.begin(), result.logs.end(), [&](const auto& record) {
      return record.message.find(wanted) != std::string::npos;
    });
    if (found) continue;
    Mismatch mismatch{"logs_contain",
                      "a log message containing " + quote(wanted),
                      result.logs.empty() ? "no logs"
                      : result.logs.size() == 1
                          ? "1 log message without it"
                          : std::to_string(result.logs.size()) + " log messages without it",
                      {}};
    for (const auto& record : result.logs)
      mismatch.details.push_back("[" + std::string(abi::log_level_label(record.level)) + "] " +
                                 quote(record.message, 160));
    out.push_back(std::move(mismatch));
  }
  for (const auto& [name, count] : expect.host_calls) {
    uint64_t actual = 0;
    for (const auto& event : result.trace)
      if (event.kind == host::EventKind::HostCall && event.name == name) ++actual;
    if (actual != count) {
      auto calls = [](uint64_t n) { return std::to_string(n) + (n == 1 ? " call" : " calls"); };
      out.push_back({"host_calls." + name, calls(count), calls(actual), {}});
    }
  }
  if (expect.no_trap) {
    if (*expect.no_trap && result.failure)
      out.push_back({"no_trap", "no filter failure", failure_phrase(*result.failure), {}});
    else if (!*expect.no_trap && !result.failure)
      out.push_back({"no_trap", "a filter failure (no_trap is false)", "no failure", {}});
  }
  return out;
}

ScenarioResult run_scenario(const Scenario& scenario, const LimitSettings& limits) {
  ScenarioResult out;
  out.name = scenario.name;
  auto start = std::chrono::steady_clock::now();
  auto result = run_once(scenario.plugin, scenario.request, true, limits);
  if (!result) {
    out.error = "could not run the filter: " + result.error().message;
  } else {
    out.mismatches = check_expectations(scenario.expect, *result);
    out.passed = out.mismatches.empty();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

std::string failure_text(const ScenarioResult& result) {
  std::string out;
  if (!result.error.empty()) out += "  " + result.error + "\n";
  for (const auto& mismatch : result.mismatches) {
    out += "  " + mismatch.what + ": expected " + mismatch.expected + ", got " + mismatch.actual +
           "\n";
    for (const auto& line : mismatch.details) out += "      " + line + "\n";
  }
  return out;
}

std::string junit_xml(const std::vector<SuiteResult>& suites) {
  size_t tests = 0, failures = 0, errors = 0;
  double total = 0;
  for (const auto& suite : suites) {
    for (const auto& result : suite.results) {
      ++tests;
      if (!result.error.empty())
        ++errors;
      else if (!result.passed)
        ++failures;
      total += result.seconds;
    }
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<testsuites name=\"pwplay\" tests=\"" + std::to_string(tests) + "\" failures=\"" +
         std::to_string(failures) + "\" errors=\"" + std::to_string(errors) + "\" time=\"" +
         seconds_text(total) + "\">\n";
  for (const auto& suite : suites) {
    size_t suite_failures = 0, suite_errors = 0;
    double suite_time = 0;
    for (const auto& result : suite.results) {
      if (!result.error.empty())
        ++suite_errors;
      else if (!result.passed)
        ++suite_failures;
      suite_time += result.seconds;
    }
    std::string name = xml_escape(suite.name);
    out += "  <testsuite name=\"" + name + "\" tests=\"" + std::to_string(suite.results.size()) +
           "\" failures=\"" + std::to_string(suite_failures) + "\" errors=\"" +
           std::to_string(suite_errors) + "\" time=\"" + seconds_text(suite_time) + "\">\n";
    for (const auto& result : suite.results) {
      out += "    <testcase name=\"" + xml_escape(result.name) + "\" classname=\"" + name +
             "\" time=\"" + seconds_text(result.seconds) + "\"";
      if (result.passed) {
        out += "/>\n";
        continue;
      }
      out += ">\n";
      std::string text = xml_escape(failure_text(result), false);
      if (!result.error.empty()) {
        out += "      <error message=\"" + xml_escape(result.error) + "\">" + text + "</error>\n";
      } else {
        std::string summary = std::to_string(result.mismatches.size()) +
                              (result.mismatches.size() == 1 ? " expectation" : " expectations") +
                              " failed";
        out += "      <failure message=\"" + summary + "\">" + text + "</failure>\n";
      }
      out += "    </testcase>\n";
    }
    out += "  </testsuite>\n";
  }
  out += "</testsuites>\n";
  return out;
}

Result<json> scenario_from_run(const RequestFile& request, const RunResult& result) {
  const host::RunReport& report = result.report;
  if (report.stalled)
    return make_error("the request never completed (" + report.stall_reason +
                      "), so there is no outcome to expect");
  json expect = json::object();
  if (report.response) expect["status"] = report.response->status;
  expect["local_response"] = report.local_response;
  expect["upstream_reached"] = report.upstream_request.has_value();

  // Headers the filter added to or removed from what passed through it. The embedded proxy adds
  // x-request-id and x-forwarded-proto before the filters, as Envoy does; scenarios run in process
  // without them, so a run that came through the proxy must not expect them.
  auto changes = [](const abi::HeaderPairs& before, const abi::HeaderPairs& after, json& equal,
                    json& absent) {
    // Plain references, not structured bindings: clang 14 (the fuzz build) cannot capture those.
    for (const auto& header : after) {
      const std::string& name = header.first;
      const std::string& value = header.second;
      if (lower(name) == "x-request-id" || lower(name) == "x-forwarded-proto") continue;
      bool existed = std::any_of(before.begin(), before.end(), [&](const auto& pair) {
        return lower(pair.first) == lower(name) && pair.second == value;
      });
      if (!existed && !equal.contains(lower(name))) equal[lower(name)] = value;
    }
    for (const auto& header : before) {
      const std::string& name = header.first;
      bool kept = std::any_of(after.begin(), after.end(),
                              [&](const auto& pair) { return lower(pair.first) == lower(name); });
      std::string key = lower(name);
      if (!kept && std::find(absent.begin(), absent.end(), key) == absent.end())
        absent.push_back(key);
    }
  };
  if (report.response) {
    json equal = json::object(), absent = json::array();
    abi::HeaderPairs before;
    if (report.upstream_response && !report.local_response)
      before = report.upstream_response->headers;
    changes(before, report.response->headers, equal, absent);
    if (!equal.empty()) expect["headers"] = equal;
    if (!absent.empty()) expect["headers_absent"] = absent;
  }
  if (report.upstream_request) {
    json equal = json::object(), absent = json::array();
    changes(report.client_request.headers, report.upstream_request->headers, equal, absent);
    if (!equal.empty()) expect["upstream_headers"] = equal;
    if (!absent.empty()) expect["upstream_headers_absent"] = absent;
  }
  expect["no_trap"] = !result.failure.has_value();
  json scenario;
  scenario["name"] = request.request.method + " " + request.request.path;
  scenario["request"] = request_to_json_complete(request);
  scenario["expect"] = expect;
  return scenario;
}

Result<void> append_scenario(const std::string& path, const json& scenario,
                             const std::string& filter_path) {
  JsonPlace top{path, ""};
  std::error_code ec;
  json document;
  if (fs::exists(path, ec)) {
    auto text = read_file(path, "scenario file");
    if (!text) return unexpected(text.error());
    auto parsed = parse_json_text(*text, path);
    if (!parsed) return unexpected(parsed.error());
    document = std::move(*parsed);
    if (!document.is_object())
      return top.error("expected a scenario file object, got " + json_type_phrase(document) +
                       "; the file was not changed");
    if (auto ok = check_fields(document, with(kPluginKeys, {"description", "scenarios"}), top); !ok)
      return unexpected(ok.error());
    if (document.contains("scenarios") && !document["scenarios"].is_array())
      return top.field("scenarios").error("expected a list; the file was not changed");
  } else {
    fs::path filter = filter_path;
    fs::path dir = fs::absolute(fs::path(path), ec).parent_path();
    if (!filter_path.empty() && filter.is_absolute()) {
      fs::path relative = filter.lexically_relative(dir);
      if (!relative.empty()) filter = relative;
    }
    document = {{"filter", filter.string()}, {"scenarios", json::array()}};
  }
  json entry = scenario;
  // Keep names unique: "GET /a", "GET /a (2)", ...
  std::string base = entry.value("name", std::string("scenario"));
  std::string name = base;
  for (int n = 2;; ++n) {
    bool taken = false;
    for (const auto& existing : document["scenarios"])
      if (existing.is_object() && existing.value("name", std::string()) == name) taken = true;
    if (!taken) break;
    name = base + " (" + std::to_string(n) + ")";
  }
  entry["name"] = name;
  document["scenarios"].push_back(entry);
  return write_file_atomically(path,
                               document.dump(2, ' ', false, json::error_handler_t::replace) + "\n");
}

}  // namespace pwplay::debugger
