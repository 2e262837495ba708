// HAR 1.2: importing a browser session (fixture
// tests/fixtures/browser_session.har, written in the shape Chrome and Firefox
// save), exporting requests and outcomes, round trips, and errors that name the
// file and the JSON path.
#include "debugger/formats/har.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/cli.h"

namespace pwplay::debugger {
namespace {

using nlohmann::json;
using Headers = abi::HeaderPairs;

std::string fixture(const std::string& name) {
  return std::string(PWPLAY_SOURCE_DIR) + "/tests/fixtures/" + name;
}

std::string har_error(const json& document) {
  auto parsed = parse_har(document, "session.har");
  EXPECT_FALSE(parsed.ok()) << document.dump();
  return parsed.ok() ? "" : parsed.error().message;
}

TEST(Har, ImportsABrowserSession) {
  auto imported = load_har_file(fixture("browser_session.har"));
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  ASSERT_EQ(imported->requests.size(), 4u);

  // Chrome, HTTP/2: pseudo-headers dropped, :authority becomes host, response
  // as the mock.
  const NamedRequest& items = imported->requests[0];
  EXPECT_EQ(items.name, "GET /v1/items?page=2&sort=price");
  EXPECT_EQ(items.request.request.method, "GET");
  EXPECT_EQ(items.request.request.path, "/v1/items?page=2&sort=price");
  ASSERT_FALSE(items.request.request.headers.empty());
  EXPECT_EQ(items.request.request.headers[0],
            (std::pair<std::string, std::string>{"host", "api.example.com"}));
  for (const auto& [name, value] : items.request.request.headers) EXPECT_NE(name[0], ':') << name;
  EXPECT_EQ(items.request.request.headers.size(), 6u);
  ASSERT_TRUE(items.request.upstream.mock.has_value());
  const host::ResponseSpec& mock = *items.request.upstream.mock;
  EXPECT_EQ(mock.status, 200u);
  EXPECT_EQ(mock.body, "{\"items\":[{\"id\":7,\"name\":\"caf\xC3\xA9\"}],\"page\":2}");
  // The content is decoded: the encoding and wire length headers no longer
  // apply.
  const Headers expected_mock_headers = {{"content-type", "application/json; charset=utf-8"},
                                         {"date", "Fri, 01 Mar 2024 10:15:30 GMT"},
                                         {"x-request-id", "7f3c"}};
  EXPECT_EQ(mock.headers, expected_mock_headers);

  // A POST with a JSON body and a base64 (binary) response.
  const NamedRequest& avatar = imported->requests[1];
  EXPECT_EQ(avatar.request.request.method, "POST");
  EXPECT_EQ(avatar.request.request.body, "{\"name\":\"it's me\",\"size\":\"small\"}");
  ASSERT_TRUE(avatar.request.upstream.mock.has_value());
  EXPECT_EQ(avatar.request.upstream.mock->status, 201u);
  EXPECT_EQ(avatar.request.upstream.mock->body,
            std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\0\x10", 19));

  // The blocked tracker pixel (status 0) has no response: the echo upstream
  // answers.
  const NamedRequest& pixel = imported->requests[2];
  EXPECT_EQ(pixel.request.request.path, "/pixel.gif?e=view");
  EXPECT_EQ(pixel.request.request.headers[0].second, "tracker.example.net");
  EXPECT_FALSE(pixel.request.upstream.mock.has_value());

  // Firefox, HTTP/1.1: a Host header, a form given as params only, a named
  // entry.
  const NamedRequest& login = imported->requests[3];
  EXPECT_EQ(login.name, "login form (Firefox)");
  EXPECT_EQ(login.request.request.headers[0],
            (std::pair<std::string, std::string>{"Host", "localhost:8080"}));
  EXPECT_EQ(login.request.request.body, "user=alice&pass=s3cret%26more");
  ASSERT_TRUE(login.request.upstream.mock.has_value());
  EXPECT_EQ(login.request.upstream.mock->status, 302u);
  EXPECT_EQ(login.request.upstream.mock->headers,
            (Headers{{"Location", "/home"}, {"Set-Cookie", "sid=xyz; HttpOnly"}}));

  // The data: URL entry is reported, not imported.
  ASSERT_EQ(imported->skipped.size(), 1u);
  EXPECT_NE(imported->skipped[0].find("log.entries[2]"), std::string::npos) << imported->skipped[0];
  EXPECT_NE(imported->skipped[0].find("data:"), std::string::npos) << imported->skipped[0];
}

TEST(Har, EntriesAreNumberedFromOneAndSelectedByNumber) {
  const std::string path = fixture("browser_session.har");
  auto imported = load_har_file(path);
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  EXPECT_EQ(imported->entry_count, 5u);
  std::vector<size_t> numbers;
  for (const auto& request : imported->requests) numbers.push_back(request.entry);
  EXPECT_EQ(numbers, (std::vector<size_t>{1, 2, 4, 5}));

  auto all = select_har_entries(*imported, std::nullopt, path);
  ASSERT_TRUE(all.ok()) << all.error().message;
  EXPECT_EQ(all->size(), 4u);
  auto fourth = select_har_entries(*imported, 4, path);
  ASSERT_TRUE(fourth.ok()) << fourth.error().message;
  ASSERT_EQ(fourth->size(), 1u);
  EXPECT_EQ((*fourth)[0].request.request.path, "/pixel.gif?e=view");

  auto out_of_range = select_har_entries(*imported, 6, path);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_EQ(
      out_of_range.error().message,
      path +
          ": --entry 6: expected an entry number from 1 to 5 (entries are numbered from 1, as "
          "in browsers' lists)");
  auto skipped = select_har_entries(*imported, 3, path);
  ASSERT_FALSE(skipped.ok());
  EXPECT_EQ(skipped.error().message.rfind(path + ": --entry 3: log.entries[2]: skipped data:", 0),
            0u)
      << skipped.error().message;

  auto empty = parse_har(json::parse(R"({"log": {"entries": []}})"), "empty.har");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  auto nothing = select_har_entries(*empty, std::nullopt, "empty.har");
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(nothing.error().message, "empty.har: no HTTP request to run (0 entries, 0 skipped)");
  auto none = select_har_entries(*empty, 1, "empty.har");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().message.rfind("empty.har: --entry 1: expected an entry number but the "
                                       "file has no entries",
                                       0),
            0u)
      << none.error().message;
}

void expect_same(const RequestFile& a, const RequestFile& b) {
  EXPECT_EQ(a.request.method, b.request.method);
  EXPECT_EQ(a.request.path, b.request.path);
  EXPECT_EQ(a.request.headers, b.request.headers);
  EXPECT_EQ(a.request.body, b.request.body);
  ASSERT_EQ(a.upstream.mock.has_value(), b.upstream.mock.has_value());
  if (a.upstream.mock) {
    EXPECT_EQ(a.upstream.mock->status, b.upstream.mock->status);
    EXPECT_EQ(a.upstream.mock->headers, b.upstream.mock->headers);
    EXPECT_EQ(a.upstream.mock->body, b.upstream.mock->body);
  }
}

TEST(Har, ImportExportImportRoundTrip) {
  auto first = load_har_file(fixture("browser_session.har"));
  ASSERT_TRUE(first.ok()) << first.error().message;
  std::vector<HarExportEntry> entries;
  for (const auto& named : first->requests) entries.push_back({named.request, std::nullopt, ""});
  json exported = export_har(entries);
  // Through text, as it would go through a file.
  auto reparsed_json = parse_json_text(exported.dump(2), "exported.har");
  ASSERT_TRUE(reparsed_json.ok()) << reparsed_json.error().message;
  auto second = parse_har(*reparsed_json, "exported.har");
  ASSERT_TRUE(second.ok()) << second.error().message;
  ASSERT_EQ(second->requests.size(), first->requests.size());
  for (size_t i = 0; i < first->requests.size(); ++i) {
    SCOPED_TRACE(first->requests[i].name);
    expect_same(first->requests[i].request, second->requests[i].request);
  }
  EXPECT_TRUE(second->skipped.empty());
}

TEST(Har, ExportsHistoryWithOutcomes) {
  RequestFile request;
  request.request.method = "POST";
  request.request.path = "/upload?tag=a%20b&x";
  request.request.headers = {{"host", "example.com"},
                             {"content-type", "application/octet-stream"},
                             {"cookie", "a=1; b=2"}};
  request.request.body = std::string("\x00\xff\x10", 3);
  Outcome outcome;
  outcome.status = 401;
  outcome.headers = {{"www-authenticate", "Basic realm=\"pwplay\""},
                     {"content-type", "text/plain"}};
  outcome.body = "missing authorization\n";
  outcome.local_response = true;
  outcome.duration_ms = 1.5;
  outcome.failure = OutcomeFailure{"proxy_on_request_headers", "trap", "unreachable"};

  json har =
      export_har({{request, outcome, "2024-03-01T10:00:00.000Z"}, {request, std::nullopt, ""}});
  const json& log = har["log"];
  EXPECT_EQ(log["version"], "1.2");
  EXPECT_EQ(log["creator"]["name"], "pwplay");
  ASSERT_EQ(log["entries"].size(), 2u);
  const json& entry = log["entries"][0];
  EXPECT_EQ(entry["startedDateTime"], "2024-03-01T10:00:00.000Z");
  EXPECT_DOUBLE_EQ(entry["time"].get<double>(), 1.5);
  EXPECT_DOUBLE_EQ(entry["timings"]["wait"].get<double>(), 1.5);
  EXPECT_EQ(entry["timings"]["send"], 0);
  EXPECT_EQ(entry["request"]["method"], "POST");
  EXPECT_EQ(entry["request"]["url"], "http://example.com/upload?tag=a%20b&x");
  EXPECT_EQ(entry["request"]["httpVersion"], "HTTP/1.1");
  EXPECT_EQ(entry["request"]["queryString"],
            json::parse(R"([{"name":"tag","value":"a b"},{"name":"x","value":""}])"));
  EXPECT_EQ(entry["request"]["cookies"],
            json::parse(R"([{"name":"a","value":"1"},{"name":"b","value":"2"}])"));
  EXPECT_EQ(entry["request"]["postData"]["mimeType"], "application/octet-stream");
  EXPECT_EQ(entry["request"]["postData"]["text"], "AP8Q");
  EXPECT_EQ(entry["request"]["postData"]["_encoding"], "base64");
  EXPECT_EQ(entry["response"]["status"], 401);
  EXPECT_EQ(entry["response"]["statusText"], "Unauthorized");
  EXPECT_EQ(entry["response"]["content"]["text"], "missing authorization\n");
  EXPECT_EQ(entry["response"]["content"]["mimeType"], "text/plain");
  EXPECT_EQ(entry["response"]["content"]["size"], 22);
  EXPECT_EQ(entry["_local_response"], true);
  EXPECT_EQ(entry["_failure"]["fault"], "trap");
  // Not run and no mock: HAR's "no response".
  EXPECT_EQ(log["entries"][1]["response"]["status"], 0);
  EXPECT_FALSE(log["entries"][1]["startedDateTime"].get<std::string>().empty());

  // Binary request bodies come back through import.
  auto back = parse_har(har, "history.har");
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->requests[0].request.request.body, request.request.body);
  EXPECT_EQ(back->requests[0].request.upstream.mock->status, 401u);
}

TEST(Har, ErrorsNameTheFileAndJsonPath) {
  EXPECT_EQ(har_error(json::array()),
            "session.har: expected a HAR object {\"log\": ...}, got a list");
  std::string no_log = har_error(json::object());
  EXPECT_NE(no_log.find("session.har: log: missing"), std::string::npos) << no_log;
  std::string entries = har_error(json::parse(R"({"log": {"entries": {}}})"));
  EXPECT_EQ(entries, "session.har: log.entries: expected a list, got an object");

  json good_request = {{"method", "GET"}, {"url", "http://h/"}, {"headers", json::array()}};
  json doc = {{"log", {{"entries", json::array()}}}};
  for (int i = 0; i < 3; ++i) doc["log"]["entries"].push_back({{"request", good_request}});
  doc["log"]["entries"][3]["request"] = {{"method", "GET"}, {"url", 42}};
  EXPECT_EQ(har_error(doc),
            "session.har: log.entries[3].request.url: expected "
            "a string, got an integer (42)");

  doc["log"]["entries"][3]["request"] = {{"method", "GET"}, {"url", "http://h:x/"}};
  std::string port = har_error(doc);
  EXPECT_NE(port.find("log.entries[3].request.url: the URL 'http://h:x/' has "
                      "an invalid port"),
            std::string::npos)
      << port;

  doc["log"]["entries"][3]["request"] = good_request;
  doc["log"]["entries"][3]["request"]["headers"] = json::parse(R"([{"name": "a"}])");
  EXPECT_EQ(har_error(doc),
            "session.har: log.entries[3].request.headers[0].value: missing; "
            "expected a string");

  doc["log"]["entries"][3]["request"] = good_request;
  doc["log"]["entries"][3]["response"] = json::parse(
      R"({"status": 200, "headers": [], "content": {"text": "!!", "encoding": "base64"}})");
  std::string base64 = har_error(doc);
  EXPECT_NE(base64.find("log.entries[3].response.content.text: invalid base64"), std::string::npos)
      << base64;

  doc["log"]["entries"][3]["response"] = json::parse(R"({"status": "200"})");
  EXPECT_EQ(har_error(doc),
            "session.har: log.entries[3].response.status: "
            "expected an integer, got a string");

  doc["log"]["entries"][3]["response"] = json::parse(R"({"status": 42})");
  std::string status = har_error(doc);
  EXPECT_NE(status.find("log.entries[3].response.status: expected an HTTP status"),
            std::string::npos)
      << status;

  doc["log"]["entries"][1] = "not an entry";
  EXPECT_EQ(har_error(doc), "session.har: log.entries[1]: expected an object, got a string");
}

TEST(Har, CorruptFilesGiveLineAndColumn) {
  std::string path = testing::write_temp_file("broken.har", "{\"log\": {\n  \"entries\": [,]\n}}");
  auto loaded = load_har_file(path);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find(path + ":2:"), std::string::npos) << loaded.error().message;
  auto missing = load_har_file(path + ".nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find(".nope: cannot open file"), std::string::npos);
}

}  // namespace
}  // namespace pwplay::debugger
