// Integration tests of the embedded proxy with filters: an in-process proxy on port 0, real
// HTTP over loopback, a real upstream started by the test, and the built sample filters.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>

#include <nlohmann/json.hpp>

#include "host/local_run.h"
#include "support/cli.h"
#include "support/http_test_client.h"
#include "support/proxy_harness.h"
#include "support/test_upstream.h"

namespace pwplay::testing {
namespace {

using host::proxy::ProxyOptions;
using host::proxy::UpstreamConfig;

ProxyOptions options_with(std::vector<host::proxy::LoadedPlugin> plugins, bool trace = false) {
  ProxyOptions options;
  options.plugins = std::move(plugins);
  options.trace = trace;
  return options;
}

UpstreamConfig remote(uint16_t port) {
  return UpstreamConfig::remote_at({"127.0.0.1", port});
}

TEST(ProxyFilters, AddHeaderSampleThroughTheEchoUpstream) {
  TestProxy proxy(options_with({sample_plugin("add_header")}));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  HttpResponse response = http_request(proxy.port(), "GET", "/hello?x=1", {{"X-Client", "a"}});
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("x-wasm-response"), "add-header");
  nlohmann::json echoed = nlohmann::json::parse(response.body);
  EXPECT_EQ(echoed["method"], "GET");
  EXPECT_EQ(echoed["path"], "/hello?x=1");
  EXPECT_EQ(header(echoed["headers"], "x-wasm-filter"), "add-header");
  EXPECT_EQ(header(echoed["headers"], "host"), "test.local");
  EXPECT_EQ(header(echoed["headers"], "x-client"), "a");

  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  const auto& record = records[0];
  EXPECT_NE(record.stream_id, 0u);
  EXPECT_EQ(record.method, "GET");
  EXPECT_EQ(record.status, 200u);
  // The four views the debugger diffs.
  EXPECT_EQ(view_header(record.client_request, "X-Client"), "a");
  EXPECT_EQ(view_header(record.client_request, "x-wasm-filter"), "<absent>");
  ASSERT_TRUE(record.upstream_request);
  EXPECT_EQ(view_header(*record.upstream_request, "x-wasm-filter"), "add-header");
  ASSERT_TRUE(record.upstream_response);
  EXPECT_EQ(view_header(*record.upstream_response, "x-wasm-response"), "<absent>");
  ASSERT_TRUE(record.response);
  EXPECT_EQ(view_header(*record.response, "x-wasm-response"), "add-header");
  // The embedded upstream answers with the bytes `pwplay run` produces for the same request.
  EXPECT_EQ(record.upstream_response->body, host::echo_body(*record.upstream_request));
  EXPECT_EQ(response.body, record.upstream_response->body);
}

TEST(ProxyFilters, HeaderAndBodyMutationsReachARealUpstreamAndTheClient) {
  TestUpstream upstream([](const ReceivedRequest& request) {
    return UpstreamReply{TestUpstream::response(200, "hello from upstream: " + request.body,
                                                {{"Content-Type", "text/plain"}})};
  });
  ProxyOptions options =
      options_with({sample_plugin("add_header", "first"), sample_plugin("body_rewrite")});
  options.upstream = remote(upstream.port());
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();

  HttpResponse response = http_request(proxy.port(), "POST", "/echo", {}, "original body");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  // body_rewrite upper-cases the response body; the upstream saw the appended line.
  EXPECT_EQ(response.body, "HELLO FROM UPSTREAM: ORIGINAL BODY\n-- INSPECTED BY PWPLAY");
  EXPECT_EQ(response.header("x-wasm-response"), "add-header");
  auto received = upstream.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "POST");
  EXPECT_EQ(received[0].path, "/echo");
  EXPECT_EQ(received[0].header("x-wasm-filter"), "first");
  EXPECT_EQ(received[0].body, "original body\n-- inspected by pwplay");
  EXPECT_EQ(received[0].header("content-length"), "<absent>");  // removed by the filter
  EXPECT_TRUE(received[0].chunked);
  EXPECT_EQ(received[0].header("x-forwarded-proto"), "http");
  EXPECT_NE(received[0].header("x-request-id"), "<absent>");

  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_TRUE(records[0].upstream_request && records[0].upstream_response && records[0].response);
  EXPECT_EQ(records[0].client_request.body, "original body");
  EXPECT_EQ(records[0].upstream_request->body, "original body\n-- inspected by pwplay");
  EXPECT_EQ(records[0].upstream_response->body,
            "hello from upstream: original body\n-- inspected by pwplay");
  EXPECT_EQ(records[0].response->body, response.body);
}

