#include "debugger/formats/plugin_config_file.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "debugger/formats/envoy_setup.h"
#include "debugger/formats/request_file.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;

constexpr std::string_view kWasmType = "envoy.extensions.filters.http.wasm.v3.Wasm";

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string type_of(const json& object) {
  auto type = object.find("@type");
  return type != object.end() && type->is_string() ? type->get<std::string>() : "";
}

// Envoy's configuration fields are google.protobuf.Any: StringValue, BytesValue, Struct, or any
// other message (whose JSON the plugin receives as text). A plain string is taken as is.
Result<std::string> any_to_string(const json& value, const std::string& where) {
  if (value.is_string()) return value.get<std::string>();
  if (!value.is_object()) return dump(value);
  if (!value.contains("@type")) return dump(value);
  const std::string type_url = type_of(value);
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
  if (type_url.ends_with("google.protobuf.Struct")) {
    if (inner == value.end()) return std::string("{}");
    if (!inner->is_object()) return make_error(where + ": Struct 'value' must be an object");
    return dump(*inner);
  }
  // Other messages: the plugin sees their JSON without the type tag.
  json copy = value;
  copy.erase("@type");
  return dump(copy);
}

// Envoy's runtime names, and the engine each runs on here.
Result<std::string> engine_for_runtime(const std::string& runtime, const std::string& where,
                                       ConfigNotes* notes) {
  if (runtime.empty() || runtime == "envoy.wasm.runtime.v8") return std::string("v8");
  if (runtime == "envoy.wasm.runtime.null") return std::string("native");
  if (runtime == "envoy.wasm.runtime.wabt") return std::string("wabt");  // pwplay's own
  if (runtime == "envoy.wasm.runtime.wamr" || runtime == "envoy.wasm.runtime.wasmtime" ||
      runtime == "envoy.wasm.runtime.wavm") {
    if (notes)
      notes->warnings.push_back(where + ": runtime '" + runtime +
                                "' is not built into pwplay: the module runs on V8");
    return std::string("v8");
  }
  return make_error(where + ": unknown runtime '" + runtime +
                    "' (expected envoy.wasm.runtime.v8, envoy.wasm.runtime.wamr, "
                    "envoy.wasm.runtime.wasmtime, envoy.wasm.runtime.wavm, "
                    "envoy.wasm.runtime.null or envoy.wasm.runtime.wabt)");
}

// Reads one PluginConfig. `path` is where the object sits in the document ("config."), for the
// warnings about fields pwplay does not know, which are named and otherwise ignored.
class PluginConfigReader {
 public:
  PluginConfigReader(std::string where, ConfigNotes* notes)
      : where_(std::move(where)), notes_(notes) {}

