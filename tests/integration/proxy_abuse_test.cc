// Abuse of the embedded proxy through raw sockets, as an attacker on loopback would try it:
// lenient framing that could smuggle a second request, headers that must not be forwarded,
// oversized and endless heads, slow and idle clients, resets, and the forms of request the
// proxy must still serve. After each case a normal request through the same proxy gets its 200.
#include <gtest/gtest.h>

#include <thread>

#include <nlohmann/json.hpp>

#include "support/http_test_client.h"
#include "support/proxy_harness.h"
#include "support/test_upstream.h"

namespace pwplay::testing {
namespace {

using host::proxy::ProxyOptions;
using host::proxy::ProxyStats;
using host::proxy::UpstreamConfig;
using std::chrono::milliseconds;

// Sends `bytes` on a new connection and reads one answer.
HttpResponse send_raw(uint16_t port, const std::string& bytes, bool expect_close = true) {
  auto connection = HttpConnection::open(port);
  if (!connection) return HttpResponse{false, "connection refused"};
  connection->send(bytes);
  HttpResponse response = connection->read_response(false, std::chrono::seconds(5));
  if (expect_close && response.ok && !connection->wait_closed(std::chrono::seconds(5)))
    response.error = "the connection stayed open";
  return response;
}

bool saw_path(const TestUpstream& upstream, const std::string& path) {
  for (const auto& request : upstream.requests())
    if (request.path == path) return true;
  return false;
}

// Waits until `ready(stats)` holds.
bool wait_stats(host::proxy::Proxy& proxy, const std::function<bool(const ProxyStats&)>& ready,
                milliseconds timeout = milliseconds(5000)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready(proxy.stats())) return true;
    std::this_thread::sleep_for(milliseconds(10));
  }
  return ready(proxy.stats());
}

const std::string kSmuggled = "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";

struct AbuseCase {
  std::string name;
  std::string bytes;
  int status;
  std::string says;  // a word of the answer's body
};

void expect_refused(const std::vector<AbuseCase>& cases) {
  TestUpstream upstream;
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  for (const AbuseCase& c : cases) {
    HttpResponse response = send_raw(proxy.port(), c.bytes);
    ASSERT_TRUE(response.ok) << c.name << ": " << response.error;
    EXPECT_EQ(response.status, c.status) << c.name << ": " << response.body;
    EXPECT_NE(response.body.find(c.says), std::string::npos) << c.name << ": " << response.body;
    EXPECT_TRUE(response.error.empty()) << c.name << ": " << response.error;
    // A normal request through the same proxy right after.
    EXPECT_EQ(http_request(proxy.port(), "GET", "/after").status, 200) << c.name;
  }
  EXPECT_FALSE(saw_path(upstream, "/smuggled"));
}

TEST(ProxyAbuse, FramingTricksGet400WithoutSmuggling) {
  expect_refused({
      {"space before the colon of Content-Length",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello" + kSmuggled, 400, "colon"},
      {"space before the colon of Transfer-Encoding",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" + kSmuggled,
       400, "colon"},
      {"tab inside a name", "GET / HTTP/1.1\r\nHost: x\r\nX\tY: 1\r\n\r\n", 400, "colon"},
      {"both Content-Length and Transfer-Encoding",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n" +
           kSmuggled,
       400, "bad request"},
      {"two different Content-Lengths",
       "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 40\r\n\r\nabc" +
           kSmuggled,
       400, "bad request"},
      {"obs-fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n folded\r\n\r\n", 400, "obs-fold"},
      {"obs-fold after an empty value",
       "GET / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n 40\r\n\r\n" + kSmuggled, 400, "obs-fold"},
      {"chunk size not hex",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
       "bad request"},
      {"negative chunk size",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\nx\r\n0\r\n\r\n", 400,
       "bad request"},
      {"chunk size overflow",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
       "fffffffffffffffff1\r\nabc\r\n",
       400, "bad request"},
      {"chunk data not followed by CRLF",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXX0\r\n\r\n" +
           kSmuggled,
       400, "CRLF"},
  });
}

TEST(ProxyAbuse, MissingCrlfAfterChunkDataIsCaughtAcrossReads) {
  TestUpstream upstream;
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  // The chunk's data ends exactly at the end of one read; the bad bytes come in the next.
  ASSERT_TRUE(connection->send(
      "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc"));
  ASSERT_TRUE(upstream.wait_until([&] { return upstream.partial_body() == "abc"; }));
  ASSERT_TRUE(connection->send("\rX0\r\n\r\n" + kSmuggled));
  HttpResponse response = connection->read_response(false, std::chrono::seconds(5));
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("CRLF"), std::string::npos) << response.body;
  EXPECT_FALSE(saw_path(upstream, "/smuggled"));
  EXPECT_EQ(http_request(proxy.port(), "GET", "/after").status, 200);
}

