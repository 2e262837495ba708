#include "debugger/formats/envoy_export.h"

#include <filesystem>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "debugger/formats/request_file.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;

constexpr const char* kWasmType = "type.googleapis.com/envoy.extensions.filters.http.wasm.v3.Wasm";

// Writes JSON as YAML; strings are quoted so that "true" or "10" stay strings when read back.
void emit(YAML::Emitter& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << YAML::DoubleQuoted << key << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      break;
    case json::value_t::string:
      out << YAML::DoubleQuoted << value.get<std::string>();
      break;
    case json::value_t::boolean:
      out << value.get<bool>();
      break;
    case json::value_t::number_integer:
      out << value.get<int64_t>();
      break;
    case json::value_t::number_unsigned:
      out << value.get<uint64_t>();
      break;
    case json::value_t::number_float:
      out << value.get<double>();
      break;
    default:
      out << YAML::Null;
      break;
  }
}

std::string to_yaml(const json& document) {
  YAML::Emitter out;
  emit(out, document);
  return std::string(out.c_str()) + "\n";
}

json socket_address(const host::proxy::HostPort& address) {
  return {{"socket_address", {{"address", address.host}, {"port_value", address.port}}}};
}

json static_cluster(const std::string& name, const host::proxy::HostPort& address) {
  return {{"name", name},
          {"type", "STATIC"},
          {"connect_timeout", "5s"},
          {"load_assignment",
           {{"cluster_name", name},
            {"endpoints",
             json::array(
                 {{{"lb_endpoints",
                    json::array({{{"endpoint", {{"address", socket_address(address)}}}}})}}})}}}};
}

std::string absolute(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

std::string runtime_for(const PluginSpec& plugin, std::vector<std::string>& warnings) {
  if (plugin.engine == "native") return "envoy.wasm.runtime.null";
  if (plugin.engine == "wabt")
    warnings.push_back(plugin.name +
                       ": the WABT engine has no Envoy runtime: written as "
                       "envoy.wasm.runtime.v8");
  return "envoy.wasm.runtime.v8";
}

void warn_pwplay_only(const PluginSpec& plugin, const std::string& name,
                      std::vector<std::string>& warnings) {
  if (!plugin.engine_flags.empty())
    warnings.push_back(name + ": engine flags are pwplay's own: left out");
  if (plugin.runaway_budget_ms || plugin.max_memory_pages)
    warnings.push_back(name + ": the runaway budget and memory limit are pwplay's own: left out");
  if (!plugin.properties.empty())
    warnings.push_back(name + ": properties are pwplay's own: left out");
}

std::string name_of(const PluginSpec& plugin, size_t index) {
  if (!plugin.name.empty()) return plugin.name;
  if (!plugin.wasm_path.empty()) return std::filesystem::path(plugin.wasm_path).stem().string();
  return "filter" + std::to_string(index + 1);
}

json plugin_config(const PluginSpec& plugin, size_t index, std::vector<std::string>& warnings) {
  const std::string name = name_of(plugin, index);
  json code;
  if (!plugin.wasm_path.empty())
    code = {{"local", {{"filename", absolute(plugin.wasm_path)}}}};
  else
    code = {{"local",
             {{"inline_bytes",
               base64_encode(std::string(plugin.inline_code.begin(), plugin.inline_code.end()))}}}};
  json vm = {{"runtime", runtime_for(plugin, warnings)}, {"code", code}};
  if (!plugin.vm_id.empty()) vm["vm_id"] = plugin.vm_id;
  if (!plugin.vm_configuration.empty())
    vm["configuration"] = {{"@type", "type.googleapis.com/google.protobuf.StringValue"},
                           {"value", plugin.vm_configuration}};
  if (!plugin.environment.empty()) {
    json values = json::object();
    for (const auto& [key, value] : plugin.environment) values[key] = value;
    vm["environment_variables"] = {{"key_values", values}};
  }
  json config = {{"name", name},
                 {"vm_config", vm},
                 {"failure_policy", plugin.fail_open ? "FAIL_OPEN" : "FAIL_CLOSED"}};
  if (!plugin.root_id.empty()) config["root_id"] = plugin.root_id;
  if (!plugin.configuration.empty())
    config["configuration"] = {{"@type", "type.googleapis.com/google.protobuf.StringValue"},
                               {"value", plugin.configuration}};
  warn_pwplay_only(plugin, name, warnings);
  return config;
}

}  // namespace