  Result<PluginSpec> read(const json& config, const std::string& path) {
    static const std::set<std::string, std::less<>> known = {
        "@type", "name", "root_id", "vm_config", "configuration", "fail_open", "failure_policy",
        "capability_restriction_config", "allow_on_headers_stop_iteration", "reload_config",
        // pwplay's own fields
        "vm_id", "engine", "properties", "engine_flags"};
    warn_unknown(config, path, known);
    PluginSpec plugin;
    if (auto r = str(config, path, "name", plugin.name); !r) return unexpected(r.error());
    if (auto r = str(config, path, "root_id", plugin.root_id); !r) return unexpected(r.error());
    if (auto r = str(config, path, "vm_id", plugin.vm_id); !r) return unexpected(r.error());
    if (auto r = str(config, path, "engine", plugin.engine); !r) return unexpected(r.error());
    if (config.contains("configuration")) {
      auto text = any_to_string(config["configuration"], place(path, "configuration"));
      if (!text) return unexpected(text.error());
      plugin.configuration = *text;
    }
    if (config.contains("fail_open")) {
      if (!config["fail_open"].is_boolean())
        return make_error(place(path, "fail_open") + " must be true or false");
      plugin.fail_open = config["fail_open"].get<bool>();
    }
    if (config.contains("failure_policy")) {
      // Envoy: a policy other than UNSPECIFIED wins over fail_open.
      const json& policy = config["failure_policy"];
      const std::string value = policy.is_string() ? policy.get<std::string>() : "";
      if (value == "FAIL_OPEN") {
        plugin.fail_open = true;
      } else if (value == "FAIL_CLOSED" || value == "FAIL_RELOAD") {
        plugin.fail_open = false;  // a failed VM is replaced for the next stream in both
      } else if (value != "UNSPECIFIED") {
        return make_error(place(path, "failure_policy") + " must be one of UNSPECIFIED, " +
                          "FAIL_CLOSED, FAIL_OPEN, FAIL_RELOAD (got " + dump(policy) + ")");
      }
    }
    if (config.contains("engine_flags")) {
      // pwplay's own field: engine flags such as V8's "--liftoff-only" or "--no-liftoff".
      const json& flags = config["engine_flags"];
      if (!flags.is_array()) return make_error(place(path, "engine_flags") + " must be an array");
      for (const auto& flag : flags) {
        if (!flag.is_string())
          return make_error(place(path, "engine_flags") + " must hold strings");
        plugin.engine_flags.push_back(flag.get<std::string>());
      }
    }
    if (config.contains("properties")) {
      if (!config["properties"].is_object())
        return make_error(place(path, "properties") + " must be an object of path -> string");
      for (const auto& [key, value] : config["properties"].items()) {
        if (!value.is_string())
          return make_error(place(path, "properties." + key) + " must be a string");
        plugin.properties[key] = value.get<std::string>();
      }
    }
    if (config.contains("vm_config")) {
      auto vm = read_vm(config["vm_config"], path + "vm_config.", plugin);
      if (!vm) return unexpected(vm.error());
    }
    return plugin;
  }

 private:
  std::string place(const std::string& path, const std::string& key) const {
    return where_ + ": field '" + path + key + "'";
  }

  void warn_unknown(const json& object, const std::string& path,
                    const std::set<std::string, std::less<>>& known) {
    if (!notes_ || !object.is_object()) return;
    for (const auto& [key, value] : object.items())
      if (!known.count(key))
        notes_->warnings.push_back(where_ + ": unknown field '" + path + key + "' (ignored)");
  }

  Result<void> str(const json& object, const std::string& path, const char* key,
                   std::string& target) {
    if (!object.contains(key)) return {};
    if (!object[key].is_string()) return make_error(place(path, key) + " must be a string");
    target = object[key].get<std::string>();
    return {};
  }

  Result<void> read_vm(const json& vm, const std::string& path, PluginSpec& plugin) {
    if (!vm.is_object())
      return make_error(where_ + ": field '" + path.substr(0, path.size() - 1) +
                        "' must be an object");
    static const std::set<std::string, std::less<>> known = {"vm_id",
                                                             "runtime",
                                                             "code",
                                                             "configuration",
                                                             "allow_precompiled",
                                                             "nack_on_code_cache_miss",
                                                             "environment_variables"};
    warn_unknown(vm, path, known);
    if (auto r = str(vm, path, "vm_id", plugin.vm_id); !r) return r;
    if (vm.contains("runtime")) {
      std::string runtime;
      if (auto r = str(vm, path, "runtime", runtime); !r) return r;
      auto engine = engine_for_runtime(runtime, place(path, "runtime"), notes_);
      if (!engine) return unexpected(engine.error());
      plugin.engine = *engine;
    }
    if (vm.contains("configuration")) {
      auto text = any_to_string(vm["configuration"], place(path, "configuration"));
      if (!text) return unexpected(text.error());
      plugin.vm_configuration = *text;
    }
    if (vm.contains("environment_variables")) {
      auto env =
          read_environment(vm["environment_variables"], path + "environment_variables.", plugin);
      if (!env) return env;
    }
    if (vm.contains("code")) return read_code(vm["code"], path + "code.", plugin);
    return {};
  }