TEST(ProxyAbuse, UnsupportedCodingsMethodsAndVersionsAreRefused) {
  expect_refused({
      {"gzip, chunked",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501,
       "gzip"},
      {"chunked twice",
       "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
       "chunked\r\n\r\n0\r\n\r\n",
       501, "not supported"},
      {"Transfer-Encoding in HTTP/1.0",
       "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400, "HTTP/1.0"},
      {"HTTP/1.1 without Host", "GET / HTTP/1.1\r\nUser-Agent: t\r\n\r\n", 400, "Host"},
      {"two Host headers", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "Host"},
      {"HTTP/9.9", "GET / HTTP/9.9\r\nHost: x\r\n\r\n", 505, "HTTP/9.9"},
      {"HTTP/2.0 in HTTP/1 syntax", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505, "HTTP/2.0"},
      {"HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505, "HTTP/1.2"},
      {"CONNECT", "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n", 501,
       "CONNECT"},
  });
}

TEST(ProxyAbuse, HopByHopAndNominatedHeadersAreNotForwarded) {
  TestUpstream upstream([](const ReceivedRequest&) {
    return UpstreamReply{
        "HTTP/1.1 200 OK\r\nConnection: x-upstream-secret\r\nX-Upstream-Secret: s\r\n"
        "X-Kept: k\r\nContent-Length: 2\r\n\r\nok"};
  });
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(
      "GET /hop HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Hop, x-other\r\n"
      "X-Hop: 1\r\nX-Other: 2\r\nKeep-Alive: timeout=5\r\nTE: trailers\r\nX-Stay: 3\r\n\r\n"));
  HttpResponse response = connection->read_response();
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("x-upstream-secret"), "<absent>");
  EXPECT_EQ(response.header("x-kept"), "k");
  ASSERT_EQ(upstream.requests().size(), 1u);
  const ReceivedRequest seen = upstream.requests()[0];
  EXPECT_EQ(seen.header("x-hop"), "<absent>");
  EXPECT_EQ(seen.header("x-other"), "<absent>");
  EXPECT_EQ(seen.header("keep-alive"), "<absent>");
  EXPECT_EQ(seen.header("te"), "<absent>");
  EXPECT_EQ(seen.header("x-stay"), "3");
  // The connection stays usable (keep-alive was honoured, not forwarded).
  ASSERT_TRUE(connection->send(request_bytes("GET", "/again")));
  EXPECT_EQ(connection->read_response().status, 200);
}

TEST(ProxyAbuse, FramingFieldsInTrailersAreDropped) {
  TestUpstream upstream;
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(
      "POST /trailers HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk("abc") +
      "0\r\nContent-Length: 99\r\nTransfer-Encoding: gzip\r\nHost: evil\r\nX-Sum: 7\r\n\r\n"));
  HttpResponse response = connection->read_response();
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  ASSERT_TRUE(upstream.wait_until([&] { return upstream.request_count() == 1; }));
  const ReceivedRequest seen = upstream.requests()[0];
  EXPECT_EQ(seen.body, "abc");
  Headers expected{{"x-sum", "7"}};
  EXPECT_EQ(seen.trailers, expected);
}

TEST(ProxyAbuse, UpgradeIsServedAsPlainHttp) {
  TestUpstream upstream;
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n" +
      request_bytes("GET", "/next")));
  HttpResponse first = connection->read_response();
  HttpResponse second = connection->read_response();
  ASSERT_TRUE(first.ok && second.ok) << first.error << second.error;
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(second.body, "upstream saw GET /next (0 body bytes)");
  ASSERT_EQ(upstream.requests().size(), 2u);
  EXPECT_EQ(upstream.requests()[0].header("upgrade"), "<absent>");
  EXPECT_EQ(upstream.requests()[0].header("sec-websocket-version"), "13");
}

