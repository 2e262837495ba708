#include "debugger/formats/request_file.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "host/file_read.h"
#include "host/proxy/proxy.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;

// A callout reply waits at most a day: a larger delay_ms would wrap in 32 bits.
constexpr uint64_t kMaxDelayMs = 24ull * 3600 * 1000;

// The longest wait for a real upstream: a minute (Envoy's route timeout defaults to 15 s).
constexpr uint64_t kMaxUpstreamTimeoutMs = 60000;

// "upstream": "HOST:PORT" and "upstream_timeout_ms" (a real server answers instead of the echo).
Result<void> parse_real_upstream(const json& object, const std::string& where,
                                 host::UpstreamSpec& upstream) {
  if (object.contains("upstream") && !object["upstream"].is_null()) {
    const json& value = object["upstream"];
    if (!value.is_string())
      return make_error(where + ": field 'upstream' must be a string HOST:PORT, not " +
                        std::string(value.type_name()));
    if (upstream.mock)
      return make_error(where +
                        ": give either 'upstream' (a real server) or "
                        "'upstream_response' (a mock), not both");
    auto address =
        host::proxy::parse_host_port(value.get<std::string>(), where + ": field 'upstream'");
    if (!address) return unexpected(address.error());
    if (address->port == 0)
      return make_error(where + ": field 'upstream': expected a port above 0");
    upstream.address = value.get<std::string>();
  }
  if (object.contains("upstream_timeout_ms")) {
    const json& value = object["upstream_timeout_ms"];
    if (!value.is_number_unsigned() || value.get<uint64_t>() < 1 ||
        value.get<uint64_t>() > kMaxUpstreamTimeoutMs)
      return make_error(where + ": field 'upstream_timeout_ms' must be an integer from 1 to " +
                        std::to_string(kMaxUpstreamTimeoutMs));
    upstream.timeout_ms = value.get<uint32_t>();
  }
  return {};
}

std::string type_name(const json& value) {
  return value.type_name();
}

Result<void> check_keys(const json& object, const std::set<std::string>& allowed,
                        const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    if (allowed.count(key)) continue;
    std::string list;
    for (const auto& k : allowed) list += (list.empty() ? "" : ", ") + k;
    return make_error(where + ": unknown field '" + key + "' (expected one of: " + list + ")");
  }
  return {};
}

Result<std::string> get_string(const json& object, const std::string& key, const std::string& where,
                               const std::string& fallback = "") {
  auto it = object.find(key);
  if (it == object.end()) return fallback;
  if (!it->is_string())
    return make_error(where + ": field '" + key + "' must be a string, not " + type_name(*it));
  return it->get<std::string>();
}

Result<std::string> get_body(const json& object, const std::string& where) {
  bool has_text = object.contains("body");
  bool has_base64 = object.contains("body_base64");
  if (has_text && has_base64)
    return make_error(where + ": give either 'body' or 'body_base64', not both");
  if (has_base64) {
    auto text = get_string(object, "body_base64", where);
    if (!text) return text;
    auto decoded = base64_decode(*text);
    if (!decoded) return make_error(where + ": field 'body_base64': " + decoded.error().message);
    return decoded;
  }
  return get_string(object, "body", where);
}

Result<uint32_t> get_status(const json& object, const std::string& where, uint32_t fallback) {
  auto it = object.find("status");
  if (it == object.end()) return fallback;
  if (!it->is_number_integer() || it->get<int64_t>() < 100 || it->get<int64_t>() > 999)
    return make_error(where + ": field 'status' must be an HTTP status code (100-999)");
  return static_cast<uint32_t>(it->get<int64_t>());
}

Result<host::ResponseSpec> parse_response(const json& object, const std::string& where,
                                          const std::set<std::string>& extra_keys = {}) {
  if (!object.is_object())
    return make_error(where + ": expected an object, not " + type_name(object));
  std::set<std::string> allowed = {"status", "headers", "body", "body_base64", "trailers"};
  allowed.insert(extra_keys.begin(), extra_keys.end());
  if (auto ok = check_keys(object, allowed, where); !ok) return unexpected(ok.error());
  host::ResponseSpec response;
  auto status = get_status(object, where, 200);
  if (!status) return unexpected(status.error());
  response.status = *status;
  if (object.contains("headers")) {
    auto headers = parse_header_list(object["headers"], where, "headers");
    if (!headers) return unexpected(headers.error());
    response.headers = std::move(*headers);
  }
  auto body = get_body(object, where);
  if (!body) return unexpected(body.error());
  response.body = std::move(*body);
  if (object.contains("trailers")) {
    auto trailers = parse_header_list(object["trailers"], where, "trailers");
    if (!trailers) return unexpected(trailers.error());
    response.trailers = std::move(*trailers);
  }
  return response;
}

}  // namespace

