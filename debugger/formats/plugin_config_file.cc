#include "debugger/formats/plugin_config_file.h"

#include <algorithm>
#include <map>
#include <set>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "debugger/formats/request_file.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;

// Envoy's configuration fields are google.protobuf.Any: StringValue, BytesValue, or any other
// message (whose JSON the plugin receives as text). A plain string is taken as is.
Result<std::string> any_to_string(const json& value, const std::string& where) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_object()) return value.dump(-1, ' ', false, json::error_handler_t::replace);
  auto type = value.find("@type");
  if (type == value.end()) return value.dump(-1, ' ', false, json::error_handler_t::replace);
  std::string type_url = type->is_string() ? type->get<std::string>() : "";
  auto inner = value.find("value");
  if (type_url.ends_with("google.protobuf.StringValue")) {
    if (inner == value.end()) return std::string();
    if (!inner->is_string()) return make_error(where + ": StringValue 'value' must be a string");
    return inner->get<std::string>();
  }
  if (type_url.ends_with("google.protobuf.BytesValue")) {
    if (inner == value.end()) return std::string();
    if (!inner->is_string()) return make_error(where + ": BytesValue 'value' must be base64 text");
    auto decoded = base64_decode(inner->get<std::string>());
    if (!decoded) return make_error(where + ": BytesValue: " + decoded.error().message);
    return decoded;
  }
  if (type_url.ends_with("google.protobuf.Struct") && inner != value.end())
    return inner->dump(-1, ' ', false, json::error_handler_t::replace);
  // Other messages: the plugin sees their JSON without the type tag.
  json copy = value;
  copy.erase("@type");
  return copy.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string engine_for_runtime(const std::string& runtime) {
  if (runtime.ends_with(".null")) return "native";
  if (runtime.ends_with(".wabt")) return "wabt";
  return "v8";  // v8, and wasmtime/wamr modules run on V8 here
}

Result<json> unwrap(const json& root, const std::string& where) {
  if (!root.is_object())
    return make_error(where + ": expected a JSON object, not " + std::string(root.type_name()));
  // An http_filters entry: {"name": "envoy.filters.http.wasm", "typed_config": {...}}
  if (root.contains("typed_config")) return unwrap(root["typed_config"], where + ": typed_config");
  // The Wasm message: {"config": {...}} (possibly with "@type").
  if (root.contains("config") && root["config"].is_object()) return root["config"];
  return root;
}

}  // namespace

