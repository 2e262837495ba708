#include "debugger/formats/har.h"

#include <algorithm>
#include <cctype>
#include <chrono>

#include <nlohmann/json.hpp>

#include "debugger/formats/curl.h"
#include "debugger/formats/json_place.h"
#include "host/header_map.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;

constexpr const char* kCreatorVersion = "0.1.0";

using host::iequals;

// The URL scheme in lower case, or "" when the text does not start with one.
std::string lower_scheme(const std::string& url) {
  size_t colon = url.find(':');
  if (colon == std::string::npos) return "";
  std::string scheme = url.substr(0, colon);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  bool word = !scheme.empty() && std::all_of(scheme.begin(), scheme.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
  });
  return word ? scheme : "";
}

// A required field of a given JSON type.
Result<const json*> require(const json& object, const char* key, json::value_t type,
                            const char* phrase, const JsonPlace& place) {
  auto it = object.find(key);
  if (it == object.end()) return place.field(key).error(std::string("missing; expected ") + phrase);
  bool ok =
      it->type() == type || (type == json::value_t::number_integer && it->is_number_integer());
  if (!ok)
    return place.field(key).error(std::string("expected ") + phrase + ", got " +
                                  json_type_phrase(*it));
  return &*it;
}

// HAR's [{"name": ..., "value": ...}] lists.
Result<abi::HeaderPairs> name_value_list(const json& object, const char* key,
                                         const JsonPlace& place) {
  abi::HeaderPairs pairs;
  auto it = object.find(key);
  if (it == object.end()) return pairs;
  JsonPlace list_place = place.field(key);
  if (!it->is_array()) return list_place.error("expected a list, got " + json_type_phrase(*it));
  for (size_t i = 0; i < it->size(); ++i) {
    const json& item = (*it)[i];
    JsonPlace item_place = list_place.index(i);
    if (!item.is_object())
      return item_place.error("expected an object with name and value, got " +
                              json_type_phrase(item));
    auto name = require(item, "name", json::value_t::string, "a string", item_place);
    if (!name) return unexpected(name.error());
    auto value = require(item, "value", json::value_t::string, "a string", item_place);
    if (!value) return unexpected(value.error());
    std::string text = (*name)->get<std::string>();
    if (text.empty() && std::string_view(key) == "headers")
      return item_place.field("name").error("is empty; a header needs a name");
    pairs.emplace_back(std::move(text), (*value)->get<std::string>());
  }
  return pairs;
}

// Text that may be base64 ("encoding": "base64", or "_encoding" for postData).
Result<std::string> decoded_text(const json& object, const JsonPlace& place) {
  auto text = string_field(object, "text", place);
  if (!text) return unexpected(text.error());
  std::string encoding;
  for (const char* key : {"encoding", "_encoding"}) {
    auto value = string_field(object, key, place);
    if (!value) return unexpected(value.error());
    if (*value) encoding = **value;
  }
  if (!*text) return std::string();
  if (encoding.empty()) return **text;
  if (encoding != "base64")
    return place.field("encoding")
        .error("expected \"base64\" (the only encoding HAR defines), got \"" + encoding + "\"");
  auto bytes = base64_decode(**text);
  if (!bytes) return place.field("text").error(bytes.error().message);
  return *bytes;
}

