// AbiHost's callout room: proxy_get_status, HTTP callouts, gRPC calls and streams.
#include <gtest/gtest.h>

#include <chrono>

#include "unit/abi_host_fixture.h"

namespace pwplay::host {
namespace {

using namespace abi_host_testing;

// =============================================================================================
// The status callouts and gRPC calls leave behind
// =============================================================================================

TEST_F(AbiHostTest, GetStatusWritesCodeAndMessage) {
  enter(root);
  host->set_status(14, "upstream unavailable");
  poison({kRet, kRetSize, kRet2});
  EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet2), 14u);
  EXPECT_EQ(returned(), "upstream unavailable");
  host->set_status(0, "");
  poison({kRet, kRetSize});
  EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet2), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_EQ(st("proxy_get_status", {bad(), kRet, kRetSize}), Status::InvalidMemoryAccess);
}

// =============================================================================================
// HTTP callouts
// =============================================================================================

class HttpCallTest : public AbiHostTest {
 protected:
  HttpCallTest() {
    CalloutResponse reply;
    reply.headers = {{":status", "200"}, {"X-Reply", "yes"}};
    reply.body = "pong";
    reply.trailers = {{"t", "1"}};
    callouts.set_http_reply("backend", reply);
    CalloutResponse failed;
    failed.failed = true;
    failed.failure_reason = "reset";
    callouts.set_http_reply("broken", failed);
    enter(ctx);
  }
};

TEST_F(HttpCallTest, TokensStartAt4AndStepBy4) {
  poison({kRet});
  EXPECT_EQ(http_call("backend", callout_headers(), "ping"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 4u);
  EXPECT_EQ(http_call("backend", callout_headers(), ""), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 8u);
  ASSERT_EQ(callouts.sent().size(), 2u);
  EXPECT_EQ(callouts.sent()[0].cluster, "backend");
  EXPECT_EQ(callouts.sent()[0].headers, callout_headers());
  EXPECT_EQ(callouts.sent()[0].body, "ping");
}

TEST_F(HttpCallTest, AcceptsTheReferenceHeaderBytes) {
  const uint8_t bytes[] = {0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00,
                           0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x0a, 0x00,
                           0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x3a, 0x6d, 0x65, 0x74, 0x68,
                           0x6f, 0x64, 0x00, 0x47, 0x45, 0x54, 0x00, 0x3a, 0x70, 0x61, 0x74,
                           0x68, 0x00, 0x2f, 0x00, 0x3a, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72,
                           0x69, 0x74, 0x79, 0x00, 0x73, 0x76, 0x63, 0x00};
  Slice cluster = in("backend");
  uint32_t headers = guest.place(std::span<const uint8_t>(bytes, sizeof(bytes)));
  EXPECT_EQ(st("proxy_http_call",
               {cluster.ptr, cluster.len, headers, sizeof(bytes), 0, 0, 0, 0, 0, kRet}),
            Status::Ok);
  ASSERT_EQ(callouts.sent().size(), 1u);
  EXPECT_EQ(callouts.sent()[0].headers, callout_headers());
}

TEST_F(HttpCallTest, ReplyReachesTheRootAfterTheDispatcherRuns) {
  EXPECT_EQ(http_call("backend", callout_headers(), "ping"), Status::Ok);
  EXPECT_TRUE(roots.calls.empty());
  leave();
  dispatcher.run_until_idle();
  auto replies = roots.named("on_http_call_response");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].root_id, root);
  // token, headers, body size, trailers
  EXPECT_EQ(replies[0].args, (std::vector<uint32_t>{4, 2, 4, 1}));
}

