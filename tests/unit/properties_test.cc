// Envoy's attributes through proxy_get_property (host/properties.h): every row of the attribute
// table answered once its phase is reached and NOT_FOUND before, the exact bytes of each, paths
// into metadata, and docs/compatibility.md listing every row.
#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <vector>

#include "abi_host_fixture.h"
#include "host/properties.h"

namespace pwplay::host::abi_host_testing {
namespace {

// "a.b.c" as a module passes it: segments separated by NUL.
std::string segments(std::string_view dotted) {
  std::string out(dotted);
  for (char& c : out)
    if (c == '.') c = '\0';
  return out;
}

// Segments that may contain dots, as a module passes them.
std::string path(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view part : parts) {
    if (!out.empty()) out += '\0';
    out += part;
  }
  return out;
}

std::string i64(int64_t value) {
  return u64_le(static_cast<uint64_t>(value));
}

class PropertiesTest : public AbiHostTest {
 protected:
  PropertiesTest() {
    stream.request_headers = HeaderMap({{":method", "POST"},
                                        {":path", "/a/b?x=1&y=2#frag"},
                                        {":authority", "example.com"},
                                        {":scheme", "https"},
                                        {"referer", "https://ref.example/"},
                                        {"user-agent", "curl/8"},
                                        {"x-request-id", "req-7"},
                                        {"content-length", "5"},
                                        {"x-dup", "1"},
                                        {"x-dup", "2"}});
    stream.info.start_time_ns = 1'700'000'000'000'000'000ull;
    stream.info.connection_id = 9;
  }

  // Every fact a full stream has: response, upstream, end, TLS on both sides.
  void complete_everything() {
    stream.has_request_headers = true;
    stream.info.request_body_bytes = 5;
    stream.info.upstream_chosen = true;
    stream.info.request_attempt_count = 1;
    stream.info.upstream_address = "10.0.0.2";
    stream.info.upstream_port = 9000;
    stream.info.upstream_local_address = "10.0.0.1:40000";
    stream.has_response_headers = true;
    stream.response_headers = HeaderMap({{":status", "200"}, {"grpc-status", "3"}});
    stream.response_trailers = HeaderMap(HeaderPairs{{"grpc-status", "5"}});
    stream.info.response_code = 200;
    stream.info.response_code_details = "via_upstream";
    stream.info.response_body_bytes = 11;
    stream.info.request_complete = true;
    stream.info.duration_ns = 1234;
    stream.info.termination_details = "closed by peer";
    stream.info.downstream_transport_failure_reason = "handshake failed";
    TlsFacts tls;
    tls.version = "TLSv1.3";
    tls.subject_local_certificate = "CN=proxy";
    tls.subject_peer_certificate = "CN=client";
    tls.dns_san_local_certificate = "proxy.example";
    tls.dns_san_peer_certificate = "client.example";
    tls.uri_san_local_certificate = "spiffe://local";
    tls.uri_san_peer_certificate = "spiffe://peer";
    tls.sha256_peer_certificate_digest = "abcd";
    tls.peer_certificate = true;
    stream.info.downstream_tls = tls;
    stream.info.upstream_tls = tls;
  }