Result<std::optional<NamedRequest>> parse_entry(const json& entry, const JsonPlace& place,
                                                std::vector<std::string>& skipped) {
  if (!entry.is_object()) return place.error("expected an object, got " + json_type_phrase(entry));
  auto request_json = require(entry, "request", json::value_t::object, "an object", place);
  if (!request_json) return unexpected(request_json.error());
  const json& request = **request_json;
  JsonPlace request_place = place.field("request");
  auto method = require(request, "method", json::value_t::string, "a string", request_place);
  if (!method) return unexpected(method.error());
  auto url = require(request, "url", json::value_t::string, "a string", request_place);
  if (!url) return unexpected(url.error());
  std::string url_text = (*url)->get<std::string>();
  std::string scheme = lower_scheme(url_text);
  if (scheme != "http" && scheme != "https") {
    skipped.push_back(place.path + ": skipped " + (scheme.empty() ? "a" : scheme + ":") +
                      " URL (not an HTTP request)");
    return std::optional<NamedRequest>();
  }
  auto split = split_http_url(url_text);
  if (!split) return request_place.field("url").error(split.error().message);

  NamedRequest named;
  host::RequestSpec& spec = named.request.request;
  spec.method = (*method)->get<std::string>();
  if (spec.method.empty()) return request_place.field("method").error("is empty");
  spec.path = split->path;
  auto headers = name_value_list(request, "headers", request_place);
  if (!headers) return unexpected(headers.error());
  std::optional<std::string> authority;
  bool has_host = false;
  for (auto& [name, value] : *headers) {
    if (!name.empty() && name[0] == ':') {
      // Browsers record HTTP/2 pseudo-headers; only :authority carries something the REQ lacks.
      if (iequals(name, ":authority")) authority = value;
      continue;
    }
    if (iequals(name, "host")) has_host = true;
    spec.headers.emplace_back(std::move(name), std::move(value));
  }
  if (!has_host)
    spec.headers.insert(spec.headers.begin(), {"host", authority.value_or(split->authority)});

  if (auto post = request.find("postData"); post != request.end() && !post->is_null()) {
    JsonPlace post_place = request_place.field("postData");
    if (!post->is_object())
      return post_place.error("expected an object, got " + json_type_phrase(*post));
    auto text = decoded_text(*post, post_place);
    if (!text) return unexpected(text.error());
    spec.body = std::move(*text);
    if (spec.body.empty() && post->contains("params")) {
      // Form posts may come as params only.
      auto params = name_value_list(*post, "params", post_place);
      if (!params) return unexpected(params.error());
      for (size_t i = 0; i < params->size(); ++i)
        spec.body += (i ? "&" : "") + percent_encode((*params)[i].first) + "=" +
                     percent_encode((*params)[i].second);
    }
  }

  if (auto response = entry.find("response"); response != entry.end() && !response->is_null()) {
    JsonPlace response_place = place.field("response");
    if (!response->is_object())
      return response_place.error("expected an object, got " + json_type_phrase(*response));
    auto status =
        require(*response, "status", json::value_t::number_integer, "an integer", response_place);
    if (!status) return unexpected(status.error());
    int64_t code = (*status)->get<int64_t>();
    // Status 0 is how browsers record a request that got no response (blocked, aborted).
    if (code != 0) {
      if (code < 100 || code > 999)
        return response_place.field("status").error("expected an HTTP status (100-999), got " +
                                                    std::to_string(code));
      host::ResponseSpec mock;
      mock.status = static_cast<uint32_t>(code);
      auto response_headers = name_value_list(*response, "headers", response_place);
      if (!response_headers) return unexpected(response_headers.error());
      for (auto& [name, value] : *response_headers) {
        if (!name.empty() && name[0] == ':') continue;
        // The content text is already decoded: a content-encoding or the length on the wire
        // would no longer describe it.
        if (iequals(name, "content-encoding") || iequals(name, "content-length") ||
            iequals(name, "transfer-encoding"))
          continue;
        mock.headers.emplace_back(std::move(name), std::move(value));
      }
      if (auto content = response->find("content");
          content != response->end() && !content->is_null()) {
        JsonPlace content_place = response_place.field("content");
        if (!content->is_object())
          return content_place.error("expected an object, got " + json_type_phrase(*content));
        auto body = decoded_text(*content, content_place);
        if (!body) return unexpected(body.error());
        mock.body = std::move(*body);
      }
      named.request.upstream.mock = std::move(mock);
    }
  }

  auto comment = string_field(entry, "comment", place);
  if (!comment) return unexpected(comment.error());
  named.name = comment->value_or("");
  if (named.name.empty()) named.name = spec.method + " " + spec.path;
  return std::optional<NamedRequest>(std::move(named));
}

std::string status_text(uint32_t status) {
  static const std::pair<uint32_t, const char*> kReasons[] = {{100, "Continue"},
                                                              {200, "OK"},
                                                              {201, "Created"},
                                                              {202, "Accepted"},
                                                              {204, "No Content"},
                                                              {206, "Partial Content"},
                                                              {301, "Moved Permanently"},
                                                              {302, "Found"},
                                                              {303, "See Other"},
                                                              {304, "Not Modified"},
                                                              {307, "Temporary Redirect"},
                                                              {308, "Permanent Redirect"},
                                                              {400, "Bad Request"},
                                                              {401, "Unauthorized"},
                                                              {403, "Forbidden"},
                                                              {404, "Not Found"},
                                                              {405, "Method Not Allowed"},
                                                              {408, "Request Timeout"},
                                                              {409, "Conflict"},
                                                              {413, "Payload Too Large"},
                                                              {415, "Unsupported Media Type"},
                                                              {429, "Too Many Requests"},
                                                              {500, "Internal Server Error"},
                                                              {501, "Not Implemented"},
                                                              {502, "Bad Gateway"},
                                                              {503, "Service Unavailable"},
                                                              {504, "Gateway Timeout"}};
  for (const auto& [code, reason] : kReasons)
    if (code == status) return reason;
  return "";
}