Result<PluginSpec> parse_plugin_config(const json& root, const std::string& where) {
  auto unwrapped = unwrap(root, where);
  if (!unwrapped) return unexpected(unwrapped.error());
  const json& config = *unwrapped;
  static const std::set<std::string> known = {
      "@type",         "name",      "root_id",        "vm_config",
      "configuration", "fail_open", "failure_policy", "capability_restriction_config",
      "vm_id",         "engine",    "properties",     "engine_flags"};
  for (const auto& [key, value] : config.items())
    if (!known.count(key))
      return make_error(where + ": unknown field '" + key +
                        "' in the plugin config (expected name, root_id, vm_config, configuration, "
                        "fail_open)");
  PluginSpec plugin;
  auto str = [&](const json& object, const char* key, std::string& target) -> Result<void> {
    if (!object.contains(key)) return {};
    if (!object[key].is_string())
      return make_error(where + ": field '" + key + "' must be a string");
    target = object[key].get<std::string>();
    return {};
  };
  if (auto r = str(config, "name", plugin.name); !r) return unexpected(r.error());
  if (auto r = str(config, "root_id", plugin.root_id); !r) return unexpected(r.error());
  if (auto r = str(config, "vm_id", plugin.vm_id); !r) return unexpected(r.error());
  if (auto r = str(config, "engine", plugin.engine); !r) return unexpected(r.error());
  if (config.contains("configuration")) {
    auto text = any_to_string(config["configuration"], where + ": field 'configuration'");
    if (!text) return unexpected(text.error());
    plugin.configuration = *text;
  }
  if (config.contains("fail_open")) {
    if (!config["fail_open"].is_boolean())
      return make_error(where + ": field 'fail_open' must be true or false");
    plugin.fail_open = config["fail_open"].get<bool>();
  }
  if (config.contains("failure_policy")) {
    if (!config["failure_policy"].is_string())
      return make_error(where + ": field 'failure_policy' must be a string");
    std::string policy = config["failure_policy"].get<std::string>();
    plugin.fail_open = policy == "FAIL_OPEN";
  }
  if (config.contains("engine_flags")) {
    // pwplay's own field: engine flags such as V8's "--liftoff-only" or "--no-liftoff".
    const json& flags = config["engine_flags"];
    if (!flags.is_array()) return make_error(where + ": field 'engine_flags' must be an array");
    for (const auto& flag : flags) {
      if (!flag.is_string()) return make_error(where + ": field 'engine_flags' must hold strings");
      plugin.engine_flags.push_back(flag.get<std::string>());
    }
  }
  if (config.contains("properties")) {
    if (!config["properties"].is_object())
      return make_error(where + ": field 'properties' must be an object of path -> string");
    for (const auto& [key, value] : config["properties"].items()) {
      if (!value.is_string())
        return make_error(where + ": field 'properties." + key + "' must be a string");
      plugin.properties[key] = value.get<std::string>();
    }
  }
  if (config.contains("vm_config")) {
    const json& vm = config["vm_config"];
    std::string place = where + ": field 'vm_config'";
    if (!vm.is_object()) return make_error(place + " must be an object");
    if (vm.contains("vm_id")) {
      if (!vm["vm_id"].is_string()) return make_error(place + ".vm_id must be a string");
      plugin.vm_id = vm["vm_id"].get<std::string>();
    }
    if (vm.contains("runtime")) {
      if (!vm["runtime"].is_string()) return make_error(place + ".runtime must be a string");
      plugin.engine = engine_for_runtime(vm["runtime"].get<std::string>());
    }
    if (vm.contains("configuration")) {
      auto text = any_to_string(vm["configuration"], place + ".configuration");
      if (!text) return unexpected(text.error());
      plugin.vm_configuration = *text;
    }
    if (vm.contains("environment_variables")) {
      const json& env = vm["environment_variables"];
      if (env.contains("key_values")) {
        if (!env["key_values"].is_object())
          return make_error(place + ".environment_variables.key_values must be an object");
        for (const auto& [key, value] : env["key_values"].items()) {
          if (!value.is_string())
            return make_error(place + ".environment_variables.key_values." + key +
                              " must be a string");
          plugin.environment.emplace_back(key, value.get<std::string>());
        }
      }
      // host_env_keys would leak the host's environment into the filter: refused on purpose.
      if (env.contains("host_env_keys") && !env["host_env_keys"].empty())
        return make_error(place +
                          ".environment_variables.host_env_keys is not supported: the playground "
                          "never passes its own environment to filters; use key_values");
    }
    if (vm.contains("code")) {
      const json& code = vm["code"];
      const json* local = code.contains("local") ? &code["local"] : nullptr;
      if (!local && code.contains("remote"))
        return make_error(place +
                          ".code.remote is not supported: download the module and use "
                          "code.local.filename");
      if (local) {
        if (local->contains("filename") && (*local)["filename"].is_string())
          plugin.wasm_path = (*local)["filename"].get<std::string>();
        else if (local->contains("inline_string") && (*local)["inline_string"].is_string()) {
          std::string text = (*local)["inline_string"].get<std::string>();
          plugin.inline_code.assign(text.begin(), text.end());
        } else if (local->contains("inline_bytes") && (*local)["inline_bytes"].is_string()) {
          auto bytes = base64_decode((*local)["inline_bytes"].get<std::string>());
          if (!bytes)
            return make_error(place + ".code.local.inline_bytes: " + bytes.error().message);
          plugin.inline_code.assign(bytes->begin(), bytes->end());
        }
      }
    }
  }
  return plugin;
}

namespace {

// Converts YAML nodes to JSON within limits: an alias is a reference to a node, so a small
// document can name a node billions of times ("billion laughs"), or a long string a million times;
// the count of converted nodes, the bytes of their keys and scalars and the nesting are bounded,
// and the conversion stops at the first node past any of them.
class YamlConverter {
 public:
  YamlConverter(size_t max_nodes, size_t max_bytes, size_t max_depth)
      : max_nodes_(max_nodes), max_bytes_(max_bytes), max_depth_(max_depth) {}

  // Counts what converting `node` would make without making it, visiting each node of the
  // document once however many aliases name it: a document past a limit is refused in time linear
  // in its size, not after building a million values. Aliased nodes are one node (the same mark);
  // convert() still checks every limit, should two nodes share a mark.
  Result<void> measure(const YAML::Node& root) {
    auto size = measured(root, 0);
    if (!size) return unexpected(size.error());
    if (size->values > max_nodes_) return too_many_values();
    if (size->bytes > max_bytes_) return too_many_bytes();
    return {};
  }

  Result<json> convert(const YAML::Node& node, size_t depth = 0) {
    if (++nodes_ > max_nodes_) return too_many_values();
    if (depth > max_depth_) return too_deep();
    switch (node.Type()) {
      case YAML::NodeType::Null:
      case YAML::NodeType::Undefined:
        return json(nullptr);
      case YAML::NodeType::Sequence: {
        json list = json::array();
        for (const auto& item : node) {
          auto value = convert(item, depth + 1);
          if (!value) return value;
          list.push_back(std::move(*value));
        }
        return list;
      }
      case YAML::NodeType::Map: {
        json object = json::object();
        for (const auto& item : node) {
          if (!item.first.IsScalar())
            return make_error(mark(item.first) + "a mapping key must be a plain value");
          if (Result<void> counted = count_bytes(item.first.Scalar().size()); !counted)
            return unexpected(counted.error());
          auto value = convert(item.second, depth + 1);
          if (!value) return value;
          object[item.first.Scalar()] = std::move(*value);
        }
        return object;
      }
      case YAML::NodeType::Scalar:
        if (Result<void> counted = count_bytes(node.Scalar().size()); !counted)
          return unexpected(counted.error());
        return scalar(node);
    }
    return json(nullptr);
  }

