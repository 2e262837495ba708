#include "debugger/formats/envoy_setup.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace pwplay::debugger {
namespace {

using nlohmann::json;

std::string dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string text_field(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

void warn_unknown(const json& object, const std::string& where, const std::string& path,
                  const std::set<std::string, std::less<>>& known, ConfigNotes* notes) {
  if (!notes || !object.is_object()) return;
  for (const auto& [key, value] : object.items())
    if (!known.count(key))
      notes->warnings.push_back(where + ": unknown field '" + path + key + "' (ignored)");
}

// Istio's phases, in the order their filters run.
Result<int> phase_rank(const std::string& phase, const std::string& where) {
  if (phase == "AUTHN") return 0;
  if (phase == "AUTHZ") return 1;
  if (phase == "STATS") return 2;
  if (phase.empty() || phase == "UNSPECIFIED_PHASE") return 3;
  return make_error(where + ": spec.phase must be AUTHN, AUTHZ, STATS or UNSPECIFIED_PHASE (got '" +
                    phase + "')");
}

struct Ranked {
  int phase = 3;
  int64_t priority = 0;
  size_t index = 0;
  PluginSpec spec;
};

Result<Ranked> parse_wasm_plugin(const json& document, const std::string& where,
                                 ConfigNotes* notes) {
  if (!document.contains("spec") || !document["spec"].is_object())
    return make_error(where + ": a WasmPlugin needs a 'spec' object");
  const json& spec = document["spec"];
  warn_unknown(spec, where, "spec.",
               {"selector", "targetRef", "targetRefs", "match", "url", "sha256", "imagePullPolicy",
                "imagePullSecret", "verificationKey", "pluginConfig", "pluginName", "failStrategy",
                "vmConfig", "phase", "priority", "type"},
               notes);
  Ranked ranked;
  PluginSpec& plugin = ranked.spec;
  if (document.contains("metadata") && document["metadata"].is_object())
    plugin.name = text_field(document["metadata"], "name");
  if (!spec.contains("url") || !spec["url"].is_string())
    return make_error(where +
                      ": spec.url must name the module (file:///path/filter.wasm or a "
                      "path)");
  std::string url = spec["url"].get<std::string>();
  if (url.starts_with("file://")) {
    url = url.substr(7);
  } else if (url.find("://") != std::string::npos) {
    return make_error(where + ": spec.url '" + url +
                      "': pwplay does not fetch modules over the network or from registries; "
                      "download the module and give its path (file:///path/filter.wasm)");
  }
  if (url.empty()) return make_error(where + ": spec.url names no file");
  plugin.wasm_path = url;
  if (spec.contains("sha256")) {
    std::string digest = spec["sha256"].is_string() ? spec["sha256"].get<std::string>() : "";
    for (char& c : digest) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (digest.size() != 64 || digest.find_first_not_of("0123456789abcdef") != std::string::npos)
      return make_error(where +
                        ": spec.sha256 must be the module's SHA-256 as 64 hex digits (got " +
                        dump(spec["sha256"]) + ")");
    plugin.sha256 = std::move(digest);
  }
  if (spec.contains("pluginName")) {
    if (!spec["pluginName"].is_string())
      return make_error(where + ": spec.pluginName must be a string");
    plugin.root_id = spec["pluginName"].get<std::string>();
  }
  if (spec.contains("pluginConfig")) {
    const json& config = spec["pluginConfig"];
    // Istio hands pluginConfig to the filter as JSON text.
    plugin.configuration = config.is_string() ? config.get<std::string>() : dump(config);
  }
  if (spec.contains("failStrategy")) {
    const std::string strategy = text_field(spec, "failStrategy");
    if (strategy == "FAIL_OPEN")
      plugin.fail_open = true;
    else if (strategy != "FAIL_CLOSE" && strategy != "FAIL_RELOAD")
      return make_error(where +
                        ": spec.failStrategy must be FAIL_CLOSE, FAIL_OPEN or "
                        "FAIL_RELOAD (got " +
                        dump(spec["failStrategy"]) + ")");
  }
  auto phase = phase_rank(text_field(spec, "phase"), where);
  if (!phase) return unexpected(phase.error());
  ranked.phase = *phase;
  if (spec.contains("priority")) {
    if (!spec["priority"].is_number_integer())
      return make_error(where + ": spec.priority must be a whole number");
    ranked.priority = spec["priority"].get<int64_t>();
  }
  if (spec.contains("type") && text_field(spec, "type") == "NETWORK")
    return make_error(where + ": spec.type NETWORK: pwplay runs HTTP filters only");
  if (spec.contains("vmConfig")) {
    const json& vm = spec["vmConfig"];
    warn_unknown(vm, where, "spec.vmConfig.", {"env"}, notes);
    if (vm.contains("env")) {
      if (!vm["env"].is_array()) return make_error(where + ": spec.vmConfig.env must be a list");
      for (size_t i = 0; i < vm["env"].size(); ++i) {
        const json& var = vm["env"][i];
        const std::string at = "spec.vmConfig.env[" + std::to_string(i) + "]";
        if (!var.is_object() || !var.contains("name") || !var["name"].is_string())
          return make_error(where + ": " + at + " needs a 'name'");
        warn_unknown(var, where, at + ".", {"name", "value", "valueFrom"}, notes);
        if (text_field(var, "valueFrom") == "HOST") {
          if (notes)
            notes->warnings.push_back(where + ": " + at + " (" + var["name"].get<std::string>() +
                                      ") valueFrom HOST is ignored: filters never see pwplay's "
                                      "environment; give a value");
          continue;
        }
        plugin.environment.emplace_back(var["name"].get<std::string>(), text_field(var, "value"));
      }
    }
  }
  return ranked;
}

// The socket address of an Envoy Address message ({socket_address: {address, port_value}}).
std::optional<host::proxy::HostPort> socket_address(const json& address) {
  if (!address.is_object() || !address.contains("socket_address")) return std::nullopt;
  const json& socket = address["socket_address"];
  if (!socket.is_object()) return std::nullopt;
  host::proxy::HostPort out;
  out.host = text_field(socket, "address");
  auto port = socket.find("port_value");
  // YAML gives signed integers; JSON unsigned ones.
  if (port == socket.end() || !port->is_number_integer() || port->get<int64_t>() < 0 ||
      port->get<int64_t>() > 65535)
    return std::nullopt;
  out.port = static_cast<uint16_t>(port->get<int64_t>());
  return out;
}

// The first endpoint of a cluster (load_assignment, or the older `hosts`).
std::optional<host::proxy::HostPort> cluster_endpoint(const json& cluster) {
  if (cluster.contains("load_assignment")) {
    const json& assignment = cluster["load_assignment"];
    if (assignment.is_object() && assignment.contains("endpoints") &&
        assignment["endpoints"].is_array())
      for (const auto& locality : assignment["endpoints"])
        if (locality.is_object() && locality.contains("lb_endpoints") &&
            locality["lb_endpoints"].is_array())
          for (const auto& endpoint : locality["lb_endpoints"])
            if (endpoint.is_object() && endpoint.contains("endpoint") &&
                endpoint["endpoint"].is_object() && endpoint["endpoint"].contains("address"))
              return socket_address(endpoint["endpoint"]["address"]);
  }
  if (cluster.contains("hosts") && cluster["hosts"].is_array() && !cluster["hosts"].empty())
    return socket_address(cluster["hosts"][0]);
  return std::nullopt;
}

bool is_wasm_filter(const json& entry) {
  if (!entry.is_object()) return false;
  if (text_field(entry, "name") == "envoy.filters.http.wasm") return true;
  if (!entry.contains("typed_config") || !entry["typed_config"].is_object()) return false;
  const json& typed = entry["typed_config"];
  const std::string type = text_field(typed, "@type");
  const std::string wasm = "envoy.extensions.filters.http.wasm.v3.Wasm";
  return type.ends_with(wasm) || text_field(typed, "type_url").ends_with(wasm);
}

const json* connection_manager(const json& listener) {
  if (!listener.contains("filter_chains") || !listener["filter_chains"].is_array()) return nullptr;
  for (const auto& chain : listener["filter_chains"]) {
    if (!chain.is_object() || !chain.contains("filters") || !chain["filters"].is_array()) continue;
    for (const auto& filter : chain["filters"]) {
      if (!filter.is_object() || !filter.contains("typed_config")) continue;
      const json& typed = filter["typed_config"];
      if (text_field(filter, "name") == "envoy.filters.network.http_connection_manager" ||
          text_field(typed, "@type").ends_with("HttpConnectionManager"))
        return &typed;
    }
  }
  return nullptr;
}

// The first route of the route config that sends to a cluster.
void read_route(const json& hcm, const std::string& where, EnvoySetup& setup) {
  if (!hcm.contains("route_config")) {
    if (hcm.contains("rds"))
      setup.notes.warnings.push_back(where +
                                     ": routes from RDS are not fetched: the request "
                                     "goes to the upstream with no route name");
    return;
  }
  const json& config = hcm["route_config"];
  if (!config.is_object() || !config.contains("virtual_hosts") ||
      !config["virtual_hosts"].is_array())
    return;
  for (const auto& host : config["virtual_hosts"]) {
    if (!host.is_object() || !host.contains("routes") || !host["routes"].is_array()) continue;
    for (const auto& route : host["routes"]) {
      if (!route.is_object() || !route.contains("route") || !route["route"].is_object()) continue;
      const std::string cluster = text_field(route["route"], "cluster");
      if (cluster.empty()) continue;
      setup.route_name = text_field(route, "name");
      setup.cluster_name = cluster;
      return;
    }
  }
}

}  // namespace

bool is_wasm_plugin(const json& document) {
  return document.is_object() && text_field(document, "kind") == "WasmPlugin";
}

Result<std::vector<PluginSpec>> parse_wasm_plugins(const std::vector<json>& documents,
                                                   const std::string& where, ConfigNotes* notes) {
  std::vector<Ranked> ranked;
  for (size_t i = 0; i < documents.size(); ++i) {
    if (!is_wasm_plugin(documents[i])) continue;
    const std::string place =
        documents.size() > 1 ? where + ": document " + std::to_string(i + 1) : where;
    auto plugin = parse_wasm_plugin(documents[i], place, notes);
    if (!plugin) return unexpected(plugin.error());
    plugin->index = i;
    ranked.push_back(std::move(*plugin));
  }
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.phase != b.phase) return a.phase < b.phase;
    return a.priority > b.priority;
  });
  std::vector<PluginSpec> plugins;
  for (auto& item : ranked) plugins.push_back(std::move(item.spec));
  return plugins;
}

