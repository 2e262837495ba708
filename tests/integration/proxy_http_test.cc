// Integration tests of the embedded proxy's HTTP/1.1 handling and faults: keep-alive and
// pipelining, malformed and oversized requests, an upstream that is down, resets or stalls, a
// client that goes away mid-request, and a 10,000-request run over 50 connections.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/http_test_client.h"
#include "support/proxy_harness.h"
#include "support/test_upstream.h"

namespace pwplay::testing {
namespace {

using host::proxy::ProxyOptions;
using host::proxy::UpstreamConfig;

// A stop that comes before the loop thread has entered its loop must still end it (a plain
// loop break is forgotten then, and the stop would wait forever).
TEST(ProxyHttp, StopRightAfterStartEndsTheLoop) {
  for (int i = 0; i < 100; ++i) {
    host::proxy::Proxy proxy;
    ASSERT_TRUE(proxy.start(ProxyOptions{}));
    EXPECT_TRUE(proxy.running());
    proxy.stop();
    EXPECT_FALSE(proxy.running()) << "round " << i;
  }
}

TEST(ProxyHttp, KeepAliveAndPipelinedRequestsAnswerInOrder) {
  TestUpstream upstream;
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  // Two requests in one write, then a third after the answers.
  ASSERT_TRUE(
      connection->send(request_bytes("GET", "/a") + request_bytes("POST", "/b", {}, "xyz")));
  HttpResponse a = connection->read_response();
  HttpResponse b = connection->read_response();
  ASSERT_TRUE(a.ok && b.ok) << a.error << b.error;
  EXPECT_EQ(a.body, "upstream saw GET /a (0 body bytes)");
  EXPECT_EQ(b.body, "upstream saw POST /b (3 body bytes)");
  ASSERT_TRUE(connection->send(request_bytes("HEAD", "/c")));
  HttpResponse c = connection->read_response(true);
  ASSERT_TRUE(c.ok) << c.error;
  EXPECT_EQ(c.status, 200);
  ASSERT_TRUE(connection->send(request_bytes("GET", "/d")));
  HttpResponse d = connection->read_response();
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.body, "upstream saw GET /d (0 body bytes)");
  EXPECT_EQ(proxy.proxy().stats().connections_total, 1u);
}

TEST(ProxyHttp, ChunkedResponsesAndTrailersPassThrough) {
  TestUpstream upstream([](const ReceivedRequest&) {
    return UpstreamReply{
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n" +
        chunk("part one, ") + chunk("part two") + "0\r\nX-Checksum: 42\r\n\r\n"};
  });
  TestProxy proxy(to_upstream(upstream.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse response = http_request(proxy.port(), "GET", "/stream");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.body, "part one, part two");
  EXPECT_EQ(response.header("transfer-encoding"), "chunked");
  ASSERT_EQ(response.trailers.size(), 1u);
  EXPECT_EQ(response.trailers[0], (std::pair<std::string, std::string>{"x-checksum", "42"}));
}

TEST(ProxyHttp, MalformedRequestGets400AndTheConnectionCloses) {
  TestProxy proxy(ProxyOptions{});
  ASSERT_TRUE(proxy.started()) << proxy.error();
  for (const std::string& garbage :
       {std::string("THIS IS NOT HTTP\r\n\r\n"),
        std::string("GET / HTTP/1.1\r\nBad Header\r\n\r\n"),
        std::string("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")}) {
    auto connection = HttpConnection::open(proxy.port());
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->send(garbage));
    HttpResponse response = connection->read_response();
    ASSERT_TRUE(response.ok) << response.error;
    EXPECT_EQ(response.status, 400);
    EXPECT_NE(response.body.find("bad request"), std::string::npos) << response.body;
    EXPECT_TRUE(connection->wait_closed());
  }
  // The proxy still serves.
  EXPECT_EQ(http_request(proxy.port(), "GET", "/fine").status, 200);
}

TEST(ProxyHttp, OversizedHeadersGet431) {
  ProxyOptions options;
  options.max_header_bytes = 8 * 1024;
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  connection->send(request_bytes("GET", "/", {{"X-Big", std::string(9000, 'a')}}));
  HttpResponse response = connection->read_response();
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 431);
  EXPECT_TRUE(connection->wait_closed());
  // Just under the limit passes.
  EXPECT_EQ(http_request(proxy.port(), "GET", "/", {{"X-Big", std::string(7000, 'a')}}).status,
            200);
}

