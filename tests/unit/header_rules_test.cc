// The header rules (host/header_rules.h) alone, then through the ABI host's header-map calls,
// local replies and callouts over fake guest memory: what is refused, what is written, and what
// the trace and the log say.
#include <gtest/gtest.h>

#include <string>

#include "abi_host_fixture.h"
#include "host/header_map.h"
#include "host/header_rules.h"

namespace pwplay::host {
namespace {

using namespace std::string_literals;

constexpr HeaderTarget kAllTargets[] = {HeaderTarget::RequestHeaders, HeaderTarget::ResponseHeaders,
                                        HeaderTarget::Trailers,       HeaderTarget::CalloutHeaders,
                                        HeaderTarget::GrpcMetadata,   HeaderTarget::LocalReply};

TEST(HeaderRules, GoodNamesPassEverywhere) {
  for (HeaderTarget target : kAllTargets)
    for (std::string_view name : {"x", "content-type", "X-Custom_1", "a!#$%&'*+-.^_`|~z", "0"})
      EXPECT_EQ(header_name_problem(name, target), std::nullopt) << name;
}

TEST(HeaderRules, BadNamesAreRefusedWithWhatIsWrong) {
  struct Case {
    std::string name;
    std::string wanted;
  };
  const Case cases[] = {
      {"", "empty"},
      {"x y", "a space at byte 1"},
      {"x:y", "a colon at byte 1"},
      {"x\ty", "a tab"},
      {"x\r\nset-cookie", "CR (\\x0d) at byte 1"},
      {"x\ny", "LF (\\x0a) at byte 1"},
      {"x\0y"s, "NUL (\\x00) at byte 1"},
      {"caf\xc3\xa9", "a non-ASCII byte at byte 3"},
      {"x(y)", "outside RFC 9110 token characters"},
      {"x\"", "outside RFC 9110 token characters"},
      {":", "empty pseudo-header"},
      {"::path", "a colon at byte 1"},
      {":pa th", "a space at byte 3"},
  };
  for (HeaderTarget target : kAllTargets) {
    for (const Case& c : cases) {
      auto problem = header_name_problem(c.name, target);
      ASSERT_TRUE(problem) << printable(c.name);
      EXPECT_NE(problem->find(c.wanted), std::string::npos) << *problem;
      // Printable: the message never carries the raw bytes.
      for (char ch : *problem) EXPECT_TRUE(ch >= 0x20 && ch < 0x7f) << *problem;
    }
  }
}

TEST(HeaderRules, EachPseudoHeaderOnlyWhereItBelongs) {
  for (std::string_view name : {":method", ":path", ":authority", ":scheme", ":protocol"}) {
    EXPECT_EQ(header_name_problem(name, HeaderTarget::RequestHeaders), std::nullopt) << name;
    EXPECT_EQ(header_name_problem(name, HeaderTarget::CalloutHeaders), std::nullopt) << name;
    for (HeaderTarget target : {HeaderTarget::ResponseHeaders, HeaderTarget::Trailers,
                                HeaderTarget::GrpcMetadata, HeaderTarget::LocalReply}) {
      auto problem = header_name_problem(name, target);
      ASSERT_TRUE(problem) << name;
      EXPECT_NE(problem->find("is not allowed in " + std::string(target_name(target))),
                std::string::npos)
          << *problem;
    }
  }
  EXPECT_EQ(header_name_problem(":status", HeaderTarget::ResponseHeaders), std::nullopt);
  for (HeaderTarget target : kAllTargets) {
    if (target != HeaderTarget::ResponseHeaders) {
      EXPECT_TRUE(header_name_problem(":status", target));
    }
    // Unknown pseudo-headers are refused everywhere.
    for (std::string_view name : {":x", ":host", ":set-cookie", ":statuses", ":pathx"})
      EXPECT_TRUE(header_name_problem(name, target)) << name;
  }
  // Envoy lower-cases names: a pseudo-header in capitals is the same pseudo-header.
  EXPECT_EQ(header_name_problem(":Path", HeaderTarget::RequestHeaders), std::nullopt);
}

TEST(HeaderRules, ValuesWithLineBreaksOrNulAreRefused) {
  EXPECT_EQ(header_value_problem(""), std::nullopt);
  EXPECT_EQ(header_value_problem("a b\tc,d;e=\"f\" \x80\xff"), std::nullopt);
  auto cr = header_value_problem("a\r\nset-cookie: evil");
  ASSERT_TRUE(cr);
  EXPECT_EQ(*cr, "value 'a\\x0d\\x0aset-cookie: evil' contains CR (\\x0d) at byte 1");
  auto lf = header_value_problem("ab\nc");
  ASSERT_TRUE(lf);
  EXPECT_NE(lf->find("LF (\\x0a) at byte 2"), std::string::npos) << *lf;
  auto nul = header_value_problem("abc\0"s);
  ASSERT_TRUE(nul);
  EXPECT_NE(nul->find("NUL (\\x00) at byte 3"), std::string::npos) << *nul;
}

TEST(HeaderRules, PseudoHeaderValues) {
  const HeaderLimits limits;
  auto request = [&](std::string_view name, std::string_view value) {
    return header_problem(name, value, HeaderTarget::RequestHeaders, limits);
  };
  EXPECT_EQ(request(":method", "GET"), std::nullopt);
  EXPECT_EQ(request(":method", "M-SEARCH"), std::nullopt);
  EXPECT_TRUE(request(":method", ""));
  EXPECT_TRUE(request(":method", "GET /x HTTP/1.1"));
  EXPECT_TRUE(request(":method", "GET\r\n"));
  EXPECT_EQ(request(":path", "/a?b=c#d"), std::nullopt);
  EXPECT_EQ(request(":path", "*"), std::nullopt);
  EXPECT_TRUE(request(":path", ""));
  EXPECT_TRUE(request(":path", "/ HTTP/1.1"));
  auto smuggled = request(":path", "/\r\nGET /smuggled HTTP/1.1");
  ASSERT_TRUE(smuggled);
  EXPECT_NE(smuggled->find("header ':path': value '/\\x0d\\x0aGET /smuggled HTTP/1.1' contains CR"),
            std::string::npos)
      << *smuggled;
  EXPECT_EQ(request(":authority", "example.com:8080"), std::nullopt);
  EXPECT_TRUE(request(":authority", "example.com evil"));
  EXPECT_TRUE(request(":authority", "a\nb"));
  EXPECT_EQ(request(":scheme", "https"), std::nullopt);
  EXPECT_TRUE(request(":scheme", "ht tp"));
  EXPECT_TRUE(request(":scheme", "http\0"s));
  EXPECT_EQ(request(":protocol", "websocket"), std::nullopt);
  EXPECT_TRUE(request(":protocol", "web socket"));
  auto response = [&](std::string_view value) {
    return header_problem(":status", value, HeaderTarget::ResponseHeaders, limits);
  };
  for (std::string_view good : {"100", "200", "404", "599"})
    EXPECT_EQ(response(good), std::nullopt) << good;
  for (std::string_view bad : {"", "99", "600", "700", "2000", "20x", " 200", "200\r\nx: y"})
    EXPECT_TRUE(response(bad)) << printable(bad);
}

TEST(HeaderRules, LimitsOnNamesValuesAndMaps) {
  HeaderLimits limits;
  limits.max_value_bytes = 8;
  limits.max_pairs = 2;
  limits.max_map_bytes = 20;
  EXPECT_EQ(header_problem("x", "12345678", HeaderTarget::Trailers, limits), std::nullopt);
  auto value = header_problem("x", "123456789", HeaderTarget::Trailers, limits);
  ASSERT_TRUE(value);
  EXPECT_EQ(*value, "header 'x': value of 9 bytes is over the limit of 8");
  EXPECT_TRUE(header_problem("123456789", "v", HeaderTarget::Trailers, limits));
  EXPECT_EQ(map_size_problem(2, 20, limits), std::nullopt);
  EXPECT_EQ(*map_size_problem(3, 3, limits), "the map would hold 3 pairs, over the limit of 2");
  EXPECT_EQ(*map_size_problem(1, 21, limits), "the map would hold 21 bytes, over the limit of 20");
}

TEST(HeaderRules, OneBadPairRefusesTheSetAndIsNamed) {
  const HeaderLimits limits;
  abi::HeaderPairs pairs = {{"a", "1"}, {"b", "2"}, {"x", "a\r\nset-cookie: evil"}, {"c", "3"}};
  auto problem = pairs_problem(pairs, HeaderTarget::ResponseHeaders, limits);
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->rfind("pair 3 of 4: header 'x': value", 0), 0u) << *problem;
  pairs.erase(pairs.begin() + 2);
  EXPECT_EQ(pairs_problem(pairs, HeaderTarget::ResponseHeaders, limits), std::nullopt);
}

TEST(HeaderRules, WireChecks) {
  EXPECT_TRUE(is_safe_header_line("x", "a b"));
  EXPECT_FALSE(is_safe_header_line("", "v"));
  EXPECT_FALSE(is_safe_header_line("x y", "v"));
  EXPECT_FALSE(is_safe_header_line("x:", "v"));
  EXPECT_FALSE(is_safe_header_line("x", "a\r\nb: c"));
  EXPECT_FALSE(is_safe_header_line("x", "a\0"s));
  EXPECT_TRUE(is_safe_start_line_part("/a?b"));
  EXPECT_FALSE(is_safe_start_line_part("/a b"));
  EXPECT_FALSE(is_safe_start_line_part("/a\r\n"));
}

TEST(HeaderMapBytes, ByteSizeFollowsEveryChange) {
  HeaderMap map({{"a", "1"}, {"bb", "22"}, {"a", "333"}});
  EXPECT_EQ(map.byte_size(), 2u + 4u + 4u);
  EXPECT_EQ(map.size_after_replace("A", "x"), (std::pair<size_t, size_t>{2u, 4u + 2u}));
  map.replace("A", "x");
  EXPECT_EQ(map.byte_size(), 6u);
  map.add("c", "4444");
  EXPECT_EQ(map.byte_size(), 11u);
  EXPECT_EQ(map.remove("bb"), 1u);
  EXPECT_EQ(map.byte_size(), 7u);
  map.clear();
  EXPECT_EQ(map.byte_size(), 0u);
}

}  // namespace