TEST_F(HttpCallTest, ReplyBodyAndHeadersAreReadableDuringTheCallback) {
  EXPECT_EQ(http_call("backend", callout_headers(), "ping"), Status::Ok);
  leave();
  std::string body, status_header, trailer;
  HeaderPairs headers;
  Status body_status = Status::InternalFailure, status_status = Status::InternalFailure;
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    body_status = get_buffer(4, 0, 0xFFFFFFFF);
    body = returned();
    headers = get_pairs(6);
    EXPECT_EQ(get_value(6, ":status"), Status::Ok);
    status_header = returned();
    EXPECT_EQ(get_value(7, "t"), Status::Ok);
    trailer = returned();
    status_status = st("proxy_get_status", {kRet2, kRet, kRetSize});
    EXPECT_EQ(guest.u32(kRet2), 0u);
    // The reply's maps are read-only.
    EXPECT_EQ(add_value(6, "x", "y"), Status::BadArgument);
    Slice k = in(":status"), v = in("500");
    EXPECT_EQ(st("proxy_replace_header_map_value", {6, k.ptr, k.len, v.ptr, v.len}),
              Status::BadArgument);
    EXPECT_EQ(st("proxy_remove_header_map_value", {7, k.ptr, k.len}), Status::BadArgument);
    Slice empty = in_pairs({});
    EXPECT_EQ(st("proxy_set_header_map_pairs", {6, empty.ptr, empty.len}), Status::BadArgument);
    EXPECT_EQ(set_buffer(4, 0, 0, "x"), Status::BadArgument);
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.count("on_http_call_response"), 1u);
  EXPECT_EQ(body_status, Status::Ok);
  EXPECT_EQ(body, "pong");
  EXPECT_EQ(headers, (HeaderPairs{{":status", "200"}, {"X-Reply", "yes"}}));
  EXPECT_EQ(status_header, "200");
  EXPECT_EQ(trailer, "1");
  EXPECT_EQ(status_status, Status::Ok);
  // After the callback the reply is gone.
  enter(root);
  EXPECT_EQ(get_buffer(4, 0, 10), Status::NotFound);
  EXPECT_EQ(get_value(6, ":status"), Status::BadArgument);
}

TEST_F(HttpCallTest, FailedCalloutHasZeroHeaders) {
  EXPECT_EQ(http_call("broken", callout_headers(), ""), Status::Ok);
  leave();
  uint32_t code = 0;
  std::string message;
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
    code = guest.u32(kRet2);
    message = returned();
  };
  dispatcher.run_until_idle();
  auto replies = roots.named("on_http_call_response");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].args, (std::vector<uint32_t>{4, 0, 0, 0}));
  EXPECT_EQ(code, static_cast<uint32_t>(Status::BrokenConnection));
  EXPECT_EQ(message, "reset");
}

// As in Envoy, a timeout is answered by the router's 504, not reported as a failure.
TEST_F(HttpCallTest, ReplySlowerThanTheTimeoutIsEnvoys504) {
  callouts.set_http_delay("backend", std::chrono::milliseconds(500));
  EXPECT_EQ(http_call("backend", callout_headers(), "", 100), Status::Ok);
  leave();
  dispatcher.advance(99);
  EXPECT_TRUE(roots.calls.empty());
  dispatcher.advance(1);
  auto replies = roots.named("on_http_call_response");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].args[1], 3u);   // :status, content-length, content-type
  EXPECT_EQ(replies[0].args[2], 24u);  // "upstream request timeout"
}

TEST_F(HttpCallTest, DelayedReplyArrivesOnTheFakeClock) {
  callouts.set_http_delay("backend", std::chrono::milliseconds(30));
  EXPECT_EQ(http_call("backend", callout_headers(), "", 0), Status::Ok);  // 0 = no timeout
  leave();
  dispatcher.advance(29);
  EXPECT_TRUE(roots.calls.empty());
  dispatcher.advance(1);
  ASSERT_EQ(roots.count("on_http_call_response"), 1u);
  EXPECT_EQ(roots.calls[0].args[1], 2u);
}