std::string header_value(const abi::HeaderPairs& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return value;
  return "";
}

json name_values(const abi::HeaderPairs& pairs) {
  json list = json::array();
  for (const auto& [name, value] : pairs) list.push_back({{"name", name}, {"value", value}});
  return list;
}

std::string form_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    auto hex = [](char c) {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'a' && c <= 'f') return c - 'a' + 10;
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    if (text[i] == '+') {
      out.push_back(' ');
    } else if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 &&
               hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

json query_string(const std::string& path) {
  json list = json::array();
  size_t q = path.find('?');
  if (q == std::string::npos) return list;
  std::string_view query = std::string_view(path).substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    if (!part.empty()) {
      size_t eq = part.find('=');
      list.push_back(
          {{"name", form_decode(part.substr(0, eq))},
           {"value", eq == std::string_view::npos ? "" : form_decode(part.substr(eq + 1))}});
    }
    if (amp == std::string_view::npos) break;
    query = query.substr(amp + 1);
  }
  return list;
}

// "a=1; b=2" -> [{name: a, value: 1}, ...]; for Set-Cookie only the first pair counts.
json cookies(const abi::HeaderPairs& headers, bool response) {
  json list = json::array();
  for (const auto& [name, value] : headers) {
    if (!iequals(name, response ? "set-cookie" : "cookie")) continue;
    std::string_view rest = value;
    while (!rest.empty()) {
      size_t semi = rest.find(';');
      std::string_view part = rest.substr(0, semi);
      while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
      size_t eq = part.find('=');
      if (eq != std::string_view::npos)
        list.push_back({{"name", std::string(part.substr(0, eq))},
                        {"value", std::string(part.substr(eq + 1))}});
      if (response || semi == std::string_view::npos) break;
      rest = rest.substr(semi + 1);
    }
  }
  return list;
}

json content(const std::string& body, const std::string& mime) {
  json out = {{"size", body.size()}, {"mimeType", mime}};
  if (body.empty()) return out;
  if (is_valid_utf8(body)) {
    out["text"] = body;
  } else {
    out["text"] = base64_encode(body);
    out["encoding"] = "base64";
  }
  return out;
}

json har_response(uint32_t status, const abi::HeaderPairs& headers, const std::string& body) {
  return {{"status", status},
          {"statusText", status_text(status)},
          {"httpVersion", status ? "HTTP/1.1" : ""},
          {"cookies", cookies(headers, true)},
          {"headers", name_values(headers)},
          {"content", content(body, header_value(headers, "content-type"))},
          {"redirectURL", header_value(headers, "location")},
          {"headersSize", -1},
          {"bodySize", status ? static_cast<int64_t>(body.size()) : -1}};
}

}  // namespace

Result<HarImport> parse_har(const json& document, const std::string& file) {
  JsonPlace top{file, ""};
  if (!document.is_object())
    return top.error("expected a HAR object {\"log\": ...}, got " + json_type_phrase(document));
  auto log =
      require(document, "log", json::value_t::object, "an object (is this a HAR file?)", top);
  if (!log) return unexpected(log.error());
  JsonPlace log_place = top.field("log");
  auto entries = require(**log, "entries", json::value_t::array, "a list", log_place);
  if (!entries) return unexpected(entries.error());
  HarImport out;
  for (size_t i = 0; i < (*entries)->size(); ++i) {
    auto entry = parse_entry((**entries)[i], log_place.field("entries").index(i), out.skipped);
    if (!entry) return unexpected(entry.error());
    if (*entry) {
      (*entry)->entry = i + 1;
      out.requests.push_back(std::move(**entry));
    }
  }
  out.entry_count = (*entries)->size();
  return out;
}

