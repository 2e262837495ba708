// End-to-end tests of the request sources and exports of `pwplay run` (--curl, --har with
// --entry, --export-curl, --export-har) and of `pwplay test --har`: the built executable on the
// built samples and a HAR saved by a browser, with assertions on what reached the upstream, what
// the client received, the curl lines printed and the HAR files written.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "support/cli.h"

namespace pwplay::testing {
namespace {

using nlohmann::json;

std::string browser_har() {
  return std::string(PWPLAY_SOURCE_DIR) + "/tests/fixtures/browser_session.har";
}

json parse_output(const CommandResult& result) {
  try {
    return json::parse(result.out);
  } catch (const std::exception& e) {
    ADD_FAILURE() << "output is not JSON: " << e.what() << "\n" << result.out << "\n" << result.err;
    return json::object();
  }
}

// The same for HAR's [{"name", "value"}, ...] lists.
std::string har_header(const json& headers, const std::string& name) {
  for (const auto& item : headers)
    if (item["name"] == name) return item["value"].get<std::string>();
  return "<absent>";
}

json read_json_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::path(write_temp_file(name, "")).parent_path() / name).string();
}

const char* const kCurlLine =
    "curl 'http://example.com/items?page=2' \\\n"
    "  -H 'Authorization: Bearer t0k3n' \\\n"
    "  -H 'x-client: cli' \\\n"
    "  --data-raw 'name=widget'";