TEST_F(HttpCallTest, UnknownClusterIsBadArgument) {
  poison({kRet});
  EXPECT_EQ(http_call("nowhere", callout_headers(), ""), Status::BadArgument);
  EXPECT_EQ(guest.u32(kRet), kPoison);
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, MissingPseudoHeadersAreBadArgument) {
  for (std::string_view missing : {":method", ":path", ":authority"}) {
    HeaderPairs headers;
    for (const auto& pair : callout_headers())
      if (pair.first != missing) headers.push_back(pair);
    EXPECT_EQ(http_call("backend", headers, ""), Status::BadArgument) << missing;
  }
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, MalformedHeadersOrTrailersAreBadArgument) {
  Slice cluster = in("backend");
  Slice bad_pairs = in(std::string("\x01\0\0\0\x09\0\0\0", 8));
  Slice good = in_pairs(callout_headers());
  EXPECT_EQ(st("proxy_http_call",
               {cluster.ptr, cluster.len, bad_pairs.ptr, bad_pairs.len, 0, 0, 0, 0, 1000, kRet}),
            Status::BadArgument);
  EXPECT_EQ(st("proxy_http_call", {cluster.ptr, cluster.len, good.ptr, good.len, 0, 0,
                                   bad_pairs.ptr, bad_pairs.len, 1000, kRet}),
            Status::BadArgument);
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, NegativeTimeoutIsBadArgument) {
  EXPECT_EQ(http_call("backend", callout_headers(), "", 0xFFFFFFFF), Status::BadArgument);
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, BadMemoryIsInvalidMemoryAccess) {
  EXPECT_EQ(http_call("backend", callout_headers(), "", 1000, bad()), Status::InvalidMemoryAccess);
  Slice h = in_pairs(callout_headers());
  EXPECT_EQ(st("proxy_http_call", {bad(), 10, h.ptr, h.len, 0, 0, 0, 0, 1000, kRet}),
            Status::InvalidMemoryAccess);
  EXPECT_TRUE(callouts.sent().empty());
}

TEST_F(HttpCallTest, ReplyAfterShutdownIsDropped) {
  EXPECT_EQ(http_call("backend", callout_headers(), ""), Status::Ok);
  leave();
  host->shutdown();
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(HttpCallTest, ReplyForADeletedRootIsDropped) {
  EXPECT_EQ(http_call("backend", callout_headers(), ""), Status::Ok);
  leave();
  host->delete_context(ctx);
  host->delete_context(root);
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

// =============================================================================================
// gRPC
// =============================================================================================

class GrpcTest : public AbiHostTest {
 protected:
  GrpcTest() {
    GrpcMockReply reply;
    reply.initial_metadata = {{"im", "1"}};
    reply.messages = {"resp1", "resp2"};
    reply.trailing_metadata = {{"tm", "2"}};
    callouts.set_grpc_reply("grpc-backend", reply);
    GrpcMockReply failing;
    failing.status = 14;
    failing.status_message = "unavailable";
    failing.messages = {"never"};
    callouts.set_grpc_reply("grpc-down", failing);
    enter(ctx);
  }
};

TEST_F(GrpcTest, CallTokensStartAt5AndStepBy4) {
  poison({kRet});
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 5u);
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 9u);
}