TEST(ProxyHttp, DefaultHeaderLimitIs60KiB) {
  TestProxy proxy(ProxyOptions{});
  ASSERT_TRUE(proxy.started()) << proxy.error();
  EXPECT_EQ(http_request(proxy.port(), "GET", "/", {{"X-Big", std::string(50 * 1024, 'a')}}).status,
            200);
  EXPECT_EQ(http_request(proxy.port(), "GET", "/", {{"X-Big", std::string(70 * 1024, 'a')}}).status,
            431);
}

TEST(ProxyHttp, UpstreamDownGets503ThatSaysWhy) {
  TestProxy proxy(to_upstream(unused_port(), {sample_plugin("add_header")}));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse response = http_request(proxy.port(), "GET", "/down");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 503);
  EXPECT_NE(response.body.find("connection failure"), std::string::npos) << response.body;
  // The answer passed the response filters, as Envoy's router replies do.
  EXPECT_EQ(response.header("x-wasm-response"), "add-header");
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_FALSE(records[0].error.empty());
  EXPECT_FALSE(records[0].upstream_response);
  EXPECT_EQ(proxy.proxy().stats().upstream_failures, 1u);
}

TEST(ProxyHttp, UpstreamResetGets503AndInvalidResponseGets502) {
  TestUpstream closer([](const ReceivedRequest& request) {
    if (request.path == "/garbage") return UpstreamReply{"NOT HTTP AT ALL\r\n\r\n", true};
    return UpstreamReply{"", true};
  });
  TestProxy proxy(to_upstream(closer.port()));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse reset = http_request(proxy.port(), "GET", "/reset");
  ASSERT_TRUE(reset.ok) << reset.error;
  EXPECT_EQ(reset.status, 503);
  EXPECT_NE(reset.body.find("connection termination"), std::string::npos) << reset.body;
  HttpResponse garbage = http_request(proxy.port(), "GET", "/garbage");
  ASSERT_TRUE(garbage.ok) << garbage.error;
  EXPECT_EQ(garbage.status, 502);
  EXPECT_NE(garbage.body.find("invalid HTTP response"), std::string::npos) << garbage.body;
}

TEST(ProxyHttp, UpstreamThatNeverAnswersGets504) {
  TestUpstream silent([](const ReceivedRequest&) { return UpstreamReply{"", false, true}; });
  ProxyOptions options = to_upstream(silent.port());
  options.upstream.timeout = std::chrono::milliseconds(300);
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse response = http_request(proxy.port(), "GET", "/slow");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(response.body, "upstream request timeout\n");
}

TEST(ProxyHttp, ClientAbortMidRequestEndsTheStreamCleanly) {
  TestUpstream upstream;
  ProxyOptions options = to_upstream(upstream.port(), {sample_plugin("body_rewrite")});
  options.trace = true;
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  {
    auto connection = HttpConnection::open(proxy.port());
    ASSERT_TRUE(connection);
    // Half a body, then the client goes away.
    ASSERT_TRUE(connection->send(request_bytes("POST", "/upload", {{"Content-Length", "100"}}) +
                                 std::string(40, 'x')));
    // Wait until the proxy saw the request before closing.
    for (int i = 0; i < 200 && proxy.proxy().stats().requests_total == 0; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    connection->close();
  }
  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].status, 0u);
  EXPECT_NE(records[0].error.find("client closed"), std::string::npos) << records[0].error;
  // The end-of-stream callbacks still ran (body_rewrite exports proxy_on_done only).
  EXPECT_EQ(count_callbacks(records[0], "proxy_on_done"), 1u);
  bool stream_end = false;
  for (const auto& event : records[0].trace)
    if (event.kind == host::EventKind::Lifecycle && event.name == "stream_end") stream_end = true;
  EXPECT_TRUE(stream_end);
  EXPECT_EQ(proxy.proxy().stats().client_aborts, 1u);
  EXPECT_EQ(upstream.request_count(), 0u);  // body_rewrite held the body; nothing went upstream
  EXPECT_EQ(http_request(proxy.port(), "GET", "/next").status, 200);
}