// --- Through the ABI host -----------------------------------------------------------------------

namespace abi_host_testing {
namespace {

constexpr uint32_t kRequest = static_cast<uint32_t>(abi::MapType::HttpRequestHeaders);
constexpr uint32_t kRequestTrailers = static_cast<uint32_t>(abi::MapType::HttpRequestTrailers);
constexpr uint32_t kResponse = static_cast<uint32_t>(abi::MapType::HttpResponseHeaders);
constexpr uint32_t kResponseTrailers = static_cast<uint32_t>(abi::MapType::HttpResponseTrailers);

class HeaderValidationTest : public AbiHostTest {
 protected:
  Status replace_value(uint32_t map, std::string_view key, std::string_view value) {
    Slice k = in(key), v = in(value);
    return st("proxy_replace_header_map_value", {map, k.ptr, k.len, v.ptr, v.len});
  }
  Status set_pairs(uint32_t map, const HeaderPairs& pairs) {
    Slice p = in_pairs(pairs);
    return st("proxy_set_header_map_pairs", {map, p.ptr, p.len});
  }
  Status local_reply(uint32_t status, std::string_view body, const HeaderPairs& headers = {},
                     std::string_view details = "") {
    Slice d = in(details), b = in(body), h = in_pairs(headers);
    if (headers.empty()) h = {0, 0};
    return st("proxy_send_local_response",
              {status, d.ptr, d.len, b.ptr, b.len, h.ptr, h.len, 0xFFFFFFFF});
  }
  const TraceEvent& last_call() {
    for (auto it = sink.events().rbegin(); it != sink.events().rend(); ++it)
      if (it->kind == EventKind::HostCall) return *it;
    ADD_FAILURE() << "no host call traced";
    return sink.events().front();
  }
  VectorTraceSink sink;
};

TEST_F(HeaderValidationTest, InjectionThroughEveryWriteIsRefusedAndNothingWritten) {
  env.set_trace_sink(&sink);
  enter(ctx);
  stream.response_headers = HeaderMap(HeaderPairs{{":status", "200"}});
  const HeaderMap request_before = stream.request_headers;
  const HeaderMap response_before = stream.response_headers;
  for (uint32_t map : {kRequest, kResponse, kRequestTrailers, kResponseTrailers}) {
    EXPECT_EQ(add_value(map, "x", "a\r\nset-cookie: evil"), Status::BadArgument);
    EXPECT_EQ(replace_value(map, "x", "a\nb"), Status::BadArgument);
    EXPECT_EQ(add_value(map, "x y", "v"), Status::BadArgument);
    EXPECT_EQ(add_value(map, "x:y", "v"), Status::BadArgument);
    EXPECT_EQ(add_value(map, "", "v"), Status::BadArgument);
    EXPECT_EQ(add_value(map, ":bogus", "v"), Status::BadArgument);
    EXPECT_EQ(set_pairs(map, {{"ok", "1"}, {"x", std::string("a\0b", 3)}}), Status::BadArgument);
  }
  EXPECT_EQ(replace_value(kRequest, ":path", "/\r\nGET /smuggled HTTP/1.1"), Status::BadArgument);
  EXPECT_EQ(replace_value(kRequest, ":method", "GET /a HTTP/1.1\r\nx:"), Status::BadArgument);
  EXPECT_EQ(replace_value(kRequest, ":authority", "a\r\nb"), Status::BadArgument);
  EXPECT_EQ(replace_value(kRequest, ":scheme", "http\n"), Status::BadArgument);
  EXPECT_EQ(replace_value(kResponse, ":status", "200\r\nset-cookie: evil"), Status::BadArgument);
  EXPECT_EQ(replace_value(kResponse, ":status", "700"), Status::BadArgument);
  EXPECT_EQ(replace_value(kResponse, ":path", "/"), Status::BadArgument);
  EXPECT_EQ(add_value(kRequestTrailers, ":path", "/"), Status::BadArgument);
  EXPECT_EQ(stream.request_headers, request_before);
  EXPECT_EQ(stream.response_headers, response_before);
  EXPECT_TRUE(stream.request_trailers.empty());
  EXPECT_TRUE(stream.response_trailers.empty());

  // Good writes still go through.
  EXPECT_EQ(replace_value(kRequest, ":path", "/fine?a=b"), Status::Ok);
  EXPECT_EQ(replace_value(kResponse, ":status", "404"), Status::Ok);
  EXPECT_EQ(add_value(kResponse, "x", "a b\tc"), Status::Ok);
  EXPECT_EQ(stream.request_headers.get(":path"), "/fine?a=b");
  EXPECT_EQ(stream.response_headers.get("x"), "a b\tc");
}

TEST_F(HeaderValidationTest, TheTraceAndTheLogNameTheCallTheHeaderAndTheProblem) {
  env.set_trace_sink(&sink);
  enter(ctx);
  EXPECT_EQ(add_value(kResponse, "x", "a\r\nset-cookie: evil"), Status::BadArgument);
  const TraceEvent& event = last_call();
  EXPECT_EQ(event.name, "proxy_add_header_map_value");
  EXPECT_EQ(event.result, "BAD_ARGUMENT");
  EXPECT_EQ(arg(event, "error"),
            "HTTP_RESPONSE_HEADERS: header 'x': value 'a\\x0d\\x0aset-cookie: evil' contains CR "
            "(\\x0d) at byte 1");
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].level, abi::LogLevel::Error);
  EXPECT_EQ(logs[0].message, "proxy_add_header_map_value refused: " + arg(event, "error"));

