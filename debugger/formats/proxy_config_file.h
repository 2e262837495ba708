// The file of `pwplay serve --proxy-config FILE` (JSON, or YAML for .yaml / .yml): the settings
// of the embedded proxy that a user would otherwise give as flags, plus a filter chain written
// as Envoy Wasm filter configurations.
//
//   {"listen": "127.0.0.1:8080",
//    "upstream": "echo" | "HOST:PORT" | {"status": 200, "headers": [...], "body": "..."},
//    "clusters": {"NAME": "HOST:PORT"},
//    "filters": [ENVOY_WASM_CONFIG, ...],
//    "limits": {"max_header_kb": 60, "max_headers": 100, "max_body_kb": 16384,
//               "idle_timeout_ms": 300000, "headers_timeout_ms": 30000,
//               "max_queue_items": 10000, "max_queue_bytes": "16M", "max_shared_data_bytes": "4M",
//               "max_header_pairs": 10000, "max_header_value_bytes": "60K",
//               "max_header_map_bytes": "1M"},
//    "cluster_name": "upstream", "route_name": "default"}
//
// Every key is optional. Errors name the file and the key at fault.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abi/result.h"
#include "debugger/limit_settings.h"
#include "debugger/plugin_spec.h"
#include "host/proxy/proxy.h"

namespace pwplay::debugger {

// The proxy's limits, as `pwplay serve` flags of the same names would set them (absent: default).
struct ProxyLimits {
  std::optional<uint64_t> max_header_kb;
  std::optional<uint64_t> max_headers;
  std::optional<uint64_t> max_body_kb;
  std::optional<uint64_t> idle_timeout_ms;
  std::optional<uint64_t> headers_timeout_ms;
  LimitSettings host;  // what filters may make the host keep (queues, shared data, header maps)
};

struct ProxyConfigFile {
  std::optional<std::string> listen;  // as written; the caller parses it with the --listen rules
  std::optional<host::proxy::UpstreamConfig> upstream;
  std::map<std::string, host::proxy::HostPort> clusters;
  // The chain, in request order (resolve_plugin loads each). A relative module path that does not
  // exist from the working directory is taken from the file's directory.
  std::vector<PluginSpec> plugins;
  ProxyLimits limits;
  // What the filters' configs held that is ignored (unknown fields, with their path).
  std::vector<std::string> warnings;
  // The names the cluster_name and route_name attributes report (host::ProxySetup).
  std::optional<std::string> cluster_name;
  std::optional<std::string> route_name;
};

Result<ProxyConfigFile> load_proxy_config_file(const std::string& path);

}  // namespace pwplay::debugger
