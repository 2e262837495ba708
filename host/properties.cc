// Envoy's attributes: the table, the walk along a property path and Envoy's serialization of what
// the walk reaches (strings raw, numbers 8 bytes little-endian, booleans one byte, maps as pairs,
// messages in protobuf's binary encoding).
#include "host/properties.h"

#include <charconv>
#include <cstring>
#include <optional>

#include <nlohmann/json.hpp>

#include "abi/pairs.h"

namespace pwplay::host {
namespace {

using abi::Status;
using nlohmann::json;
using Answer = Result<std::string, Status>;

// --- Scalars, as Envoy's serializeValue lays them out ------------------------------------------

std::string u64_bytes(uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}
std::string i64_bytes(int64_t value) {
  return u64_bytes(static_cast<uint64_t>(value));
}
std::string bool_byte(bool value) {
  return std::string(1, value ? '\1' : '\0');
}
uint64_t double_bits(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}
std::string pairs_bytes(const abi::HeaderPairs& pairs) {
  auto bytes = abi::encode_pairs(pairs);
  return std::string(bytes.begin(), bytes.end());
}

// --- Protobuf's binary encoding of the few messages attributes carry -----------------------------

void put_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out += static_cast<char>((value & 0x7f) | 0x80);
    value >>= 7;
  }
  out += static_cast<char>(value);
}
void put_tag(std::string& out, uint32_t field, uint32_t wire_type) {
  put_varint(out, (static_cast<uint64_t>(field) << 3) | wire_type);
}
void put_bytes(std::string& out, uint32_t field, std::string_view bytes) {
  put_tag(out, field, 2);
  put_varint(out, bytes.size());
  out += bytes;
}

std::string proto_value(const json& value);

// google.protobuf.Struct: fields (1), a map of string to Value.
std::string proto_struct(const json& object) {
  std::string out;
  if (!object.is_object()) return out;
  for (const auto& [key, value] : object.items()) {
    std::string entry;
    put_bytes(entry, 1, key);
    put_bytes(entry, 2, proto_value(value));
    put_bytes(out, 1, entry);
  }
  return out;
}

// google.protobuf.Value: null (1), number (2, a double), string (3), bool (4), struct (5), list
// (6).
std::string proto_value(const json& value) {
  std::string out;
  if (value.is_boolean()) {
    put_tag(out, 4, 0);
    put_varint(out, value.get<bool>() ? 1 : 0);
  } else if (value.is_number()) {
    put_tag(out, 2, 1);
    const uint64_t bits = double_bits(value.get<double>());
    for (int i = 0; i < 8; ++i) out += static_cast<char>((bits >> (8 * i)) & 0xff);
  } else if (value.is_string()) {
    put_bytes(out, 3, value.get_ref<const std::string&>());
  } else if (value.is_object()) {
    put_bytes(out, 5, proto_struct(value));
  } else if (value.is_array()) {
    std::string list;
    for (const json& item : value) put_bytes(list, 1, proto_value(item));
    put_bytes(out, 6, list);
  } else {
    put_tag(out, 1, 0);
    put_varint(out, 0);
  }
  return out;
}

// envoy.config.core.v3.Metadata: filter_metadata (1), a map of namespace to Struct.
std::string proto_metadata(const json& namespaces) {
  std::string out;
  if (!namespaces.is_object()) return out;
  for (const auto& [name, fields] : namespaces.items()) {
    std::string entry;
    put_bytes(entry, 1, name);
    put_bytes(entry, 2, proto_struct(fields));
    put_bytes(out, 1, entry);
  }
  return out;
}

// envoy.config.core.v3.Node: id (1), cluster (2), metadata (3).
std::string proto_node(const ProxySetup& setup, const json& metadata) {
  std::string out;
  if (!setup.node_id.empty()) put_bytes(out, 1, setup.node_id);
  if (!setup.node_cluster.empty()) put_bytes(out, 2, setup.node_cluster);
  if (metadata.is_object() && !metadata.empty()) put_bytes(out, 3, proto_struct(metadata));
  return out;
}