  // The property's bytes, or a marker naming the status.
  std::string value(std::string_view dotted) {
    Status status = get_property(segments(dotted));
    if (status != Status::Ok) return "<" + std::string(abi::name(status)) + ">";
    return returned();
  }
};

TEST_F(PropertiesTest, EveryRowIsAnsweredOnceItsPhaseIsReached) {
  complete_everything();
  enter(ctx);
  for (const AttributeRow& row : attribute_table())
    EXPECT_EQ(get_property(segments(row.path)), Status::Ok) << row.path;
}

TEST_F(PropertiesTest, EveryRowIsNotFoundBeforeItsPhase) {
  // Root contexts have no stream: only plugin-wide attributes answer.
  complete_everything();
  enter(root);
  for (const AttributeRow& row : attribute_table()) {
    Status expected = row.phase == AttributePhase::Plugin ? Status::Ok : Status::NotFound;
    EXPECT_EQ(get_property(segments(row.path)), expected) << row.path << " in a root context";
  }
  // In a stream, each phase's own fact withheld (every other one present).
  struct Withheld {
    AttributePhase phase;
    bool HttpStreamState::*flag;
    bool StreamInfo::*info_flag;
  };
  const Withheld phases[] = {
      {AttributePhase::RequestHeaders, &HttpStreamState::has_request_headers, nullptr},
      {AttributePhase::ResponseHeaders, &HttpStreamState::has_response_headers, nullptr},
      {AttributePhase::Upstream, nullptr, &StreamInfo::upstream_chosen},
      {AttributePhase::Complete, nullptr, &StreamInfo::request_complete},
  };
  enter(ctx);
  for (const Withheld& withheld : phases) {
    complete_everything();
    if (withheld.flag) stream.*withheld.flag = false;
    if (withheld.info_flag) stream.info.*withheld.info_flag = false;
    size_t rows = 0;
    for (const AttributeRow& row : attribute_table()) {
      if (row.phase != withheld.phase) continue;
      ++rows;
      EXPECT_EQ(get_property(segments(row.path)), Status::NotFound)
          << row.path << " before " << attribute_phase_name(withheld.phase);
    }
    EXPECT_GT(rows, 0u) << attribute_phase_name(withheld.phase);
  }
}

TEST_F(PropertiesTest, RequestAttributes) {
  enter(ctx);
  EXPECT_EQ(value("request.path"), "/a/b?x=1&y=2#frag");
  EXPECT_EQ(value("request.url_path"), "/a/b");
  EXPECT_EQ(value("request.query"), "x=1&y=2");
  EXPECT_EQ(value("request.host"), "example.com");
  EXPECT_EQ(value("request.scheme"), "https");
  EXPECT_EQ(value("request.method"), "POST");
  EXPECT_EQ(value("request.referer"), "https://ref.example/");
  EXPECT_EQ(value("request.useragent"), "curl/8");
  EXPECT_EQ(value("request.id"), "req-7");
  EXPECT_EQ(value("request.protocol"), "HTTP/1.1");
  EXPECT_EQ(value("request.time"), i64(1'700'000'000'000'000'000));
  // content-length wins over the bytes received so far.
  EXPECT_EQ(value("request.size"), i64(5));
  const size_t header_bytes = stream.request_headers.byte_size();
  EXPECT_EQ(value("request.headers_bytes"), i64(static_cast<int64_t>(header_bytes)));
  stream.info.request_body_bytes = 3;
  EXPECT_EQ(value("request.total_size"), i64(static_cast<int64_t>(header_bytes + 3)));
  stream.request_headers.remove("content-length");
  EXPECT_EQ(value("request.size"), i64(3));
  // One pair per name, repeated values joined as Envoy's header map does.
  HeaderPairs headers = decode(value("request.headers"));
  ASSERT_EQ(headers.size(), 8u);  // nine names, content-length removed above
  EXPECT_EQ(headers.back(), (std::pair<std::string, std::string>{"x-dup", "1,2"}));
  EXPECT_EQ(value("request.headers.X-Dup"), "1,2");
  EXPECT_EQ(value("request.headers.absent"), "<NOT_FOUND>");
  EXPECT_EQ(value("request.duration"), "<NOT_FOUND>");  // the stream has not ended
  stream.info.request_complete = true;
  stream.info.duration_ns = 987654321;
  EXPECT_EQ(value("request.duration"), i64(987654321));
  // A path with no query has an empty one.
  stream.request_headers.replace(":path", "/plain");
  EXPECT_EQ(value("request.query"), "");
  EXPECT_EQ(value("request.url_path"), "/plain");
}

TEST_F(PropertiesTest, ResponseAttributes) {
  enter(ctx);
  stream.has_response_headers = false;
  EXPECT_EQ(value("response.code"), "<NOT_FOUND>");
  EXPECT_EQ(value("response.size"), i64(0));  // Envoy answers sizes from the stream's start
  EXPECT_EQ(decode(value("response.headers")).size(), 0u);
  complete_everything();
  EXPECT_EQ(value("response.code"), i64(200));
  EXPECT_EQ(value("response.code_details"), "via_upstream");
  EXPECT_EQ(value("response.flags"), i64(0));
  EXPECT_EQ(value("response.grpc_status"), i64(5));  // trailers before headers
  stream.response_trailers.clear();
  EXPECT_EQ(value("response.grpc_status"), i64(3));
  EXPECT_EQ(value("response.size"), i64(11));
  EXPECT_EQ(value("response.total_size"),
            i64(static_cast<int64_t>(11 + stream.response_headers.byte_size())));
  EXPECT_EQ(value("response.headers.grpc-status"), "3");
  EXPECT_EQ(decode(value("response.headers")),
            (HeaderPairs{{":status", "200"}, {"grpc-status", "3"}}));
  stream.response_trailers = HeaderMap(HeaderPairs{{"x-t", "v"}});
  EXPECT_EQ(decode(value("response.trailers")), (HeaderPairs{{"x-t", "v"}}));
  EXPECT_EQ(value("response.trailers.x-t"), "v");
}

TEST_F(PropertiesTest, ConnectionSourceDestinationAttributes) {
  enter(ctx);
  EXPECT_EQ(value("connection.id"), u64_le(9));
  EXPECT_EQ(value("connection_id"), u64_le(9));
  EXPECT_EQ(value("connection.mtls"), std::string(1, '\0'));
  EXPECT_EQ(value("connection.requested_server_name"), "");
  EXPECT_EQ(value("connection.tls_version"), "<NOT_FOUND>");  // plaintext
  EXPECT_EQ(value("connection.termination_details"), "<NOT_FOUND>");
  EXPECT_EQ(value("source.address"), "127.0.0.1:50000");
  EXPECT_EQ(value("source.port"), i64(50000));
  EXPECT_EQ(value("destination.address"), "127.0.0.1:8080");
  EXPECT_EQ(value("destination.port"), i64(8080));
  complete_everything();
  EXPECT_EQ(value("connection.mtls"), std::string(1, '\1'));
  EXPECT_EQ(value("connection.tls_version"), "TLSv1.3");
  EXPECT_EQ(value("connection.subject_peer_certificate"), "CN=client");
  EXPECT_EQ(value("connection.uri_san_peer_certificate"), "spiffe://peer");
  EXPECT_EQ(value("connection.dns_san_local_certificate"), "proxy.example");
  EXPECT_EQ(value("connection.sha256_peer_certificate_digest"), "abcd");
  EXPECT_EQ(value("connection.termination_details"), "closed by peer");
  EXPECT_EQ(value("connection.transport_failure_reason"), "handshake failed");
}

TEST_F(PropertiesTest, UpstreamAttributes) {
  enter(ctx);
  EXPECT_EQ(value("upstream.address"), "<NOT_FOUND>");
  EXPECT_EQ(value("upstream.request_attempt_count"), u64_le(0));
  EXPECT_EQ(value("upstream.num_endpoints"), u64_le(1));
  complete_everything();
  EXPECT_EQ(value("upstream.address"), "10.0.0.2:9000");
  EXPECT_EQ(value("upstream.port"), i64(9000));
  EXPECT_EQ(value("upstream.local_address"), "10.0.0.1:40000");
  EXPECT_EQ(value("upstream.transport_failure_reason"), "");
  EXPECT_EQ(value("upstream.request_attempt_count"), u64_le(1));
  EXPECT_EQ(value("upstream.locality"), "");
  EXPECT_EQ(value("upstream.tls_version"), "TLSv1.3");
  EXPECT_EQ(value("upstream.subject_local_certificate"), "CN=proxy");
}

TEST_F(PropertiesTest, ProxySetupAttributesAndTheirDefaults) {
  enter(root);
  EXPECT_EQ(value("node.id"), "pwplay");
  EXPECT_EQ(value("node.cluster"), "pwplay");
  // Node{id: "pwplay", cluster: "pwplay"} in protobuf's binary encoding.
  EXPECT_EQ(value("node"), std::string("\x0a\x06pwplay\x12\x06pwplay", 16));
  EXPECT_EQ(value("xds.node"), value("node"));
  EXPECT_EQ(value("listener_direction"), i64(0));
  EXPECT_EQ(value("listener_metadata"), "");  // an empty Metadata message
  EXPECT_EQ(value("plugin_name"), "my_plugin");
  EXPECT_EQ(value("cluster_name"), "<NOT_FOUND>");  // no stream in a root context
  enter(ctx);
  EXPECT_EQ(value("cluster_name"), "upstream");
  EXPECT_EQ(value("xds.cluster_name"), "upstream");
  EXPECT_EQ(value("route_name"), "default");
  EXPECT_EQ(value("xds.route_name"), "default");
  EXPECT_EQ(value("xds.virtual_host_name"), "default");
  EXPECT_EQ(value("xds.filter_chain_name"), "");
  EXPECT_EQ(value("xds.listener_direction"), i64(0));
  EXPECT_EQ(value("metadata"), "");
  EXPECT_EQ(decode(value("cluster_metadata.filter_metadata")).size(), 0u);
}

TEST_F(PropertiesTest, SetupValuesAndPathsIntoMetadata) {
  ProxySetup& setup = env.options().proxy_setup;
  setup.node_id = "n1";
  setup.node_cluster = "";
  setup.node_metadata = R"({"region": "eu", "weight": 2.5, "on": true, "none": null})";
  setup.cluster_name = "backend";
  setup.route_name = "r1";
  setup.listener_direction = 2;
  setup.cluster_metadata = R"({"envoy.lb": {"canary": "yes", "tags": ["a", "b"]}})";
  enter(ctx);
  EXPECT_EQ(value("cluster_name"), "backend");
  EXPECT_EQ(value("route_name"), "r1");
  EXPECT_EQ(value("listener_direction"), i64(2));
  EXPECT_EQ(value("node.id"), "n1");
  EXPECT_EQ(value("node.metadata.region"), "eu");
  EXPECT_EQ(value("node.metadata.weight"), std::string("\0\0\0\0\0\0\x04\x40", 8));  // 2.5
  EXPECT_EQ(value("node.metadata.on"), std::string(1, '\1'));
  EXPECT_EQ(value("node.metadata.none"), "<SERIALIZATION_FAILURE>");  // as Envoy
  EXPECT_EQ(value("node.metadata.absent"), "<NOT_FOUND>");
  EXPECT_EQ(value("node.metadata.region.deeper"), "<NOT_FOUND>");
  EXPECT_EQ(value("cluster_metadata.filter_metadata.envoy.lb.canary"), "<NOT_FOUND>");
  // A namespace with a dot is one segment.
  EXPECT_EQ(get_property(path({"cluster_metadata", "filter_metadata", "envoy.lb", "canary"})),
            Status::Ok);
  EXPECT_EQ(returned(), "yes");
  EXPECT_EQ(
      get_property(path({"xds", "cluster_metadata", "filter_metadata", "envoy.lb", "tags", "1"})),
      Status::Ok);
  EXPECT_EQ(returned(), "b");
  EXPECT_EQ(get_property(path({"cluster_metadata", "filter_metadata", "envoy.lb"})), Status::Ok);
  HeaderPairs lb = decode(returned());
  ASSERT_EQ(lb.size(), 2u);
  EXPECT_EQ(lb[0], (std::pair<std::string, std::string>{"canary", "yes"}));
  EXPECT_EQ(decode(lb[1].second), (HeaderPairs{{"a", ""}, {"b", ""}}));  // a list: keys only
  // Metadata{filter_metadata: {"envoy.lb": Struct{canary: "yes", tags: ["a", "b"]}}}, in
  // protobuf's binary encoding (map entries in key order).
  const std::string expected(
      "\x0a\x33\x0a\x08\x65\x6e\x76\x6f\x79\x2e\x6c\x62\x12\x27\x0a\x0f\x0a\x06\x63\x61\x6e"
      "\x61\x72\x79\x12\x05\x1a\x03\x79\x65\x73\x0a\x14\x0a\x04\x74\x61\x67\x73\x12\x0c\x32"
      "\x0a\x0a\x03\x1a\x01\x61\x0a\x03\x1a\x01\x62",
      53);
  EXPECT_EQ(value("cluster_metadata"), expected);
  EXPECT_EQ(value("xds.cluster_metadata"), expected);
}

TEST_F(PropertiesTest, FilterStateHoldsWhatSetPropertyStored) {
  enter(ctx);
  Slice key = in("my.key");
  Slice data = in("v1");
  EXPECT_EQ(st("proxy_set_property", {key.ptr, key.len, data.ptr, data.len}), Status::Ok);
  // Envoy keeps it as "wasm.my.key": one segment of filter_state.
  EXPECT_EQ(get_property(path({"filter_state", "wasm.my.key"})), Status::Ok);
  EXPECT_EQ(returned(), "v1");
  EXPECT_EQ(decode(value("filter_state")), (HeaderPairs{{"wasm.my.key", "v1"}}));
  EXPECT_EQ(get_property(path({"filter_state", "my.key"})), Status::NotFound);
}

TEST_F(PropertiesTest, ADottedSingleSegmentIsNotAnAttribute) {
  enter(ctx);
  VectorTraceSink trace;
  env.set_trace_sink(&trace);
  EXPECT_EQ(get_property("request.path"), Status::NotFound);
  const TraceEvent* call = nullptr;
  for (const TraceEvent& event : trace.events())
    if (event.name == "proxy_get_property") call = &event;
  ASSERT_NE(call, nullptr);
  EXPECT_MENTIONS(arg(*call, "error"), "NUL");
  env.set_trace_sink(nullptr);
}

TEST(PropertiesDocs, CompatibilityPageListsEveryRow) {
  std::ifstream file(std::string(PWPLAY_SOURCE_DIR) + "/docs/compatibility.md");
  ASSERT_TRUE(file) << "docs/compatibility.md is missing";
  std::stringstream text;
  text << file.rdbuf();
  const std::string doc = text.str();
  for (const AttributeRow& row : attribute_table()) {
    const std::string line = "| `" + std::string(row.path) + "` | " +
                             attribute_type_name(row.type) + " | " +
                             attribute_phase_name(row.phase) + " | ";
    EXPECT_NE(doc.find(line), std::string::npos)
        << "docs/compatibility.md has no row starting with: " << line;
  }
}

TEST(PropertyPath, SplitsAtNulAndDropsATrailingOne) {
  EXPECT_EQ(split_property_path(std::string("a\0b.c\0", 6)),
            (std::vector<std::string>{"a", "b.c"}));
  EXPECT_EQ(split_property_path("plugin_name"), (std::vector<std::string>{"plugin_name"}));
  EXPECT_EQ(split_property_path(""), (std::vector<std::string>{}));
}

}  // namespace
}  // namespace pwplay::host::abi_host_testing