  Result<void> read_environment(const json& env, const std::string& path, PluginSpec& plugin) {
    if (!env.is_object())
      return make_error(where_ + ": field '" + path.substr(0, path.size() - 1) +
                        "' must be an object");
    warn_unknown(env, path, {"key_values", "host_env_keys"});
    if (env.contains("key_values")) {
      if (!env["key_values"].is_object())
        return make_error(place(path, "key_values") + " must be an object");
      for (const auto& [key, value] : env["key_values"].items()) {
        if (!value.is_string())
          return make_error(place(path, "key_values." + key) + " must be a string");
        plugin.environment.emplace_back(key, value.get<std::string>());
      }
    }
    if (env.contains("host_env_keys")) {
      const json& keys = env["host_env_keys"];
      if (!keys.is_array()) return make_error(place(path, "host_env_keys") + " must be a list");
      // The playground never hands its own environment to a filter (docs/reliability.md).
      if (!keys.empty() && notes_)
        notes_->warnings.push_back(place(path, "host_env_keys") + " " + dump(keys) +
                                   " is ignored: filters never see pwplay's environment; give "
                                   "the values in key_values");
    }
    return {};
  }

  Result<void> read_code(const json& code, const std::string& path, PluginSpec& plugin) {
    if (!code.is_object())
      return make_error(where_ + ": field '" + path.substr(0, path.size() - 1) +
                        "' must be an object");
    warn_unknown(code, path, {"local", "remote"});
    if (code.contains("remote") && !code.contains("local"))
      return make_error(place(path, "remote") +
                        ": pwplay does not fetch modules over the network; download the module "
                        "and name it with code.local.filename (or give it as FILTER)");
    if (!code.contains("local")) return {};
    const json& local = code["local"];
    const std::string at = path + "local.";
    if (!local.is_object()) return make_error(place(path, "local") + " must be an object");
    warn_unknown(local, at, {"filename", "inline_string", "inline_bytes", "environment_variable"});
    if (local.contains("environment_variable"))
      return make_error(place(at, "environment_variable") +
                        " is not supported: pwplay never reads a module from its own "
                        "environment; use filename, inline_bytes or inline_string");
    if (local.contains("filename")) {
      if (auto r = str(local, at, "filename", plugin.wasm_path); !r) return r;
    } else if (local.contains("inline_string")) {
      std::string text;
      if (auto r = str(local, at, "inline_string", text); !r) return r;
      plugin.inline_code.assign(text.begin(), text.end());
    } else if (local.contains("inline_bytes")) {
      std::string text;
      if (auto r = str(local, at, "inline_bytes", text); !r) return r;
      auto bytes = base64_decode(text);
      if (!bytes) return make_error(place(at, "inline_bytes") + ": " + bytes.error().message);
      plugin.inline_code.assign(bytes->begin(), bytes->end());
    }
    return {};
  }

  std::string where_;
  ConfigNotes* notes_;
};

// Finds the PluginConfig inside the forms Envoy users write: an http_filters entry ({name,
// typed_config}), typed_config with @type, a TypedStruct (type_url + value), the Wasm message
// ({config}) or the PluginConfig itself. `path` grows with each wrapper passed.
Result<const json*> unwrap(const json& root, const std::string& where, std::string& path) {
  if (!root.is_object())
    return make_error(where + ": expected a JSON object" +
                      (path.empty() ? "" : " at '" + path.substr(0, path.size() - 1) + "'") +
                      ", not " + std::string(root.type_name()));
  if (root.contains("typed_config")) {
    path += "typed_config.";
    return unwrap(root["typed_config"], where, path);
  }
  const std::string type = type_of(root);
  if (type.ends_with("udpa.type.v1.TypedStruct") || type.ends_with("xds.type.v3.TypedStruct")) {
    auto url = root.find("type_url");
    if (url == root.end() || !url->is_string() || !url->get<std::string>().ends_with(kWasmType))
      return make_error(where + ": the TypedStruct at '" + path + "type_url' must name " +
                        std::string(kWasmType) + " (got " +
                        (url == root.end() ? std::string("nothing") : dump(*url)) + ")");
    path += "value.";
    auto value = root.find("value");
    if (value == root.end()) return make_error(where + ": the TypedStruct has no 'value'");
    return unwrap(*value, where, path);
  }
  if (!type.empty() && !type.ends_with(kWasmType) &&
      !type.ends_with("envoy.extensions.wasm.v3.PluginConfig"))
    return make_error(where + ": '" + path + "@type' is " + type + ", not a Wasm filter (" +
                      std::string(kWasmType) + ")");
  if (root.contains("config") && root["config"].is_object()) {
    path += "config.";
    return &root["config"];
  }
  return &root;
}

}  // namespace