TEST(ProxyFilters, ChunkedUploadArrivesInSeveralBodyCallbacks) {
  TestUpstream upstream;
  ProxyOptions options = options_with({wat_plugin("body_pass", kBodyPassFilter)}, true);
  options.upstream = remote(upstream.port());
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();

  auto connection = HttpConnection::open(proxy.port());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(
      connection->send(request_bytes("PUT", "/upload", {{"Transfer-Encoding", "chunked"}})));
  // Each chunk is sent only once the previous one reached the upstream: separate reads.
  std::string expected;
  for (const char* piece : {"first-", "second-", "third"}) {
    ASSERT_TRUE(connection->send(chunk(piece)));
    expected += piece;
    ASSERT_TRUE(upstream.wait_until([&] { return upstream.partial_body() == expected; }))
        << "upstream has: " << upstream.partial_body();
  }
  ASSERT_TRUE(connection->send("0\r\n\r\n"));
  HttpResponse response = connection->read_response();
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "upstream saw PUT /upload (18 body bytes)");

  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  // One call per piece as it arrived, plus the end of the stream.
  EXPECT_GE(count_callbacks(records[0], "proxy_on_request_body"), 4u);
  size_t last_eos = 0;
  for (const auto& event : records[0].trace)
    if (event.name == "proxy_on_request_body" && event.phase == "enter")
      for (const auto& arg : event.args)
        if (arg.name == "end_of_stream") last_eos = arg.value == "1" ? 1 : 0;
  EXPECT_EQ(last_eos, 1u);
}

TEST(ProxyFilters, LocalResponseSkipsTheUpstream) {
  TestUpstream upstream;
  ProxyOptions options = options_with({sample_plugin("local_response")});
  options.upstream = remote(upstream.port());
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();

  HttpResponse denied = http_request(proxy.port(), "GET", "/private");
  ASSERT_TRUE(denied.ok) << denied.error;
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.body, "missing authorization\n");
  EXPECT_EQ(denied.header("www-authenticate"), "Basic realm=\"pwplay\"");
  HttpResponse allowed =
      http_request(proxy.port(), "GET", "/private", {{"Authorization", "Basic dXNlcjpwYXNz"}});
  ASSERT_TRUE(allowed.ok) << allowed.error;
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(upstream.request_count(), 1u);

  auto records = proxy.wait_records(2);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_TRUE(records[0].local_reply);
  EXPECT_FALSE(records[0].upstream_request);
  ASSERT_TRUE(records[0].reply);
  EXPECT_EQ(records[0].reply->status, 401u);
  EXPECT_FALSE(records[1].local_reply);
}

TEST(ProxyFilters, ChainOfTwoFiltersRunsRequestInOrderAndResponseInReverse) {
  TestUpstream upstream;
  auto first = sample_plugin("add_header", "first");
  first.config.name = "first";
  auto second = sample_plugin("add_header", "second");
  second.config.name = "second";
  ProxyOptions options = options_with({first, second}, true);
  options.upstream = remote(upstream.port());
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();

  HttpResponse response = http_request(proxy.port(), "GET", "/chain");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.count("x-wasm-response"), 2u);
  auto received = upstream.requests();
  ASSERT_EQ(received.size(), 1u);
  std::vector<std::string> values;
  for (const auto& [name, value] : received[0].headers)
    if (name == "x-wasm-filter") values.push_back(value);
  EXPECT_EQ(values, (std::vector<std::string>{"first", "second"}));

  auto records = proxy.wait_records(1);
  ASSERT_EQ(records.size(), 1u);
  std::vector<std::string> order;
  for (const auto& event : records[0].trace)
    if (event.kind == host::EventKind::Callback && event.phase == "enter" &&
        (event.name == "proxy_on_request_headers" || event.name == "proxy_on_response_headers" ||
         event.name == "proxy_on_done"))
      order.push_back(event.plugin + ":" + event.name);
  EXPECT_EQ(order, (std::vector<std::string>{
                       "first:proxy_on_request_headers", "second:proxy_on_request_headers",
                       "second:proxy_on_response_headers", "first:proxy_on_response_headers",
                       "first:proxy_on_done", "second:proxy_on_done"}));
}

