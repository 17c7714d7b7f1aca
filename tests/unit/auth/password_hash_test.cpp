// PBKDF2-HMAC-SHA512 hashes: round trip, salts, the text form, mosquitto's $7$ form.
#include "auth/password_hash.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>

namespace dynamq::auth {
namespace {

// Few iterations keep the tests fast; the algorithm is the same.
constexpr unsigned kFast = 1000;

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  const auto h = make_password_hash("correct horse", kFast);
  EXPECT_TRUE(verify_password("correct horse", h));
  EXPECT_FALSE(verify_password("correct hors", h));
  EXPECT_FALSE(verify_password("correct horse ", h));
  EXPECT_FALSE(verify_password("", h));
}

TEST(PasswordHash, SaltIsRandomPerHash) {
  const auto a = make_password_hash("same", kFast);
  const auto b = make_password_hash("same", kFast);
  EXPECT_EQ(a.salt.size(), kSaltBytes);
  EXPECT_NE(a.salt, b.salt);
  EXPECT_NE(a.hash, b.hash);
}

TEST(PasswordHash, MatchesOpenSslPbkdf2Independently) {
  // The stored hash is PKCS5_PBKDF2_HMAC(SHA-512) of the password with the salt.
  const auto h = make_password_hash("pw", kFast);
  std::vector<std::uint8_t> expected(64);
  ASSERT_EQ(PKCS5_PBKDF2_HMAC("pw", 2, h.salt.data(), static_cast<int>(h.salt.size()), kFast,
                              EVP_sha512(), 64, expected.data()),
            1);
  EXPECT_EQ(h.hash, expected);
}

TEST(PasswordHash, DefaultIterationsAreAtLeast100k) {
  EXPECT_GE(kDefaultIterations, 100'000U);
}

TEST(PasswordHash, TextFormRoundTrips) {
  const auto h = make_password_hash("pw", kFast);
  const auto text = format_password_hash(h);
  EXPECT_EQ(text.rfind("$pbkdf2-sha512$1000$", 0), 0U) << text;
  std::string error;
  const auto parsed = parse_password_hash(text, error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->iterations, kFast);
  EXPECT_EQ(parsed->salt, h.salt);
  EXPECT_EQ(parsed->hash, h.hash);
  EXPECT_TRUE(verify_password("pw", *parsed));
}

TEST(PasswordHash, ReadsMosquittoPasswdHashes) {
  // Written by mosquitto_passwd 2.0.11 for user alice, password "secret".
  const std::string mosquitto =
      "$7$101$FUnJyHUWHDTjd526$+GFad7qzhUN604xZ7CFGdosvUfg5RWeGVJlt+qq71I46pOsKN3kFdJIUGL0CJ1t"
      "me1h7BEBbxUgZqovfOMeAlg==";
  std::string error;
  const auto parsed = parse_password_hash(mosquitto, error);
  ASSERT_TRUE(parsed) << error;
  EXPECT_EQ(parsed->iterations, 101U);
  EXPECT_EQ(parsed->salt.size(), 12U);
  EXPECT_TRUE(verify_password("secret", *parsed));
  EXPECT_FALSE(verify_password("Secret", *parsed));
}

TEST(PasswordHash, RejectsMalformedText) {
  const auto good = format_password_hash(make_password_hash("pw", kFast));
  std::string error;
  for (const std::string& bad : {
           std::string(""),
           std::string("plaintext"),
           std::string("$6$salt$hash"),                          // unsalted-SHA512 scheme
           std::string("$pbkdf2-sha512$0$") + good.substr(20),   // zero iterations
           std::string("$pbkdf2-sha512$abc$AAAAAAAAAAA=$AAAA"),  // not a number
           std::string("$pbkdf2-sha512$1000$!!!!$") + good.substr(good.rfind('$') + 1),
           good.substr(0, good.size() - 4),  // hash cut short
           good + "$extra",
       }) {
    error.clear();
    EXPECT_FALSE(parse_password_hash(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(Base64, RoundTripsEveryPaddingLength) {
  for (std::size_t n = 0; n < 8; ++n) {
    std::vector<std::uint8_t> bytes(n);
    for (std::size_t i = 0; i < n; ++i) {
      bytes[i] = static_cast<std::uint8_t>(0xF0 + i);
    }
    const auto text = base64_encode(bytes);
    if (n == 0) {
      EXPECT_TRUE(text.empty());
      continue;
    }
    const auto back = base64_decode(text);
    ASSERT_TRUE(back) << text;
    EXPECT_EQ(*back, bytes) << text;
  }
  EXPECT_FALSE(base64_decode("abc"));   // not a multiple of 4
  EXPECT_FALSE(base64_decode("ab!d"));  // not base64
}

}  // namespace
}  // namespace dynamq::auth