// Metadata as written in ProxySetup; text that is not a JSON object counts as empty.
json parse_object(const std::string& text) {
  json parsed = json::parse(text, nullptr, false);
  return parsed.is_object() ? parsed : json::object();
}

// A Struct's value as Envoy serializes the CEL value it becomes: a string raw, a number as a
// double, a bool as one byte, a Struct as pairs, a list as pairs with empty values; null fails.
Answer serialize_json(const json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return bool_byte(value.get<bool>());
  if (value.is_number()) return u64_bytes(double_bits(value.get<double>()));
  if (value.is_object()) {
    abi::HeaderPairs pairs;
    for (const auto& [key, item] : value.items()) {
      Answer serialized = serialize_json(item);
      if (!serialized) return serialized;
      pairs.emplace_back(key, std::move(*serialized));
    }
    return pairs_bytes(pairs);
  }
  if (value.is_array()) {
    abi::HeaderPairs pairs;
    for (const json& item : value) {
      Answer serialized = serialize_json(item);
      if (!serialized) return serialized;
      pairs.emplace_back(std::move(*serialized), "");
    }
    return pairs_bytes(pairs);
  }
  return unexpected(Status::SerializationFailure);
}

Answer walk_json(const json& root, std::span<const std::string> rest) {
  const json* at = &root;
  for (const std::string& segment : rest) {
    if (at->is_object()) {
      auto it = at->find(segment);
      if (it == at->end()) return unexpected(Status::NotFound);
      at = &*it;
    } else if (at->is_array()) {
      size_t index = 0;
      auto [end, ec] = std::from_chars(segment.data(), segment.data() + segment.size(), index);
      if (ec != std::errc() || end != segment.data() + segment.size() || index >= at->size())
        return unexpected(Status::NotFound);
      at = &(*at)[index];
    } else {
      return unexpected(Status::NotFound);
    }
  }
  return serialize_json(*at);
}

// --- What a table row's getter finds, before the rest of the path is walked --------------------

struct Found {
  enum class Kind : uint8_t { Bytes, Headers, Struct, Metadata, Node, FilterState };
  Kind kind = Kind::Bytes;
  std::string bytes;                   // Bytes: the serialized value
  const HeaderMap* headers = nullptr;  // Headers
  json value;                          // Struct; Metadata (its namespaces); Node (its metadata)
  const std::map<std::string, std::string, std::less<>>* filter_state = nullptr;

  static Found of(std::string bytes) { return Found{Kind::Bytes, std::move(bytes)}; }
  static Found map(const HeaderMap& headers) {
    Found found{Kind::Headers};
    found.headers = &headers;
    return found;
  }
  static Found with(Kind kind, json value) {
    Found found{kind};
    found.value = std::move(value);
    return found;
  }
};

// Envoy's header map as a CEL map: one key per name, its values joined with ",".
std::string header_map_bytes(const HeaderMap& headers) {
  abi::HeaderPairs pairs;
  for (const auto& [name, value] : headers.pairs()) {
    (void)value;
    bool seen = false;
    for (const auto& pair : pairs) seen = seen || pair.first == name;
    if (!seen) pairs.emplace_back(name, headers.get_joined(name).value_or(""));
  }
  return pairs_bytes(pairs);
}

