#include "app/gui/core/request_composer.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "debugger/formats/request_file.h"

namespace pwplay::gui {
namespace {

using nlohmann::json;

std::vector<HeaderRow> rows_from(const json& list) {
  std::vector<HeaderRow> rows;
  auto pairs = debugger::parse_header_list(list, "request editor");
  if (!pairs) return rows;  // the draft was validated when it was opened: not reached
  for (auto& [name, value] : *pairs) rows.push_back({std::move(name), std::move(value)});
  return rows;
}

json rows_to_json(const std::vector<HeaderRow>& rows) {
  abi::HeaderPairs pairs;
  for (const auto& row : rows)
    if (!row.name.empty() && row.enabled) pairs.emplace_back(row.name, row.value);
  return debugger::header_list_to_json(pairs);
}

MockReply reply_from(const json& object) {
  MockReply reply;
  if (!object.is_object()) return reply;
  if (object.contains("status") && object["status"].is_number_unsigned())
    reply.status = object["status"].get<uint32_t>();
  if (object.contains("headers")) reply.headers = rows_from(object["headers"]);
  if (object.contains("body") && object["body"].is_string())
    reply.body = object["body"].get<std::string>();
  else if (object.contains("body_base64") && object["body_base64"].is_string()) {
    auto bytes = debugger::base64_decode(object["body_base64"].get<std::string>());
    if (bytes) reply.body = std::move(*bytes);
  }
  if (object.contains("delay_ms") && object["delay_ms"].is_number_unsigned())
    reply.delay_ms = object["delay_ms"].get<uint32_t>();
  if (object.contains("fail") && object["fail"].is_boolean())
    reply.fail = object["fail"].get<bool>();
  return reply;
}

json reply_to_json(const MockReply& reply, bool callout) {
  json out = {{"status", reply.status}, {"headers", rows_to_json(reply.headers)}};
  if (!reply.body.empty()) debugger::put_body(out, reply.body);
  if (callout && reply.delay_ms > 0) out["delay_ms"] = reply.delay_ms;
  if (callout && reply.fail) out["fail"] = true;
  return out;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

}  // namespace

PathAndQuery split_query(std::string_view path) {
  PathAndQuery out;
  size_t fragment = path.find('#');
  std::string_view tail = fragment == std::string_view::npos ? "" : path.substr(fragment);
  std::string_view before = path.substr(0, fragment);
  size_t question = before.find('?');
  out.path = std::string(before.substr(0, question)) + std::string(tail);
  if (question == std::string_view::npos) return out;
  std::string_view query = before.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    size_t eq = item.find('=');
    QueryParam param;
    param.name = std::string(item.substr(0, eq));
    param.has_value = eq != std::string_view::npos;
    if (param.has_value) param.value = std::string(item.substr(eq + 1));
    if (!item.empty()) out.params.push_back(std::move(param));
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

std::string join_query(const std::string& path, const std::vector<QueryParam>& params) {
  size_t fragment = path.find('#');
  std::string out = path.substr(0, fragment);
  bool first = true;
  for (const auto& param : params) {
    if (param.name.empty() && param.value.empty()) continue;
    out += first ? '?' : '&';
    first = false;
    out += param.name;
    if (param.has_value || !param.value.empty()) out += "=" + param.value;
  }
  if (fragment != std::string::npos) out += path.substr(fragment);
  return out;
}

std::string authority(const RequestDraft& draft) {
  for (const auto& row : draft.headers)
    if (row.enabled && (row.name == "host" || row.name == ":authority")) return row.value;
  return "";
}

void set_authority(RequestDraft& draft, const std::string& value) {
  for (auto& row : draft.headers) {
    if (row.enabled && (row.name == "host" || row.name == ":authority")) {
      row.value = value;
      return;
    }
  }
  draft.headers.insert(draft.headers.begin(), HeaderRow{"host", value});
}

bool move_row(std::vector<HeaderRow>& rows, size_t index, int direction) {
  if (index >= rows.size() || (direction != -1 && direction != 1)) return false;
  if (direction < 0 && index == 0) return false;
  if (direction > 0 && index + 1 >= rows.size()) return false;
  std::swap(rows[index], rows[direction < 0 ? index - 1 : index + 1]);
  return true;
}

std::vector<HeaderRow> trailers(const RequestDraft& draft) {
  if (!draft.extra.contains("trailers")) return {};
  return rows_from(draft.extra["trailers"]);
}

void set_trailers(RequestDraft& draft, const std::vector<HeaderRow>& rows) {
  json list = rows_to_json(rows);
  if (list.empty())
    draft.extra.erase("trailers");
  else
    draft.extra["trailers"] = std::move(list);
}

bool upstream_is_mock(const RequestDraft& draft) {
  return draft.extra.contains("upstream_response") && !draft.extra["upstream_response"].is_null();
}

MockReply upstream_mock(const RequestDraft& draft) {
  if (!upstream_is_mock(draft)) return MockReply{};
  return reply_from(draft.extra["upstream_response"]);
}

void set_upstream_echo(RequestDraft& draft) {
  draft.extra.erase("upstream_response");
  draft.extra.erase("upstream");
}

void set_upstream_mock(RequestDraft& draft, const MockReply& reply) {
  draft.extra.erase("upstream");
  draft.extra["upstream_response"] = reply_to_json(reply, false);
}

bool upstream_is_real(const RequestDraft& draft) {
  return draft.extra.contains("upstream") && draft.extra["upstream"].is_string();
}

std::string upstream_address(const RequestDraft& draft) {
  return upstream_is_real(draft) ? draft.extra["upstream"].get<std::string>() : std::string();
}

void set_upstream_address(RequestDraft& draft, const std::string& address) {
  draft.extra.erase("upstream_response");
  draft.extra["upstream"] = address;
}

std::vector<CalloutMock> callout_mocks(const RequestDraft& draft) {
  std::vector<CalloutMock> out;
  if (!draft.extra.contains("callouts") || !draft.extra["callouts"].is_object()) return out;
  for (const auto& [cluster, reply] : draft.extra["callouts"].items())
    out.push_back({cluster, reply_from(reply)});
  std::sort(out.begin(), out.end(),
            [](const CalloutMock& a, const CalloutMock& b) { return a.cluster < b.cluster; });
  return out;
}

void set_callout_mock(RequestDraft& draft, const CalloutMock& mock) {
  if (!draft.extra.contains("callouts") || !draft.extra["callouts"].is_object())
    draft.extra["callouts"] = json::object();
  draft.extra["callouts"][mock.cluster] = reply_to_json(mock.reply, true);
}

void remove_callout_mock(RequestDraft& draft, const std::string& cluster) {
  if (!draft.extra.contains("callouts") || !draft.extra["callouts"].is_object()) return;
  draft.extra["callouts"].erase(cluster);
  if (draft.extra["callouts"].empty()) draft.extra.erase("callouts");
}

Result<std::string> pretty_json(std::string_view body) {
  try {
    return json::parse(body.begin(), body.end()).dump(2);
  } catch (const json::exception& error) {
    // nlohmann's message names the line and column ("syntax error while parsing value - ...").
    return make_error("the body is not JSON: " + std::string(error.what()));
  }
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (size_t i = 0; i < bytes.size(); ++i) {
    if (i > 0) out += i % 16 == 0 ? '\n' : ' ';
    auto byte = static_cast<unsigned char>(bytes[i]);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0xf];
  }
  return out;
}

Result<std::string> from_hex(std::string_view text) {
  std::string out;
  int high = -1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) continue;
    int digit = hex_digit(c);
    if (digit < 0)
      return make_error("not a hex digit: '" + std::string(1, c) + "' at position " +
                        std::to_string(i + 1));
    if (high < 0) {
      high = digit;
    } else {
      out.push_back(static_cast<char>(high << 4 | digit));
      high = -1;
    }
  }
  if (high >= 0) return make_error("an odd number of hex digits: the last byte is missing a digit");
  return out;
}

}  // namespace pwplay::gui

namespace pwplay::gui {

std::vector<std::string> list_request_presets(const std::vector<std::string>& dirs) {
  std::vector<std::string> out;
  for (const auto& dir : dirs) {
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      if (entry.is_regular_file(error) && entry.path().extension() == ".json")
        out.push_back(entry.path().string());
    }
  }
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    return std::filesystem::path(a).filename() < std::filesystem::path(b).filename();
  });
  return out;
}

}  // namespace pwplay::gui