  Slice p = in_pairs({{"a", "1"}, {"b c", "2"}});
  EXPECT_EQ(st("proxy_set_header_map_pairs", {kRequest, p.ptr, p.len}), Status::BadArgument);
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_MENTIONS(logs[1].message,
                  "proxy_set_header_map_pairs refused: HTTP_REQUEST_HEADERS: "
                  "pair 2 of 2: header name 'b c' contains a space at byte 1");
}

TEST_F(HeaderValidationTest, PairLimitStopsARunawayFilterAndTheLogStaysShort) {
  env.options().header_limits.max_pairs = 50;
  enter(ctx);
  const size_t before = stream.response_headers.size();
  size_t refused = 0;
  for (int i = 0; i < 1000; ++i)
    if (add_value(kResponse, "x-" + std::to_string(i), "v") == Status::BadArgument) ++refused;
  EXPECT_EQ(stream.response_headers.size(), 50u);
  EXPECT_EQ(refused, 1000u - (50u - before));
  // Ten refusals and one line saying the rest are only in the trace.
  ASSERT_EQ(logs.size(), 11u);
  EXPECT_MENTIONS(logs[0].message, "the map would hold 51 pairs, over the limit of 50");
  EXPECT_MENTIONS(logs[10].message, "further refusals on this stream are only in the trace");
  // Replacing or removing in a full map still works; set_pairs may not grow it.
  EXPECT_EQ(replace_value(kResponse, "x-10", "w"), Status::Ok);
  EXPECT_EQ(st("proxy_remove_header_map_value", {kResponse, in("x-11").ptr, 4}), Status::Ok);
  HeaderPairs many(60, {"y", "1"});
  EXPECT_EQ(set_pairs(kResponse, many), Status::BadArgument);
  EXPECT_EQ(stream.response_headers.size(), 49u);
}