TEST(ProxyAbuse, Http10WithoutHostAbsoluteFormAndExpectContinueAreServed) {
  TestProxy proxy(ProxyOptions{});  // the echo upstream
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse old = send_raw(proxy.port(), "GET /old HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(old.ok) << old.error;
  EXPECT_EQ(old.status, 200);
  EXPECT_EQ(nlohmann::json::parse(old.body)["path"], "/old");

  // Absolute form with no Host: the authority comes from the URL.
  HttpResponse absolute = send_raw(
      proxy.port(), "GET http://example.com:8000/abs?x=1 HTTP/1.1\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(absolute.ok) << absolute.error;
  EXPECT_EQ(absolute.status, 200);
  nlohmann::json echoed = nlohmann::json::parse(absolute.body);
  EXPECT_EQ(echoed["path"], "/abs?x=1");
  bool host_ok = false;
  for (const auto& pair : echoed["headers"])
    if (pair[0] == "host" && pair[1] == "example.com:8000") host_ok = true;
  EXPECT_TRUE(host_ok) << absolute.body;

  // Expect: 100-continue gets the interim answer before the body is sent.
  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(
      "POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(connection->read_head().rfind("HTTP/1.1 100 Continue\r\n", 0), 0u);
  ASSERT_TRUE(connection->send("hello"));
  HttpResponse final_answer = connection->read_response();
  ASSERT_TRUE(final_answer.ok) << final_answer.error;
  EXPECT_EQ(final_answer.status, 200);
  EXPECT_EQ(nlohmann::json::parse(final_answer.body)["body"], "hello");
}

TEST(ProxyAbuse, HugeHeadsGet431) {
  TestProxy proxy(ProxyOptions{});
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse line =
      send_raw(proxy.port(),
               "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(1 << 20, 'a') + "\r\n\r\n");
  ASSERT_TRUE(line.ok) << line.error;
  EXPECT_EQ(line.status, 431);
  std::string many = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 100000; ++i) many += "a: b\r\n";
  HttpResponse count = send_raw(proxy.port(), many + "\r\n");
  ASSERT_TRUE(count.ok) << count.error;
  EXPECT_EQ(count.status, 431);
  EXPECT_EQ(http_request(proxy.port(), "GET", "/after").status, 200);
}

TEST(ProxyAbuse, HeaderCountLimitIsEnforcedAndConfigurable) {
  // 150 small headers fit the byte limit: only the count limit refuses them.
  auto headers_of = [](int count) {
    Headers headers;
    for (int i = 0; i < count; ++i) headers.emplace_back("x-h" + std::to_string(i), "v");
    return headers;
  };
  Headers headers = headers_of(150);
  TestProxy limited(ProxyOptions{});
  ASSERT_TRUE(limited.started()) << limited.error();
  HttpResponse refused = send_raw(limited.port(), request_bytes("GET", "/", headers));
  ASSERT_TRUE(refused.ok) << refused.error;
  EXPECT_EQ(refused.status, 431);
  EXPECT_NE(refused.body.find("more than 100 header fields"), std::string::npos) << refused.body;
  // 99 and Host make 100: at the limit.
  EXPECT_EQ(http_request(limited.port(), "GET", "/", headers_of(99)).status, 200);

  ProxyOptions options;
  options.max_headers = 200;
  TestProxy raised(std::move(options));
  ASSERT_TRUE(raised.started()) << raised.error();
  EXPECT_EQ(http_request(raised.port(), "GET", "/", headers).status, 200);
}

TEST(ProxyAbuse, BodyPastTheBufferLimitGets413) {
  TestUpstream upstream;
  ProxyOptions options = to_upstream(upstream.port(), {sample_plugin("body_rewrite")});
  options.env.buffer_limit_bytes = 64 * 1024;
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse response = http_request(proxy.port(), "POST", "/big", {}, std::string(200000, 'b'));
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.body, "PAYLOAD TOO LARGE");  // upper-cased by the filter on its way back
  EXPECT_EQ(upstream.request_count(), 0u);
  // Under the limit the same filter forwards the body.
  HttpResponse small = http_request(proxy.port(), "POST", "/small", {}, std::string(1000, 'b'));
  EXPECT_EQ(small.status, 200);
}

// body_rewrite passes the response headers on and buffers the body: past the limit the headers
// are already out, so, as in Envoy, the stream is reset (the client gets a cut response).
TEST(ProxyAbuse, ResponseBodyPastTheBufferLimitAfterItsHeadersResetsTheStream) {
  TestUpstream upstream([](const ReceivedRequest&) {
    return UpstreamReply{"HTTP/1.1 200 OK\r\nContent-Length: 300000\r\n\r\n" +
                         std::string(300000, 'r')};
  });
  ProxyOptions options = to_upstream(upstream.port(), {sample_plugin("body_rewrite")});
  options.env.buffer_limit_bytes = 64 * 1024;
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse response = http_request(proxy.port(), "GET", "/big-answer");
  EXPECT_FALSE(response.ok);
  EXPECT_EQ(response.status, 200);
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_TRUE(records[0].reset);
  EXPECT_NE(records[0].reset_reason.find("buffer limit of 65536 bytes"), std::string::npos)
      << records[0].reset_reason;
}

TEST(ProxyAbuse, SlowHeadersAreCutOffWhileNormalRequestsAreServed) {
  ProxyOptions options;
  options.request_headers_timeout = milliseconds(600);
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  constexpr int kSlow = 200;
  const std::string head = "GET /slow HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(100, 'p');
  std::vector<std::unique_ptr<HttpConnection>> slow;
  for (int i = 0; i < kSlow; ++i) {
    auto connection = HttpConnection::open(proxy.port());
    ASSERT_TRUE(connection);
    slow.push_back(std::move(connection));
  }
  // One byte per connection every 50 ms, never finishing the head.
  auto start = std::chrono::steady_clock::now();
  for (size_t byte = 0; byte < 30; ++byte) {
    for (auto& connection : slow) connection->send(std::string(1, head[byte]));
    if (byte == 10) {
      auto before = std::chrono::steady_clock::now();
      EXPECT_EQ(http_request(proxy.port(), "GET", "/normal").status, 200);
      EXPECT_LT(std::chrono::steady_clock::now() - before, milliseconds(500));
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  EXPECT_GT(std::chrono::steady_clock::now() - start, milliseconds(1200));
  int timed_out = 0;
  for (auto& connection : slow) {
    HttpResponse response = connection->read_response(false, std::chrono::seconds(3));
    if (response.ok && response.status == 408) ++timed_out;
  }
  EXPECT_EQ(timed_out, kSlow);
  EXPECT_TRUE(wait_stats(proxy.proxy(), [](const ProxyStats& s) {
    return s.connections_active == 0;
  })) << proxy.proxy().stats().connections_active;
  EXPECT_EQ(http_request(proxy.port(), "GET", "/after").status, 200);
}

TEST(ProxyAbuse, AThousandIdleConnectionsAreAcceptedAndFreed) {
  ProxyOptions options;
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  std::vector<std::unique_ptr<HttpConnection>> idle;
  for (int i = 0; i < 1000; ++i) {
    auto connection = HttpConnection::open(proxy.port());
    ASSERT_TRUE(connection) << i;
    idle.push_back(std::move(connection));
  }
  EXPECT_TRUE(wait_stats(proxy.proxy(), [](const ProxyStats& s) {
    return s.connections_active >= 1000;
  })) << proxy.proxy().stats().connections_active;
  EXPECT_EQ(http_request(proxy.port(), "GET", "/while-idle").status, 200);
  idle.clear();
  EXPECT_TRUE(wait_stats(proxy.proxy(), [](const ProxyStats& s) {
    return s.connections_active == 0;
  })) << proxy.proxy().stats().connections_active;
  EXPECT_EQ(proxy.proxy().stats().requests_active, 0u);

  // With an idle timeout, idle connections are closed by the proxy.
  ProxyOptions short_idle;
  short_idle.idle_timeout = milliseconds(300);
  TestProxy closing(std::move(short_idle));
  ASSERT_TRUE(closing.started()) << closing.error();
  std::vector<std::unique_ptr<HttpConnection>> quiet;
  for (int i = 0; i < 50; ++i) quiet.push_back(HttpConnection::open(closing.port()));
  for (auto& connection : quiet) {
    ASSERT_TRUE(connection);
    EXPECT_TRUE(connection->wait_closed(std::chrono::seconds(3)));
  }
}

TEST(ProxyAbuse, ManyPipelinedRequestsAreAnsweredInOrder) {
  TestUpstream upstream;
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  std::string batch;
  for (int i = 0; i < 50; ++i)
    batch += request_bytes(i % 2 ? "POST" : "GET", "/p" + std::to_string(i), {},
                           i % 2 ? std::string(static_cast<size_t>(i), 'x') : "");
  ASSERT_TRUE(connection->send(batch));
  for (int i = 0; i < 50; ++i) {
    HttpResponse response = connection->read_response();
    ASSERT_TRUE(response.ok) << i << ": " << response.error;
    EXPECT_EQ(response.body, "upstream saw " + std::string(i % 2 ? "POST" : "GET") + " /p" +
                                 std::to_string(i) + " (" + std::to_string(i % 2 ? i : 0) +
                                 " body bytes)");
  }
}

TEST(ProxyAbuse, ResetsMidBodyAndMidResponseAreFreedAndNotCountedAsAnswers) {
  const std::string big(8 << 20, 'r');
  TestUpstream upstream([&big](const ReceivedRequest& request) {
    if (request.path == "/big") return UpstreamReply{TestUpstream::response(200, big)};
    return UpstreamReply{TestUpstream::response(200, "small")};
  });
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  {
    auto connection = HttpConnection::open(proxy.port());
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(request_bytes("POST", "/upload", {{"Content-Length", "1000"}}) +
                                 std::string(100, 'x')));
    ASSERT_TRUE(
        wait_stats(proxy.proxy(), [](const ProxyStats& s) { return s.requests_total == 1; }));
    connection->close();
  }
  {
    auto connection = HttpConnection::open(proxy.port());
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(request_bytes("GET", "/big")));
    // The response is under way; the client reads nothing and goes away.
    ASSERT_TRUE(
        wait_stats(proxy.proxy(), [](const ProxyStats& s) { return s.requests_total == 2; }));
    std::this_thread::sleep_for(milliseconds(200));
    connection->close();
  }
  EXPECT_TRUE(wait_stats(proxy.proxy(), [](const ProxyStats& s) {
    return s.connections_active == 0 && s.requests_active == 0;
  }));
  ProxyStats stats = proxy.proxy().stats();
  EXPECT_EQ(stats.responses_2xx, 0u);
  EXPECT_EQ(stats.client_aborts, 2u);
  EXPECT_EQ(http_request(proxy.port(), "GET", "/after").status, 200);
  EXPECT_TRUE(wait_stats(proxy.proxy(), [](const ProxyStats& s) { return s.responses_2xx == 1; }));
}

TEST(ProxyAbuse, AResetAfterTheWholeResponseWasQueuedIsNotA2xx) {
  // The mock upstream answers 12 MiB at once: the proxy queues it all, the client never reads.
  host::ResponseSpec mock;
  mock.status = 200;
  mock.body = std::string(12 << 20, 'm');
  ProxyOptions options;
  options.upstream = UpstreamConfig::mock_response(mock);
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  {
    auto connection = HttpConnection::open(proxy.port());
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(request_bytes("GET", "/queued")));
    ASSERT_TRUE(wait_stats(proxy.proxy(), [](const ProxyStats& s) {
      return s.requests_active == 0 && s.requests_total == 1;
    }));
    connection->close();
  }
  EXPECT_TRUE(
      wait_stats(proxy.proxy(), [](const ProxyStats& s) { return s.connections_active == 0; }));
  ProxyStats stats = proxy.proxy().stats();
  EXPECT_EQ(stats.responses_2xx, 0u);
  EXPECT_EQ(stats.client_aborts, 1u);
}

// Buffers the request body and prepends "GROWN:" at its end, leaving content-length as the
// client sent it (the mistake that used to cut the body in `serve`).
const char* const kGrowBodyKeepLength =
    "(module\n"
    "  (import \"env\" \"proxy_set_buffer_bytes\"\n"
    "    (func $set (param i32 i32 i32 i32 i32) (result i32)))\n"
    "  (memory (export \"memory\") 1)\n"
    "  (data (i32.const 1024) \"GROWN:\")\n"
    "  (func (export \"malloc\") (param i32) (result i32) (i32.const 4096))\n"
    "  (func (export \"proxy_on_memory_allocate\") (param i32) (result i32) (i32.const 4096))\n"
    "  (func (export \"proxy_abi_version_0_2_1\"))\n"
    "  (func (export \"proxy_on_context_create\") (param i32 i32))\n"
    "  (func (export \"proxy_on_vm_start\") (param i32 i32) (result i32) (i32.const 1))\n"
    "  (func (export \"proxy_on_configure\") (param i32 i32) (result i32) (i32.const 1))\n"
    "  (func (export \"proxy_on_request_body\") (param i32 i32 i32) (result i32)\n"
    "    (if (i32.eqz (local.get 2)) (then (return (i32.const 1))))\n"
    "    (drop (call $set (i32.const 0) (i32.const 0) (i32.const 0) (i32.const 1024)\n"
    "                     (i32.const 6)))\n"
    "    (i32.const 0))\n"
    ")\n";

TEST(ProxyReframe, ABodyAFilterGrewReachesARealUpstreamWhole) {
  TestUpstream upstream([](const ReceivedRequest& request) {
    return UpstreamReply{TestUpstream::response(200, request.body)};
  });
  TestProxy proxy(to_upstream(upstream.port(), {wat_plugin("grow", kGrowBodyKeepLength)}));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse response = http_request(proxy.port(), "POST", "/grow", {}, "hello");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.body, "GROWN:hello");
  ASSERT_EQ(upstream.requests().size(), 1u);
  EXPECT_EQ(upstream.requests()[0].header("content-length"), "11");
  EXPECT_EQ(upstream.requests()[0].body, "GROWN:hello");
  // The connection to the upstream stayed in step: the next request is answered normally.
  HttpResponse again = http_request(proxy.port(), "POST", "/again", {}, "abc");
  EXPECT_EQ(again.body, "GROWN:abc");
}

