#include "abi/pairs.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>
#include "support/mentions.h"

namespace pwplay::abi {
namespace {

using Bytes = std::vector<uint8_t>;

void append_u32(Bytes& out, uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

// Decodes and expects an error whose message mentions `wanted`.
std::string decode_error(const Bytes& bytes) {
  auto decoded = decode_pairs(bytes);
  if (decoded.ok()) {
    ADD_FAILURE() << "expected a decode error, got " << decoded->size() << " pairs";
    return "";
  }
  return decoded.error().message;
}

// The worked example of the ABI reference, {"a": "1", "b": "22"}: 29 bytes.
const Bytes kTwoPairs = {
    0x02, 0x00, 0x00, 0x00,  // N = 2
    0x01, 0x00, 0x00, 0x00,  // len("a")
    0x01, 0x00, 0x00, 0x00,  // len("1")
    0x01, 0x00, 0x00, 0x00,  // len("b")
    0x02, 0x00, 0x00, 0x00,  // len("22")
    0x61, 0x00,              // "a"
    0x31, 0x00,              // "1"
    0x62, 0x00,              // "b"
    0x32, 0x32, 0x00,        // "22"
};

// The minimal proxy_http_call headers of the reference: 63 bytes.
const Bytes kHttpCallHeaders = {
    0x03, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x3a, 0x6d, 0x65, 0x74,
    0x68, 0x6f, 0x64, 0x00, 0x47, 0x45, 0x54, 0x00, 0x3a, 0x70, 0x61, 0x74, 0x68, 0x00, 0x2f, 0x00,
    0x3a, 0x61, 0x75, 0x74, 0x68, 0x6f, 0x72, 0x69, 0x74, 0x79, 0x00, 0x73, 0x76, 0x63, 0x00,
};

TEST(PairsTest, EncodesTheWorkedExampleByteForByte) {
  HeaderPairs pairs = {{"a", "1"}, {"b", "22"}};
  ASSERT_EQ(kTwoPairs.size(), 29u);
  EXPECT_EQ(encoded_pairs_size(pairs), 29u);
  EXPECT_EQ(encode_pairs(pairs), kTwoPairs);
}

TEST(PairsTest, DecodesTheWorkedExample) {
  auto decoded = decode_pairs(kTwoPairs);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, (HeaderPairs{{"a", "1"}, {"b", "22"}}));
}

TEST(PairsTest, EncodesTheHttpCallExampleByteForByte) {
  HeaderPairs pairs = {{":method", "GET"}, {":path", "/"}, {":authority", "svc"}};
  ASSERT_EQ(kHttpCallHeaders.size(), 63u);
  EXPECT_EQ(encoded_pairs_size(pairs), 63u);
  EXPECT_EQ(encode_pairs(pairs), kHttpCallHeaders);
}

TEST(PairsTest, DecodesTheHttpCallExample) {
  auto decoded = decode_pairs(kHttpCallHeaders);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, (HeaderPairs{{":method", "GET"}, {":path", "/"}, {":authority", "svc"}}));
}

TEST(PairsTest, EncodeIntoFillsExactlyTheEncodedSize) {
  HeaderPairs pairs = {{"a", "1"}, {"b", "22"}};
  Bytes out(encoded_pairs_size(pairs), 0xee);
  encode_pairs_into(pairs, out);
  EXPECT_EQ(out, kTwoPairs);
}

TEST(PairsTest, EmptyMapEncodesAsFourZeroBytes) {
  EXPECT_EQ(encoded_pairs_size({}), 4u);
  EXPECT_EQ(encode_pairs({}), (Bytes{0, 0, 0, 0}));
}

TEST(PairsTest, AcceptsTheThreeEmptyForms) {
  for (const Bytes& empty : {Bytes{}, Bytes{0, 0, 0, 0}, Bytes{0}}) {
    auto decoded = decode_pairs(empty);
    ASSERT_TRUE(decoded.ok()) << "size " << empty.size() << ": " << decoded.error().message;
    EXPECT_TRUE(decoded->empty()) << "size " << empty.size();
  }
}

TEST(PairsTest, EmptyKeysAndValuesRoundTrip) {
  HeaderPairs pairs = {{"", ""}, {"k", ""}, {"", "v"}};
  Bytes expected;
  append_u32(expected, 3);
  for (uint32_t len : {0u, 0u, 1u, 0u, 0u, 1u}) append_u32(expected, len);
  for (uint8_t b : std::initializer_list<uint8_t>{0, 0, 'k', 0, 0, 0, 'v', 0})
    expected.push_back(b);
  EXPECT_EQ(encode_pairs(pairs), expected);
  auto decoded = decode_pairs(expected);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, pairs);
}

TEST(PairsTest, BinaryValuesWithEmbeddedNulsDecodeByLength) {
  // Key "k", value "a\0b\xff": the NUL inside the value must not end it.
  Bytes bytes;
  append_u32(bytes, 1);
  append_u32(bytes, 1);
  append_u32(bytes, 4);
  for (uint8_t b : std::initializer_list<uint8_t>{'k', 0, 'a', 0, 'b', 0xff, 0}) bytes.push_back(b);
  auto decoded = decode_pairs(bytes);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0].first, "k");
  EXPECT_EQ((*decoded)[0].second, std::string("a\0b\xff", 4));
}