Result<EnvoySetup> parse_envoy_bootstrap(const json& document, const std::string& where) {
  EnvoySetup setup;
  const json& resources = document["static_resources"];
  if (!resources.is_object()) return make_error(where + ": static_resources must be an object");
  if (document.contains("dynamic_resources"))
    setup.notes.warnings.push_back(where +
                                   ": dynamic_resources are not fetched (no xDS): only "
                                   "static_resources are used");
  const json* hcm = nullptr;
  std::string hcm_where;
  if (resources.contains("listeners") && resources["listeners"].is_array()) {
    const json& listeners = resources["listeners"];
    for (size_t i = 0; i < listeners.size() && !hcm; ++i) {
      hcm = connection_manager(listeners[i]);
      if (!hcm) continue;
      hcm_where = where + ": static_resources.listeners[" + std::to_string(i) + "]";
      if (listeners[i].contains("address")) setup.listen = socket_address(listeners[i]["address"]);
      if (listeners.size() > 1)
        setup.notes.warnings.push_back(hcm_where +
                                       " is the listener used; the others are "
                                       "ignored");
    }
  }
  if (!hcm)
    return make_error(where +
                      ": no listener with an http_connection_manager in "
                      "static_resources.listeners");
  if (hcm->contains("http_filters") && (*hcm)["http_filters"].is_array()) {
    const json& filters = (*hcm)["http_filters"];
    for (size_t i = 0; i < filters.size(); ++i) {
      const std::string at = hcm_where + ".http_filters[" + std::to_string(i) + "]";
      if (!is_wasm_filter(filters[i])) {
        const std::string name = filters[i].is_object() ? text_field(filters[i], "name") : "";
        if (name != "envoy.filters.http.router")
          setup.notes.warnings.push_back(at + ": filter '" + name +
                                         "' is not a Wasm filter: it is left out of the chain");
        continue;
      }
      auto spec = parse_plugin_config(filters[i], at, &setup.notes);
      if (!spec) return unexpected(spec.error());
      setup.plugins.push_back(std::move(*spec));
    }
  }
  read_route(*hcm, hcm_where, setup);
  if (resources.contains("clusters") && resources["clusters"].is_array()) {
    const json& clusters = resources["clusters"];
    for (size_t i = 0; i < clusters.size(); ++i) {
      const json& cluster = clusters[i];
      if (!cluster.is_object()) continue;
      const std::string name = text_field(cluster, "name");
      auto endpoint = cluster_endpoint(cluster);
      if (name.empty() || !endpoint) continue;
      if (!host::proxy::is_loopback_host(endpoint->host)) {
        setup.notes.warnings.push_back(
            where + ": cluster '" + name + "' (" + endpoint->host + ":" +
            std::to_string(endpoint->port) +
            ") is not a loopback address: pwplay does not reach it; calls to it stay mocks");
        continue;
      }
      setup.clusters[name] = *endpoint;
    }
  }
  return setup;
}

