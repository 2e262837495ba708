// The file of `pwplay serve --proxy-config FILE` (JSON, or YAML for .yaml / .yml): the settings
// of the embedded proxy that a user would otherwise give as flags, plus a filter chain written
// as Envoy Wasm filter configurations.
//
//   {"listen": "127.0.0.1:8080",
//    "upstream": "echo" | "HOST:PORT" | {"status": 200, "headers": [...], "body": "..."},
//    "clusters": {"NAME": "HOST:PORT"},
//    "filters": [ENVOY_WASM_CONFIG, ...]}
//
// Every key is optional. Errors name the file and the key at fault.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abi/result.h"
#include "debugger/plugin_spec.h"
#include "host/proxy/proxy.h"

namespace pwplay::debugger {

struct ProxyConfigFile {
  std::optional<std::string> listen;  // as written; the caller parses it with the --listen rules
  std::optional<host::proxy::UpstreamConfig> upstream;
  std::map<std::string, host::proxy::HostPort> clusters;
  // The chain, in request order (resolve_plugin loads each). A relative module path that does not
  // exist from the working directory is taken from the file's directory.
  std::vector<PluginSpec> plugins;
};

Result<ProxyConfigFile> load_proxy_config_file(const std::string& path);

}  // namespace pwplay::debugger