TEST_F(GrpcTest, CallDeliversMetadataMessageTrailersAndClose) {
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  leave();
  std::vector<std::string> seen;
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    if (call.name == "on_grpc_receive_initial_metadata") {
      EXPECT_EQ(get_value(4, "im"), Status::Ok);
      seen.push_back("im=" + returned());
    } else if (call.name == "on_grpc_receive") {
      EXPECT_EQ(get_buffer(5, 0, 100), Status::Ok);
      seen.push_back("msg=" + returned());
    } else if (call.name == "on_grpc_receive_trailing_metadata") {
      EXPECT_EQ(get_value(5, "tm"), Status::Ok);
      seen.push_back("tm=" + returned());
    } else if (call.name == "on_grpc_close") {
      EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
      seen.push_back("status=" + std::to_string(guest.u32(kRet2)));
    }
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 4u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_receive_initial_metadata");
  EXPECT_EQ(roots.calls[0].args, (std::vector<uint32_t>{5, 1}));
  EXPECT_EQ(roots.calls[1].name, "on_grpc_receive");
  EXPECT_EQ(roots.calls[1].args, (std::vector<uint32_t>{5, 5}));
  EXPECT_EQ(roots.calls[2].name, "on_grpc_receive_trailing_metadata");
  EXPECT_EQ(roots.calls[3].name, "on_grpc_close");
  EXPECT_EQ(roots.calls[3].args, (std::vector<uint32_t>{5, 0}));
  for (const auto& call : roots.calls) EXPECT_EQ(call.root_id, root);
  EXPECT_EQ(seen, (std::vector<std::string>{"im=1", "msg=resp1", "tm=2", "status=0"}));
  // Nothing stays readable afterwards.
  enter(root);
  EXPECT_EQ(get_buffer(5, 0, 100), Status::NotFound);
  EXPECT_EQ(get_value(4, "im"), Status::BadArgument);
  EXPECT_EQ(get_value(5, "tm"), Status::BadArgument);
}