Result<PluginSpec> parse_plugin_config(const json& root, const std::string& where,
                                       ConfigNotes* notes) {
  std::string path;
  auto config = unwrap(root, where, path);
  if (!config) return unexpected(config.error());
  PluginConfigReader reader(where, notes);
  return reader.read(**config, path);
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

Result<std::vector<json>> yaml_documents_to_json(const std::string& text,
                                                 const std::string& where) {
  if (text.size() > kMaxJsonBytes)
    return make_error(where + ": invalid YAML: the document is larger than the limit of " +
                      std::to_string(kMaxJsonBytes) + " bytes");
  try {
    std::vector<json> documents;
    // One budget for the whole file, so many small documents cannot add up past it.
    YamlConverter converter(kMaxYamlNodes, kMaxJsonBytes, kMaxJsonDepth);
    for (const YAML::Node& node : YAML::LoadAll(text)) {
      if (auto within = converter.measure(node); !within)
        return make_error(where + ": invalid YAML: " + within.error().message);
      auto converted = converter.convert(node);
      if (!converted) return make_error(where + ": invalid YAML: " + converted.error().message);
      if (!converted->is_null()) documents.push_back(std::move(*converted));
    }
    return documents;
  } catch (const YAML::Exception& error) {
    return make_error(where + ":" + std::to_string(error.mark.line + 1) + ":" +
                      std::to_string(error.mark.column + 1) + ": invalid YAML: " + error.msg);
  } catch (const std::exception& error) {
    return make_error(where + ": invalid YAML: " + std::string(error.what()));
  }
}

Result<std::vector<json>> load_config_documents(const std::string& path, const char* what) {
  auto text = read_file(path, what);
  if (!text) return unexpected(text.error());
  if (path.ends_with(".yaml") || path.ends_with(".yml")) return yaml_documents_to_json(*text, path);
  auto parsed = parse_json_text(*text, path);
  if (!parsed) return unexpected(parsed.error());
  return std::vector<json>{std::move(*parsed)};
}

void resolve_module_path(PluginSpec& spec, const std::string& config_path, ConfigNotes* notes) {
  if (spec.wasm_path.empty()) return;
  const std::filesystem::path written = spec.wasm_path;
  if (!written.is_relative()) return;
  const std::filesystem::path base = std::filesystem::path(config_path).parent_path();
  spec.wasm_path = (base / written).lexically_normal().string();
  if (notes)
    notes->modules.push_back(config_path + ": module '" + written.string() + "' is read from " +
                             spec.wasm_path + " (relative to the config file)");
}

Result<PluginSpec> load_plugin_config_file(const std::string& path, ConfigNotes* notes) {
  auto documents = load_config_documents(path, "plugin configuration");
  if (!documents) return unexpected(documents.error());
  PluginSpec spec;
  if (std::any_of(documents->begin(), documents->end(), is_wasm_plugin)) {
    auto plugins = parse_wasm_plugins(*documents, path, notes);
    if (!plugins) return unexpected(plugins.error());
    if (plugins->size() != 1)
      return make_error(path + ": holds " + std::to_string(plugins->size()) +
                        " WasmPlugin resources where one filter is expected");
    spec = std::move(plugins->front());
  } else {
    if (documents->size() != 1)
      return make_error(path + ": expected one plugin configuration, found " +
                        std::to_string(documents->size()) + " documents");
    auto parsed = parse_plugin_config(documents->front(), path, notes);
    if (!parsed) return parsed;
    spec = std::move(*parsed);
  }
  resolve_module_path(spec, path, notes);
  return spec;
}

}  // namespace pwplay::debugger
