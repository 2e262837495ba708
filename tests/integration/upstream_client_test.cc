// A request file's real upstream ("upstream": "HOST:PORT"): the request that leaves the filter
// goes to a local server over HTTP/1.1 and the server's response comes back through the filter;
// a server that refuses or stays silent gives the client a 503 that says why, within the timeout.
#include <gtest/gtest.h>

#include <chrono>

#include <nlohmann/json.hpp>

#include "debugger/formats/request_file.h"
#include "debugger/runner.h"
#include "host/upstream_client.h"
#include "support/session_support.h"
#include "support/test_upstream.h"

namespace pwplay::testing {
namespace {

debugger::RequestFile to(const std::string& address, uint32_t timeout_ms = 5000) {
  debugger::RequestFile request = get_request("/real?x=1");
  request.request.method = "POST";
  request.request.body = "hello";
  request.upstream.address = address;
  request.upstream.timeout_ms = timeout_ms;
  return request;
}

std::string address_of(uint16_t port) {
  return "127.0.0.1:" + std::to_string(port);
}

TEST(UpstreamClient, TheFiltersRequestReachesTheServerAndItsResponseComesBack) {
  TestUpstream server;
  auto run = debugger::run_once(filter("add_header"), to(address_of(server.port())));
  ASSERT_TRUE(run.ok()) << run.error().message;
  // The server saw the request as the filter left it.
  ASSERT_EQ(server.request_count(), 1u);
  const ReceivedRequest received = server.requests()[0];
  EXPECT_EQ(received.method, "POST");
  EXPECT_EQ(received.path, "/real?x=1");
  EXPECT_EQ(received.header("x-wasm-filter"), "add-header");
  EXPECT_EQ(received.header("host"), "example.com");
  EXPECT_EQ(received.body, "hello");
  // Its real answer went back through the filter's response callbacks.
  const host::RunReport& report = run->report;
  EXPECT_TRUE(report.upstream_error.empty()) << report.upstream_error;
  ASSERT_TRUE(report.upstream_response.has_value());
  EXPECT_EQ(header(report.upstream_response->headers, "x-upstream"), "test");
  ASSERT_TRUE(report.response.has_value());
  EXPECT_EQ(report.response->status, 200u);
  EXPECT_EQ(header(report.response->headers, "x-upstream"), "test");
  EXPECT_EQ(header(report.response->headers, "x-wasm-response"), "add-header");
  EXPECT_EQ(report.response->body, "upstream saw POST /real?x=1 (5 body bytes)");
}

TEST(UpstreamClient, ARefusedConnectionIsA503ThatSaysWhy) {
  const std::string address = address_of(unused_port());
  auto run = debugger::run_once(filter("add_header"), to(address));
  ASSERT_TRUE(run.ok()) << run.error().message;
  const host::RunReport& report = run->report;
  EXPECT_EQ(report.upstream_error, "upstream " + address + ": connection refused");
  EXPECT_FALSE(report.upstream_response.has_value());
  ASSERT_TRUE(report.response.has_value());
  EXPECT_EQ(report.response->status, 503u);
  EXPECT_EQ(report.response->body, report.upstream_error + "\n");
  // The filter still saw the response on its way to the client.
  EXPECT_EQ(header(report.response->headers, "x-wasm-response"), "add-header");
}

TEST(UpstreamClient, ASilentServerTimesOut) {
  TestUpstream server([](const ReceivedRequest&) { return UpstreamReply{"", false, true}; });
  const auto start = std::chrono::steady_clock::now();
  auto run = debugger::run_once(filter("add_header"), to(address_of(server.port()), 300));
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(run.ok()) << run.error().message;
  EXPECT_EQ(run->report.upstream_error,
            "upstream " + address_of(server.port()) + ": no response within 300 ms");
  ASSERT_TRUE(run->report.response.has_value());
  EXPECT_EQ(run->report.response->status, 503u);
  EXPECT_LT(took, std::chrono::seconds(5));
}

TEST(UpstreamClient, ChunkedResponsesArriveWholeWithoutTheirFraming) {
  TestUpstream server([](const ReceivedRequest&) {
    return UpstreamReply{
        "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nX-Kind: chunked\r\n\r\n"
        "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"};
  });
  host::MessageView request;
  request.method = "GET";
  request.path = "/";
  request.headers = {{"host", "example.com"}};
  auto response = host::exchange_with_upstream(address_of(server.port()), request,
                                               std::chrono::milliseconds(5000));
  ASSERT_TRUE(response.ok()) << response.error().message;
  EXPECT_EQ(response->status, 201u);
  EXPECT_EQ(response->body, "abcde");
  EXPECT_EQ(response->headers, (abi::HeaderPairs{{"x-kind", "chunked"}}));
}

TEST(UpstreamClient, RequestFilesNameTheUpstreamAndItsTimeout) {
  auto parsed =
      debugger::parse_request(nlohmann::json::parse(R"({"path": "/", "upstream": "127.0.0.1:8080",
                                "upstream_timeout_ms": 250})"),
                              "r.json");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->upstream.address, "127.0.0.1:8080");
  EXPECT_EQ(parsed->upstream.timeout_ms, 250u);
  nlohmann::json back = debugger::request_to_json(*parsed);
  EXPECT_EQ(back["upstream"], "127.0.0.1:8080");
  EXPECT_EQ(back["upstream_timeout_ms"], 250);
  auto error = [](const char* text) {
    auto result = debugger::parse_request(nlohmann::json::parse(text), "r.json");
    return result.ok() ? std::string("accepted") : result.error().message;
  };
  EXPECT_EQ(error(R"({"upstream": "127.0.0.1:1", "upstream_response": {"status": 200}})"),
            "r.json: give either 'upstream' (a real server) or 'upstream_response' (a mock), not "
            "both");
  EXPECT_EQ(error(R"({"upstream": "nowhere"})"),
            "r.json: field 'upstream' 'nowhere' is not HOST:PORT (no port)");
  EXPECT_EQ(error(R"({"upstream_timeout_ms": 0})"),
            "r.json: field 'upstream_timeout_ms' must be an integer from 1 to 60000");
  EXPECT_EQ(error(R"({"upstream_timeout_ms": 60001})"),
            "r.json: field 'upstream_timeout_ms' must be an integer from 1 to 60000");
}

}  // namespace
}  // namespace pwplay::testing