TEST_F(GrpcTest, FailingCallClosesWithItsStatusAndMessage) {
  EXPECT_EQ(grpc_call("grpc-down", "req"), Status::Ok);
  leave();
  std::string message;
  roots.during = [&](const RootCall& call) {
    if (call.name != "on_grpc_close") return;
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(st("proxy_get_status", {kRet2, kRet, kRetSize}), Status::Ok);
    message = returned();
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 1u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_close");
  EXPECT_EQ(roots.calls[0].args, (std::vector<uint32_t>{5, 14}));
  EXPECT_EQ(message, "unavailable");
}

TEST_F(GrpcTest, CallWithoutAConfiguredReplyIsParseFailure) {
  poison({kRet});
  EXPECT_EQ(grpc_call("nowhere", "req"), Status::ParseFailure);
  EXPECT_EQ(guest.u32(kRet), kPoison);
  EXPECT_EQ(grpc_stream("nowhere"), Status::ParseFailure);
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(GrpcTest, CallBadMemoryIsInvalidMemoryAccess) {
  EXPECT_EQ(grpc_call("grpc-backend", "req", bad()), Status::InvalidMemoryAccess);
  EXPECT_EQ(grpc_stream("grpc-backend", bad()), Status::InvalidMemoryAccess);
  Slice s = in("svc");
  EXPECT_EQ(st("proxy_grpc_call", {bad(), 10, s.ptr, s.len, s.ptr, s.len, 0, 0, 0, 0, 0, kRet}),
            Status::InvalidMemoryAccess);
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(GrpcTest, CancelBeforeTheReplySuppressesEveryCallback) {
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  EXPECT_EQ(st("proxy_grpc_cancel", {5}), Status::Ok);
  EXPECT_EQ(st("proxy_grpc_cancel", {5}), Status::NotFound);
  leave();
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(GrpcTest, CancelInsideACallbackLeavesNothingReadable) {
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  leave();
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(st("proxy_grpc_cancel", {call.args[0]}), Status::Ok);
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 1u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_receive_initial_metadata");
  enter(root);
  EXPECT_EQ(get_value(4, "im"), Status::BadArgument);
}

TEST_F(GrpcTest, CancelInsideReceiveLeavesNoMessageBehind) {
  GrpcMockReply reply;
  reply.messages = {"only"};
  callouts.set_grpc_reply("plain", reply);
  EXPECT_EQ(grpc_call("plain", "req"), Status::Ok);
  leave();
  roots.during = [&](const RootCall& call) {
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(st("proxy_grpc_close", {call.args[0]}), Status::Ok);
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 1u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_receive");
  enter(root);
  EXPECT_EQ(get_buffer(5, 0, 10), Status::NotFound);
}

TEST_F(GrpcTest, StreamSendReceivesOneReplyPerMessageThenCloses) {
  poison({kRet});
  EXPECT_EQ(grpc_stream("grpc-backend"), Status::Ok);
  uint32_t token = guest.u32(kRet);
  EXPECT_EQ(token, 6u);
  leave();
  std::vector<std::string> messages;
  roots.during = [&](const RootCall& call) {
    if (call.name != "on_grpc_receive") return;
    AbiHost::CallbackScope scope(*host, call.root_id);
    EXPECT_EQ(get_buffer(5, 0, 100), Status::Ok);
    messages.push_back(returned());
  };
  dispatcher.run_until_idle();
  ASSERT_EQ(roots.calls.size(), 1u);
  EXPECT_EQ(roots.calls[0].name, "on_grpc_receive_initial_metadata");
  enter(root);
  EXPECT_EQ(grpc_send(token, "m1", false), Status::Ok);
  leave();
  dispatcher.run_until_idle();
  enter(root);
  EXPECT_EQ(grpc_send(token, "m2", true), Status::Ok);
  leave();
  dispatcher.run_until_idle();
  EXPECT_EQ(messages, (std::vector<std::string>{"resp1", "resp2"}));
  ASSERT_EQ(roots.count("on_grpc_close"), 1u);
  EXPECT_EQ(roots.named("on_grpc_close")[0].args, (std::vector<uint32_t>{token, 0}));
  EXPECT_EQ(roots.count("on_grpc_receive_trailing_metadata"), 1u);
  enter(root);
  EXPECT_EQ(grpc_send(token, "late", false), Status::NotFound);
}

TEST_F(GrpcTest, SendErrors) {
  EXPECT_EQ(grpc_stream("grpc-backend"), Status::Ok);
  uint32_t stream_token = guest.u32(kRet);
  EXPECT_EQ(grpc_call("grpc-backend", "req"), Status::Ok);
  uint32_t call_token = guest.u32(kRet);
  EXPECT_EQ(grpc_send(stream_token + 4, "m", false), Status::NotFound);  // no such stream
  EXPECT_EQ(grpc_send(call_token, "m", false), Status::BadArgument);     // a call, not a stream
  EXPECT_EQ(grpc_send(4, "m", false), Status::BadArgument);              // an HTTP token
  EXPECT_EQ(st("proxy_grpc_send", {stream_token, bad(), 10, 0}), Status::InvalidMemoryAccess);
}

TEST_F(GrpcTest, CloseAndCancelStreams) {
  EXPECT_EQ(grpc_stream("grpc-backend"), Status::Ok);
  uint32_t first = guest.u32(kRet);
  EXPECT_EQ(grpc_stream("grpc-backend"), Status::Ok);
  uint32_t second = guest.u32(kRet);
  EXPECT_EQ(second, first + 4);
  EXPECT_EQ(st("proxy_grpc_close", {first}), Status::Ok);
  EXPECT_EQ(st("proxy_grpc_cancel", {second}), Status::Ok);
  EXPECT_EQ(grpc_send(first, "m", false), Status::NotFound);
  EXPECT_EQ(st("proxy_grpc_close", {first}), Status::NotFound);
  EXPECT_EQ(st("proxy_grpc_cancel", {second}), Status::NotFound);
  leave();
  dispatcher.run_until_idle();
  EXPECT_TRUE(roots.calls.empty());
}

TEST_F(GrpcTest, CloseAndCancelRejectTokensOfNoGrpcKind) {
  // Low bits 0 (HTTP call) and 3 (no kind) are not gRPC tokens.
  EXPECT_EQ(st("proxy_grpc_cancel", {4}), Status::BadArgument);
  EXPECT_EQ(st("proxy_grpc_close", {7}), Status::BadArgument);
  EXPECT_EQ(st("proxy_grpc_cancel", {0}), Status::BadArgument);
  EXPECT_EQ(st("proxy_grpc_close", {13}), Status::NotFound);  // a call token never issued
}

}  // namespace
}  // namespace pwplay::host
