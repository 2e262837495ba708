// End-to-end tests of `pwplay serve`: the built executable, real HTTP from a client of our own,
// the request log, the summary and a clean exit on SIGINT / SIGTERM.
#include <gtest/gtest.h>

#include <signal.h>

#include <nlohmann/json.hpp>

#include "support/cli.h"
#include "support/http_test_client.h"
#include "support/serve_process.h"
#include "support/test_upstream.h"

namespace pwplay::testing {
namespace {

TEST(ServeCli, AddHeaderSampleShowsTheMutationInTheEchoedRequest) {
  ServeProcess serve;
  ASSERT_TRUE(serve.start({sample("add_header"), "--listen", "127.0.0.1:0"}))
      << serve.out() << serve.err();
  EXPECT_NE(serve.out().find("upstream: echo; filters: add_header"), std::string::npos)
      << serve.out();

  // As `curl http://127.0.0.1:PORT/hello` sends it.
  HttpResponse direct =
      http_request(serve.port(), "GET", "/hello", {{"User-Agent", "curl/7.88.1"}});
  ASSERT_TRUE(direct.ok) << direct.error;
  EXPECT_EQ(direct.status, 200);
  EXPECT_EQ(direct.header("x-wasm-response"), "add-header");
  nlohmann::json echoed = nlohmann::json::parse(direct.body);
  EXPECT_EQ(header(echoed["headers"], "x-wasm-filter"), "add-header");

  // As `curl -x http://127.0.0.1:PORT http://example.com/via-proxy` sends it (absolute form).
  auto connection = HttpConnection::open(serve.port());
  ASSERT_TRUE(connection);
  connection->send(
      "GET http://example.com/via-proxy?q=1 HTTP/1.1\r\nHost: example.com\r\n"
      "Proxy-Connection: Keep-Alive\r\n\r\n");
  HttpResponse proxied = connection->read_response();
  ASSERT_TRUE(proxied.ok) << proxied.error;
  nlohmann::json echoed_proxied = nlohmann::json::parse(proxied.body);
  EXPECT_EQ(echoed_proxied["path"], "/via-proxy?q=1");
  EXPECT_EQ(header(echoed_proxied["headers"], "host"), "example.com");
  EXPECT_EQ(header(echoed_proxied["headers"], "x-wasm-filter"), "add-header");
  EXPECT_EQ(header(echoed_proxied["headers"], "proxy-connection"), "<absent>");

  // One log line per request: method, path, status, time in the filters.
  EXPECT_TRUE(serve.wait_for_output("GET /via-proxy?q=1 200 filters ")) << serve.out();
  EXPECT_NE(serve.out().find("GET /hello 200 filters "), std::string::npos) << serve.out();
  // The plugin's log line goes to stderr.
  EXPECT_NE(serve.err().find("add-header: GET /hello"), std::string::npos) << serve.err();

  EXPECT_EQ(serve.stop(SIGINT), 0) << serve.out() << serve.err();
  EXPECT_NE(serve.out().find("pwplay serve: stopped (SIGINT). 2 requests on 2 connections: 2 2xx"),
            std::string::npos)
      << serve.out();
}

TEST(ServeCli, RealUpstreamClustersAndSigterm) {
  TestUpstream upstream;
  TestUpstream auth(
      [](const ReceivedRequest&) { return UpstreamReply{TestUpstream::response(200, "granted")}; });
  ServeProcess serve;
  ASSERT_TRUE(serve.start({sample("http_callout"), "--listen", "127.0.0.1:0", "--upstream",
                           "127.0.0.1:" + std::to_string(upstream.port()), "--cluster",
                           "auth=127.0.0.1:" + std::to_string(auth.port()), "--quiet"}))
      << serve.out() << serve.err();
  HttpResponse response = http_request(serve.port(), "GET", "/api");
  ASSERT_TRUE(response.ok) << response.error;
  EXPECT_EQ(response.status, 200);
  ASSERT_EQ(upstream.request_count(), 1u);
  EXPECT_EQ(upstream.requests()[0].header("x-auth-body"), "granted");
  EXPECT_EQ(serve.stop(SIGTERM), 0) << serve.err();
  EXPECT_NE(serve.out().find("stopped (SIGTERM). 1 requests"), std::string::npos) << serve.out();
  EXPECT_EQ(serve.out().find("GET /api"), std::string::npos);  // --quiet
}

TEST(ServeCli, BadAddressesAreRefusedWithClearMessages) {
  CommandResult cluster = run_pwplay({"serve", "--listen", "127.0.0.1:0", "--cluster", "auth"});
  EXPECT_EQ(cluster.exit_code, 2);
  EXPECT_NE(cluster.err.find("NAME=HOST:PORT"), std::string::npos) << cluster.err;

  CommandResult remote = run_pwplay({"serve", "--listen", "0.0.0.0:0"});
  EXPECT_EQ(remote.exit_code, 2);
  EXPECT_NE(remote.err.find("--allow-remote"), std::string::npos) << remote.err;

  TestUpstream occupied;
  CommandResult busy =
      run_pwplay({"serve", "--listen", "127.0.0.1:" + std::to_string(occupied.port())});
  EXPECT_EQ(busy.exit_code, 1);
  EXPECT_NE(busy.err.find("cannot listen on 127.0.0.1:" + std::to_string(occupied.port())),
            std::string::npos)
      << busy.err;

  CommandResult upstream = run_pwplay({"serve", "--upstream", "nowhere"});
  EXPECT_EQ(upstream.exit_code, 2);
  EXPECT_NE(upstream.err.find("expected 'echo' or HOST:PORT"), std::string::npos) << upstream.err;
}

TEST(ServeCli, ProxyConfigFileNamesClustersAndAChain) {
  TestUpstream auth(
      [](const ReceivedRequest&) { return UpstreamReply{TestUpstream::response(200, "")}; });
  nlohmann::json config = {
      {"listen", "127.0.0.1:0"},
      {"clusters", {{"auth", "127.0.0.1:" + std::to_string(auth.port())}}},
      {"filters",
       {{{"name", "gate"},
         {"vm_config", {{"code", {{"local", {{"filename", sample("http_callout")}}}}}}}},
        {{"name", "tag"},
         {"configuration", "from-config"},
         {"vm_config", {{"code", {{"local", {{"filename", sample("add_header")}}}}}}}}}}};
  std::string path = write_temp_file("proxy.json", config.dump());
  ServeProcess serve;
  ASSERT_TRUE(serve.start({"--proxy-config", path})) << serve.out() << serve.err();
  EXPECT_NE(serve.out().find("filters: gate -> tag"), std::string::npos) << serve.out();
  HttpResponse response = http_request(serve.port(), "GET", "/x");
  ASSERT_TRUE(response.ok) << response.error;
  nlohmann::json echoed = nlohmann::json::parse(response.body);
  EXPECT_EQ(header(echoed["headers"], "x-auth"), "ok");
  EXPECT_EQ(header(echoed["headers"], "x-wasm-filter"), "from-config");
  EXPECT_EQ(serve.stop(SIGINT), 0);
}

TEST(ServeCli, BindsLoopbackUnlessToldAndWarnsLoudlyWhenNot) {
  ServeProcess local;
  ASSERT_TRUE(local.start({"--listen", "0"})) << local.out() << local.err();
  EXPECT_NE(local.out().find("listening on http://127.0.0.1:"), std::string::npos) << local.out();
  EXPECT_EQ(local.err().find("WARNING"), std::string::npos) << local.err();
  // No request before the signal: a stop that comes right after the start must end the loop.
  EXPECT_EQ(local.stop(SIGINT), 0) << local.out() << local.err();

  ServeProcess exposed;
  ASSERT_TRUE(exposed.start({"--listen", "0.0.0.0:0", "--allow-remote"}))
      << exposed.out() << exposed.err();
  EXPECT_NE(exposed.err().find("WARNING: listening on 0.0.0.0, reachable from other machines"),
            std::string::npos)
      << exposed.err();
  EXPECT_EQ(http_request(exposed.port(), "GET", "/").status, 200);
  EXPECT_EQ(exposed.stop(SIGINT), 0);

  // The debugger's proxy goes through the same check: no flag lets it leave loopback.
  CommandResult debug =
      run_pwplay({"debug", sample("add_header"), "--listen", "0.0.0.0:0"}, "quit\n");
  EXPECT_NE(debug.exit_code, 0);
  EXPECT_NE((debug.out + debug.err).find("loopback"), std::string::npos) << debug.out << debug.err;
}

TEST(ServeCli, LimitsComeFromFlagsOrTheProxyConfig) {
  Headers ten;
  for (int i = 0; i < 10; ++i) ten.emplace_back("x-h" + std::to_string(i), "v");
  nlohmann::json config = {{"listen", "127.0.0.1:0"},
                           {"limits", {{"max_headers", 5}, {"headers_timeout_ms", 300}}}};
  std::string path = write_temp_file("limits.json", config.dump());
  ServeProcess from_file;
  ASSERT_TRUE(from_file.start({"--proxy-config", path})) << from_file.out() << from_file.err();
  EXPECT_EQ(http_request(from_file.port(), "GET", "/", ten).status, 431);
  auto slow = HttpConnection::open(from_file.port());
  ASSERT_TRUE(slow);
  slow->send("GET / HTTP/1.1\r\n");
  HttpResponse timed_out = slow->read_response(false, std::chrono::seconds(5));
  ASSERT_TRUE(timed_out.ok) << timed_out.error;
  EXPECT_EQ(timed_out.status, 408);
  EXPECT_EQ(from_file.stop(SIGINT), 0);

  ServeProcess flag_wins;
  ASSERT_TRUE(flag_wins.start({"--proxy-config", path, "--max-headers", "50"}))
      << flag_wins.out() << flag_wins.err();
  EXPECT_EQ(http_request(flag_wins.port(), "GET", "/", ten).status, 200);
  EXPECT_EQ(flag_wins.stop(SIGINT), 0);

  nlohmann::json bad = {{"limits", {{"max_headers", "many"}}}};
  CommandResult refused =
      run_pwplay({"serve", "--proxy-config", write_temp_file("bad.json", bad.dump())});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("limits.max_headers must be a whole number"), std::string::npos)
      << refused.err;
}

}  // namespace
}  // namespace pwplay::testing