namespace {

// `place` names the list; `item_place(i)` names one entry of it.
Result<abi::HeaderPairs> parse_header_list_at(
    const json& value, const std::string& place,
    const std::function<std::string(size_t)>& item_place) {
  abi::HeaderPairs pairs;
  if (value.is_object()) {
    for (const auto& [name, v] : value.items()) {
      if (v.is_string()) {
        pairs.emplace_back(name, v.get<std::string>());
      } else if (v.is_array()) {
        // {"name": ["a", "b"]} repeats the header.
        for (const auto& item : v) {
          if (!item.is_string())
            return make_error(place + ": values of '" + name + "' must be strings");
          pairs.emplace_back(name, item.get<std::string>());
        }
      } else {
        return make_error(place + ": value of '" + name + "' must be a string, not " +
                          type_name(v));
      }
    }
    return pairs;
  }
  if (!value.is_array())
    return make_error(place + ": expected a list of [name, value] pairs or an object, not " +
                      type_name(value));
  for (size_t i = 0; i < value.size(); ++i) {
    const json& pair = value[i];
    if (!pair.is_array() || pair.size() != 2 || !pair[0].is_string() || !pair[1].is_string())
      return make_error(item_place(i) + ": expected a [name, value] pair of strings, got " +
                        pair.dump());
    if (pair[0].get<std::string>().empty())
      return make_error(item_place(i) + ": header name is empty");
    pairs.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
  }
  return pairs;
}

}  // namespace

Result<abi::HeaderPairs> parse_header_list(const json& value, const std::string& where,
                                           const std::string& field) {
  return parse_header_list_at(value, where + ": field '" + field + "'", [&](size_t i) {
    return where + ": field '" + field + "[" + std::to_string(i) + "]'";
  });
}

Result<abi::HeaderPairs> parse_header_list(const json& value, const std::string& where) {
  return parse_header_list_at(value, where,
                              [&](size_t i) { return where + "[" + std::to_string(i) + "]"; });
}

json header_list_to_json(const abi::HeaderPairs& headers) {
  json list = json::array();
  for (const auto& [name, value] : headers) {
    if (is_valid_utf8(name) && is_valid_utf8(value))
      list.push_back({name, value});
    else
      list.push_back({name, "base64:" + base64_encode(value)});
  }
  return list;
}

bool is_valid_utf8(const std::string& bytes) {
  size_t i = 0;
  while (i < bytes.size()) {
    auto c = static_cast<unsigned char>(bytes[i]);
    size_t extra = 0;
    if (c < 0x80)
      extra = 0;
    else if ((c >> 5) == 0x6)
      extra = 1;
    else if ((c >> 4) == 0xE)
      extra = 2;
    else if ((c >> 3) == 0x1E)
      extra = 3;
    else
      return false;
    if (i + extra >= bytes.size()) return false;
    for (size_t k = 1; k <= extra; ++k)
      if ((static_cast<unsigned char>(bytes[i + k]) >> 6) != 2) return false;
    i += extra + 1;
  }
  return true;
}

void put_body(json& object, const std::string& bytes, const std::string& key) {
  if (is_valid_utf8(bytes))
    object[key] = bytes;
  else
    object[key + "_base64"] = base64_encode(bytes);
}

std::string percent_encode(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 15]);
    }
  }
  return out;
}

