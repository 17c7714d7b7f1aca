#include <gtest/gtest.h>

#include <set>

#include "mqtt/packets.hpp"
#include "mqtt/reason_code.hpp"

namespace dynamq::mqtt {
namespace {

TEST(ReasonCodes, EveryMqtt5CodeHasAName) {
  const std::set<int> codes = {0x00, 0x01, 0x02, 0x04, 0x10, 0x11, 0x18, 0x19, 0x80, 0x81, 0x82,
                               0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8B, 0x8C, 0x8D,
                               0x8E, 0x8F, 0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98,
                               0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2};
  for (int c = 0; c < 256; ++c) {
    const auto name = to_string(static_cast<ReasonCode>(c));
    EXPECT_EQ(name != "Unknown", codes.count(c) == 1) << c;
  }
  EXPECT_EQ(to_string(ReasonCode::MalformedPacket), "Malformed Packet");
  EXPECT_EQ(to_string(ReasonCode::WildcardSubscriptionsNotSupported),
            "Wildcard Subscriptions not supported");
  EXPECT_TRUE(is_error(ReasonCode::UnspecifiedError));
  EXPECT_FALSE(is_error(ReasonCode::NoMatchingSubscribers));
}

TEST(ReasonCodes, ConnackReturnCodeMapping) {
  EXPECT_EQ(to_connack_return_code(ReasonCode::Success), ConnackReturnCode::Accepted);
  EXPECT_EQ(to_connack_return_code(ReasonCode::UnsupportedProtocolVersion),
            ConnackReturnCode::UnacceptableProtocolVersion);
  EXPECT_EQ(to_connack_return_code(ReasonCode::ClientIdentifierNotValid),
            ConnackReturnCode::IdentifierRejected);
  EXPECT_EQ(to_connack_return_code(ReasonCode::ServerBusy), ConnackReturnCode::ServerUnavailable);
  EXPECT_EQ(to_connack_return_code(ReasonCode::BadAuthenticationMethod),
            ConnackReturnCode::BadUserNameOrPassword);
  EXPECT_EQ(to_connack_return_code(ReasonCode::Banned), ConnackReturnCode::NotAuthorized);
  EXPECT_EQ(to_connack_return_code(ReasonCode::MalformedPacket),
            ConnackReturnCode::ServerUnavailable);
  for (std::uint8_t rc = 0; rc <= 5; ++rc) {
    EXPECT_EQ(static_cast<std::uint8_t>(to_connack_return_code(from_connack_return_code(rc))), rc);
  }
}

TEST(Names, VersionsAndPacketTypes) {
  EXPECT_EQ(to_string(Version::v3_1), "3.1");
  EXPECT_EQ(to_string(Version::v3_1_1), "3.1.1");
  EXPECT_EQ(to_string(Version::v5), "5.0");
  EXPECT_EQ(to_string(PacketType::Unsuback), "UNSUBACK");
  EXPECT_EQ(packet_type(Packet{Auth{}}), PacketType::Auth);
  EXPECT_EQ(packet_type(Packet{Connect{}}), PacketType::Connect);
  EXPECT_EQ(packet_type(Packet{Pingresp{}}), PacketType::Pingresp);
}

}  // namespace
}  // namespace dynamq::mqtt