 private:
  Result<void> count_bytes(size_t size) {
    bytes_ += size;
    if (bytes_ > max_bytes_) return too_many_bytes();
    return {};
  }

  Unexpected<Error> too_many_values() const {
    return make_error("more than " + std::to_string(max_nodes_) +
                      " values once aliases are expanded (the limit of YAML expansion)");
  }
  Unexpected<Error> too_many_bytes() const {
    return make_error("more than " + std::to_string(max_bytes_) +
                      " bytes of keys and values once aliases are expanded (the limit of YAML "
                      "expansion)");
  }
  Unexpected<Error> too_deep() const {
    return make_error("nested deeper than " + std::to_string(max_depth_) +
                      " sequences and mappings (the limit of nesting)");
  }

  // Values and bytes a node expands to, both capped just past their limits.
  struct Size {
    size_t values = 0;
    size_t bytes = 0;
  };

  Result<Size> measured(const YAML::Node& node, size_t depth) {
    if (depth > max_depth_) return too_deep();
    const YAML::Mark at = node.Mark();
    const std::pair<int, int> key{at.pos, static_cast<int>(node.Type())};
    if (!at.is_null()) {
      if (auto known = sizes_.find(key); known != sizes_.end()) return known->second;
    }
    Size size{1, 0};
    auto add = [&](const Size& part) {
      size.values = std::min(size.values + part.values, max_nodes_ + 1);
      size.bytes = std::min(size.bytes + part.bytes, max_bytes_ + 1);
    };
    switch (node.Type()) {
      case YAML::NodeType::Sequence:
        for (const auto& item : node) {
          auto part = measured(item, depth + 1);
          if (!part) return part;
          add(*part);
        }
        break;
      case YAML::NodeType::Map:
        for (const auto& item : node) {
          if (item.first.IsScalar()) add(Size{0, item.first.Scalar().size()});
          auto part = measured(item.second, depth + 1);
          if (!part) return part;
          add(*part);
        }
        break;
      case YAML::NodeType::Scalar:
        add(Size{0, node.Scalar().size()});
        break;
      default:
        break;
    }
    if (!at.is_null()) sizes_[key] = size;
    return size;
  }

  static std::string mark(const YAML::Node& node) {
    const YAML::Mark at = node.Mark();
    if (at.is_null()) return "";
    return std::to_string(at.line + 1) + ":" + std::to_string(at.column + 1) + ": ";
  }

  static json scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    // Quoted scalars stay strings; plain ones may be booleans or numbers.
    if (node.Tag() == "!") return text;
    if (text == "true" || text == "True") return true;
    if (text == "false" || text == "False") return false;
    if (text == "null" || text == "~") return nullptr;
    try {
      size_t used = 0;
      long long integer = std::stoll(text, &used);
      if (used == text.size()) return integer;
      double real = std::stod(text, &used);
      if (used == text.size()) return real;
    } catch (...) {
    }
    return text;
  }

  size_t max_nodes_;
  size_t max_bytes_;
  size_t max_depth_;
  size_t nodes_ = 0;
  size_t bytes_ = 0;
  std::map<std::pair<int, int>, Size> sizes_;  // by mark and type: what measured() found
};

}  // namespace

Result<json> yaml_to_json(const std::string& text, const std::string& where) {
  if (text.size() > kMaxJsonBytes)
    return make_error(where + ": invalid YAML: the document is larger than the limit of " +
                      std::to_string(kMaxJsonBytes) + " bytes");
  try {
    YamlConverter converter(kMaxYamlNodes, kMaxJsonBytes, kMaxJsonDepth);
    const YAML::Node document = YAML::Load(text);
    if (auto within = converter.measure(document); !within)
      return make_error(where + ": invalid YAML: " + within.error().message);
    auto converted = converter.convert(document);
    if (!converted) return make_error(where + ": invalid YAML: " + converted.error().message);
    return converted;
  } catch (const YAML::Exception& error) {
    return make_error(where + ":" + std::to_string(error.mark.line + 1) + ":" +
                      std::to_string(error.mark.column + 1) + ": invalid YAML: " + error.msg);
  } catch (const std::exception& error) {
    return make_error(where + ": invalid YAML: " + std::string(error.what()));
  }
}

Result<PluginSpec> load_plugin_config_file(const std::string& path) {
  auto text = read_file(path, "plugin configuration");
  if (!text) return unexpected(text.error());
  const bool yaml = path.ends_with(".yaml") || path.ends_with(".yml");
  auto parsed = yaml ? yaml_to_json(*text, path) : parse_json_text(*text, path);
  if (!parsed) return unexpected(parsed.error());
  return parse_plugin_config(*parsed, path);
}

}  // namespace pwplay::debugger
