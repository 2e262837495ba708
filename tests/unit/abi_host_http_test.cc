// AbiHost's HTTP room: buffers, header maps, stream control and local replies.
#include <gtest/gtest.h>

#include "unit/abi_host_fixture.h"

namespace pwplay::host {
namespace {

using namespace abi_host_testing;

// =============================================================================================
// Buffers
// =============================================================================================

class BufferTest : public AbiHostTest {
 protected:
  BufferTest() {
    body = "hello world";
    stream.request_body = &body;
    enter(ctx);
  }
  std::string body;
};

TEST_F(BufferTest, GetCopiesTheRangeIntoAllocatedMemory) {
  EXPECT_EQ(get_buffer(0, 0, 5), Status::Ok);
  EXPECT_EQ(returned(), "hello");
  ASSERT_EQ(guest.allocations().size(), 1u);
  EXPECT_EQ(guest.allocations()[0].first, guest.u32(kRet));
  EXPECT_EQ(guest.allocations()[0].second, 5u);
  EXPECT_GE(guest.u32(kRet), FakeGuest::kHeapStart);
}

TEST_F(BufferTest, GetClampsAnOverlongSizeToTheEnd) {
  EXPECT_EQ(get_buffer(0, 6, 100), Status::Ok);
  EXPECT_EQ(returned(), "world");
  EXPECT_EQ(get_buffer(0, 0, 0xFFFFFFFF), Status::Ok);
  EXPECT_EQ(returned(), "hello world");
}

TEST_F(BufferTest, GetAtOrPastTheEndWritesZerosWithoutAllocating) {
  for (uint32_t start : {11u, 12u, 1000u, 0xFFFFFFFFu}) {
    poison({kRet, kRetSize});
    EXPECT_EQ(get_buffer(0, start, 0xFFFFFFFF), Status::Ok) << start;
    EXPECT_EQ(guest.u32(kRet), 0u) << start;
    EXPECT_EQ(guest.u32(kRetSize), 0u) << start;
  }
  poison({kRet, kRetSize});
  EXPECT_EQ(get_buffer(0, 3, 0), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_TRUE(guest.allocations().empty());
}

TEST_F(BufferTest, GetIsNotFoundWhenTheBufferIsUnavailable) {
  EXPECT_EQ(get_buffer(1, 0, 10), Status::NotFound);  // no response body now
  EXPECT_EQ(get_buffer(2, 0, 10), Status::NotFound);  // no TCP data on an HTTP stream
  EXPECT_EQ(get_buffer(3, 0, 10), Status::NotFound);
  EXPECT_EQ(get_buffer(4, 0, 10), Status::NotFound);  // only inside on_http_call_response
  EXPECT_EQ(get_buffer(5, 0, 10), Status::NotFound);  // only inside on_grpc_receive
  EXPECT_EQ(get_buffer(8, 0, 10), Status::NotFound);  // only inside on_foreign_function
  stream.request_body = nullptr;
  EXPECT_EQ(get_buffer(0, 0, 10), Status::NotFound);
  enter(root);
  EXPECT_EQ(get_buffer(0, 0, 10), Status::NotFound);
}

TEST_F(BufferTest, GetRejectsTypesAbove8) {
  EXPECT_EQ(get_buffer(9, 0, 10), Status::BadArgument);
  EXPECT_EQ(get_buffer(0xFFFFFFFF, 0, 10), Status::BadArgument);
}

TEST_F(BufferTest, GetAllocatorFailureIsInvalidMemoryAccess) {
  guest.fail_allocations(true);
  EXPECT_EQ(get_buffer(0, 0, 5), Status::InvalidMemoryAccess);
  guest.fail_allocations(false);
  guest.force_allocation_address(guest.size() - 2);  // allocator answers past the end
  EXPECT_EQ(get_buffer(0, 0, 5), Status::InvalidMemoryAccess);
}

TEST_F(BufferTest, GetBadResultPointersAreInvalidMemoryAccess) {
  EXPECT_EQ(st("proxy_get_buffer_bytes", {0, 0, 5, bad(), kRetSize}), Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_get_buffer_bytes", {0, 0, 5, kRet, bad()}), Status::InvalidMemoryAccess);
}

TEST_F(BufferTest, GetReadsConfigurationBuffersAnyTime) {
  EXPECT_EQ(get_buffer(6, 0, 100), Status::Ok);
  EXPECT_EQ(returned(), "vm-config");
  EXPECT_EQ(get_buffer(7, 7, 100), Status::Ok);
  EXPECT_EQ(returned(), "config");
}

TEST_F(BufferTest, GetReadsForeignArgumentsAndGrpcMessageWhileSet) {
  std::string args = "foreign-args";
  std::string message = "grpc-message";
  host->set_foreign_arguments(&args);
  host->set_grpc_message(&message);
  EXPECT_EQ(get_buffer(8, 0, 100), Status::Ok);
  EXPECT_EQ(returned(), "foreign-args");
  EXPECT_EQ(get_buffer(5, 5, 100), Status::Ok);
  EXPECT_EQ(returned(), "message");
  host->set_foreign_arguments(nullptr);
  host->set_grpc_message(nullptr);
  EXPECT_EQ(get_buffer(8, 0, 100), Status::NotFound);
}

TEST_F(BufferTest, StatusWritesSizeAndZeroFlags) {
  poison({kRet, kRet2});
  EXPECT_EQ(st("proxy_get_buffer_status", {0, kRet, kRet2}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 11u);
  EXPECT_EQ(guest.u32(kRet2), 0u);
  EXPECT_EQ(st("proxy_get_buffer_status", {7, kRet, kRet2}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 13u);  // "plugin-config"
}

TEST_F(BufferTest, StatusErrors) {
  EXPECT_EQ(st("proxy_get_buffer_status", {1, kRet, kRet2}), Status::NotFound);
  EXPECT_EQ(st("proxy_get_buffer_status", {9, kRet, kRet2}), Status::BadArgument);
  EXPECT_EQ(st("proxy_get_buffer_status", {0, bad(), kRet2}), Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_get_buffer_status", {0, kRet, bad()}), Status::InvalidMemoryAccess);
}

TEST_F(BufferTest, SetWithStartZeroSizeZeroPrepends) {
  EXPECT_EQ(set_buffer(0, 0, 0, ">> "), Status::Ok);
  EXPECT_EQ(body, ">> hello world");
}

TEST_F(BufferTest, SetWithStartZeroAndTheFullSizeReplacesAll) {
  EXPECT_EQ(set_buffer(0, 0, 11, "bye"), Status::Ok);
  EXPECT_EQ(body, "bye");
  // A size beyond the buffer also replaces everything.
  EXPECT_EQ(set_buffer(0, 0, 0xFFFFFFFF, "all new"), Status::Ok);
  EXPECT_EQ(body, "all new");
}

TEST_F(BufferTest, SetWithStartZeroDropsTheFirstBytes) {
  EXPECT_EQ(set_buffer(0, 0, 6, "big "), Status::Ok);
  EXPECT_EQ(body, "big world");
}

TEST_F(BufferTest, SetWithStartAtOrPastTheEndAppends) {
  EXPECT_EQ(set_buffer(0, 11, 0, "!"), Status::Ok);
  EXPECT_EQ(body, "hello world!");
  EXPECT_EQ(set_buffer(0, 0xFFFFFFFF, 5, "?"), Status::Ok);  // size ignored
  EXPECT_EQ(body, "hello world!?");
}

TEST_F(BufferTest, SetInTheMiddleIsBadArgument) {
  EXPECT_EQ(set_buffer(0, 5, 1, "_"), Status::BadArgument);
  EXPECT_EQ(set_buffer(0, 1, 0, "_"), Status::BadArgument);
  EXPECT_EQ(body, "hello world");
}

TEST_F(BufferTest, SetOnTheResponseBody) {
  std::string response = "resp";
  stream.response_body = &response;
  EXPECT_EQ(set_buffer(1, 0, 4, "new response"), Status::Ok);
  EXPECT_EQ(response, "new response");
  EXPECT_EQ(body, "hello world");
}

TEST_F(BufferTest, SetOnReadOnlyBuffersIsBadArgument) {
  std::string args = "a";
  host->set_foreign_arguments(&args);
  for (uint32_t type : {4u, 5u, 6u, 7u, 8u})
    EXPECT_EQ(set_buffer(type, 0, 0, "x"), Status::BadArgument) << type;
  EXPECT_EQ(args, "a");
  EXPECT_EQ(set_buffer(9, 0, 0, "x"), Status::BadArgument);
}

TEST_F(BufferTest, SetOnAnUnavailableBufferIsNotFound) {
  EXPECT_EQ(set_buffer(1, 0, 0, "x"), Status::NotFound);
  EXPECT_EQ(set_buffer(2, 0, 0, "x"), Status::NotFound);
  EXPECT_EQ(set_buffer(3, 0, 0, "x"), Status::NotFound);
}

TEST_F(BufferTest, SetWithBadDataIsInvalidMemoryAccess) {
  EXPECT_EQ(st("proxy_set_buffer_bytes", {0, 0, 0, guest.size() - 1, 4}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(body, "hello world");
}

// =============================================================================================
// Header maps
// =============================================================================================

// The four stream maps, each with its HttpStreamState member.
struct StreamMap {
  uint32_t type;
  HeaderMap HttpStreamState::*member;
};
constexpr StreamMap kStreamMaps[] = {
    {0, &HttpStreamState::request_headers},
    {1, &HttpStreamState::request_trailers},
    {2, &HttpStreamState::response_headers},
    {3, &HttpStreamState::response_trailers},
};

class HeaderMapTest : public AbiHostTest {
 protected:
  HeaderMapTest() {
    for (const StreamMap& map : kStreamMaps)
      if (map.type != 0) stream.*map.member = HeaderMap({{"Map-Name", std::to_string(map.type)}});
    enter(ctx);
  }
};

TEST_F(HeaderMapTest, GetValueIsCaseInsensitive) {
  EXPECT_EQ(get_value(0, ":PATH"), Status::Ok);
  EXPECT_EQ(returned(), "/x?y=1");
  EXPECT_EQ(get_value(0, "x-DUP"), Status::Ok);
  EXPECT_EQ(returned(), "1");  // the first of repeated values, as Envoy
}

TEST_F(HeaderMapTest, GetValueOnEveryStreamMap) {
  for (const StreamMap& map : kStreamMaps) {
    if (map.type == 0) continue;
    EXPECT_EQ(get_value(map.type, "map-name"), Status::Ok) << map.type;
    EXPECT_EQ(returned(), std::to_string(map.type));
  }
}

TEST_F(HeaderMapTest, GetValueMissingKeyIsNotFoundIn02x) {
  for (const StreamMap& map : kStreamMaps)
    EXPECT_EQ(get_value(map.type, "absent"), Status::NotFound) << map.type;
}

TEST_F(HeaderMapTest, GetValueMissingKeyIsAnEmptyValueIn010) {
  make_host(AbiVersion::v0_1_0);
  enter(ctx);
  poison({kRet, kRetSize});
  EXPECT_EQ(get_value(0, "absent"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_TRUE(guest.allocations().empty());
}

TEST_F(HeaderMapTest, GetValueEmptyValueWritesZeros) {
  stream.request_headers.add("empty", "");
  poison({kRet, kRetSize});
  EXPECT_EQ(get_value(0, "empty"), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
}

TEST_F(HeaderMapTest, GetValueErrors) {
  EXPECT_EQ(get_value(8, ":path"), Status::BadArgument);
  EXPECT_EQ(st("proxy_get_header_map_value", {0, bad(), 10, kRet, kRetSize}),
            Status::InvalidMemoryAccess);
  Slice k = in(":path");
  EXPECT_EQ(st("proxy_get_header_map_value", {0, k.ptr, k.len, bad(), kRetSize}),
            Status::InvalidMemoryAccess);
  guest.fail_allocations(true);
  EXPECT_EQ(get_value(0, ":path"), Status::InvalidMemoryAccess);
}

TEST_F(HeaderMapTest, GetPairsSerializesInOrderWithRepeats) {
  HeaderPairs expected = {{":method", "GET"},
                          {":path", "/x?y=1"},
                          {":authority", "example.com"},
                          {"x-dup", "1"},
                          {"x-dup", "2"}};
  EXPECT_EQ(get_pairs(0), expected);
  EXPECT_EQ(guest.u32(kRetSize), abi::encoded_pairs_size(expected));
  for (const StreamMap& map : kStreamMaps) {
    if (map.type == 0) continue;
    EXPECT_EQ(get_pairs(map.type), (HeaderPairs{{"map-name", std::to_string(map.type)}}));
  }
}

TEST_F(HeaderMapTest, GetPairsOfAnEmptyMapIsSizeZero) {
  stream.response_trailers.clear();
  poison({kRet, kRetSize});
  EXPECT_EQ(st("proxy_get_header_map_pairs", {3, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 0u);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
  EXPECT_TRUE(guest.allocations().empty());
}

TEST_F(HeaderMapTest, GetPairsOfUnavailableMapsIsOkAndEmpty) {
  for (uint32_t type : {4u, 5u, 6u, 7u}) {
    poison({kRet, kRetSize});
    EXPECT_EQ(st("proxy_get_header_map_pairs", {type, kRet, kRetSize}), Status::Ok) << type;
    EXPECT_EQ(guest.u32(kRetSize), 0u) << type;
  }
  enter(root);
  poison({kRet, kRetSize});
  EXPECT_EQ(st("proxy_get_header_map_pairs", {0, kRet, kRetSize}), Status::Ok);
  EXPECT_EQ(guest.u32(kRetSize), 0u);
}

TEST_F(HeaderMapTest, GetPairsErrors) {
  EXPECT_EQ(st("proxy_get_header_map_pairs", {8, kRet, kRetSize}), Status::BadArgument);
  EXPECT_EQ(st("proxy_get_header_map_pairs", {0, bad(), kRetSize}), Status::InvalidMemoryAccess);
  guest.fail_allocations(true);
  EXPECT_EQ(st("proxy_get_header_map_pairs", {0, kRet, kRetSize}), Status::InvalidMemoryAccess);
}

TEST_F(HeaderMapTest, SetPairsReplacesTheWholeMapOnEveryStreamMap) {
  for (const StreamMap& map : kStreamMaps) {
    // Binary bytes are kept; NUL, CR and LF are refused (tests/unit/header_rules_test.cc).
    Slice pairs = in_pairs({{"New-Key", "v1"},
                            {"b", std::string("\x01"
                                              "bin\xff",
                                              5)},
                            {"new-key", "v2"}});
    EXPECT_EQ(st("proxy_set_header_map_pairs", {map.type, pairs.ptr, pairs.len}), Status::Ok);
    EXPECT_EQ((stream.*map.member).pairs(), (HeaderPairs{{"new-key", "v1"},
                                                         {"b", std::string("\x01"
                                                                           "bin\xff",
                                                                           5)},
                                                         {"new-key", "v2"}}))
        << map.type;
    Slice nul = in_pairs({{"b", std::string("\0bin", 4)}});
    EXPECT_EQ(st("proxy_set_header_map_pairs", {map.type, nul.ptr, nul.len}), Status::BadArgument);
  }
}

TEST_F(HeaderMapTest, SetPairsAcceptsTheThreeEmptyForms) {
  for (std::string empty : {std::string(), std::string(1, '\0'), std::string(4, '\0')}) {
    stream.request_headers = HeaderMap(HeaderPairs{{"a", "b"}});
    Slice pairs = in(empty);
    EXPECT_EQ(st("proxy_set_header_map_pairs", {0, pairs.ptr, pairs.len}), Status::Ok)
        << empty.size();
    EXPECT_TRUE(stream.request_headers.empty()) << empty.size();
  }
}

TEST_F(HeaderMapTest, SetPairsRejectsMalformedInputAndKeepsTheMap) {
  HeaderMap before = stream.request_headers;
  std::string bytes = to_string(abi::encode_pairs({{"a", "1"}}));
  std::string truncated = bytes.substr(0, bytes.size() - 1);
  std::string trailing = bytes + "x";
  std::string no_nul = bytes;
  no_nul.back() = 'z';
  for (const std::string& malformed : {truncated, trailing, no_nul, std::string("\x05\0", 2)}) {
    Slice pairs = in(malformed);
    EXPECT_EQ(st("proxy_set_header_map_pairs", {0, pairs.ptr, pairs.len}), Status::BadArgument);
  }
  EXPECT_EQ(stream.request_headers, before);
}

TEST_F(HeaderMapTest, SetPairsErrors) {
  Slice pairs = in_pairs({{"a", "1"}});
  EXPECT_EQ(st("proxy_set_header_map_pairs", {8, pairs.ptr, pairs.len}), Status::BadArgument);
  EXPECT_EQ(st("proxy_set_header_map_pairs", {0, bad(), 10}), Status::InvalidMemoryAccess);
  for (uint32_t type : {4u, 5u, 6u, 7u})
    EXPECT_EQ(st("proxy_set_header_map_pairs", {type, pairs.ptr, pairs.len}), Status::BadArgument);
  enter(root);
  EXPECT_EQ(st("proxy_set_header_map_pairs", {0, pairs.ptr, pairs.len}), Status::BadArgument);
}

TEST_F(HeaderMapTest, AddAppendsAndKeepsExistingValues) {
  EXPECT_EQ(add_value(0, "X-Dup", "3"), Status::Ok);
  EXPECT_EQ(stream.request_headers.get_joined("x-dup"), "1,2,3");
  EXPECT_EQ(stream.request_headers.pairs().back(),
            (std::pair<std::string, std::string>{"x-dup", "3"}));
  for (const StreamMap& map : kStreamMaps) {
    EXPECT_EQ(add_value(map.type, "Added", "yes"), Status::Ok) << map.type;
    EXPECT_EQ((stream.*map.member).get("added"), "yes") << map.type;
  }
}

TEST_F(HeaderMapTest, AddKeepsBinaryValues) {
  // Binary bytes are kept; NUL, CR and LF are refused (tests/unit/header_rules_test.cc).
  EXPECT_EQ(add_value(2, "bin", std::string("a\x01\xff", 3)), Status::Ok);
  EXPECT_EQ(get_value(2, "bin"), Status::Ok);
  EXPECT_EQ(returned(), std::string("a\x01\xff", 3));
  EXPECT_EQ(add_value(2, "nul", std::string("a\0b", 3)), Status::BadArgument);
}

TEST_F(HeaderMapTest, ReplaceOverwritesAllValuesOrAdds) {
  Slice k = in("x-dup"), v = in("only");
  EXPECT_EQ(st("proxy_replace_header_map_value", {0, k.ptr, k.len, v.ptr, v.len}), Status::Ok);
  EXPECT_EQ(stream.request_headers.get_joined("x-dup"), "only");
  EXPECT_EQ(stream.request_headers.size(), 4u);
  for (const StreamMap& map : kStreamMaps) {
    Slice nk = in("Fresh"), nv = in("v");
    EXPECT_EQ(st("proxy_replace_header_map_value", {map.type, nk.ptr, nk.len, nv.ptr, nv.len}),
              Status::Ok);
    EXPECT_EQ((stream.*map.member).get("fresh"), "v") << map.type;
  }
}

TEST_F(HeaderMapTest, RemoveDropsEveryValueAndIsOkWhenAbsent) {
  for (const StreamMap& map : kStreamMaps) {
    Slice k = in(map.type == 0 ? "X-DUP" : "map-name");
    EXPECT_EQ(st("proxy_remove_header_map_value", {map.type, k.ptr, k.len}), Status::Ok);
    EXPECT_EQ((stream.*map.member).get(map.type == 0 ? "x-dup" : "map-name"), std::nullopt);
    EXPECT_EQ(st("proxy_remove_header_map_value", {map.type, k.ptr, k.len}), Status::Ok);
  }
  EXPECT_EQ(stream.request_headers.size(), 3u);
}

TEST_F(HeaderMapTest, WritesErrors) {
  Slice k = in("k"), v = in("v");
  for (std::string_view name : {"proxy_add_header_map_value", "proxy_replace_header_map_value"}) {
    EXPECT_EQ(st(name, {8, k.ptr, k.len, v.ptr, v.len}), Status::BadArgument) << name;
    EXPECT_EQ(st(name, {0, bad(), 10, v.ptr, v.len}), Status::InvalidMemoryAccess) << name;
    EXPECT_EQ(st(name, {0, k.ptr, k.len, bad(), 10}), Status::InvalidMemoryAccess) << name;
  }
  EXPECT_EQ(st("proxy_remove_header_map_value", {8, k.ptr, k.len}), Status::BadArgument);
  EXPECT_EQ(st("proxy_remove_header_map_value", {0, bad(), 10}), Status::InvalidMemoryAccess);
  enter(root);
  EXPECT_EQ(st("proxy_add_header_map_value", {0, k.ptr, k.len, v.ptr, v.len}), Status::BadArgument);
  EXPECT_EQ(st("proxy_remove_header_map_value", {0, k.ptr, k.len}), Status::BadArgument);
}

TEST_F(HeaderMapTest, SizeIsTheByteSizeOfKeysAndValues) {
  // ":method"+"GET" + ":path"+"/x?y=1" + ":authority"+"example.com" + 2 x ("x-dup"+"1")
  const uint32_t expected = (7 + 3) + (5 + 6) + (10 + 11) + 2 * (5 + 1);
  poison({kRet});
  EXPECT_EQ(st("proxy_get_header_map_size", {0, kRet}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), expected);
  EXPECT_EQ(st("proxy_get_header_map_size", {1, kRet}), Status::Ok);
  EXPECT_EQ(guest.u32(kRet), 8u + 1u);
}

TEST_F(HeaderMapTest, SizeErrors) {
  EXPECT_EQ(st("proxy_get_header_map_size", {8, kRet}), Status::BadArgument);
  for (uint32_t type : {4u, 5u, 6u, 7u})
    EXPECT_EQ(st("proxy_get_header_map_size", {type, kRet}), Status::BadArgument) << type;
  EXPECT_EQ(st("proxy_get_header_map_size", {0, bad()}), Status::InvalidMemoryAccess);
  enter(root);
  EXPECT_EQ(st("proxy_get_header_map_size", {0, kRet}), Status::BadArgument);
}

TEST_F(HeaderMapTest, GrpcMetadataMapsAreReadOnly) {
  HeaderPairs initial = {{"Initial-Key", "i"}};
  HeaderPairs trailing = {{"grpc-status", "0"}, {"grpc-message", "fine"}};
  host->set_grpc_metadata(&initial, &trailing);
  EXPECT_EQ(get_value(4, "initial-key"), Status::Ok);
  EXPECT_EQ(returned(), "i");
  EXPECT_EQ(get_value(5, "GRPC-MESSAGE"), Status::Ok);
  EXPECT_EQ(returned(), "fine");
  EXPECT_EQ(get_pairs(5), trailing);
  EXPECT_EQ(get_value(5, "absent"), Status::NotFound);
  EXPECT_EQ(add_value(4, "x", "y"), Status::BadArgument);
  Slice k = in("initial-key");
  EXPECT_EQ(st("proxy_remove_header_map_value", {4, k.ptr, k.len}), Status::BadArgument);
  EXPECT_EQ(initial.size(), 1u);
  host->set_grpc_metadata(nullptr, nullptr);
  EXPECT_EQ(get_value(4, "initial-key"), Status::BadArgument);
}

// =============================================================================================
// Stream control and local replies
// =============================================================================================

TEST_F(AbiHostTest, ContinueAndCloseStreamReachTheStreamControl) {
  enter(ctx);
  EXPECT_EQ(st("proxy_continue_stream", {0}), Status::Ok);
  EXPECT_EQ(st("proxy_continue_stream", {1}), Status::Ok);
  EXPECT_EQ(st("proxy_close_stream", {1}), Status::Ok);
  EXPECT_EQ(st("proxy_close_stream", {3}), Status::Ok);
  EXPECT_EQ(control.continued, (std::vector<abi::StreamType>{abi::StreamType::HttpRequest,
                                                             abi::StreamType::HttpResponse}));
  EXPECT_EQ(control.closed, (std::vector<abi::StreamType>{abi::StreamType::HttpResponse,
                                                          abi::StreamType::Upstream}));
}

TEST_F(AbiHostTest, ContinueStreamPassesTheControlsAnswer) {
  enter(ctx);
  control.continue_result = Status::Unimplemented;
  EXPECT_EQ(st("proxy_continue_stream", {3}), Status::Unimplemented);
}

TEST_F(AbiHostTest, ContinueAndCloseStreamRejectTypesAbove3) {
  enter(ctx);
  EXPECT_EQ(st("proxy_continue_stream", {4}), Status::BadArgument);
  EXPECT_EQ(st("proxy_close_stream", {4}), Status::BadArgument);
  EXPECT_TRUE(control.continued.empty());
  EXPECT_TRUE(control.closed.empty());
}

TEST_F(AbiHostTest, ContinueAndCloseStreamFromARootContextAreBadArgument) {
  enter(root);
  EXPECT_EQ(st("proxy_continue_stream", {0}), Status::BadArgument);
  EXPECT_EQ(st("proxy_close_stream", {0}), Status::BadArgument);
  // After switching to the stream they work.
  EXPECT_EQ(st("proxy_set_effective_context", {ctx}), Status::Ok);
  EXPECT_EQ(st("proxy_continue_stream", {0}), Status::Ok);
  EXPECT_EQ(control.continued.size(), 1u);
}

TEST_F(AbiHostTest, ContinueRequestAndResponseOn010) {
  make_host(AbiVersion::v0_1_0);
  enter(ctx);
  EXPECT_EQ(st("proxy_continue_request", {}), Status::Ok);
  EXPECT_EQ(st("proxy_continue_response", {}), Status::Ok);
  EXPECT_EQ(st("proxy_clear_route_cache", {}), Status::Ok);
  EXPECT_EQ(control.continued, (std::vector<abi::StreamType>{abi::StreamType::HttpRequest,
                                                             abi::StreamType::HttpResponse}));
  enter(root);
  EXPECT_EQ(st("proxy_continue_request", {}), Status::BadArgument);
  EXPECT_EQ(st("proxy_continue_response", {}), Status::BadArgument);
}

TEST_F(AbiHostTest, SendLocalResponseDecodesTheReply) {
  enter(ctx);
  Slice details = in("not allowed\there");
  Slice body = in("denied");
  Slice headers = in_pairs({{"x-reason", "policy"}, {"x-reason", "second"}});
  EXPECT_EQ(st("proxy_send_local_response", {403, details.ptr, details.len, body.ptr, body.len,
                                             headers.ptr, headers.len, 0xFFFFFFFF}),
            Status::Ok);
  ASSERT_EQ(control.local_replies.size(), 1u);
  const LocalReply& reply = control.local_replies[0];
  EXPECT_EQ(reply.status, 403u);
  EXPECT_EQ(reply.details, "not_allowed_here");  // whitespace replaced, as Envoy
  EXPECT_EQ(reply.body, "denied");
  EXPECT_EQ(reply.headers, (HeaderPairs{{"x-reason", "policy"}, {"x-reason", "second"}}));
  EXPECT_EQ(reply.grpc_status, std::nullopt);  // -1: no grpc-status
  EXPECT_TRUE(host->take_local_reply_flag());
  EXPECT_FALSE(host->take_local_reply_flag());
}

TEST_F(AbiHostTest, SendLocalResponseGrpcStatusOnlyWithin0To16) {
  enter(ctx);
  Slice body = in("");
  for (uint32_t grpc : {0u, 16u, 17u, 0xFFFFFFFFu})
    EXPECT_EQ(st("proxy_send_local_response", {200, 0, 0, body.ptr, 0, 0, 0, grpc}), Status::Ok);
  ASSERT_EQ(control.local_replies.size(), 4u);
  EXPECT_EQ(control.local_replies[0].grpc_status, 0u);
  EXPECT_EQ(control.local_replies[1].grpc_status, 16u);
  EXPECT_EQ(control.local_replies[2].grpc_status, std::nullopt);
  EXPECT_EQ(control.local_replies[3].grpc_status, std::nullopt);
  EXPECT_TRUE(control.local_replies[0].headers.empty());
}

TEST_F(AbiHostTest, SendLocalResponseErrors) {
  enter(ctx);
  Slice body = in("b");
  Slice malformed = in(std::string("\x02\0\0\0", 4));
  EXPECT_EQ(st("proxy_send_local_response",
               {500, 0, 0, body.ptr, body.len, malformed.ptr, malformed.len, 0xFFFFFFFF}),
            Status::BadArgument);
  EXPECT_EQ(st("proxy_send_local_response", {500, 0, 0, bad(), 10, 0, 0, 0xFFFFFFFF}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_send_local_response", {500, bad(), 10, 0, 0, 0, 0, 0xFFFFFFFF}),
            Status::InvalidMemoryAccess);
  EXPECT_EQ(st("proxy_send_local_response", {500, 0, 0, 0, 0, bad(), 10, 0xFFFFFFFF}),
            Status::InvalidMemoryAccess);
  EXPECT_TRUE(control.local_replies.empty());
  EXPECT_FALSE(host->take_local_reply_flag());
  enter(root);
  EXPECT_EQ(st("proxy_send_local_response", {500, 0, 0, body.ptr, body.len, 0, 0, 0xFFFFFFFF}),
            Status::BadArgument);
  EXPECT_FALSE(host->take_local_reply_flag());
}

}  // namespace
}  // namespace pwplay::host