TEST(ProxyReframe, TheEchoUpstreamSeesTheRealLengthToo) {
  TestProxy proxy([] {
    ProxyOptions options;
    options.plugins.push_back(wat_plugin("grow", kGrowBodyKeepLength));
    return options;
  }());
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse response = http_request(proxy.port(), "POST", "/grow", {}, "hello");
  ASSERT_TRUE(response.ok) << response.error;
  nlohmann::json echoed = nlohmann::json::parse(response.body);
  EXPECT_EQ(echoed["body"], "GROWN:hello");
  std::string length;
  for (const auto& pair : echoed["headers"])
    if (pair[0] == "content-length") length = pair[1];
  EXPECT_EQ(length, "11");
}

TEST(ProxyAbuse, FailuresNameThePhaseTheyHappenedIn) {
  TestUpstream upstream([](const ReceivedRequest& request) {
    if (request.path == "/mid-body")
      return UpstreamReply{"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b", true};
    return UpstreamReply{"HTTP/1.1 200 OK\r\nX-Big: " + std::string(70000, 'h') + "\r\n\r\n", true};
  });
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->send(request_bytes("GET", "/mid-body")));
  EXPECT_TRUE(connection->wait_closed());  // a reset mid-response: the client sees the close
  HttpResponse head = http_request(proxy.port(), "GET", "/big-head");
  ASSERT_TRUE(head.ok) << head.error;
  EXPECT_EQ(head.status, 502);
  EXPECT_NE(head.body.find("response headers are larger"), std::string::npos) << head.body;
  EXPECT_EQ(head.body.find("request headers"), std::string::npos) << head.body;
  auto records = proxy.wait_records(2);
  ASSERT_EQ(records.size(), 2u);
  const auto& mid = records[0].path == "/mid-body" ? records[0] : records[1];
  EXPECT_NE(mid.error.find("after the response headers"), std::string::npos) << mid.error;
  EXPECT_EQ(mid.error.find("before headers"), std::string::npos) << mid.error;
  EXPECT_EQ(mid.status, 0u);
  EXPECT_TRUE(
      wait_stats(proxy.proxy(), [](const ProxyStats& s) { return s.requests_active == 0; }));
  EXPECT_EQ(proxy.proxy().stats().responses_2xx, 0u);
}

}  // namespace
}  // namespace pwplay::testing