TEST_F(HeaderValidationTest, ValueAndMapByteLimits) {
  env.options().header_limits.max_value_bytes = 100;
  env.options().header_limits.max_map_bytes = 400;
  enter(ctx);
  EXPECT_EQ(add_value(kResponse, "big", std::string(101, 'v')), Status::BadArgument);
  EXPECT_EQ(add_value(kResponse, "big", std::string(100, 'v')), Status::Ok);
  EXPECT_EQ(add_value(kResponse, "big", std::string(100, 'v')), Status::Ok);
  EXPECT_EQ(add_value(kResponse, "big", std::string(100, 'v')), Status::Ok);
  EXPECT_EQ(add_value(kResponse, "big", std::string(100, 'v')), Status::BadArgument);
  EXPECT_EQ(stream.response_headers.byte_size(), 309u);
  // A replace that shrinks the map passes.
  EXPECT_EQ(replace_value(kResponse, "big", "small"), Status::Ok);
  EXPECT_EQ(stream.response_headers.byte_size(), 8u);
}

TEST_F(HeaderValidationTest, LocalRepliesAreCheckedBeforeAnythingIsSent) {
  env.set_trace_sink(&sink);
  enter(ctx);
  struct Case {
    uint32_t status;
    std::string body;
    HeaderPairs headers;
    std::string details;
    std::string wanted;
  };
  const Case cases[] = {
      {700, "", {}, "", "status 700 is outside 100-599"},
      {99, "", {}, "", "status 99 is outside 100-599"},
      {0, "", {}, "", "status 0 is outside 100-599"},
      {204, "body", {}, "", "status 204 may not carry a body (4 bytes given)"},
      {304, "x", {}, "", "status 304 may not carry a body"},
      {101, "x", {}, "", "status 101 may not carry a body"},
      {403, "", {{"x", "a\r\nset-cookie: evil"}}, "", "headers: pair 1 of 1: header 'x': value"},
      {403, "", {{"bad name", "v"}}, "", "header name 'bad name' contains a space"},
      {403, "", {{":status", "200"}}, "", "pseudo-header ':status' is not allowed"},
      {403, "", {}, "a\r\nb", "details 'a\\x0d\\x0ab' contain a line break"},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(local_reply(c.status, c.body, c.headers, c.details), Status::BadArgument) << c.wanted;
    EXPECT_MENTIONS(arg(last_call(), "error"), c.wanted);
    EXPECT_FALSE(host->take_local_reply_flag()) << c.wanted;
  }
  EXPECT_TRUE(control.local_replies.empty());
  ASSERT_EQ(stream.refused_local_replies.size(), std::size(cases));
  EXPECT_EQ(stream.refused_local_replies[0], "status 700 is outside 100-599");
  EXPECT_MENTIONS(logs[0].message, "proxy_send_local_response refused: status 700");
  // The edges that are allowed.
  EXPECT_EQ(local_reply(100, ""), Status::Ok);
  EXPECT_EQ(local_reply(204, ""), Status::Ok);
  EXPECT_EQ(local_reply(599, "body", {{"x-ok", "a b"}}, "with spaces"), Status::Ok);
  ASSERT_EQ(control.local_replies.size(), 3u);
  EXPECT_EQ(control.local_replies[2].details, "with_spaces");
}