Answer resolve(const Found& found, std::span<const std::string> rest, const ProxySetup& setup) {
  using Kind = Found::Kind;
  switch (found.kind) {
    case Kind::Bytes:
      if (!rest.empty()) return unexpected(Status::NotFound);
      return found.bytes;
    case Kind::Headers: {
      if (rest.empty()) return header_map_bytes(*found.headers);
      if (rest.size() > 1) return unexpected(Status::NotFound);
      auto value = found.headers->get_joined(rest[0]);
      if (!value) return unexpected(Status::NotFound);
      return *value;
    }
    case Kind::Struct:
      return walk_json(found.value, rest);
    case Kind::Metadata:
      if (rest.empty()) return proto_metadata(found.value);
      if (rest[0] == "filter_metadata") return walk_json(found.value, rest.subspan(1));
      if (rest[0] == "typed_filter_metadata" && rest.size() == 1) return pairs_bytes({});
      return unexpected(Status::NotFound);
    case Kind::Node:
      if (rest.empty()) return proto_node(setup, found.value);
      if (rest[0] == "metadata") return walk_json(found.value, rest.subspan(1));
      if (rest.size() > 1) return unexpected(Status::NotFound);
      if (rest[0] == "id") return setup.node_id;
      if (rest[0] == "cluster") return setup.node_cluster;
      return unexpected(Status::NotFound);
    case Kind::FilterState: {
      // Envoy keeps a value set by proxy_set_property under "wasm." + its path.
      if (rest.empty()) {
        abi::HeaderPairs pairs;
        for (const auto& [key, value] : *found.filter_state)
          pairs.emplace_back("wasm." + key, value);
        return pairs_bytes(pairs);
      }
      if (rest.size() > 1) return unexpected(Status::NotFound);
      std::string_view key = rest[0];
      if (!key.starts_with("wasm.")) return unexpected(Status::NotFound);
      auto it = found.filter_state->find(key.substr(5));
      if (it == found.filter_state->end()) return unexpected(Status::NotFound);
      return it->second;
    }
  }
  return unexpected(Status::NotFound);
}

// --- The table ----------------------------------------------------------------------------------

// What a getter reads. `stream` is set whenever the row's phase has been reached and the phase
// needs one (every phase but Plugin).
struct Facts {
  const AttributeQuery& query;
  const HttpStreamState* stream;
  const StreamInfo* info;
};

using Getter = std::optional<Found> (*)(const Facts&);

struct Entry {
  AttributeRow row;
  Getter get;
};

using T = AttributeType;
using P = AttributePhase;

std::optional<Found> request_header(const Facts& f, std::string_view name) {
  auto value = f.stream->request_headers.get(name);
  if (!value) return std::nullopt;
  return Found::of(std::string(*value));
}
std::optional<Found> text(std::string value) {
  return Found::of(std::move(value));
}
std::optional<Found> text_if(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return Found::of(value);
}
std::optional<Found> number(int64_t value) {
  return Found::of(i64_bytes(value));
}
std::optional<Found> unsigned_number(uint64_t value) {
  return Found::of(u64_bytes(value));
}
std::optional<Found> metadata(const std::string& text_json) {
  return Found::with(Found::Kind::Metadata, parse_object(text_json));
}
std::string path_of(const Facts& f) {
  return std::string(f.stream->request_headers.get(":path").value_or(""));
}
// A TLS fact of the downstream (Side = &StreamInfo::downstream_tls) or upstream connection.
template <std::optional<TlsFacts> StreamInfo::*Side, std::string TlsFacts::*Field>
std::optional<Found> tls(const Facts& f) {
  const std::optional<TlsFacts>& side = f.info->*Side;
  if (!side) return std::nullopt;
  return text_if((*side).*Field);
}
uint64_t request_size(const Facts& f) {
  if (auto length = f.stream->request_headers.get("content-length")) {
    uint64_t value = 0;
    auto [end, ec] = std::from_chars(length->data(), length->data() + length->size(), value);
    if (ec == std::errc() && end == length->data() + length->size()) return value;
  }
  return f.info->request_body_bytes;
}
std::optional<Found> grpc_status(const Facts& f) {
  auto status = f.stream->response_trailers.get("grpc-status");
  if (!status) status = f.stream->response_headers.get("grpc-status");
  if (!status) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(status->data(), status->data() + status->size(), value);
  if (ec != std::errc() || end != status->data() + status->size()) return std::nullopt;
  return number(value);
}
std::string address(const std::string& host, uint32_t port) {
  return host + ":" + std::to_string(port);
}

constexpr std::string_view kDownstreamTls =
    "NOT_FOUND: pwplay's listener is plaintext (set it with a request's \"properties\")";
