#include "debugger/formats/proxy_config_file.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "debugger/formats/plugin_config_file.h"
#include "debugger/formats/request_file.h"

namespace pwplay::debugger {

namespace proxy = host::proxy;

namespace {

// A host limit in the `limits` object (the fields of the --max-queue-items... flags).
Result<void> host_limit_field(const std::string& field, const nlohmann::json& item,
                              const std::string& where, LimitSettings& settings) {
  const LimitField* limit = find_limit_field(field);
  if (!limit || limit->scope != LimitScope::Host) {
    std::string expected =
        "max_header_kb, max_headers, max_body_kb, idle_timeout_ms, headers_timeout_ms";
    for (const auto& known : limit_fields())
      if (known.scope == LimitScope::Host) expected += ", " + std::string(known.field);
    return make_error(where + ": unknown field '" + field + "' (expected " + expected + ")");
  }
  auto value = parse_limit_json(item, *limit, where + "." + field);
  if (!value) return unexpected(value.error());
  settings.*limit->member = *value;
  return {};
}

}  // namespace

Result<ProxyConfigFile> load_proxy_config_file(const std::string& path) {
  auto text = read_file(path, "proxy configuration");
  if (!text) return unexpected(text.error());
  Result<nlohmann::json> document = path.ends_with(".yaml") || path.ends_with(".yml")
                                        ? yaml_to_json(*text, path)
                                        : parse_json_text(*text, path);
  if (!document) return unexpected(document.error());
  if (!document->is_object()) return make_error(path + ": expected a JSON object");
  ProxyConfigFile out;
  const std::filesystem::path base = std::filesystem::path(path).parent_path();
  for (const auto& [key, value] : document->items()) {
    const std::string where = path + ": " + key;
    if (key == "listen") {
      if (!value.is_string()) return make_error(where + " must be a string (HOST:PORT)");
      out.listen = value.get<std::string>();
    } else if (key == "upstream") {
      if (value.is_string()) {
        auto upstream = proxy::parse_upstream(value.get<std::string>());
        if (!upstream) return make_error(where + ": " + upstream.error().message);
        out.upstream = *upstream;
      } else if (value.is_object()) {
        host::ResponseSpec mock;
        for (const auto& [field, item] : value.items()) {
          if (field == "status" && item.is_number_unsigned() && item.get<uint64_t>() >= 100 &&
              item.get<uint64_t>() <= 999) {
            mock.status = item.get<uint32_t>();
          } else if (field == "headers") {
            auto headers = parse_header_list(item, where + ".headers");
            if (!headers) return unexpected(headers.error());
            mock.headers = *headers;
          } else if (field == "body" && item.is_string()) {
            mock.body = item.get<std::string>();
          } else {
            return make_error(where + ": unknown or invalid field '" + field +
                              "' (a mock response has status, headers, body)");
          }
        }
        out.upstream = proxy::UpstreamConfig::mock_response(std::move(mock));
      } else {
        return make_error(where + " must be \"echo\", \"HOST:PORT\" or a mock response object");
      }
    } else if (key == "clusters") {
      if (!value.is_object())
        return make_error(where + " must be an object {\"NAME\": \"HOST:PORT\"}");
      for (const auto& [name, address] : value.items()) {
        if (!address.is_string())
          return make_error(where + "." + name + " must be a string HOST:PORT");
        auto parsed = proxy::parse_cluster(name + "=" + address.get<std::string>());
        if (!parsed) return make_error(path + ": " + parsed.error().message);
        out.clusters[parsed->first] = parsed->second;
      }
    } else if (key == "filters") {
      if (!value.is_array())
        return make_error(where + " must be a list of Envoy Wasm filter configurations");
      for (size_t i = 0; i < value.size(); ++i) {
        const std::string item_where = where + "[" + std::to_string(i) + "]";
        ConfigNotes notes;
        auto spec = parse_plugin_config(value[i], item_where, &notes);
        if (!spec) return unexpected(spec.error());
        for (auto& warning : notes.warnings) out.warnings.push_back(std::move(warning));
        if (!spec->has_module())
          return make_error(item_where + ": no module (vm_config.code.local.filename)");
        std::filesystem::path code = spec->wasm_path;
        if (!code.empty() && code.is_relative() && !std::filesystem::exists(code) && !base.empty())
          spec->wasm_path = (base / code).string();
        if (spec->name.empty() && spec->wasm_path.empty())
          spec->name = "filter" + std::to_string(i);
        out.plugins.push_back(std::move(*spec));
      }
    } else if (key == "limits") {
      if (!value.is_object()) return make_error(where + " must be an object of numbers");
      for (const auto& [field, item] : value.items()) {
        std::optional<uint64_t>* target = field == "max_header_kb"     ? &out.limits.max_header_kb
                                          : field == "max_headers"     ? &out.limits.max_headers
                                          : field == "max_body_kb"     ? &out.limits.max_body_kb
                                          : field == "idle_timeout_ms" ? &out.limits.idle_timeout_ms
                                          : field == "headers_timeout_ms"
                                              ? &out.limits.headers_timeout_ms
                                              : nullptr;
        if (!target) {
          auto host_limit = host_limit_field(field, item, where, out.limits.host);
          if (!host_limit) return unexpected(host_limit.error());
          continue;
        }
        if (!item.is_number_unsigned())
          return make_error(where + "." + field + " must be a whole number of at least 0");
        *target = item.get<uint64_t>();
      }
    } else if (key == "cluster_name" || key == "route_name") {
      if (!value.is_string() || value.get_ref<const std::string&>().empty())
        return make_error(where + " must be a non-empty string");
      (key == "cluster_name" ? out.cluster_name : out.route_name) = value.get<std::string>();
    } else {
      return make_error(path + ": unknown field '" + key +
                        "' (expected listen, upstream, clusters, filters)");
    }
  }
  return out;
}

}  // namespace pwplay::debugger