TEST_F(HeaderValidationTest, CalloutHeadersTrailersAndMetadataFollowTheSameRules) {
  callouts.set_http_reply("svc", CalloutResponse{});
  enter(ctx);
  HeaderPairs headers = callout_headers();
  headers.push_back({"x", "a\r\nset-cookie: evil"});
  EXPECT_EQ(http_call("svc", headers, ""), Status::BadArgument);
  headers = callout_headers();
  headers[1].second = "/\r\nGET /smuggled HTTP/1.1";
  EXPECT_EQ(http_call("svc", headers, ""), Status::BadArgument);
  headers = callout_headers();
  headers.push_back({":status", "200"});
  EXPECT_EQ(http_call("svc", headers, ""), Status::BadArgument);
  Slice c = in("svc"), h = in_pairs(callout_headers()), t = in_pairs({{"x", "a\nb"}});
  EXPECT_EQ(st("proxy_http_call", {c.ptr, c.len, h.ptr, h.len, 0, 0, t.ptr, t.len, 1000, kRet}),
            Status::BadArgument);
  EXPECT_TRUE(callouts.sent().empty());
  EXPECT_EQ(http_call("svc", callout_headers(), ""), Status::Ok);
  EXPECT_EQ(callouts.sent().size(), 1u);
  ASSERT_GE(logs.size(), 4u);
  EXPECT_MENTIONS(logs[0].message, "proxy_http_call refused: headers: pair 4 of 4");

  Slice cl = in("grpc"), s = in("pkg.Service"), m = in("Method");
  Slice md = in_pairs({{"x", "a\r\nb"}});
  EXPECT_EQ(st("proxy_grpc_call",
               {cl.ptr, cl.len, s.ptr, s.len, m.ptr, m.len, md.ptr, md.len, 0, 0, 1000, kRet}),
            Status::BadArgument);
  EXPECT_EQ(
      st("proxy_grpc_stream", {cl.ptr, cl.len, s.ptr, s.len, m.ptr, m.len, md.ptr, md.len, kRet}),
      Status::BadArgument);
  EXPECT_MENTIONS(logs.back().message, "proxy_grpc_stream refused: initial metadata: pair 1 of 1");
}

}  // namespace
}  // namespace abi_host_testing
}  // namespace pwplay::host