constexpr std::string_view kUpstreamTls =
    "NOT_FOUND: pwplay's upstream connections are plaintext (set it with \"properties\")";

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = {
      // request.*
      {{"request.path", T::String, P::RequestHeaders, "the :path header"},
       [](const Facts& f) { return request_header(f, ":path"); }},
      {{"request.url_path", T::String, P::RequestHeaders, ":path without the query"},
       [](const Facts& f) {
         std::string path = path_of(f);
         return text(path.substr(0, path.find('?')));
       }},
      {{"request.host", T::String, P::RequestHeaders, "the :authority header"},
       [](const Facts& f) { return request_header(f, ":authority"); }},
      {{"request.scheme", T::String, P::RequestHeaders, "the :scheme header"},
       [](const Facts& f) { return request_header(f, ":scheme"); }},
      {{"request.method", T::String, P::RequestHeaders, "the :method header"},
       [](const Facts& f) { return request_header(f, ":method"); }},
      {{"request.headers", T::Map, P::RequestHeaders,
        "the request headers, one pair per name (values joined with \",\"); "
        "request.headers.NAME: one header"},
       [](const Facts& f) { return std::optional<Found>(Found::map(f.stream->request_headers)); }},
      {{"request.referer", T::String, P::RequestHeaders, "the referer header"},
       [](const Facts& f) { return request_header(f, "referer"); }},
      {{"request.useragent", T::String, P::RequestHeaders, "the user-agent header"},
       [](const Facts& f) { return request_header(f, "user-agent"); }},
      {{"request.time", T::Timestamp, P::Stream,
        "when the stream started (the dispatcher's clock: virtual in run and debug)"},
       [](const Facts& f) { return number(static_cast<int64_t>(f.info->start_time_ns)); }},
      {{"request.id", T::String, P::RequestHeaders,
        "the x-request-id header (serve adds one, as Envoy's connection manager)"},
       [](const Facts& f) { return request_header(f, "x-request-id"); }},
      {{"request.protocol", T::String, P::Stream, "\"HTTP/1.1\" (\"HTTP/1.0\" for such clients)"},
       [](const Facts& f) { return text(f.info->protocol); }},
      {{"request.query", T::String, P::RequestHeaders,
        "the query of :path (without '?' and fragment); \"\" when none"},
       [](const Facts& f) {
         std::string path = path_of(f);
         auto q = path.find('?');
         if (q == std::string::npos) return text("");
         std::string query = path.substr(q + 1);
         return text(query.substr(0, query.find('#')));
       }},
      {{"request.duration", T::Duration, P::Complete, "from the stream's start to its end"},
       [](const Facts& f) { return number(static_cast<int64_t>(f.info->duration_ns)); }},
      {{"request.size", T::Int64, P::Stream,
        "content-length when the request has one, else the body bytes received so far"},
       [](const Facts& f) { return number(static_cast<int64_t>(request_size(f))); }},
      {{"request.total_size", T::Int64, P::Stream, "body bytes received plus the headers' bytes"},
       [](const Facts& f) {
         return number(static_cast<int64_t>(f.info->request_body_bytes +
                                            f.stream->request_headers.byte_size()));
       }},
      {{"request.headers_bytes", T::Int64, P::Stream,
        "the request headers' bytes (names and values)"},
       [](const Facts& f) {
         return number(static_cast<int64_t>(f.stream->request_headers.byte_size()));
       }},
      // response.*
      {{"response.code", T::Int64, P::ResponseHeaders,
        "the upstream's :status or the local reply's"},
       [](const Facts& f) -> std::optional<Found> {
         if (!f.info->response_code) return std::nullopt;
         return number(*f.info->response_code);
       }},
      {{"response.code_details", T::String, P::ResponseHeaders,
        "\"via_upstream\", or the details of proxy_send_local_response"},
       [](const Facts& f) -> std::optional<Found> {
         if (!f.info->response_code) return std::nullopt;
         return text(f.info->response_code_details);
       }},
      {{"response.flags", T::Int64, P::Stream, "0 (no Envoy response flag applies)"},
       [](const Facts&) { return number(0); }},
      {{"response.grpc_status", T::Int64, P::ResponseHeaders,
        "grpc-status of the trailers, else of the headers; NOT_FOUND when neither has one"},
       [](const Facts& f) { return grpc_status(f); }},
      {{"response.headers", T::Map, P::Stream,
        "the response headers (empty before they arrive); response.headers.NAME: one header"},
       [](const Facts& f) { return std::optional<Found>(Found::map(f.stream->response_headers)); }},
      {{"response.headers_bytes", T::Int64, P::Stream, "the response headers' bytes"},
       [](const Facts& f) {
         return number(static_cast<int64_t>(f.stream->response_headers.byte_size()));
       }},
      {{"response.trailers", T::Map, P::Stream,
        "the response trailers (empty before they arrive); response.trailers.NAME: one trailer"},
       [](const Facts& f) {
         return std::optional<Found>(Found::map(f.stream->response_trailers));
       }},
      {{"response.size", T::Int64, P::Stream, "response body bytes so far"},
       [](const Facts& f) { return number(static_cast<int64_t>(f.info->response_body_bytes)); }},
      {{"response.total_size", T::Int64, P::Stream, "body, headers' and trailers' bytes"},
       [](const Facts& f) {
         return number(static_cast<int64_t>(f.info->response_body_bytes +
                                            f.stream->response_headers.byte_size() +
                                            f.stream->response_trailers.byte_size()));
       }},
      // connection.*
      {{"connection.id", T::Uint64, P::Stream, "the downstream connection's number, from 1"},
       [](const Facts& f) { return unsigned_number(f.info->connection_id); }},
      {{"connection.mtls", T::Bool, P::Stream,
        "false: pwplay's listener is plaintext (true when TLS facts with a peer certificate are "
        "set)"},
       [](const Facts& f) {
         const auto& facts = f.info->downstream_tls;
         return std::optional<Found>(Found::of(bool_byte(facts && facts->peer_certificate)));
       }},
      {{"connection.requested_server_name", T::String, P::Stream, "\"\" (no SNI on plaintext)"},
       [](const Facts& f) { return text(f.info->requested_server_name); }},
      {{"connection.tls_version", T::String, P::Stream, kDownstreamTls},
       tls<&StreamInfo::downstream_tls, &TlsFacts::version>},
      {{"connection.subject_local_certificate", T::String, P::Stream, kDownstreamTls},
       tls<&StreamInfo::downstream_tls, &TlsFacts::subject_local_certificate>},
      {{"connection.subject_peer_certificate", T::String, P::Stream, kDownstreamTls},
       tls<&StreamInfo::downstream_tls, &TlsFacts::subject_peer_certificate>},
      {{"connection.dns_san_local_certificate", T::String, P::Stream, kDownstreamTls},
       tls<&StreamInfo::downstream_tls, &TlsFacts::dns_san_local_certificate>},
      {{"connection.dns_san_peer_certificate", T::String, P::Stream, kDownstreamTls},
       tls<&StreamInfo::downstream_tls, &TlsFacts::dns_san_peer_certificate>},
      {{"connection.uri_san_local_certificate", T::String, P::Stream, kDownstreamTls},
       tls<&StreamInfo::downstream_tls, &TlsFacts::uri_san_local_certificate>},
      {{"connection.uri_san_peer_certificate", T::String, P::Stream, kDownstreamTls},
       tls<&StreamInfo::downstream_tls, &TlsFacts::uri_san_peer_certificate>},
      {{"connection.sha256_peer_certificate_digest", T::String, P::Stream, kDownstreamTls},
       tls<&StreamInfo::downstream_tls, &TlsFacts::sha256_peer_certificate_digest>},
      {{"connection.termination_details", T::String, P::Stream,
        "NOT_FOUND unless the connection was terminated with details"},
       [](const Facts& f) -> std::optional<Found> {
         if (!f.info->termination_details) return std::nullopt;
         return text(*f.info->termination_details);
       }},
      {{"connection.transport_failure_reason", T::String, P::Stream,
        "NOT_FOUND unless the downstream transport failed"},
       [](const Facts& f) { return text_if(f.info->downstream_transport_failure_reason); }},
      {{"connection_id", T::Uint64, P::Stream, "as connection.id"},
       [](const Facts& f) { return unsigned_number(f.info->connection_id); }},
      // source.* and destination.*
      {{"source.address", T::String, P::Stream, "the client's \"ip:port\" (run: 127.0.0.1:50000)"},
       [](const Facts& f) { return text(address(f.info->source_address, f.info->source_port)); }},
      {{"source.port", T::Int64, P::Stream, "the client's port (run: 50000)"},
       [](const Facts& f) { return number(f.info->source_port); }},
      {{"destination.address", T::String, P::Stream,
        "the listener's \"ip:port\" (run: 127.0.0.1:8080)"},
       [](const Facts& f) {
         return text(address(f.info->destination_address, f.info->destination_port));
       }},
      {{"destination.port", T::Int64, P::Stream, "the listener's port (run: 8080)"},
       [](const Facts& f) { return number(f.info->destination_port); }},
      // upstream.*
      {{"upstream.address", T::String, P::Upstream,
        "the upstream's \"ip:port\" (run: 127.0.0.1:10000; NOT_FOUND with serve's echo upstream)"},
       [](const Facts& f) -> std::optional<Found> {
         if (f.info->upstream_port == 0) return std::nullopt;
         return text(address(f.info->upstream_address, f.info->upstream_port));
       }},
      {{"upstream.port", T::Int64, P::Upstream, "the upstream's port (as upstream.address)"},
       [](const Facts& f) -> std::optional<Found> {
         if (f.info->upstream_port == 0) return std::nullopt;
         return number(f.info->upstream_port);
       }},
      {{"upstream.local_address", T::String, P::Upstream,
        "the proxy's end of the upstream connection; NOT_FOUND when unknown"},
       [](const Facts& f) { return text_if(f.info->upstream_local_address); }},
      {{"upstream.transport_failure_reason", T::String, P::Upstream, "\"\" unless it failed"},
       [](const Facts& f) { return text(f.info->upstream_transport_failure_reason); }},
      {{"upstream.request_attempt_count", T::Uint64, P::Stream,
        "0 until the request goes upstream, then 1 (pwplay does not retry)"},
       [](const Facts& f) { return unsigned_number(f.info->request_attempt_count); }},
      {{"upstream.num_endpoints", T::Uint64, P::RequestHeaders, "1 (one upstream host)"},
       [](const Facts&) { return unsigned_number(1); }},
      {{"upstream.locality", T::Message, P::Upstream, "an empty Locality"},
       [](const Facts&) { return text(""); }},
      {{"upstream.tls_version", T::String, P::Upstream, kUpstreamTls},
       tls<&StreamInfo::upstream_tls, &TlsFacts::version>},
      {{"upstream.subject_local_certificate", T::String, P::Upstream, kUpstreamTls},
       tls<&StreamInfo::upstream_tls, &TlsFacts::subject_local_certificate>},
      {{"upstream.subject_peer_certificate", T::String, P::Upstream, kUpstreamTls},
       tls<&StreamInfo::upstream_tls, &TlsFacts::subject_peer_certificate>},
      {{"upstream.dns_san_local_certificate", T::String, P::Upstream, kUpstreamTls},
       tls<&StreamInfo::upstream_tls, &TlsFacts::dns_san_local_certificate>},
      {{"upstream.dns_san_peer_certificate", T::String, P::Upstream, kUpstreamTls},
       tls<&StreamInfo::upstream_tls, &TlsFacts::dns_san_peer_certificate>},
      {{"upstream.uri_san_local_certificate", T::String, P::Upstream, kUpstreamTls},
       tls<&StreamInfo::upstream_tls, &TlsFacts::uri_san_local_certificate>},
      {{"upstream.uri_san_peer_certificate", T::String, P::Upstream, kUpstreamTls},
       tls<&StreamInfo::upstream_tls, &TlsFacts::uri_san_peer_certificate>},
      {{"upstream.sha256_peer_certificate_digest", T::String, P::Upstream, kUpstreamTls},
       tls<&StreamInfo::upstream_tls, &TlsFacts::sha256_peer_certificate_digest>},
      // The proxy's setup.
      {{"cluster_name", T::String, P::RequestHeaders,
        "run/debug: \"upstream\"; serve: the proxy config's \"cluster_name\" (default "
        "\"upstream\")"},
       [](const Facts& f) { return text(f.query.setup.cluster_name); }},
      {{"cluster_metadata", T::Message, P::RequestHeaders,
        "Metadata, empty by default; cluster_metadata.filter_metadata.NS.KEY walks into it"},
       [](const Facts& f) { return metadata(f.query.setup.cluster_metadata); }},
      {{"route_name", T::String, P::RequestHeaders,
        "run/debug: \"default\"; serve: the proxy config's \"route_name\" (default \"default\")"},
       [](const Facts& f) { return text(f.query.setup.route_name); }},
      {{"route_metadata", T::Message, P::RequestHeaders, "Metadata, empty by default"},
       [](const Facts& f) { return metadata(f.query.setup.route_metadata); }},
      {{"upstream_host_metadata", T::Message, P::Upstream, "Metadata, empty by default"},
       [](const Facts& f) { return metadata(f.query.setup.upstream_host_metadata); }},
      {{"listener_direction", T::Int64, P::Plugin, "0 (UNSPECIFIED; 1 INBOUND, 2 OUTBOUND)"},
       [](const Facts& f) { return number(f.query.setup.listener_direction); }},
      {{"listener_metadata", T::Message, P::Plugin, "Metadata, empty by default"},
       [](const Facts& f) { return metadata(f.query.setup.listener_metadata); }},
      {{"node", T::Message, P::Plugin, "Node {id, cluster, metadata}"},
       [](const Facts& f) {
         return std::optional<Found>(
             Found::with(Found::Kind::Node, parse_object(f.query.setup.node_metadata)));
       }},
      {{"node.id", T::String, P::Plugin, "\"pwplay\""},
       [](const Facts& f) { return text(f.query.setup.node_id); }},
      {{"node.cluster", T::String, P::Plugin, "\"pwplay\""},
       [](const Facts& f) { return text(f.query.setup.node_cluster); }},
      {{"node.metadata", T::Map, P::Plugin,
        "a Struct, empty by default; node.metadata.KEY: one value (string raw, number as a "
        "double, bool one byte)"},
       [](const Facts& f) {
         return std::optional<Found>(
             Found::with(Found::Kind::Struct, parse_object(f.query.setup.node_metadata)));
       }},
      {{"plugin_name", T::String, P::Plugin, "the plugin's name (its file name by default)"},
       [](const Facts& f) { return text(std::string(f.query.plugin_name)); }},
      {{"plugin_root_id", T::String, P::Plugin, "the plugin's root_id"},
       [](const Facts& f) { return text(std::string(f.query.plugin_root_id)); }},
      {{"plugin_vm_id", T::String, P::Plugin, "the plugin's vm_id"},
       [](const Facts& f) { return text(std::string(f.query.plugin_vm_id)); }},
      {{"metadata", T::Message, P::Stream, "the stream's dynamic Metadata: empty"},
       [](const Facts&) { return metadata("{}"); }},
      {{"filter_state", T::Map, P::Stream,
        "what proxy_set_property stored, as \"wasm.\" + its path; filter_state.wasm.PATH: one "
        "value"},
       [](const Facts& f) {
         Found found{Found::Kind::FilterState};
         found.filter_state = &f.stream->filter_state;
         return std::optional<Found>(std::move(found));
       }},
      // xds.*
      {{"xds.node", T::Message, P::Plugin, "as node"},
       [](const Facts& f) {
         return std::optional<Found>(
             Found::with(Found::Kind::Node, parse_object(f.query.setup.node_metadata)));
       }},
      {{"xds.cluster_name", T::String, P::RequestHeaders, "as cluster_name"},
       [](const Facts& f) { return text(f.query.setup.cluster_name); }},
      {{"xds.cluster_metadata", T::Message, P::RequestHeaders, "as cluster_metadata"},
       [](const Facts& f) { return metadata(f.query.setup.cluster_metadata); }},
      {{"xds.route_name", T::String, P::RequestHeaders, "as route_name"},
       [](const Facts& f) { return text(f.query.setup.route_name); }},
      {{"xds.route_metadata", T::Message, P::RequestHeaders, "as route_metadata"},
       [](const Facts& f) { return metadata(f.query.setup.route_metadata); }},
      {{"xds.virtual_host_name", T::String, P::RequestHeaders, "\"default\""},
       [](const Facts& f) { return text(f.query.setup.virtual_host_name); }},
      {{"xds.virtual_host_metadata", T::Message, P::RequestHeaders, "Metadata, empty by default"},
       [](const Facts& f) { return metadata(f.query.setup.virtual_host_metadata); }},
      {{"xds.upstream_host_metadata", T::Message, P::Upstream, "as upstream_host_metadata"},
       [](const Facts& f) { return metadata(f.query.setup.upstream_host_metadata); }},
      {{"xds.filter_chain_name", T::String, P::Stream, "\"\" (the listener's one filter chain)"},
       [](const Facts& f) { return text(f.query.setup.filter_chain_name); }},
      {{"xds.listener_metadata", T::Message, P::Stream, "as listener_metadata"},
       [](const Facts& f) { return metadata(f.query.setup.listener_metadata); }},
      {{"xds.listener_direction", T::Int64, P::Stream, "as listener_direction"},
       [](const Facts& f) { return number(f.query.setup.listener_direction); }},
  };
  return table;
}

