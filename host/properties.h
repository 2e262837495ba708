// Envoy's attributes as proxy_get_property answers them: one table of every attribute (path, type,
// the first callback where Envoy has it, pwplay's value), the proxy's own setup they report (node,
// cluster, route, listener) and the lookup that walks a path and serializes the value as Envoy
// does.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "abi/enums.h"
#include "abi/result.h"
#include "host/http_stream.h"

namespace pwplay::host {

// How Envoy serializes a value for the module (its `serializeValue` of a CEL value).
enum class AttributeType : uint8_t {
  String,     // the bytes as they are
  Int64,      // 8 bytes, little-endian, signed
  Uint64,     // 8 bytes, little-endian
  Bool,       // 1 byte, 0 or 1
  Timestamp,  // int64 nanoseconds since the Unix epoch, 8 bytes
  Duration,   // int64 nanoseconds, 8 bytes
  Map,        // the ABI's pairs encoding (header maps; Structs, whose values are serialized alike)
  Message,    // the protobuf binary encoding (node, metadata, locality)
};

// From which point Envoy has an attribute; asked earlier, it answers NOT_FOUND.
enum class AttributePhase : uint8_t {
  Plugin,           // every callback, root contexts included
  Stream,           // every callback of an HTTP stream (its proxy_on_context_create on)
  RequestHeaders,   // from proxy_on_request_headers on
  Upstream,         // once the request headers passed the whole chain (the upstream is chosen)
  ResponseHeaders,  // from proxy_on_response_headers on (upstream answer or local reply)
  Complete,         // once the stream ended: proxy_on_log and proxy_on_done
};

struct AttributeRow {
  std::string_view path;  // segments joined with '.', as Envoy's attribute docs spell it
  AttributeType type;
  AttributePhase phase;
  std::string_view value;  // pwplay's value, or the default and how to change it (docs table)
};

// Every attribute pwplay answers, in the order of docs/compatibility.md.
std::span<const AttributeRow> attribute_table();
const char* attribute_type_name(AttributeType type);
const char* attribute_phase_name(AttributePhase phase);

// The proxy's own setup, as Envoy's node, route table, cluster and listener would give it. The
// defaults are those of `pwplay run` and `pwplay debug`; `pwplay serve` takes the cluster and route
// names from its configuration. Metadata is JSON text: for cluster, route, virtual host, upstream
// host and listener an object of filter namespaces (Envoy's `filter_metadata`, e.g.
// {"envoy.lb": {"canary": true}}); for the node an object of keys (a google.protobuf.Struct).
struct ProxySetup {
  std::string node_id = "pwplay";
  std::string node_cluster = "pwplay";
  std::string node_metadata = "{}";
  std::string cluster_name = "upstream";
  std::string cluster_metadata = "{}";
  std::string route_name = "default";
  std::string route_metadata = "{}";
  std::string virtual_host_name = "default";
  std::string virtual_host_metadata = "{}";
  std::string upstream_host_metadata = "{}";
  std::string filter_chain_name;
  std::string listener_metadata = "{}";
  // envoy.config.core.v3.TrafficDirection: 0 UNSPECIFIED, 1 INBOUND, 2 OUTBOUND.
  int64_t listener_direction = 0;
};

// What one proxy_get_property sees: the setup, the calling plugin and its stream (null in root
// contexts, where Envoy has no stream info either).
struct AttributeQuery {
  const ProxySetup& setup;
  std::string_view plugin_name;
  std::string_view plugin_root_id;
  std::string_view plugin_vm_id;
  const HttpStreamState* stream = nullptr;
};

// A property path as the module passes it: segments separated by NUL (a trailing NUL, as the C++
// SDK writes, is dropped). A segment may contain dots (a header or filter state name).
std::vector<std::string> split_property_path(std::string_view raw);

// Envoy's answer for an attribute path: its serialized value, NOT_FOUND (unknown, or not yet
// known at this point of the stream) or SERIALIZATION_FAILURE (a null in metadata, as Envoy).
Result<std::string, abi::Status> lookup_attribute(std::span<const std::string> segments,
                                                  const AttributeQuery& query);

}  // namespace pwplay::host