TEST(PairsTest, BinaryKeysAndValuesRoundTrip) {
  HeaderPairs pairs = {{std::string("\0x\0", 3), std::string("\0\0\0\x01", 4)},
                       {"grpc-bin", std::string(1, '\0')}};
  Bytes encoded = encode_pairs(pairs);
  EXPECT_EQ(encoded.size(), encoded_pairs_size(pairs));
  auto decoded = decode_pairs(encoded);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, pairs);
}

TEST(PairsTest, RepeatedKeysKeepTheirOrder) {
  HeaderPairs pairs = {{"set-cookie", "a=1"}, {"x", "y"}, {"set-cookie", "b=2"}};
  auto decoded = decode_pairs(encode_pairs(pairs));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(*decoded, pairs);
}

TEST(PairsTest, AcceptsExactly1024Pairs) {
  HeaderPairs pairs;
  for (int i = 0; i < 1024; ++i) pairs.emplace_back("k" + std::to_string(i), "v");
  auto decoded = decode_pairs(encode_pairs(pairs));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ(decoded->size(), 1024u);
}

TEST(PairsTest, Rejects1025Pairs) {
  HeaderPairs pairs;
  for (int i = 0; i < 1025; ++i) pairs.emplace_back("k", "v");
  std::string message = decode_error(encode_pairs(pairs));
  EXPECT_MENTIONS(message, "1025");
  EXPECT_MENTIONS(message, "1024");
}

TEST(PairsTest, RejectsAHugeCountBeforeReadingTheTable) {
  Bytes bytes;
  append_u32(bytes, 0xffffffffu);
  std::string message = decode_error(bytes);
  EXPECT_MENTIONS(message, "4294967295");
  EXPECT_MENTIONS(message, "limit");
}

TEST(PairsTest, AcceptsExactlyOneMebibyte) {
  // One pair: 4 + 8 + key 1 + NUL + value + NUL = 1 MiB.
  const size_t value_size = kMaxPairsBytes - 4 - 8 - 1 - 1 - 1;
  HeaderPairs pairs = {{"k", std::string(value_size, 'x')}};
  ASSERT_EQ(encoded_pairs_size(pairs), kMaxPairsBytes);
  auto decoded = decode_pairs(encode_pairs(pairs));
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_EQ((*decoded)[0].second.size(), value_size);
}

TEST(PairsTest, RejectsMoreThanOneMebibyte) {
  HeaderPairs pairs = {{"k", std::string(kMaxPairsBytes - 4 - 8 - 1 - 1 - 1 + 1, 'x')}};
  Bytes bytes = encode_pairs(pairs);
  ASSERT_EQ(bytes.size(), kMaxPairsBytes + 1);
  std::string message = decode_error(bytes);
  EXPECT_MENTIONS(message, "1048577");
  EXPECT_MENTIONS(message, "1 MiB");
}

TEST(PairsTest, RejectsABufferTooShortForTheCount) {
  std::string message = decode_error(Bytes{2, 0});
  EXPECT_MENTIONS(message, "too short");
  // A single byte other than 0 is not the empty form either.
  EXPECT_MENTIONS(decode_error(Bytes{1}), "too short");
}

TEST(PairsTest, RejectsATruncatedLengthTable) {
  // N = 2 needs 16 bytes of lengths; only 12 are there.
  Bytes bytes;
  append_u32(bytes, 2);
  append_u32(bytes, 1);
  append_u32(bytes, 1);
  append_u32(bytes, 1);
  std::string message = decode_error(bytes);
  EXPECT_MENTIONS(message, "2 pairs");
  EXPECT_MENTIONS(message, "length table is truncated");
}

TEST(PairsTest, RejectsAValueRunningPastTheEnd) {
  // The last value claims 5 bytes but only "22\0" is there.
  Bytes bytes = kTwoPairs;
  bytes[16] = 5;
  std::string message = decode_error(bytes);
  EXPECT_MENTIONS(message, "pair 1");
  EXPECT_MENTIONS(message, "runs past the end");
}

TEST(PairsTest, RejectsAKeyLengthPastTheEndWithoutOverflow) {
  Bytes bytes;
  append_u32(bytes, 1);
  append_u32(bytes, 0xffffffffu);
  append_u32(bytes, 0xffffffffu);
  bytes.push_back(0);
  bytes.push_back(0);
  std::string message = decode_error(bytes);
  EXPECT_MENTIONS(message, "pair 0");
  EXPECT_MENTIONS(message, "runs past the end");
}

TEST(PairsTest, RejectsAMissingKeyTerminator) {
  Bytes bytes = kTwoPairs;
  bytes[0x15] = 'X';  // the NUL after "a"
  std::string message = decode_error(bytes);
  EXPECT_MENTIONS(message, "pair 0");
  EXPECT_MENTIONS(message, "not NUL-terminated");
}

TEST(PairsTest, RejectsAMissingValueTerminator) {
  Bytes bytes = kTwoPairs;
  bytes[0x1c] = '!';  // the NUL after "22", the last byte
  std::string message = decode_error(bytes);
  EXPECT_MENTIONS(message, "pair 1");
  EXPECT_MENTIONS(message, "not NUL-terminated");
}

TEST(PairsTest, RejectsTrailingBytes) {
  Bytes bytes = kTwoPairs;
  bytes.push_back(0);
  bytes.push_back(0);
  std::string message = decode_error(bytes);
  EXPECT_MENTIONS(message, "2 trailing bytes");
}

TEST(PairsTest, RejectsTrailingBytesAfterAnEmptyMap) {
  std::string message = decode_error(Bytes{0, 0, 0, 0, 'x'});
  EXPECT_MENTIONS(message, "1 trailing bytes");
}

}  // namespace
}  // namespace pwplay::abi