bool reached(AttributePhase phase, const HttpStreamState* stream) {
  if (phase == P::Plugin) return true;
  if (!stream) return false;
  switch (phase) {
    case P::Plugin:
    case P::Stream:
      return true;
    case P::RequestHeaders:
      return stream->has_request_headers;
    case P::Upstream:
      return stream->info.upstream_chosen;
    case P::ResponseHeaders:
      return stream->has_response_headers;
    case P::Complete:
      return stream->info.request_complete;
  }
  return false;
}

// How many leading segments of `segments` spell `path` (0 when they do not).
size_t matched_segments(std::string_view path, std::span<const std::string> segments) {
  size_t count = 0;
  while (!path.empty()) {
    if (count == segments.size()) return 0;
    const size_t dot = path.find('.');
    std::string_view head = path.substr(0, dot);
    if (segments[count] != head) return 0;
    ++count;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return count;
}

}  // namespace

std::span<const AttributeRow> attribute_table() {
  static const std::vector<AttributeRow> rows = [] {
    std::vector<AttributeRow> out;
    for (const Entry& entry : entries()) out.push_back(entry.row);
    return out;
  }();
  return rows;
}

const char* attribute_type_name(AttributeType type) {
  switch (type) {
    case T::String:
      return "string";
    case T::Int64:
      return "int64";
    case T::Uint64:
      return "uint64";
    case T::Bool:
      return "bool";
    case T::Timestamp:
      return "timestamp";
    case T::Duration:
      return "duration";
    case T::Map:
      return "map";
    case T::Message:
      return "message";
  }
  return "?";
}