std::string base64_encode(const std::string& bytes) {
  static const char* table = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8 |
                 static_cast<uint8_t>(bytes[i + 2]);
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += table[n & 63];
  }
  if (i + 1 == bytes.size()) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16 | static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += table[n >> 18];
    out += table[(n >> 12) & 63];
    out += table[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

Result<std::string> base64_decode(const std::string& text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '=') break;
    if (c == '\n' || c == '\r' || c == ' ') continue;
    int v = value(c);
    if (v < 0)
      return make_error("invalid base64 character '" + std::string(1, c) + "' at position " +
                        std::to_string(i));
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

Result<std::string> read_file(const std::string& path, const std::string& what, size_t max_bytes) {
  return host::read_user_file(path, what, max_bytes);
}

Result<RequestFile> parse_request(const json& object, const std::string& where) {
  if (!object.is_object())
    return make_error(where + ": expected a JSON object describing a request, not " +
                      type_name(object));
  if (auto ok = check_keys(
          object,
          {"method", "path", "headers", "disabled_headers", "body", "body_base64", "body_chunks",
           "trailers", "upstream_response", "upstream", "upstream_timeout_ms", "callouts", "grpc",
           "properties", "name", "description"},
          where);
      !ok)
    return unexpected(ok.error());
  RequestFile file;
  host::RequestSpec& request = file.request;
  auto method = get_string(object, "method", where, "GET");
  if (!method) return unexpected(method.error());
  if (method->empty()) return make_error(where + ": field 'method' is empty");
  request.method = *method;
  auto path = get_string(object, "path", where, "/");
  if (!path) return unexpected(path.error());
  if (path->empty() || ((*path)[0] != '/' && *path != "*"))
    return make_error(where + ": field 'path' must start with '/', got '" + *path + "'");
  request.path = *path;
  if (object.contains("headers")) {
    auto headers = parse_header_list(object["headers"], where, "headers");
    if (!headers) return unexpected(headers.error());
    request.headers = std::move(*headers);
  }
  if (object.contains("disabled_headers")) {
    // Headers switched off in the app's composer: kept with the request, never sent.
    auto disabled = parse_header_list(object["disabled_headers"], where, "disabled_headers");
    if (!disabled) return unexpected(disabled.error());
  }
  auto body = get_body(object, where);
  if (!body) return unexpected(body.error());
  request.body = std::move(*body);
  if (object.contains("body_chunks")) {
    const json& chunks = object["body_chunks"];
    if (!chunks.is_array())
      return make_error(where + ": field 'body_chunks' must be a list of strings");
    if (!request.body.empty())
      return make_error(where + ": give either 'body' or 'body_chunks', not both");
    for (size_t i = 0; i < chunks.size(); ++i) {
      if (!chunks[i].is_string())
        return make_error(where + ": field 'body_chunks[" + std::to_string(i) +
                          "]' must be a string");
      request.body_chunks.push_back(chunks[i].get<std::string>());
    }
  }
  if (object.contains("trailers")) {
    auto trailers = parse_header_list(object["trailers"], where, "trailers");
    if (!trailers) return unexpected(trailers.error());
    request.trailers = std::move(*trailers);
  }
  if (object.contains("upstream_response") && !object["upstream_response"].is_null()) {
    auto response =
        parse_response(object["upstream_response"], where + ": field 'upstream_response'");
    if (!response) return unexpected(response.error());
    file.upstream.mock = std::move(*response);
  }
  if (auto ok = parse_real_upstream(object, where, file.upstream); !ok)
    return unexpected(ok.error());
  if (object.contains("callouts")) {
    const json& callouts = object["callouts"];
    if (!callouts.is_object())
      return make_error(where + ": field 'callouts' must be an object of cluster name -> reply");
    for (const auto& [cluster, reply_json] : callouts.items()) {
      std::string place = where + ": field 'callouts." + cluster + "'";
      auto response = parse_response(reply_json, place, {"delay_ms", "fail"});
      if (!response) return unexpected(response.error());
      CalloutReply reply;
      if (reply_json.contains("fail")) {
        if (!reply_json["fail"].is_boolean())
          return make_error(place + ": field 'fail' must be true or false");
        reply.response.failed = reply_json["fail"].get<bool>();
        reply.response.failure_reason = "reset";
      }
      if (reply_json.contains("delay_ms")) {
        if (!reply_json["delay_ms"].is_number_unsigned() ||
            reply_json["delay_ms"].get<uint64_t>() > kMaxDelayMs)
          return make_error(place + ": field 'delay_ms' must be an integer from 0 to " +
                            std::to_string(kMaxDelayMs));
        reply.delay_ms = reply_json["delay_ms"].get<uint32_t>();
      }
      reply.response.headers.emplace_back(":status", std::to_string(response->status));
      for (auto& h : response->headers) reply.response.headers.push_back(std::move(h));
      reply.response.body = std::move(response->body);
      reply.response.trailers = std::move(response->trailers);
      file.callouts[cluster] = std::move(reply);
    }
  }
  if (object.contains("grpc")) {
    const json& grpc = object["grpc"];
    if (!grpc.is_object())
      return make_error(where + ": field 'grpc' must be an object of cluster name -> reply");
    for (const auto& [cluster, reply_json] : grpc.items()) {
      std::string place = where + ": field 'grpc." + cluster + "'";
      if (!reply_json.is_object()) return make_error(place + ": expected an object");
      if (auto ok = check_keys(reply_json,
                               {"status", "status_message", "initial_metadata", "messages",
                                "message", "trailing_metadata"},
                               place);
          !ok)
        return unexpected(ok.error());
      host::GrpcMockReply reply;
      if (reply_json.contains("status")) {
        if (!reply_json["status"].is_number_unsigned() || reply_json["status"].get<uint64_t>() > 16)
          return make_error(place + ": field 'status' must be a gRPC status code 0-16");
        reply.status = reply_json["status"].get<uint32_t>();
      }
      auto message = get_string(reply_json, "status_message", place);
      if (!message) return unexpected(message.error());
      reply.status_message = *message;
      for (const char* key : {"initial_metadata", "trailing_metadata"}) {
        if (!reply_json.contains(key)) continue;
        auto md = parse_header_list(reply_json[key], place, key);
        if (!md) return unexpected(md.error());
        (std::string(key) == "initial_metadata" ? reply.initial_metadata
                                                : reply.trailing_metadata) = std::move(*md);
      }
      if (reply_json.contains("message")) {
        auto single = get_string(reply_json, "message", place);
        if (!single) return unexpected(single.error());
        reply.messages.push_back(*single);
      }
      if (reply_json.contains("messages")) {
        for (const auto& m : reply_json["messages"]) {
          if (!m.is_string()) return make_error(place + ": 'messages' must be strings");
          reply.messages.push_back(m.get<std::string>());
        }
      }
      file.grpc[cluster] = std::move(reply);
    }
  }
  if (object.contains("properties")) {
    const json& properties = object["properties"];
    if (!properties.is_object())
      return make_error(where + ": field 'properties' must be an object of path -> string");
    for (const auto& [path_key, value] : properties.items()) {
      if (!value.is_string())
        return make_error(where + ": field 'properties." + path_key + "' must be a string");
      file.properties[path_key] = value.get<std::string>();
    }
  }
  return file;
}

Result<RequestFile> load_request_file(const std::string& path) {
  auto text = read_file(path, "request file");
  if (!text) return unexpected(text.error());
  auto parsed = parse_json_text(*text, path);
  if (!parsed) return unexpected(parsed.error());
  return parse_request(*parsed, path);
}

json request_to_json(const RequestFile& file) {
  json out;
  out["method"] = file.request.method;
  out["path"] = file.request.path;
  out["headers"] = header_list_to_json(file.request.headers);
  if (!file.request.body_chunks.empty()) {
    out["body_chunks"] = file.request.body_chunks;
  } else if (!file.request.body.empty()) {
    put_body(out, file.request.body);
  }
  if (!file.request.trailers.empty()) out["trailers"] = header_list_to_json(file.request.trailers);
  if (file.upstream.mock) {
    json response;
    response["status"] = file.upstream.mock->status;
    response["headers"] = header_list_to_json(file.upstream.mock->headers);
    put_body(response, file.upstream.mock->body);
    out["upstream_response"] = response;
  }
  if (!file.upstream.address.empty()) out["upstream"] = file.upstream.address;
  if (file.upstream.timeout_ms != host::UpstreamSpec::kDefaultTimeoutMs)
    out["upstream_timeout_ms"] = file.upstream.timeout_ms;
  for (const auto& [cluster, reply] : file.callouts) {
    json response;
    abi::HeaderPairs headers;
    uint32_t status = 200;
    for (const auto& [name, value] : reply.response.headers) {
      if (name == ":status")
        status = static_cast<uint32_t>(std::strtoul(value.c_str(), nullptr, 10));
      else
        headers.emplace_back(name, value);
    }
    response["status"] = status;
    response["headers"] = header_list_to_json(headers);
    put_body(response, reply.response.body);
    if (reply.delay_ms) response["delay_ms"] = reply.delay_ms;
    if (reply.response.failed) response["fail"] = true;
    out["callouts"][cluster] = response;
  }
  return out;
}

}  // namespace pwplay::debugger