TEST(RunCurlCli, TheRequestOfACurlLineReachesTheUpstream) {
  json out = run_json({sample("add_header"), "--curl", kCurlLine});
  ASSERT_TRUE(out["upstream_request"].is_object()) << out.dump(2);
  EXPECT_EQ(out["upstream_request"]["method"], "POST");  // --data-raw implies POST
  EXPECT_EQ(out["upstream_request"]["path"], "/items?page=2");
  const json& headers = out["upstream_request"]["headers"];
  EXPECT_EQ(header(headers, "host"), "example.com");
  EXPECT_EQ(header(headers, "authorization"), "Bearer t0k3n");
  EXPECT_EQ(header(headers, "x-client"), "cli");
  EXPECT_EQ(header(headers, "content-type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(header(headers, "x-wasm-filter"), "add-header");
  EXPECT_EQ(out["upstream_request"]["body"], "name=widget");
  EXPECT_EQ(out["response"]["status"], 200);

  // The filter sees it too: without Authorization the local_response sample refuses it.
  json refused = run_json({sample("local_response"), "--curl", "curl http://example.com/private"});
  EXPECT_EQ(refused["response"]["status"], 401);
  EXPECT_TRUE(refused["upstream_request"].is_null());
  json allowed = run_json({sample("local_response"), "--curl", kCurlLine});
  EXPECT_EQ(allowed["response"]["status"], 200);
}

TEST(RunCurlCli, ABadCurlLineIsNamedWithItsPlace) {
  CommandResult quote =
      run_pwplay({"run", sample("add_header"), "--curl", "curl 'http://example.com/ -H x"});
  EXPECT_EQ(quote.exit_code, 1);
  EXPECT_TRUE(contains(quote.err, "pwplay run: --curl: ")) << quote.err;
  EXPECT_TRUE(contains(quote.err, "single quote")) << quote.err;
  EXPECT_TRUE(contains(quote.err, "line 1, column")) << quote.err;
  EXPECT_EQ(quote.out, "");

  CommandResult option =
      run_pwplay({"run", sample("add_header"), "--curl", "curl http://example.com/ --frobnicate"});
  EXPECT_EQ(option.exit_code, 1);
  EXPECT_TRUE(contains(option.err, "'--frobnicate'")) << option.err;

  // One request source at a time, and at least one.
  CommandResult both = run_pwplay(
      {"run", sample("add_header"), "--curl", kCurlLine, "--request", request_file("get.json")});
  EXPECT_EQ(both.exit_code, 2) << both.err;
  CommandResult none = run_pwplay({"run", sample("add_header")});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_TRUE(contains(none.err, "--request REQ.json, --curl 'curl ...' or --har FILE"))
      << none.err;
}

TEST(RunHarCli, EveryEntryRunsWithItsRecordedResponseAsTheUpstream) {
  CommandResult result =
      run_pwplay({"run", sample("add_header"), "--har", browser_har(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json out = parse_output(result);
  ASSERT_TRUE(out.is_array()) << out.dump(2);
  // Entry 3 is a data: URL: left out, and said so.
  ASSERT_EQ(out.size(), 4u);
  EXPECT_TRUE(contains(result.err, "log.entries[2]: skipped data: URL")) << result.err;
  std::vector<int> entries;
  for (const auto& run : out) entries.push_back(run["entry"].get<int>());
  EXPECT_EQ(entries, (std::vector<int>{1, 2, 4, 5}));

  const json& items = out[0];
  EXPECT_EQ(items["name"], "GET /v1/items?page=2&sort=price");
  EXPECT_EQ(items["upstream_request"]["path"], "/v1/items?page=2&sort=price");
  EXPECT_EQ(header(items["upstream_request"]["headers"], "host"), "api.example.com");
  EXPECT_EQ(header(items["upstream_request"]["headers"], "authorization"),
            "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig");
  EXPECT_EQ(header(items["upstream_request"]["headers"], "x-wasm-filter"), "add-header");
  // The recorded response is what the upstream answered, passed through the filter.
  EXPECT_EQ(items["response"]["status"], 200);
  EXPECT_EQ(items["response"]["body"], "{\"items\":[{\"id\":7,\"name\":\"café\"}],\"page\":2}");
  EXPECT_EQ(header(items["response"]["headers"], "x-wasm-response"), "add-header");

  const json& avatar = out[1];
  EXPECT_EQ(avatar["upstream_request"]["method"], "POST");
  EXPECT_EQ(avatar["response"]["status"], 201);
  EXPECT_EQ(header(avatar["response"]["headers"], "location"), "/v1/avatar/42");
  // No recorded response (the browser blocked it): the embedded echo upstream answers.
  const json& pixel = out[2];
  EXPECT_EQ(pixel["response"]["status"], 200);
  EXPECT_TRUE(contains(pixel["response"]["body"].get<std::string>(), "/pixel.gif?e=view"));
  const json& login = out[3];
  EXPECT_EQ(login["name"], "login form (Firefox)");
  EXPECT_EQ(login["upstream_request"]["body"], "user=alice&pass=s3cret%26more");
  EXPECT_EQ(login["response"]["status"], 302);
}

TEST(RunHarCli, OneEntryByItsNumberAndAReportPerEntryInText) {
  json out = run_json({sample("local_response"), "--har", browser_har(), "--entry", "2"});
  ASSERT_TRUE(out.is_array()) << out.dump(2);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["entry"], 2);
  // The filter answers before the recorded 201 could: no authorization header in entry 2.
  EXPECT_EQ(out[0]["response"]["status"], 401);
  EXPECT_TRUE(out[0]["upstream_request"].is_null());
  EXPECT_EQ(out[0]["client_request"]["path"], "/v1/avatar");

  CommandResult text = run_pwplay({"run", sample("add_header"), "--har", browser_har()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_TRUE(contains(text.out, "=== entry 1: GET /v1/items?page=2&sort=price ===")) << text.out;
  EXPECT_TRUE(contains(text.out, "=== entry 5: login form (Firefox) ===")) << text.out;
  EXPECT_TRUE(contains(text.out, "client received: 201")) << text.out;
  EXPECT_TRUE(contains(text.out, "client received: 302")) << text.out;
  EXPECT_FALSE(contains(text.out, "=== entry 3")) << text.out;
}

TEST(RunHarCli, ErrorsNameTheFileAndTheEntry) {
  CommandResult range =
      run_pwplay({"run", sample("add_header"), "--har", browser_har(), "--entry", "9"});
  EXPECT_EQ(range.exit_code, 1);
  EXPECT_TRUE(contains(range.err, browser_har() + ": --entry 9: expected an entry number from 1 "
                                                  "to 5"))
      << range.err;
  CommandResult zero =
      run_pwplay({"run", sample("add_header"), "--har", browser_har(), "--entry", "0"});
  EXPECT_EQ(zero.exit_code, 1);
  EXPECT_TRUE(contains(zero.err, "--entry 0: expected an entry number from 1 to 5")) << zero.err;
  CommandResult data =
      run_pwplay({"run", sample("add_header"), "--har", browser_har(), "--entry", "3"});
  EXPECT_EQ(data.exit_code, 1);
  EXPECT_TRUE(contains(data.err, "--entry 3: log.entries[2]: skipped data: URL")) << data.err;

  std::string not_json = write_temp_file("not-json.har", "{\"log\": {\"entries\": [\n  oops]}}");
  CommandResult bad = run_pwplay({"run", sample("add_header"), "--har", not_json});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(contains(bad.err, not_json + ":2:")) << bad.err;
  std::string not_har = write_temp_file("not-har.har", R"({"entries": []})");
  CommandResult wrong = run_pwplay({"run", sample("add_header"), "--har", not_har});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(contains(wrong.err, not_har + ": log: missing")) << wrong.err;
  CommandResult missing = run_pwplay({"run", sample("add_header"), "--har", "/no/such/file.har"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(contains(missing.err, "/no/such/file.har")) << missing.err;

  CommandResult entry_alone = run_pwplay(
      {"run", sample("add_header"), "--request", request_file("get.json"), "--entry", "1"});
  EXPECT_EQ(entry_alone.exit_code, 2) << entry_alone.err;
}

TEST(ExportCurlCli, PrintsTheRequestAsACurlLineThatRunsTheSame) {
  CommandResult from_file = run_pwplay(
      {"run", sample("add_header"), "--request", request_file("get.json"), "--export-curl"});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(from_file.out,
            "curl 'http://127.0.0.1:8080/hello' \\\n"
            "  -H 'host: example.com' \\\n"
            "  -H 'user-agent: curl/7.88' \\\n"
            "  -H 'accept: */*'\n");

  // A curl line goes through the parser and back; the printed line sends the same request.
  CommandResult from_curl = run_pwplay({"run", "--curl", kCurlLine, "--export-curl"});
  ASSERT_EQ(from_curl.exit_code, 0) << from_curl.err;
  EXPECT_TRUE(contains(from_curl.out, "-H 'Authorization: Bearer t0k3n'")) << from_curl.out;
  json again = run_json({sample("add_header"), "--curl", from_curl.out});
  EXPECT_EQ(again["upstream_request"]["method"], "POST");
  EXPECT_EQ(again["upstream_request"]["path"], "/items?page=2");
  EXPECT_EQ(header(again["upstream_request"]["headers"], "host"), "example.com");
  EXPECT_EQ(header(again["upstream_request"]["headers"], "authorization"), "Bearer t0k3n");
  EXPECT_EQ(header(again["upstream_request"]["headers"], "x-client"), "cli");
  EXPECT_EQ(again["upstream_request"]["body"], "name=widget");

  // A HAR prints one command per HTTP entry, each after a comment naming it; no filter needed.
  CommandResult from_har = run_pwplay({"run", "--har", browser_har(), "--export-curl"});
  ASSERT_EQ(from_har.exit_code, 0) << from_har.err;
  EXPECT_TRUE(contains(from_har.out, "# entry 1: GET /v1/items?page=2&sort=price\ncurl "))
      << from_har.out;
  EXPECT_TRUE(contains(from_har.out, "# entry 5: login form (Firefox)\ncurl ")) << from_har.out;
  EXPECT_FALSE(contains(from_har.out, "# entry 3")) << from_har.out;
  size_t commands = 0;
  for (size_t at = from_har.out.find("\ncurl "); at != std::string::npos;
       at = from_har.out.find("\ncurl ", at + 1))
    ++commands;
  EXPECT_EQ(commands, 4u);
  CommandResult one = run_pwplay({"run", "--har", browser_har(), "--entry", "2", "--export-curl"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_TRUE(
      contains(one.out, "# entry 2: POST /v1/avatar\ncurl 'http://127.0.0.1:8080/v1/avatar'"))
      << one.out;
  EXPECT_TRUE(contains(one.out, "-H 'host: api.example.com'")) << one.out;

  // Without --export-curl a filter is needed.
  CommandResult no_filter = run_pwplay({"run", "--curl", kCurlLine});
  EXPECT_EQ(no_filter.exit_code, 2);
  EXPECT_TRUE(contains(no_filter.err, "no filter")) << no_filter.err;
}

TEST(ExportHarCli, WritesTheRunsAsAHarThatReadsBack) {
  const std::string path = temp_path("exported-curl.har");
  std::filesystem::remove(path);
  CommandResult result = run_pwplay(
      {"run", sample("add_header"), "--curl", kCurlLine, "--export-har", path, "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json har = read_json_file(path);
  EXPECT_EQ(har["log"]["version"], "1.2");
  EXPECT_EQ(har["log"]["creator"]["name"], "pwplay");
  ASSERT_EQ(har["log"]["entries"].size(), 1u);
  const json& entry = har["log"]["entries"][0];
  EXPECT_EQ(entry["request"]["method"], "POST");
  EXPECT_EQ(entry["request"]["url"], "http://example.com/items?page=2");
  EXPECT_EQ(har_header(entry["request"]["headers"], "x-client"), "cli");
  EXPECT_EQ(entry["request"]["postData"]["text"], "name=widget");
  // What the client received, filter's header included.
  EXPECT_EQ(entry["response"]["status"], 200);
  EXPECT_EQ(har_header(entry["response"]["headers"], "x-wasm-response"), "add-header");
  EXPECT_TRUE(contains(entry["response"]["content"]["text"].get<std::string>(), "/items?page=2"));
  EXPECT_TRUE(entry["timings"].is_object());
  EXPECT_GE(entry["time"].get<double>(), 0.0);
  EXPECT_TRUE(entry["startedDateTime"].get<std::string>().ends_with("Z"));

  // pwplay reads it back: the request again, the recorded response as the upstream's answer.
  json back = run_json({sample("noop"), "--har", path});
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0]["upstream_request"]["path"], "/items?page=2");
  EXPECT_EQ(header(back[0]["upstream_request"]["headers"], "x-client"), "cli");
  EXPECT_EQ(back[0]["response"]["status"], 200);
  EXPECT_EQ(header(back[0]["response"]["headers"], "x-wasm-response"), "add-header");

  // A HAR run exports one entry per entry run, with the statuses the client received.
  const std::string local = temp_path("exported-local.har");
  CommandResult runs =
      run_pwplay({"run", sample("local_response"), "--har", browser_har(), "--export-har", local});
  ASSERT_EQ(runs.exit_code, 0) << runs.err;
  json exported = read_json_file(local);
  std::vector<int> statuses;
  for (const auto& item : exported["log"]["entries"])
    statuses.push_back(item["response"]["status"].get<int>());
  EXPECT_EQ(statuses, (std::vector<int>{200, 401, 401, 401}));
  EXPECT_EQ(exported["log"]["entries"][1]["_local_response"], true);

  CommandResult unwritable = run_pwplay(
      {"run", sample("add_header"), "--curl", kCurlLine, "--export-har", "/no/such/dir/out.har"});
  EXPECT_EQ(unwritable.exit_code, 1);
  EXPECT_TRUE(contains(unwritable.err, "cannot write the HAR file: /no/such/dir/out.har"))
      << unwritable.err;
}

TEST(TestHarCli, EachEntryIsAScenarioExpectingItsRecordedStatus) {
  const std::string junit = temp_path("har-junit.xml");
  CommandResult pass = run_pwplay(
      {"test", "--har", browser_har(), "--filter", sample("add_header"), "--junit", junit});
  ASSERT_EQ(pass.exit_code, 0) << pass.out << pass.err;
  EXPECT_TRUE(contains(pass.out, "PASS entry 1: GET /v1/items?page=2&sort=price\n")) << pass.out;
  EXPECT_TRUE(contains(pass.out, "PASS entry 2: POST /v1/avatar\n")) << pass.out;
  EXPECT_TRUE(contains(pass.out,
                       "PASS entry 4: GET /pixel.gif?e=view (no recorded response: "
                       "status not checked)\n"))
      << pass.out;
  EXPECT_TRUE(contains(pass.out, "PASS entry 5: login form (Firefox)\n")) << pass.out;
  EXPECT_TRUE(contains(pass.out, "4 passed, 0 failed")) << pass.out;
  std::ifstream in(junit);
  std::stringstream xml;
  xml << in.rdbuf();
  EXPECT_TRUE(contains(xml.str(),
                       "<testsuite name=\"browser_session.har\" tests=\"4\" "
                       "failures=\"0\""))
      << xml.str();

  // A filter that refuses requests without credentials: the recorded statuses no longer hold.
  CommandResult fail = run_pwplay(
      {"test", "--har", browser_har(), "--filter", sample("local_response"), "--junit", junit});
  EXPECT_EQ(fail.exit_code, 1) << fail.out << fail.err;
  EXPECT_TRUE(contains(fail.out, "PASS entry 1: GET /v1/items?page=2&sort=price\n")) << fail.out;
  EXPECT_TRUE(contains(fail.out, "FAIL entry 2: POST /v1/avatar\n  status: expected 201, got 401"))
      << fail.out;
  EXPECT_TRUE(contains(fail.out,
                       "FAIL entry 5: login form (Firefox)\n  status: expected 302, "
                       "got 401"))
      << fail.out;
  EXPECT_TRUE(contains(fail.out, "2 passed, 2 failed")) << fail.out;
  std::ifstream again(junit);
  std::stringstream failed_xml;
  failed_xml << again.rdbuf();
  EXPECT_TRUE(contains(failed_xml.str(), "tests=\"4\" failures=\"2\"")) << failed_xml.str();

  // Plugin options apply to the entries: the configuration reaches the filter.
  CommandResult configured = run_pwplay(
      {"test", "--har", browser_har(), "--filter", sample("add_header"), "--config", "from-test"});
  EXPECT_EQ(configured.exit_code, 0) << configured.out << configured.err;
}

TEST(TestHarCli, BadInputIsRefusedBeforeAnythingRuns) {
  CommandResult no_filter = run_pwplay({"test", "--har", browser_har()});
  EXPECT_EQ(no_filter.exit_code, 2);
  EXPECT_TRUE(contains(no_filter.err, "--filter FILTER.wasm")) << no_filter.err;
  EXPECT_EQ(no_filter.out, "");

  std::string not_json = write_temp_file("test-not-json.har", "not json at all");
  CommandResult bad = run_pwplay({"test", "--har", not_json, "--filter", sample("add_header")});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(contains(bad.err, "pwplay test: " + not_json + ":1:")) << bad.err;
  EXPECT_EQ(bad.out, "");

  CommandResult filter_alone = run_pwplay({"test", "--filter", sample("add_header")});
  EXPECT_EQ(filter_alone.exit_code, 2);
  EXPECT_TRUE(contains(filter_alone.err, "--har entries only")) << filter_alone.err;
}

}  // namespace
}  // namespace pwplay::testing