Result<EnvoySetup> load_envoy_setup(const std::string& path, const char* what) {
  auto documents = load_config_documents(path, what);
  if (!documents) return unexpected(documents.error());
  if (documents->empty()) return make_error(path + ": the file holds no configuration");
  EnvoySetup setup;
  const json& first = documents->front();
  if (std::any_of(documents->begin(), documents->end(), is_wasm_plugin)) {
    auto plugins = parse_wasm_plugins(*documents, path, &setup.notes);
    if (!plugins) return unexpected(plugins.error());
    setup.plugins = std::move(*plugins);
  } else if (first.is_object() && first.contains("static_resources")) {
    if (documents->size() > 1)
      return make_error(path + ": an Envoy bootstrap is one document, found " +
                        std::to_string(documents->size()));
    auto parsed = parse_envoy_bootstrap(first, path);
    if (!parsed) return parsed;
    setup = std::move(*parsed);
  } else {
    if (documents->size() > 1)
      return make_error(path + ": expected one Envoy Wasm filter config, found " +
                        std::to_string(documents->size()) + " documents");
    auto spec = parse_plugin_config(first, path, &setup.notes);
    if (!spec) return unexpected(spec.error());
    setup.plugins.push_back(std::move(*spec));
  }
  if (setup.plugins.empty())
    return make_error(path + ": no Wasm filter (envoy.filters.http.wasm) in the configuration");
  for (size_t i = 0; i < setup.plugins.size(); ++i) {
    PluginSpec& plugin = setup.plugins[i];
    // One filter may get its module from the command line; in a chain each names its own.
    if (!plugin.has_module() && setup.plugins.size() > 1)
      return make_error(path + ": filter " + std::to_string(i + 1) +
                        " names no module (vm_config.code.local.filename)");
    resolve_module_path(plugin, path, &setup.notes);
  }
  return setup;
}

}  // namespace pwplay::debugger
