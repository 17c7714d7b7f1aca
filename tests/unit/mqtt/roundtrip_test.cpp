// Every packet type round-trips through encode/decode in each version where it exists.
#include <gtest/gtest.h>

#include "sample_packets.hpp"

namespace dynamq::mqtt {
namespace {

using test::sample_packets;

class RoundTrip : public ::testing::TestWithParam<Version> {};

TEST_P(RoundTrip, EveryPacketDecodesToWhatWasEncoded) {
  const Version v = GetParam();
  const auto packets = sample_packets(v);
  ASSERT_GE(packets.size(), 18U);
  for (const Packet& packet : packets) {
    SCOPED_TRACE(std::string(to_string(packet_type(packet))));
    const auto bytes = encode(packet, v);
    EXPECT_EQ(bytes.size(), encoded_size(packet, v));
    const DecodeResult r = decode(bytes, v, kNoPacketSizeLimit);
    ASSERT_TRUE(r.complete()) << to_string(r.reason) << ": " << r.detail;
    EXPECT_EQ(r.consumed, bytes.size());
    EXPECT_TRUE(r.packet == packet);
    // Re-encoding what was decoded gives the same bytes (the encoding is canonical).
    EXPECT_EQ(encode(r.packet, v), bytes);
  }
}

TEST_P(RoundTrip, EveryPacketTypeOfTheVersionIsCovered) {
  const Version v = GetParam();
  std::vector<bool> seen(16, false);
  for (const Packet& p : sample_packets(v)) seen[static_cast<int>(packet_type(p))] = true;
  for (int t = 1; t <= 14; ++t) EXPECT_TRUE(seen[t]) << "packet type " << t;
  EXPECT_EQ(seen[15], v == Version::v5) << "AUTH exists only in 5.0";
}

TEST_P(RoundTrip, FirstConnectIsDecodedWithoutKnowingTheVersion) {
  const Version v = GetParam();
  for (const Packet& packet : sample_packets(v)) {
    if (!std::holds_alternative<Connect>(packet)) continue;
    const auto bytes = encode(packet, v);
    const DecodeResult r = decode_connect(bytes, kNoPacketSizeLimit);
    ASSERT_TRUE(r.complete()) << r.detail;
    EXPECT_EQ(r.version, v);
    ASSERT_TRUE(std::holds_alternative<Connect>(r.packet));
    EXPECT_EQ(std::get<Connect>(r.packet).version, v);
    EXPECT_TRUE(r.packet == packet);
  }
}

INSTANTIATE_TEST_SUITE_P(AllVersions, RoundTrip,
                         ::testing::Values(Version::v3_1, Version::v3_1_1, Version::v5),
                         [](const auto& info) {
                           return info.param == Version::v3_1     ? std::string("v3_1")
                                  : info.param == Version::v3_1_1 ? std::string("v3_1_1")
                                                                  : std::string("v5");
                         });

// Fields a version lacks are dropped on encoding, not sent.
TEST(RoundTrip, PropertiesAreNotSentBefore5) {
  Publish p;
  p.topic = "t";
  p.properties = test::full_publish_properties();
  const DecodeResult r = decode(encode(p, Version::v3_1_1), Version::v3_1_1, kNoPacketSizeLimit);
  ASSERT_TRUE(r.complete());
  EXPECT_EQ(std::get<Publish>(r.packet).properties, Properties{});
  EXPECT_EQ(encode(p, Version::v3_1_1).size(), 5U);
}

TEST(RoundTrip, PropertiesNotAllowedInThePacketTypeAreNotSent) {
  Publish p;
  p.topic = "t";
  p.properties.will_delay_interval = 5;      // will only
  p.properties.session_expiry_interval = 5;  // CONNECT/CONNACK/DISCONNECT only
  p.properties.message_expiry_interval = 9;  // allowed
  const DecodeResult r = decode(encode(p, Version::v5), Version::v5, kNoPacketSizeLimit);
  ASSERT_TRUE(r.complete()) << r.detail;
  const auto& props = std::get<Publish>(r.packet).properties;
  EXPECT_FALSE(props.will_delay_interval);
  EXPECT_FALSE(props.session_expiry_interval);
  EXPECT_EQ(props.message_expiry_interval, 9U);
}

}  // namespace
}  // namespace dynamq::mqtt