TEST(ProxyFilters, PluginsOfOneVmIdShareSharedData) {
  TestUpstream upstream;
  {
    ProxyOptions options = options_with({sample_plugin("shared_counter", "", "shared"),
                                         sample_plugin("shared_counter", "", "shared")});
    options.upstream = remote(upstream.port());
    TestProxy proxy(std::move(options));
    ASSERT_TRUE(proxy.started()) << proxy.error();
    ASSERT_TRUE(http_request(proxy.port(), "GET", "/one").ok);
    ASSERT_TRUE(http_request(proxy.port(), "GET", "/two").ok);
  }
  {
    ProxyOptions options = options_with(
        {sample_plugin("shared_counter", "", "a"), sample_plugin("shared_counter", "", "b")});
    options.upstream = remote(upstream.port());
    TestProxy proxy(std::move(options));
    ASSERT_TRUE(proxy.started()) << proxy.error();
    ASSERT_TRUE(http_request(proxy.port(), "GET", "/three").ok);
  }
  auto received = upstream.requests();
  ASSERT_EQ(received.size(), 3u);
  auto counts = [](const ReceivedRequest& request) {
    std::string out;
    for (const auto& [name, value] : request.headers)
      if (name == "x-request-count") out += (out.empty() ? "" : ",") + value;
    return out;
  };
  EXPECT_EQ(counts(received[0]), "1,2");  // one counter for both plugins
  EXPECT_EQ(counts(received[1]), "3,4");
  EXPECT_EQ(counts(received[2]), "1,1");  // separate vm_ids, separate data
}

TEST(ProxyFilters, PauseThenResumeFromACalloutToARealCluster) {
  TestUpstream auth([](const ReceivedRequest& request) {
    return UpstreamReply{
        TestUpstream::response(200, "token-for-" + request.header("x-original-path"))};
  });
  TestUpstream upstream;
  ProxyOptions options = options_with({sample_plugin("http_callout")});
  options.upstream = remote(upstream.port());
  options.clusters["auth"] = {"127.0.0.1", auth.port()};
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();

  HttpResponse response = http_request(proxy.port(), "GET", "/api");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  auto calls = auth.requests();
  ASSERT_EQ(calls.size(), 1u);
  EXPECT_EQ(calls[0].path, "/check");
  EXPECT_EQ(calls[0].header("host"), "auth");
  auto received = upstream.requests();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].header("x-auth"), "ok");
  EXPECT_EQ(received[0].header("x-auth-body"), "token-for-/api");
}

TEST(ProxyFilters, CalloutFailuresReachTheFilterAsZeroHeadersAndTimeoutsAs504) {
  TestUpstream silent([](const ReceivedRequest&) { return UpstreamReply{"", false, true}; });
  TestUpstream upstream;
  struct Case {
    std::string name;
    std::optional<uint16_t> cluster_port;
  };
  // Timeout (the filter asks for 1 s), refused connection, unknown cluster.
  for (const Case& c : {Case{"timeout", silent.port()}, Case{"refused", unused_port()},
                        Case{"unknown", std::nullopt}}) {
    SCOPED_TRACE(c.name);
    ProxyOptions options = options_with({sample_plugin("http_callout")});
    options.upstream = remote(upstream.port());
    if (c.cluster_port) options.clusters["auth"] = {"127.0.0.1", *c.cluster_port};
    std::vector<std::string> logs;
    std::mutex logs_mutex;
    options.log_handler = [&](const host::LogRecord& record) {
      std::lock_guard<std::mutex> lock(logs_mutex);
      logs.push_back(record.message);
    };
    TestProxy proxy(std::move(options));
    ASSERT_TRUE(proxy.started()) << proxy.error();
    HttpResponse response = http_request(proxy.port(), "GET", "/api");
    ASSERT_TRUE(response.ok) << response.error;
    EXPECT_EQ(response.status, 403);
    EXPECT_EQ(response.body, "denied by auth\n");
    proxy.wait_records(1);
    proxy.proxy().stop();
    std::lock_guard<std::mutex> lock(logs_mutex);
    std::string all;
    for (const auto& line : logs) all += line + "\n";
    if (c.name == "unknown")
      EXPECT_NE(all.find("could not call the auth cluster"), std::string::npos) << all;
    else if (c.name == "timeout")  // Envoy's router answers a timeout with a 504
      EXPECT_NE(all.find("auth answered 504"), std::string::npos) << all;
    else
      EXPECT_NE(all.find("auth call failed"), std::string::npos) << all;
  }
  EXPECT_EQ(upstream.request_count(), 0u);
}