std::string export_envoy_bootstrap(const ExportChain& chain, std::vector<std::string>& warnings) {
  json filters = json::array();
  for (size_t i = 0; i < chain.plugins.size(); ++i)
    filters.push_back(
        {{"name", "envoy.filters.http.wasm"},
         {"typed_config",
          {{"@type", kWasmType}, {"config", plugin_config(chain.plugins[i], i, warnings)}}}});
  filters.push_back(
      {{"name", "envoy.filters.http.router"},
       {"typed_config",
        {{"@type", "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}}});
  json route = {{"name", chain.route_name},
                {"match", {{"prefix", "/"}}},
                {"route", {{"cluster", chain.cluster_name}}}};
  json hcm = {{"@type",
               "type.googleapis.com/"
               "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"},
              {"stat_prefix", "pwplay"},
              {"route_config",
               {{"name", "local_route"},
                {"virtual_hosts", json::array({{{"name", "pwplay"},
                                                {"domains", json::array({"*"})},
                                                {"routes", json::array({route})}}})}}},
              {"http_filters", filters}};
  json listener = {
      {"name", "pwplay"},
      {"address", socket_address(chain.listen)},
      {"filter_chains",
       json::array(
           {{{"filters", json::array({{{"name", "envoy.filters.network.http_connection_manager"},
                                       {"typed_config", hcm}}})}}})}};
  json clusters = json::array({static_cluster(chain.cluster_name, chain.upstream)});
  for (const auto& [name, address] : chain.clusters)
    if (name != chain.cluster_name) clusters.push_back(static_cluster(name, address));
  json bootstrap = {
      {"static_resources", {{"listeners", json::array({listener})}, {"clusters", clusters}}}};
  return "# Written by pwplay export: an Envoy bootstrap that runs the same filter chain.\n" +
         to_yaml(bootstrap);
}

std::string export_istio_wasm_plugins(const ExportChain& chain,
                                      std::vector<std::string>& warnings) {
  std::string text = "# Written by pwplay export: one Istio WasmPlugin per filter, in order.\n";
  const size_t count = chain.plugins.size();
  for (size_t i = 0; i < count; ++i) {
    const PluginSpec& plugin = chain.plugins[i];
    const std::string name = name_of(plugin, i);
    if (plugin.wasm_path.empty()) {
      warnings.push_back(name +
                         ": a WasmPlugin needs a module file (spec.url); inline code "
                         "cannot be written: left out");
      continue;
    }
    json spec = {{"url", "file://" + absolute(plugin.wasm_path)},
                 {"phase", "UNSPECIFIED_PHASE"},
                 // Higher priority runs first: the first filter gets the highest.
                 {"priority", static_cast<int64_t>(count - i)},
                 {"failStrategy", plugin.fail_open ? "FAIL_OPEN" : "FAIL_CLOSE"}};
    if (!plugin.root_id.empty()) spec["pluginName"] = plugin.root_id;
    if (!plugin.configuration.empty()) {
      json parsed = json::parse(plugin.configuration, nullptr, false);
      if (parsed.is_object()) {
        spec["pluginConfig"] = parsed;
      } else {
        warnings.push_back(name +
                           ": Istio's pluginConfig is an object and the configuration "
                           "is not a JSON object: written as a string, which Istio "
                           "refuses");
        spec["pluginConfig"] = plugin.configuration;
      }
    }
    if (!plugin.environment.empty()) {
      json env = json::array();
      for (const auto& [key, value] : plugin.environment)
        env.push_back({{"name", key}, {"value", value}});
      spec["vmConfig"] = {{"env", env}};
    }
    if (!plugin.vm_id.empty() || !plugin.vm_configuration.empty())
      warnings.push_back(name + ": Istio's WasmPlugin has no vm_id or VM configuration: left out");
    warn_pwplay_only(plugin, name, warnings);
    json resource = {{"apiVersion", "extensions.istio.io/v1alpha1"},
                     {"kind", "WasmPlugin"},
                     {"metadata", {{"name", name}}},
                     {"spec", spec}};
    text += "---\n" + to_yaml(resource);
  }
  return text;
}

}  // namespace pwplay::debugger
