#include "mqtt/utf8.hpp"

#include <gtest/gtest.h>

#include <string>

namespace dynamq::mqtt {
namespace {

std::string s(const char* p, std::size_t n) {
  return std::string(p, n);
}

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(is_valid_mqtt_utf8(""));
  EXPECT_TRUE(is_valid_mqtt_utf8("plain/ascii/topic-with-more-than-eight-bytes"));
  EXPECT_TRUE(is_valid_mqtt_utf8("\xC2\x80"));              // U+0080
  EXPECT_TRUE(is_valid_mqtt_utf8("\xDF\xBF"));              // U+07FF
  EXPECT_TRUE(is_valid_mqtt_utf8("\xE0\xA0\x80"));          // U+0800
  EXPECT_TRUE(is_valid_mqtt_utf8("\xED\x9F\xBF"));          // U+D7FF, below surrogates
  EXPECT_TRUE(is_valid_mqtt_utf8("\xEE\x80\x80"));          // U+E000, above surrogates
  EXPECT_TRUE(is_valid_mqtt_utf8("\xEF\xBB\xBF"));          // U+FEFF is not skipped
  EXPECT_TRUE(is_valid_mqtt_utf8("\xF0\x90\x80\x80"));      // U+10000
  EXPECT_TRUE(is_valid_mqtt_utf8("\xF4\x8F\xBF\xBF"));      // U+10FFFF
  EXPECT_TRUE(is_valid_mqtt_utf8("\x01\x1F\x7F\xC2\x9F"));  // controls: SHOULD NOT, allowed
  EXPECT_TRUE(is_valid_mqtt_utf8("\xEF\xBF\xBF"));          // U+FFFF non-character: allowed
  EXPECT_TRUE(is_valid_mqtt_utf8("Grüße aus Köln, 東京, 🚀 — 12345678"));
}

TEST(Utf8, RejectsNul) {
  EXPECT_FALSE(is_valid_mqtt_utf8(s("\0", 1)));
  EXPECT_FALSE(is_valid_mqtt_utf8(s("abcdefgh\0ijklmnop", 17)));  // inside an 8-byte block
  EXPECT_FALSE(is_valid_mqtt_utf8(s("abcdefghijklmno\0", 16)));   // last byte of a block
}

TEST(Utf8, RejectsSurrogates) {
  EXPECT_FALSE(is_valid_mqtt_utf8("\xED\xA0\x80"));              // U+D800
  EXPECT_FALSE(is_valid_mqtt_utf8("\xED\xBF\xBF"));              // U+DFFF
  EXPECT_FALSE(is_valid_mqtt_utf8("\xED\xA0\xBD\xED\xB8\x80"));  // CESU-8 pair
}

TEST(Utf8, RejectsOverlongForms) {
  EXPECT_FALSE(is_valid_mqtt_utf8("\xC0\x80"));
  EXPECT_FALSE(is_valid_mqtt_utf8("\xC1\xBF"));
  EXPECT_FALSE(is_valid_mqtt_utf8("\xE0\x9F\xBF"));
  EXPECT_FALSE(is_valid_mqtt_utf8("\xF0\x8F\xBF\xBF"));
}

TEST(Utf8, RejectsBrokenSequences) {
  EXPECT_FALSE(is_valid_mqtt_utf8("\x80"));                  // lone continuation
  EXPECT_FALSE(is_valid_mqtt_utf8("\xC2"));                  // truncated
  EXPECT_FALSE(is_valid_mqtt_utf8("\xE2\x82"));              // truncated
  EXPECT_FALSE(is_valid_mqtt_utf8("\xE2\x28\xA1"));          // bad continuation
  EXPECT_FALSE(is_valid_mqtt_utf8("\xF4\x90\x80\x80"));      // above U+10FFFF
  EXPECT_FALSE(is_valid_mqtt_utf8("\xF8\x88\x80\x80\x80"));  // 5-byte form
  EXPECT_FALSE(is_valid_mqtt_utf8("\xFF"));
  EXPECT_FALSE(is_valid_mqtt_utf8("eight-by\xFE"));
}

}  // namespace
}  // namespace dynamq::mqtt
