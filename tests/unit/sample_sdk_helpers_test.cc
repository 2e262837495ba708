// The sample SDK's helper headers, compiled for the host: pwplay_crypto.h against published
// test vectors (FIPS 180-2 examples for SHA-256, RFC 4231 for HMAC-SHA256, RFC 4648 for
// base64url) and against the host's own SHA-256 at every padding boundary; pwplay_json.h on the
// values a configuration holds and on the errors a filter logs.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/sha256.h"
#include "samples/cpp/sdk/pwplay_crypto.h"
#include "samples/cpp/sdk/pwplay_json.h"

namespace pwplay {
namespace {

std::string sha256_hex(const std::string& text) {
  return crypto::to_hex(crypto::sha256(text));
}

std::string hmac_hex(const std::string& key, const std::string& message) {
  return crypto::to_hex(crypto::hmac_sha256(key, message));
}

TEST(SampleCrypto, Sha256MatchesThePublishedVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

// Lengths around the 55/56/64-byte padding edges, where a one-block or two-block tail is chosen.
TEST(SampleCrypto, Sha256AgreesWithTheHostAtEveryLengthUpTo200) {
  std::string text;
  for (size_t length = 0; length <= 200; ++length) {
    std::vector<uint8_t> bytes(text.begin(), text.end());
    EXPECT_EQ(sha256_hex(text), host::sha256_hex(bytes)) << "length " << length;
    text.push_back(static_cast<char>('a' + length % 26));
  }
}

TEST(SampleCrypto, HmacSha256MatchesRfc4231) {
  // Test case 1: a 20-byte key.
  EXPECT_EQ(hmac_hex(std::string(20, '\x0b'), "Hi There"),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  // Test case 2: a key shorter than the output.
  EXPECT_EQ(hmac_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // Test case 3: key and data of repeated bytes.
  EXPECT_EQ(hmac_hex(std::string(20, '\xaa'), std::string(50, '\xdd')),
            "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  // Test case 6: a key longer than the block, hashed first.
  EXPECT_EQ(
      hmac_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First"),
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(SampleCrypto, Base64UrlRoundTripsRfc4648Vectors) {
  const std::vector<std::pair<std::string, std::string>> vectors = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"},
  };
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(crypto::base64url_encode(plain), encoded);
    EXPECT_EQ(crypto::base64url_decode(encoded), plain) << encoded;
  }
  EXPECT_EQ(crypto::base64url_decode("Zm9vYg=="), "foob");     // padding is accepted
  EXPECT_EQ(crypto::base64url_decode("+/8"), std::nullopt);    // standard base64's alphabet
  EXPECT_EQ(crypto::base64url_decode("Zm9vY"), std::nullopt);  // 5 characters: impossible
  EXPECT_EQ(crypto::base64url_decode("Zm 9v"), std::nullopt);
}

TEST(SampleCrypto, ConstantTimeCompareSeesEveryByte) {
  EXPECT_TRUE(crypto::equal_constant_time("signature", "signature"));
  EXPECT_FALSE(crypto::equal_constant_time("signature", "signaturf"));
  EXPECT_FALSE(crypto::equal_constant_time("xignature", "signature"));
  EXPECT_FALSE(crypto::equal_constant_time("sig", "signature"));
}

TEST(SampleJson, ReadsAConfiguration) {
  json::ParseResult parsed = json::parse(
      R"( {"secret": "k\u00e9y\n", "require": {"role": "admin"}, "n": -2.5e1,
           "list": [true, false, null, []], "empty": {}} )");
  ASSERT_TRUE(parsed.value) << parsed.error;
  const json::Value& top = *parsed.value;
  ASSERT_TRUE(top.is(json::Kind::Object));
  ASSERT_NE(top.find("secret"), nullptr);
  EXPECT_EQ(top.find("secret")->string, "k\xc3\xa9y\n");
  ASSERT_NE(top.find("require"), nullptr);
  EXPECT_EQ(top.find("require")->find("role")->string, "admin");
  EXPECT_EQ(top.find("n")->number, -25.0);
  const json::Value* list = top.find("list");
  ASSERT_NE(list, nullptr);
  ASSERT_EQ(list->items.size(), 4u);
  EXPECT_TRUE(list->items[0].boolean);
  EXPECT_TRUE(list->items[1].is(json::Kind::Bool));
  EXPECT_FALSE(list->items[1].boolean);
  EXPECT_TRUE(list->items[2].is(json::Kind::Null));
  EXPECT_TRUE(list->items[3].is(json::Kind::Array));
  EXPECT_TRUE(top.find("empty")->is(json::Kind::Object));
  EXPECT_EQ(top.find("missing"), nullptr);
}

TEST(SampleJson, ErrorsSayWhatWasExpectedAndWhere) {
  EXPECT_EQ(json::parse("").error, "expected a value at byte 0");
  EXPECT_EQ(json::parse(R"({"a": 1,})").error, "expected a quoted key at byte 8");
  EXPECT_EQ(json::parse(R"({"a" 1})").error, "expected ':' after the key at byte 5");
  EXPECT_EQ(json::parse(R"([1 2])").error, "expected ',' or ']' at byte 3");
  EXPECT_EQ(json::parse(R"("open)").error, "expected '\"' to close the string at byte 5");
  EXPECT_EQ(json::parse(R"({} x)").error, "expected end of input at byte 3");
  EXPECT_EQ(json::parse("1.2.3").error, "expected a number at byte 0");
  EXPECT_EQ(json::parse(std::string(100, '[')).error,
            "expected at most 64 levels of nesting at byte 65");
  EXPECT_FALSE(json::parse("nul").value);
}

}  // namespace
}  // namespace pwplay
