#include "storage/msgid_codec.hpp"

#include <gtest/gtest.h>

namespace dynamq::storage {
namespace {

// The two ids of the seed page (mqtt_msg and mqtt_retain examples) and their `arrived`.
struct SeedExample {
  const char* msgid;
  const char* decimal;
  std::int64_t arrived;
  std::uint64_t micros;
};
constexpr SeedExample kSeed[] = {
    {"Mjg4MTk1MDYwNTk0NjYwNzYzMTg4MDk3OTQ2MDU2Nzg1OTD", "28819506059466076318809794605678590",
     1562308553, 1562308553981613},
    {"Mjg4MTk1NzE3MTY4MjYxMjA5MDExMDg0NTk5ODgzMjAyNTH", "28819571716826120901108459988320251",
     1562312113, 1562312113274233},
};

TEST(MsgidCodec, DecodesTheSeedIdsToTheirPublishTime) {
  for (const auto& e : kSeed) {
    const auto id = decode_msgid(e.msgid);
    ASSERT_TRUE(id.has_value()) << e.msgid;
    EXPECT_EQ(id->decimal(), e.decimal);
    EXPECT_EQ(id->micros(), e.micros);
    EXPECT_EQ(arrived_seconds(*id), e.arrived);
  }
}

TEST(MsgidCodec, EncodesTheSeedIdsInTheSameFormAndRoundTrips) {
  for (const auto& e : kSeed) {
    const auto id = id_from_decimal(e.decimal);
    ASSERT_TRUE(id.has_value());
    const std::string text = encode_msgid(*id);
    // Same length and the same characters except the seed's non-zero unused bits in the
    // last character (see msgid_codec.hpp).
    ASSERT_EQ(text.size(), std::string_view(e.msgid).size());
    EXPECT_EQ(text.substr(0, text.size() - 1),
              std::string_view(e.msgid).substr(0, text.size() - 1));
    EXPECT_EQ(text.find('='), std::string::npos);
    EXPECT_EQ(decode_msgid(text), id);
  }
}

TEST(MsgidCodec, RoundTripsExtremeValues) {
  for (const broker::MessageId id :
       {broker::MessageId{0, 1}, broker::MessageId{1, 0}, broker::MessageId{~0ULL, ~0ULL},
        broker::MessageId{1700000000000000ULL, 42}}) {
    EXPECT_EQ(decode_msgid(encode_msgid(id)), id) << id.decimal();
  }
}

TEST(MsgidCodec, RejectsWhatIsNotAnId) {
  EXPECT_FALSE(decode_msgid(""));
  EXPECT_FALSE(decode_msgid("not base64!"));
  EXPECT_FALSE(decode_msgid("YWJj"));  // "abc": not digits
  // 40 nines overflow 128 bits.
  EXPECT_FALSE(id_from_decimal(std::string(40, '9')));
  EXPECT_FALSE(id_from_decimal("340282366920938463463374607431768211456"));  // 2^128
  EXPECT_TRUE(id_from_decimal("340282366920938463463374607431768211455"));   // 2^128 - 1
}

TEST(MsgidCodec, DecodedIdsOrderLikeTheirGuidsNotLikeTheirText) {
  const broker::MessageId a{1562308553981613, 9};
  const broker::MessageId b{1562308553981614, 0};
  EXPECT_LT(*decode_msgid(encode_msgid(a)), *decode_msgid(encode_msgid(b)));
}

}  // namespace
}  // namespace dynamq::storage