TEST(ProxyHttp, TenThousandRequestsOverFiftyConnectionsLoseNothing) {
  TestUpstream upstream([](const ReceivedRequest& request) {
    return UpstreamReply{TestUpstream::response(
        200, request.path + " " + request.header("x-wasm-filter") + " " + request.body)};
  });
  TestProxy proxy(to_upstream(upstream.port(), {sample_plugin("add_header")}));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  constexpr int kConnections = 50;
  constexpr int kPerConnection = 200;
  std::atomic<int> good{0};
  std::atomic<int> bad{0};
  std::mutex first_error_mutex;
  std::string first_error;
  std::vector<std::thread> clients;
  for (int c = 0; c < kConnections; ++c) {
    clients.emplace_back([&, c] {
      auto connection = HttpConnection::open(proxy.port());
      if (!connection) {
        bad += kPerConnection;
        return;
      }
      for (int i = 0; i < kPerConnection; ++i) {
        std::string path = "/c" + std::to_string(c) + "/r" + std::to_string(i);
        std::string body = i % 3 == 0 ? "payload-" + std::to_string(i) : "";
        bool sent = connection->send(request_bytes(i % 3 == 0 ? "POST" : "GET", path, {}, body));
        HttpResponse response = sent ? connection->read_response() : HttpResponse{};
        if (response.ok && response.status == 200 &&
            response.body == path + " add-header " + body &&
            response.header("x-wasm-response") == "add-header") {
          ++good;
        } else {
          ++bad;
          std::lock_guard<std::mutex> lock(first_error_mutex);
          if (first_error.empty())
            first_error = path + ": " + std::to_string(response.status) + " " + response.error +
                          " " + response.body;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(good.load(), kConnections * kPerConnection) << first_error;
  EXPECT_EQ(bad.load(), 0) << first_error;
  EXPECT_EQ(upstream.request_count(), static_cast<size_t>(kConnections * kPerConnection));
  // A stream is counted when it ends on the proxy thread, which may be just after its client
  // read the last byte.
  auto stats = proxy.proxy().stats();
  for (int i = 0; i < 100 && stats.responses_2xx < kConnections * kPerConnection; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    stats = proxy.proxy().stats();
  }
  EXPECT_EQ(stats.requests_total, static_cast<uint64_t>(kConnections * kPerConnection));
  EXPECT_EQ(stats.responses_2xx, static_cast<uint64_t>(kConnections * kPerConnection));
  EXPECT_EQ(stats.connections_total, static_cast<uint64_t>(kConnections));
}

TEST(ProxyHttp, StartErrorsNameTheAddress) {
  TestUpstream occupied;  // its port is taken
  ProxyOptions options;
  options.listen = {"127.0.0.1", occupied.port()};
  host::proxy::Proxy proxy;
  auto started = proxy.start(options);
  ASSERT_FALSE(started);
  EXPECT_NE(started.error().message.find("127.0.0.1:" + std::to_string(occupied.port())),
            std::string::npos)
      << started.error().message;
  ProxyOptions remote;
  remote.listen = {"0.0.0.0", 0};
  auto refused = proxy.start(remote);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("loopback"), std::string::npos);
  auto cluster = host::proxy::parse_cluster("auth:127.0.0.1");
  ASSERT_FALSE(cluster);
  EXPECT_NE(cluster.error().message.find("NAME=HOST:PORT"), std::string::npos);
}

}  // namespace
}  // namespace pwplay::testing
