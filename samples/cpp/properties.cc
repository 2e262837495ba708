// properties: reads Envoy's well-known attributes and logs each one.
//
// Host function: proxy_get_property(path, path_size, &value, &value_size). The path is the
//   attribute's dotted name split into segments joined by NUL bytes: "request.path" is sent as
//   "request\0path". The value's bytes depend on its type: strings are raw text, integers and
//   timestamps are 8 bytes little-endian (timestamps in ns since the epoch), booleans 1 byte.
//   An attribute the host does not know, or that has no value yet, answers NOT_FOUND.
// Request headers: logs the request, connection and plugin attributes, one line each
//   (`properties: request.path = /hello`), and adds `x-properties-found: <n>/<asked>`.
// Response headers: logs response.code, known only once the upstream has answered.

#include <string>
#include <vector>

#include "pwplay_sdk.h"

using namespace pwplay;

namespace {

enum class Type { String, Integer, Boolean };

struct Attribute {
  std::vector<std::string_view> path;  // segments
  Type type;
};

const std::vector<Attribute>& request_attributes() {
  static const std::vector<Attribute> attributes = {
      {{"request", "path"}, Type::String},      {{"request", "url_path"}, Type::String},
      {{"request", "method"}, Type::String},    {{"request", "host"}, Type::String},
      {{"request", "scheme"}, Type::String},    {{"request", "protocol"}, Type::String},
      {{"request", "id"}, Type::String},        {{"request", "useragent"}, Type::String},
      {{"request", "time"}, Type::Integer},     {{"source", "address"}, Type::String},
      {{"source", "port"}, Type::Integer},      {{"destination", "address"}, Type::String},
      {{"destination", "port"}, Type::Integer}, {{"connection", "mtls"}, Type::Boolean},
      {{"plugin_name"}, Type::String},          {{"plugin_root_id"}, Type::String},
      {{"plugin_vm_id"}, Type::String},         {{"node", "id"}, Type::String},
      {{"node", "cluster"}, Type::String},      {{"route_name"}, Type::String},
      {{"cluster_name"}, Type::String},
  };
  return attributes;
}

std::string dotted(const std::vector<std::string_view>& path) {
  std::string out;
  for (std::string_view segment : path) {
    if (!out.empty()) out.push_back('.');
    out.append(segment);
  }
  return out;
}

// The value as text, by type; nullopt when the host has none.
std::optional<std::string> read_attribute(const Attribute& attribute) {
  std::string joined;  // segments with NUL separators, as the ABI wants
  for (std::string_view segment : attribute.path) {
    if (!joined.empty()) joined.push_back('\0');
    joined.append(segment);
  }
  char* value = nullptr;
  size_t value_size = 0;
  if (proxy_get_property(joined.data(), joined.size(), &value, &value_size) != WasmResult::Ok)
    return std::nullopt;
  const std::string bytes = take_host_buffer(value, value_size);
  switch (attribute.type) {
    case Type::String:
      return bytes;
    case Type::Integer: {
      if (bytes.size() != 8) return "(" + std::to_string(bytes.size()) + " bytes, not an int64)";
      uint64_t number = 0;
      for (int i = 7; i >= 0; --i) number = (number << 8) | static_cast<uint8_t>(bytes[i]);
      return std::to_string(static_cast<int64_t>(number));
    }
    case Type::Boolean:
      return bytes.size() == 1 && bytes[0] != 0 ? "true" : "false";
  }
  return std::nullopt;
}

bool log_attribute(const Attribute& attribute) {
  const std::optional<std::string> value = read_attribute(attribute);
  log(LogLevel::Info,
      "properties: " + dotted(attribute.path) + " = " + value.value_or("(not found)"));
  return value.has_value();
}

}  // namespace

PWPLAY_EXPORT(proxy_on_context_create)
void proxy_on_context_create(uint32_t /*context_id*/, uint32_t /*parent_context_id*/) {}

PWPLAY_EXPORT(proxy_on_request_headers)
FilterHeadersStatus proxy_on_request_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                             uint32_t /*end_of_stream*/) {
  size_t found = 0;
  for (const Attribute& attribute : request_attributes())
    if (log_attribute(attribute)) ++found;
  add_header(MapType::RequestHeaders, "x-properties-found",
             std::to_string(found) + "/" + std::to_string(request_attributes().size()));
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_response_headers)
FilterHeadersStatus proxy_on_response_headers(uint32_t /*context_id*/, uint32_t /*num_headers*/,
                                              uint32_t /*end_of_stream*/) {
  log_attribute({{"response", "code"}, Type::Integer});
  return FilterHeadersStatus::Continue;
}

PWPLAY_EXPORT(proxy_on_done) uint32_t proxy_on_done(uint32_t /*context_id*/) {
  return 1;
}