TEST(ProxyFilters, PauseThenResumeFromATick) {
  TestUpstream upstream;
  ProxyOptions options = options_with({wat_plugin("tick_resume", kTickResumeFilter)}, true);
  options.upstream = remote(upstream.port());
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  for (int i = 0; i < 3; ++i) {
    HttpResponse response = http_request(proxy.port(), "GET", "/tick/" + std::to_string(i));
    ASSERT_TRUE(response.ok) << response.error;
    EXPECT_EQ(response.status, 200);
  }
  auto received = upstream.requests();
  ASSERT_EQ(received.size(), 3u);
  for (const auto& request : received) EXPECT_EQ(request.header("x-resumed-by"), "tick");
  auto records = proxy.wait_records(3);
  ASSERT_EQ(records.size(), 3u);
  // The tick that resumed the stream ran on the root context; its host calls are filed under
  // the stream they acted on or among the root events.
  bool tick_seen = false;
  for (const auto& event : proxy.proxy().take_root_events())
    if (event.name == "proxy_on_tick") tick_seen = true;
  for (const auto& record : records)
    for (const auto& event : record.trace)
      if (event.name == "proxy_on_tick") tick_seen = true;
  EXPECT_TRUE(tick_seen);
}

TEST(ProxyFilters, SharedQueuesWakeTheRootContextThatRegistered) {
  auto producer = wat_plugin("producer", kQueueProducerFilter);
  producer.config.vm_id = "jobs-vm";
  auto consumer = wat_plugin("consumer", kQueueConsumerFilter);
  consumer.config.vm_id = "jobs-vm";
  ProxyOptions options = options_with({producer, consumer});
  std::mutex mutex;
  std::condition_variable logged;
  std::vector<host::LogRecord> logs;
  options.log_handler = [&](const host::LogRecord& record) {
    std::lock_guard<std::mutex> lock(mutex);
    logs.push_back(record);
    logged.notify_all();
  };
  TestProxy proxy(std::move(options));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  ASSERT_EQ(http_request(proxy.port(), "GET", "/job/1").status, 200);
  ASSERT_EQ(http_request(proxy.port(), "GET", "/job/2").status, 200);
  std::unique_lock<std::mutex> lock(mutex);
  logged.wait_for(lock, std::chrono::seconds(10), [&] { return logs.size() >= 2; });
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].message, "consumer got /job/1");
  EXPECT_EQ(logs[1].message, "consumer got /job/2");
  // Woken on the consumer's root context (the one that registered), not the producer's.
  EXPECT_EQ(logs[0].plugin, "consumer");
  EXPECT_EQ(logs[0].stream_id, 0u);
}

TEST(ProxyFilters, TrapFailsClosedForItsStreamAndAFreshVmServesTheNext) {
  TestUpstream upstream;
  {
    ProxyOptions options = options_with({sample_plugin("trap")});
    options.upstream = remote(upstream.port());
    TestProxy proxy(std::move(options));
    ASSERT_TRUE(proxy.started()) << proxy.error();
    for (int i = 0; i < 2; ++i) {
      HttpResponse response = http_request(proxy.port(), "GET", "/crash");
      ASSERT_TRUE(response.ok) << response.error;
      EXPECT_EQ(response.status, 503);
    }
    auto records = proxy.wait_records(2);
    ASSERT_EQ(records.size(), 2u);
    EXPECT_EQ(records[1].failed_plugins, (std::vector<std::string>{"trap"}));
    EXPECT_GE(proxy.proxy().stats().vm_restarts, 1u);  // the second stream got a fresh VM
  }
  EXPECT_EQ(upstream.request_count(), 0u);
  {
    auto plugin = sample_plugin("trap");
    plugin.config.fail_open = true;
    ProxyOptions options = options_with({plugin});
    options.upstream = remote(upstream.port());
    TestProxy proxy(std::move(options));
    ASSERT_TRUE(proxy.started()) << proxy.error();
    HttpResponse response = http_request(proxy.port(), "GET", "/crash");
    ASSERT_TRUE(response.ok) << response.error;
    EXPECT_EQ(response.status, 200);
  }
  EXPECT_EQ(upstream.request_count(), 1u);
}

TEST(ProxyFilters, ARunawayFilterIsStoppedAndTheLoopGoesOn) {
  auto plugin = sample_plugin("loop");
  plugin.config.vm_options.runaway_budget_ms = 200;
  TestProxy proxy(options_with({plugin}));
  ASSERT_TRUE(proxy.started()) << proxy.error();
  auto slow = HttpConnection::open(proxy.port());
  ASSERT_TRUE(slow);
  ASSERT_TRUE(slow->send(request_bytes("GET", "/spin")));
  HttpResponse first = slow->read_response();
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.status, 503);
  HttpResponse second = http_request(proxy.port(), "GET", "/spin-again");
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.status, 503);
}

}  // namespace
}  // namespace pwplay::testing