const char* attribute_phase_name(AttributePhase phase) {
  switch (phase) {
    case P::Plugin:
      return "any callback";
    case P::Stream:
      return "stream";
    case P::RequestHeaders:
      return "request headers";
    case P::Upstream:
      return "upstream chosen";
    case P::ResponseHeaders:
      return "response headers";
    case P::Complete:
      return "stream end";
  }
  return "?";
}

std::vector<std::string> split_property_path(std::string_view raw) {
  if (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  std::vector<std::string> segments;
  if (raw.empty()) return segments;
  size_t start = 0;
  while (true) {
    const size_t end = raw.find('\0', start);
    segments.emplace_back(
        raw.substr(start, end == std::string_view::npos ? raw.npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return segments;
}

Result<std::string, abi::Status> lookup_attribute(std::span<const std::string> segments,
                                                  const AttributeQuery& query) {
  const Entry* best = nullptr;
  size_t best_length = 0;
  for (const Entry& entry : entries()) {
    const size_t length = matched_segments(entry.row.path, segments);
    if (length > best_length) {
      best = &entry;
      best_length = length;
    }
  }
  if (!best || !reached(best->row.phase, query.stream)) return unexpected(Status::NotFound);
  Facts facts{query, query.stream, query.stream ? &query.stream->info : nullptr};
  std::optional<Found> found = best->get(facts);
  if (!found) return unexpected(Status::NotFound);
  return resolve(*found, segments.subspan(best_length), query.setup);
}

}  // namespace pwplay::host
