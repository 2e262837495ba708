// curl command lines: browsers' "Copy as cURL" output, the options people type,
// round trips through to_curl (also through a real POSIX shell), and the error
// for each malformed input.
#include "debugger/formats/curl.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/cli.h"

namespace pwplay::debugger {
namespace {

using Headers = abi::HeaderPairs;

RequestFile parse_ok(std::string_view text) {
  auto parsed = parse_curl(text);
  EXPECT_TRUE(parsed.ok()) << (parsed.ok() ? "" : parsed.error().message);
  return parsed.ok() ? *parsed : RequestFile{};
}

std::string parse_error(std::string_view text) {
  auto parsed = parse_curl(text);
  EXPECT_FALSE(parsed.ok()) << "parsed without error: " << text;
  return parsed.ok() ? "" : parsed.error().message;
}

// Chrome's "Copy as cURL (bash)": one option per line, $'...' where the text
// has a quote or a control character, -b for cookies, --compressed at the end.
TEST(Curl, ChromeCopyAsCurlPost) {
  RequestFile file = parse_ok(R"(curl 'https://api.example.com/v1/items?page=2' \
  -H 'accept: application/json, text/plain, */*' \
  -H 'accept-language: en-US,en;q=0.9' \
  -H 'authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig' \
  -H 'content-type: application/json' \
  -b 'session=abc123; theme=dark' \
  -H 'origin: https://shop.example.com' \
  -H 'referer: https://shop.example.com/' \
  -H 'sec-ch-ua: "Chromium";v="122", "Not(A:Brand";v="24", "Google Chrome";v="122"' \
  -H 'sec-fetch-mode: cors' \
  -H 'user-agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36' \
  --data-raw $'{"name":"it\'s me","note":"line1\\nline2","emoji":"caf\u00e9 \x21"}' \
  --compressed)");
  EXPECT_EQ(file.request.method, "POST");
  EXPECT_EQ(file.request.path, "/v1/items?page=2");
  EXPECT_EQ(file.request.body,
            "{\"name\":\"it's "
            "me\",\"note\":\"line1\\nline2\",\"emoji\":\"caf\xC3\xA9 !\"}");
  const Headers expected = {
      {"host", "api.example.com"},
      {"accept", "application/json, text/plain, */*"},
      {"accept-language", "en-US,en;q=0.9"},
      {"authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig"},
      {"content-type", "application/json"},
      {"cookie", "session=abc123; theme=dark"},
      {"origin", "https://shop.example.com"},
      {"referer", "https://shop.example.com/"},
      {"sec-ch-ua", R"("Chromium";v="122", "Not(A:Brand";v="24", "Google Chrome";v="122")"},
      {"sec-fetch-mode", "cors"},
      {"user-agent",
       "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/122.0.0.0 Safari/537.36"},
  };
  EXPECT_EQ(file.request.headers, expected);
}

TEST(Curl, ChromeCopyAsCurlGetWithDefaultPortAndFragment) {
  RequestFile file = parse_ok(
      "curl 'https://shop.example.com:443/search?q=red%20shoes#results' \\\r\n"
      "  -H 'accept: text/html' \\\r\n"
      "  -H 'upgrade-insecure-requests: 1' \\\r\n"
      "  --compressed\r\n");
  EXPECT_EQ(file.request.method, "GET");
  EXPECT_EQ(file.request.path, "/search?q=red%20shoes");
  EXPECT_EQ(file.request.body, "");
  const Headers expected = {
      {"host", "shop.example.com"}, {"accept", "text/html"}, {"upgrade-insecure-requests", "1"}};
  EXPECT_EQ(file.request.headers, expected);
}

// Firefox's "Copy as cURL": one line, -X before the headers, capitalised header
// names.
TEST(Curl, FirefoxCopyAsCurl) {
  RequestFile file = parse_ok(
      "curl 'http://localhost:8080/api/orders' -X PUT -H 'User-Agent: "
      "Mozilla/5.0 (X11; Linux "
      "x86_64; rv:123.0) Gecko/20100101 Firefox/123.0' -H 'Accept: "
      "*/*' -H 'Accept-Language: "
      "en-US,en;q=0.5' -H 'Accept-Encoding: gzip, deflate, br' -H "
      "'Content-Type: "
      "application/json' -H 'Origin: http://localhost:8080' -H "
      "'Connection: keep-alive' -H "
      "'Cookie: sid=xyz' -H 'Sec-Fetch-Dest: empty' -H "
      "'Sec-Fetch-Mode: cors' -H "
      "'Sec-Fetch-Site: same-origin' -H 'Priority: u=0' --data-raw "
      "'{\"qty\":3,\"note\":\"don'\\''t "
      "ring\"}'");
  EXPECT_EQ(file.request.method, "PUT");
  EXPECT_EQ(file.request.path, "/api/orders");
  EXPECT_EQ(file.request.body, "{\"qty\":3,\"note\":\"don't ring\"}");
  ASSERT_GE(file.request.headers.size(), 3u);
  EXPECT_EQ(file.request.headers[0],
            (std::pair<std::string, std::string>{"host", "localhost:8080"}));
  EXPECT_EQ(file.request.headers[1].first, "User-Agent");
  EXPECT_EQ(file.request.headers.back(), (std::pair<std::string, std::string>{"Priority", "u=0"}));
  // The body came with its own Content-Type: curl adds none.
  int content_types = 0;
  for (const auto& [name, value] : file.request.headers)
    if (name == "Content-Type" || name == "content-type") ++content_types;
  EXPECT_EQ(content_types, 1);
}

TEST(Curl, DataImpliesPostAndFormContentTypeAndJoinsWithAmpersand) {
  RequestFile file = parse_ok(
      "curl example.com/login -d user=alice --data 'pass=x y' "
      "--data-binary 'z=1' --data-urlencode 'msg=a&b c' "
      "--data-urlencode =only --data-urlencode plain+text");
  EXPECT_EQ(file.request.method, "POST");
  EXPECT_EQ(file.request.path, "/login");
  EXPECT_EQ(file.request.body, "user=alice&pass=x y&z=1&msg=a%26b%20c&only&plain%2Btext");
  const Headers expected = {{"host", "example.com"},
                            {"content-type", "application/x-www-form-urlencoded"}};
  EXPECT_EQ(file.request.headers, expected);
}

TEST(Curl, GetMovesDataIntoTheQuery) {
  RequestFile file = parse_ok("curl -G 'http://h/s?x=1' -d q=shoes -d n=2");
  EXPECT_EQ(file.request.method, "GET");
  EXPECT_EQ(file.request.path, "/s?x=1&q=shoes&n=2");
  EXPECT_EQ(file.request.body, "");
  EXPECT_EQ(file.request.headers, (Headers{{"host", "h"}}));
}

TEST(Curl, UserAgentRefererCookieAndBasicAuth) {
  RequestFile file = parse_ok(
      "curl -u bob:x -u alice:s3cret -A first -A "
      "'agent/1.0' -e https://ref.example/ "
      "-b a=1 --cookie 'b=2' http://api.local:9000/me");
  const Headers expected = {{"host", "api.local:9000"},
                            {"authorization", "Basic YWxpY2U6czNjcmV0"},
                            {"user-agent", "agent/1.0"},
                            {"referer", "https://ref.example/"},
                            {"cookie", "a=1; b=2"}};
  EXPECT_EQ(file.request.headers, expected);
  // Credentials in the URL work as -u does.
  RequestFile from_url = parse_ok("curl https://bob:pa%40ss@example.com/");
  EXPECT_EQ(from_url.request.headers,
            (Headers{{"host", "example.com"}, {"authorization", "Basic Ym9iOnBhQHNz"}}));
}

TEST(Curl, ExplicitHeadersWinOverDerivedOnesAndCanRemoveThem) {
  RequestFile file = parse_ok(
      "curl -A curl-ish -H 'User-Agent: mine' -H 'Host: virtual.test' "
      "-H 'X-Empty;' -d a=b -H 'Content-Type:' http://127.0.0.1:8080/");
  const Headers expected = {{"User-Agent", "mine"}, {"Host", "virtual.test"}, {"X-Empty", ""}};
  EXPECT_EQ(file.request.headers, expected);
  EXPECT_EQ(file.request.method, "POST");
}

TEST(Curl, ShortOptionClustersAndAttachedValues) {
  RequestFile file = parse_ok(
      "curl -sSLk -XDELETE -HX-Trace:1 -sH 'X-Two: 2' --url "
      "http://[::1]:8443/items/7 -m 5 -o /dev/null --http2 --no-compressed");
  EXPECT_EQ(file.request.method, "DELETE");
  EXPECT_EQ(file.request.path, "/items/7");
  const Headers expected = {{"host", "[::1]:8443"}, {"X-Trace", "1"}, {"X-Two", "2"}};
  EXPECT_EQ(file.request.headers, expected);
}

TEST(Curl, DoubleQuotesBackslashesCommentsAndJson) {
  RequestFile file = parse_ok(
      "# saved from the terminal\n"
      "$ curl \"http://h/p\" -H \"X-Q: say \\\"hi\\\" "
      "\\$HOME \\n\" --json '{\"a\":1}'\n");
  EXPECT_EQ(file.request.method, "POST");
  EXPECT_EQ(file.request.body, "{\"a\":1}");
  const Headers expected = {{"host", "h"},
                            {"X-Q", "say \"hi\" $HOME \\n"},
                            {"content-type", "application/json"},
                            {"accept", "application/json"}};
  EXPECT_EQ(file.request.headers, expected);
}

TEST(Curl, HeadAndRequestTarget) {
  RequestFile head = parse_ok("curl -I http://h/x");
  EXPECT_EQ(head.request.method, "HEAD");
  RequestFile star = parse_ok("curl -X OPTIONS --request-target '*' http://h/");
  EXPECT_EQ(star.request.method, "OPTIONS");
  EXPECT_EQ(star.request.path, "*");
}

void expect_same_request(const host::RequestSpec& a, const host::RequestSpec& b) {
  EXPECT_EQ(a.method, b.method);
  EXPECT_EQ(a.path, b.path);
  EXPECT_EQ(a.headers, b.headers);
  EXPECT_EQ(a.body, b.body);
}

std::vector<host::RequestSpec> round_trip_requests() {
  std::vector<host::RequestSpec> requests;
  host::RequestSpec get;
  get.path = "/hello?a=1&b=two%20words";
  get.headers = {{"host", "example.com"}, {"accept", "*/*"}};
  requests.push_back(get);

  host::RequestSpec post;
  post.method = "POST";
  post.path = "/echo";
  post.headers = {{"host", "example.com"},
                  {"content-type", "text/plain"},
                  {"x-quote", "it's \"quoted\" $HOME `cmd` \\ !"}};
  post.body = "line one\nline 'two'\n$(rm -rf /)\n";
  requests.push_back(post);

  host::RequestSpec put_no_type;
  put_no_type.method = "PUT";
  put_no_type.path = "/raw";
  put_no_type.headers = {{"host", "h:81"}, {"x-empty", ""}};
  put_no_type.body = "@not-a-file";
  requests.push_back(put_no_type);

  host::RequestSpec binary;
  binary.method = "POST";
  binary.path = "/bin";
  binary.headers = {{"host", "h"}, {"content-type", "application/octet-stream"}};
  binary.body = std::string("\0\x01\x02\xff\xfe%%\\'\n end", 15);
  requests.push_back(binary);

  host::RequestSpec get_with_body;
  get_with_body.method = "GET";
  get_with_body.path = "/search";
  get_with_body.headers = {{"host", "h"}, {"content-type", "application/json"}};
  get_with_body.body = "{\"q\":1}";
  requests.push_back(get_with_body);

  host::RequestSpec delete_request;
  delete_request.method = "DELETE";
  delete_request.path = "/items/1";
  delete_request.headers = {{"host", "h"}};
  requests.push_back(delete_request);
  return requests;
}

TEST(Curl, ToCurlRoundTrips) {
  for (const auto& request : round_trip_requests()) {
    std::string command = to_curl(request);
    SCOPED_TRACE(command);
    auto parsed = parse_curl(command);
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    expect_same_request(parsed->request, request);
  }
}

TEST(Curl, ToCurlLooksLikeWhatBrowsersCopy) {
  host::RequestSpec request;
  request.method = "POST";
  request.path = "/echo";
  request.headers = {{"host", "example.com"}, {"content-type", "text/plain"}};
  request.body = "hello pwplay";
  EXPECT_EQ(to_curl(request),
            "curl 'http://127.0.0.1:8080/echo' \\\n"
            "  -H 'host: example.com' \\\n"
            "  -H 'content-type: text/plain' \\\n"
            "  --data-raw 'hello pwplay'");
  request.method = "PATCH";
  request.headers = {{"host", "example.com"}};
  EXPECT_EQ(to_curl(request, "https://proxy.test/"),
            "curl 'https://proxy.test/echo' \\\n"
            "  -X PATCH \\\n"
            "  -H 'host: example.com' \\\n"
            "  -H 'content-type:' \\\n"
            "  --data-raw 'hello pwplay'");
}

// The command lines run in a real POSIX shell: a `curl` function there prints
// the arguments it got (and the bytes piped to it), which must be exactly what
// parse_curl read.
TEST(Curl, ToCurlQuotingSurvivesARealShell) {
  if (access("/bin/sh", X_OK) != 0) GTEST_SKIP() << "no /bin/sh";
  for (const auto& request : round_trip_requests()) {
    std::string command = to_curl(request);
    SCOPED_TRACE(command);
    std::string script =
        "curl() { for a in \"$@\"; do printf '%s\\n--\\n' \"$a\"; done; "
        "if [ \"$PIPED\" = 1 ]; then cat; fi; }\n";
    bool piped = command.rfind("printf", 0) == 0;
    script += std::string("PIPED=") + (piped ? "1" : "0") + "\n" + command + "\n";
    std::string script_path = testing::write_temp_file("curl_roundtrip.sh", script);
    std::string out_path = script_path + ".out";
    ASSERT_EQ(std::system(("/bin/sh " + script_path + " > " + out_path).c_str()), 0);
    std::ifstream in(out_path, std::ios::binary);
    std::stringstream printed;
    printed << in.rdbuf();
    std::string output = printed.str();
    // Rebuild what the shell passed: arguments separated by "\n--\n", then the
    // piped bytes.
    std::vector<std::string> args;
    size_t start = 0, end;
    while ((end = output.find("\n--\n", start)) != std::string::npos) {
      args.push_back(output.substr(start, end - start));
      start = end + 4;
    }
    std::string rebuilt = "curl";
    for (const auto& arg : args) {
      std::string quoted = "'";
      for (char c : arg) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
      rebuilt += " " + quoted + "'";
    }
    if (piped) {
      EXPECT_EQ(output.substr(start), request.body);
      continue;
    }
    auto reparsed = parse_curl(rebuilt);
    ASSERT_TRUE(reparsed.ok()) << reparsed.error().message;
    expect_same_request(reparsed->request, request);
  }
}

TEST(Curl, ErrorsNameThePlace) {
  std::string unterminated = parse_error("curl 'http://h/' \\\n  -H 'x: 1");
  EXPECT_NE(unterminated.find("line 2, column 6"), std::string::npos) << unterminated;
  EXPECT_NE(unterminated.find("single quote"), std::string::npos) << unterminated;

  std::string ansi = parse_error("curl http://h/ --data-raw $'abc");
  EXPECT_NE(ansi.find("line 1, column 27"), std::string::npos) << ansi;

  std::string dquote = parse_error("curl \"http://h/");
  EXPECT_NE(dquote.find("double quote"), std::string::npos) << dquote;

  std::string unknown = parse_error("curl http://h/ \\\n  --frobnicate");
  EXPECT_NE(unknown.find("'--frobnicate'"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("line 2, column 3"), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("unknown curl option"), std::string::npos) << unknown;

  std::string unknown_short = parse_error("curl -sZq http://h/ -sWx");
  EXPECT_NE(unknown_short.find("'-W' in '-sWx'"), std::string::npos) << unknown_short;

  std::string form = parse_error("curl http://h/ -F 'file=@a.png'");
  EXPECT_NE(form.find("'-F'"), std::string::npos) << form;
  EXPECT_NE(form.find("not supported"), std::string::npos) << form;

  std::string no_url = parse_error("curl -H 'a: b'");
  EXPECT_NE(no_url.find("no URL"), std::string::npos) << no_url;

  std::string two_urls = parse_error("curl http://a/ http://b/");
  EXPECT_NE(two_urls.find("'http://b/'"), std::string::npos) << two_urls;
  EXPECT_NE(two_urls.find("second URL"), std::string::npos) << two_urls;

  std::string scheme = parse_error("curl ftp://files.example.com/x");
  EXPECT_NE(scheme.find("scheme 'ftp'"), std::string::npos) << scheme;

  std::string port = parse_error("curl http://h:80a/");
  EXPECT_NE(port.find("invalid port '80a'"), std::string::npos) << port;

  std::string header = parse_error("curl http://h/ -H 'no colon here'");
  EXPECT_NE(header.find("expected a header 'Name: value'"), std::string::npos) << header;
  EXPECT_NE(header.find("'-H'"), std::string::npos) << header;

  std::string file_body = parse_error("curl http://h/ -d @body.json");
  EXPECT_NE(file_body.find("reads the body from a file ('@body.json')"), std::string::npos)
      << file_body;

  std::string cookie_file = parse_error("curl http://h/ -b cookies.txt");
  EXPECT_NE(cookie_file.find("cookie file"), std::string::npos) << cookie_file;

  std::string missing_value = parse_error("curl http://h/ -H");
  EXPECT_NE(missing_value.find("needs a value"), std::string::npos) << missing_value;

  std::string not_curl = parse_error("wget http://h/");
  EXPECT_NE(not_curl.find("found 'wget'"), std::string::npos) << not_curl;

  std::string piped = parse_error("curl http://h/ | jq .");
  EXPECT_NE(piped.find("only one curl command"), std::string::npos) << piped;

  std::string windows = parse_error("curl \"http://h/\" ^\n  -H \"a: b\"");
  EXPECT_NE(windows.find("Windows cmd"), std::string::npos) << windows;

  std::string equals = parse_error("curl --header=x:1 http://h/");
  EXPECT_NE(equals.find("not after '='"), std::string::npos) << equals;

  std::string empty = parse_error("   \n ");
  EXPECT_NE(empty.find("empty"), std::string::npos) << empty;
}

TEST(Curl, SplitHttpUrl) {
  auto url = split_http_url("HTTPS://user@Example.com:8443?x=1");
  ASSERT_TRUE(url.ok()) << url.error().message;
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->userinfo, "user");
  EXPECT_EQ(url->authority, "Example.com:8443");
  EXPECT_EQ(url->path, "/?x=1");
  EXPECT_FALSE(split_http_url("http://").ok());
  EXPECT_FALSE(split_http_url("mailto:a@b").ok());
}

TEST(Curl, ShellQuote) {
  EXPECT_EQ(shell_quote("simple-word_1.2/x:y=z@w%+,"), "simple-word_1.2/x:y=z@w%+,");
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
}

}  // namespace
}  // namespace pwplay::debugger
