// header_rules: adds, replaces and removes headers as its JSON plugin configuration says.
//
//   {"request":  {"add": {"x-env": "dev"}, "replace": {"user-agent": "pwplay"},
//                 "remove": ["x-debug"]},
//    "response": {"add": {"x-served-by": "header_rules"}, "remove": ["server"]}}
//
// Configure: proxy_on_configure reads the PLUGIN_CONFIGURATION buffer (proxy_get_buffer_bytes)
//   and parses it. A configuration it cannot use is refused: it logs why at error level and
//   returns 0, and the host refuses to start the plugin.
// Headers: proxy_add_header_map_value keeps existing values (a repeated header),
//   proxy_replace_header_map_value sets one value (adding the header if absent),
//   proxy_remove_header_map_value drops every value. Removes run first, then replaces, then adds.
// Without a configuration the filter uses kExampleRules (below), so it shows something when
// opened with its request preset.

#include <string>
#include <unordered_map>

#include "pwplay_json.h"
#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

struct Rules {
  Headers add;
  Headers replace;
  std::vector<std::string> remove;
};

struct PluginRules {
  Rules request;
  Rules response;
};

constexpr std::string_view kExampleRules =
    R"({"request": {"add": {"x-env": "playground"}, "replace": {"user-agent": "header_rules"},
                    "remove": ["x-debug"]},
        "response": {"add": {"x-served-by": "header_rules"}, "remove": ["server"]}})";

std::unordered_map<uint32_t, PluginRules> g_rules;     // root context id -> its rules
std::unordered_map<uint32_t, uint32_t> g_stream_root;  // stream context id -> root id

// Reads {"name": "value", ...} into `out`; an error names the place.
std::string read_pairs(const json::Value& value, const std::string& place, Headers& out) {
  if (!value.is(json::Kind::Object)) return place + ": expected an object of name: value";
  for (size_t i = 0; i < value.keys.size(); ++i) {
    if (!value.items[i].is(json::Kind::String))
      return place + "." + value.keys[i] + ": expected a string value";
    out.emplace_back(value.keys[i], value.items[i].string);
  }
  return "";
}

std::string read_rules(const json::Value& value, const std::string& place, Rules& out) {
  if (!value.is(json::Kind::Object)) return place + ": expected an object";
  for (size_t i = 0; i < value.keys.size(); ++i) {
    const std::string& key = value.keys[i];
    const json::Value& item = value.items[i];
    std::string error;
    if (key == "add") {
      error = read_pairs(item, place + ".add", out.add);
    } else if (key == "replace") {
      error = read_pairs(item, place + ".replace", out.replace);
    } else if (key == "remove") {
      if (!item.is(json::Kind::Array)) return place + ".remove: expected an array of names";
      for (const json::Value& name : item.items) {
        if (!name.is(json::Kind::String)) return place + ".remove: expected only strings";
        out.remove.push_back(name.string);
      }
    } else {
      return place + ": unknown field '" + key + "' (expected add, replace, remove)";
    }
    if (!error.empty()) return error;
  }
  return "";
}

// An empty string on success, else why the configuration is refused.
std::string read_configuration(const std::string& text, PluginRules& out) {
  json::ParseResult parsed = json::parse(text);
  if (!parsed.value) return "invalid JSON: " + parsed.error;
  const json::Value& top = *parsed.value;
  if (!top.is(json::Kind::Object)) return "expected a JSON object at the top";
  for (size_t i = 0; i < top.keys.size(); ++i) {
    std::string error;
    if (top.keys[i] == "request") {
      error = read_rules(top.items[i], "request", out.request);
    } else if (top.keys[i] == "response") {
      error = read_rules(top.items[i], "response", out.response);
    } else {
      error = "unknown field '" + top.keys[i] + "' (expected request, response)";
    }
    if (!error.empty()) return error;
  }
  return "";
}

void apply(const Rules& rules, MapType map) {
  for (const std::string& name : rules.remove) remove_header(map, name);
  for (const auto& [name, value] : rules.replace) replace_header(map, name, value);
  for (const auto& [name, value] : rules.add) add_header(map, name, value);
}

const PluginRules* rules_of_stream(uint32_t stream_id) {
  auto root = g_stream_root.find(stream_id);
  if (root == g_stream_root.end()) return nullptr;
  auto rules = g_rules.find(root->second);
  return rules == g_rules.end() ? nullptr : &rules->second;
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t context_id, uint32_t parent_context_id) {
  if (parent_context_id != 0) g_stream_root[context_id] = parent_context_id;
}

PWPLAY_EXPORT(proxy_on_configure)
uint32_t proxy_on_configure(uint32_t root_context_id, uint32_t plugin_config_size) {
  PluginRules rules;
  std::string text = get_config(plugin_config_size);
  if (text.empty()) {
    log(LogLevel::Info, "header_rules: no configuration: using the example rules");
    text = kExampleRules;
  }
  const std::string error = read_configuration(text, rules);
  if (!error.empty()) {
    log(LogLevel::Error, "header_rules: bad configuration: " + error);
    return 0;  // the host refuses to start the plugin
  }
  log(LogLevel::Info, "header_rules: " +
                          std::to_string(rules.request.add.size() + rules.request.replace.size() +
                                         rules.request.remove.size()) +
                          " request rules, " +
                          std::to_string(rules.response.add.size() + rules.response.replace.size() +
                                         rules.response.remove.size()) +
                          " response rules");
  g_rules[root_context_id] = std::move(rules);
  return 1;
}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  if (const PluginRules* rules = rules_of_stream(context_id))
    apply(rules->request, MapType::RequestHeaders);
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_headers)
FilterHeadersStatus proxy_on_response_headers(uint32_t context_id, uint32_t /*num_headers*/,
                                              uint32_t /*end_of_stream*/) {
  if (const PluginRules* rules = rules_of_stream(context_id))
    apply(rules->response, MapType::ResponseHeaders);
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}

PWPLAY_EXPORT(proxy_on_delete) void proxy_on_delete(uint32_t context_id) {
  g_stream_root.erase(context_id);
  g_rules.erase(context_id);
}