Result<HarImport> load_har_file(const std::string& path) {
  auto text = read_file(path, "HAR file");
  if (!text) return unexpected(text.error());
  auto parsed = parse_json_text(*text, path);
  if (!parsed) return unexpected(parsed.error());
  return parse_har(*parsed, path);
}

Result<std::vector<NamedRequest>> select_har_entries(const HarImport& har,
                                                     std::optional<int64_t> number,
                                                     const std::string& file) {
  if (!number) {
    if (har.requests.empty())
      return make_error(file + ": no HTTP request to run (" + std::to_string(har.entry_count) +
                        (har.entry_count == 1 ? " entry, " : " entries, ") +
                        std::to_string(har.skipped.size()) + " skipped)");
    return har.requests;
  }
  if (*number < 1 || static_cast<uint64_t>(*number) > har.entry_count)
    return make_error(file + ": --entry " + std::to_string(*number) +
                      ": expected an entry number " +
                      (har.entry_count == 0 ? std::string("but the file has no entries")
                                            : "from 1 to " + std::to_string(har.entry_count)) +
                      " (entries are numbered from 1, as in browsers' lists)");
  for (const auto& request : har.requests)
    if (request.entry == static_cast<uint64_t>(*number)) return std::vector<NamedRequest>{request};
  // Not among the requests: a skipped entry, whose reason starts with its JSON path.
  const std::string place = "log.entries[" + std::to_string(*number - 1) + "]: ";
  for (const auto& reason : har.skipped)
    if (reason.starts_with(place))
      return make_error(file + ": --entry " + std::to_string(*number) + ": " + reason +
                        "; expected an http:// or https:// request");
  return make_error(file + ": --entry " + std::to_string(*number) + ": not an HTTP request");
}

std::string iso8601_now() {
  return iso8601(std::chrono::system_clock::now());
}

json export_har(const std::vector<HarExportEntry>& entries, const std::string& default_host) {
  json list = json::array();
  std::string now = iso8601_now();
  for (const auto& item : entries) {
    const host::RequestSpec& request = item.request.request;
    std::string body = request.body;
    for (const auto& chunk : request.body_chunks) body += chunk;
    std::string authority = header_value(request.headers, "host");
    if (authority.empty()) authority = default_host;
    std::string path = !request.path.empty() && request.path[0] == '/' ? request.path : "/";
    json har_request = {{"method", request.method},
                        {"url", "http://" + authority + path},
                        {"httpVersion", "HTTP/1.1"},
                        {"cookies", cookies(request.headers, false)},
                        {"headers", name_values(request.headers)},
                        {"queryString", query_string(path)},
                        {"headersSize", -1},
                        {"bodySize", static_cast<int64_t>(body.size())}};
    if (!body.empty()) {
      json post = {{"mimeType", header_value(request.headers, "content-type")}};
      if (is_valid_utf8(body)) {
        post["text"] = body;
      } else {
        post["text"] = base64_encode(body);
        post["_encoding"] = "base64";  // HAR 1.2 has no encoding for postData
      }
      har_request["postData"] = post;
    }
    json entry;
    entry["startedDateTime"] = item.started.empty() ? now : item.started;
    double time = item.outcome ? item.outcome->duration_ms : 0;
    entry["time"] = time;
    entry["request"] = har_request;
    if (item.outcome) {
      entry["response"] =
          har_response(item.outcome->status, item.outcome->headers, item.outcome->body);
      entry["_local_response"] = item.outcome->local_response;
      if (item.outcome->failure)
        entry["_failure"] = {{"callback", item.outcome->failure->callback},
                             {"fault", item.outcome->failure->fault},
                             {"message", item.outcome->failure->message}};
    } else if (item.request.upstream.mock) {
      const host::ResponseSpec& mock = *item.request.upstream.mock;
      entry["response"] = har_response(mock.status, mock.headers, mock.body);
    } else {
      entry["response"] = har_response(0, {}, "");
    }
    entry["cache"] = json::object();
    entry["timings"] = {{"blocked", -1}, {"dns", -1},    {"connect", -1}, {"send", 0},
                        {"wait", time},  {"receive", 0}, {"ssl", -1}};
    list.push_back(std::move(entry));
  }
  return {{"log",
           {{"version", "1.2"},
            {"creator", {{"name", "pwplay"}, {"version", kCreatorVersion}}},
            {"pages", json::array()},
            {"entries", list}}}};
}

}  // namespace pwplay::debugger
