// Every class of malformed input is refused with the reason code the spec requires.
#include <gtest/gtest.h>

#include "sample_packets.hpp"

namespace dynamq::mqtt {
namespace {

using test::bytes;
using test::Bytes;

struct Refusal {
  ReasonCode reason;
  std::string detail;
};

Refusal refuse(const Bytes& wire, Version v = Version::v5, std::uint32_t max = kNoPacketSizeLimit) {
  const DecodeResult r = decode(wire, v, max);
  EXPECT_TRUE(r.malformed()) << "decoded as " << (r.complete() ? "complete" : "need more");
  EXPECT_FALSE(r.detail.empty());
  return {r.reason, r.detail};
}

#define EXPECT_REFUSED(wire, version, code)                                                    \
  do {                                                                                         \
    const Refusal refusal_ = refuse(wire, version);                                            \
    EXPECT_EQ(refusal_.reason, code) << to_string(refusal_.reason) << ": " << refusal_.detail; \
  } while (0)

constexpr auto kMalformed = ReasonCode::MalformedPacket;
constexpr auto kProtocol = ReasonCode::ProtocolError;
constexpr Version v5 = Version::v5;
constexpr Version v311 = Version::v3_1_1;

TEST(Malformed, BadFixedHeaderFlags) {
  EXPECT_REFUSED(bytes({0x41, 2, 0, 1}), v5, kMalformed);                  // PUBACK with flags 1
  EXPECT_REFUSED(bytes({0x60, 2, 0, 1}), v311, kMalformed);                // PUBREL must be 0x62
  EXPECT_REFUSED(bytes({0x80, 6, 0, 1, 0, 1, "a", 0}), v311, kMalformed);  // SUBSCRIBE 0x80
  EXPECT_REFUSED(bytes({0xA0, 5, 0, 1, 0, 1, "a"}), v5, kMalformed);       // UNSUBSCRIBE
  EXPECT_REFUSED(bytes({0xC1, 0}), v311, kMalformed);                      // PINGREQ
  EXPECT_REFUSED(bytes({0xE8, 0}), v5, kMalformed);                        // DISCONNECT
  // 3.1 clients may set DUP on a resent SUBSCRIBE; 3.1.1 may not.
  const Bytes dup_subscribe = bytes({0x8A, 6, 0, 1, 0, 1, "a", 0});
  EXPECT_TRUE(decode(dup_subscribe, Version::v3_1, kNoPacketSizeLimit).complete());
  EXPECT_REFUSED(dup_subscribe, v311, kMalformed);
}

TEST(Malformed, ReservedPacketTypes) {
  EXPECT_REFUSED(bytes({0x00, 0}), v5, kMalformed);
  EXPECT_REFUSED(bytes({0xF0, 0}), v311, kMalformed);  // AUTH is reserved before 5.0
  EXPECT_REFUSED(bytes({0xF0, 0}), Version::v3_1, kMalformed);
}

TEST(Malformed, ReservedBits) {
  // CONNECT reserved flag [MQTT-3.1.2-3].
  const auto r =
      decode_connect(bytes({0x10, 13, 0, 4, "MQTT", 4, 0x03, 0, 0, 0, 1, "c"}), kNoPacketSizeLimit);
  ASSERT_TRUE(r.malformed());
  EXPECT_EQ(r.reason, kMalformed);
  EXPECT_NE(r.detail.find("MQTT-3.1.2-3"), std::string::npos);
  // Subscription options bits 6-7 (5.0) and 2-7 (3.1.1).
  EXPECT_REFUSED(bytes({0x82, 7, 0, 1, 0, 0, 1, "a", 0x40}), v5, kMalformed);
  EXPECT_REFUSED(bytes({0x82, 6, 0, 1, 0, 1, "a", 0x04}), v311, kMalformed);
  // CONNACK acknowledge flags bits 1-7.
  EXPECT_REFUSED(bytes({0x20, 2, 0x02, 0}), v311, kMalformed);
}

TEST(Malformed, RemainingLengthOverFourBytes) {
  EXPECT_REFUSED(bytes({0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}), v5, kMalformed);
  EXPECT_REFUSED(bytes({0x30, 0x80, 0x80, 0x80, 0x80}), v311, kMalformed);
}

TEST(Malformed, InvalidVariableByteIntegersInside) {
  // Property length with five bytes.
  EXPECT_REFUSED(bytes({0x30, 9, 0, 1, "t", 0x80, 0x80, 0x80, 0x80, 0x01, 0}), v5, kMalformed);
  // Subscription identifier with five bytes.
  EXPECT_REFUSED(bytes({0x82, 13, 0, 1, 6, 0x0B, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0, 1, "a", 0}), v5,
                 kMalformed);
  // Property length longer than the packet.
  EXPECT_REFUSED(bytes({0x30, 5, 0, 1, "t", 9, "x"}), v5, kMalformed);
}

TEST(Malformed, TruncatedFields) {
  EXPECT_REFUSED(bytes({0x30, 4, 0, 10, "ab"}), v311, kMalformed);      // topic length 10
  EXPECT_REFUSED(bytes({0x32, 4, 0, 1, "t", 0}), v311, kMalformed);     // half a packet id
  EXPECT_REFUSED(bytes({0x40, 1, 0}), v311, kMalformed);                // PUBACK
  EXPECT_REFUSED(bytes({0x82, 5, 0, 1, 0, 1, "a"}), v311, kMalformed);  // no options byte
  // User property value cut short inside the properties section.
  EXPECT_REFUSED(bytes({0x30, 10, 0, 1, "t", 6, 0x26, 0, 1, "k", 0, 5}), v5, kMalformed);
  // CONNECT missing its client id.
  EXPECT_REFUSED(bytes({0x10, 10, 0, 4, "MQTT", 4, 0x02, 0, 0}), v311, kMalformed);
}

TEST(Malformed, TrailingBytes) {
  EXPECT_REFUSED(bytes({0xC0, 1, 0}), v311, kMalformed);
  EXPECT_REFUSED(bytes({0x40, 3, 0, 1, 0}), v311, kMalformed);
  EXPECT_REFUSED(bytes({0xE0, 1, 0}), v311, kMalformed);
  EXPECT_REFUSED(bytes({0x20, 3, 0, 0, 0}), v311, kMalformed);
}

TEST(Malformed, InvalidUtf8) {
  const std::vector<std::string> bad = {
      std::string("\xC0\x80", 2),          // overlong U+0000
      std::string("\xE0\x80\xAF", 3),      // overlong '/'
      std::string("\xED\xA0\x80", 3),      // surrogate U+D800
      std::string("\xF4\x90\x80\x80", 4),  // above U+10FFFF
      std::string("\xFF", 1),
      std::string("a\x00"
                  "b",
                  3),              // U+0000 [MQTT-1.5.4-2]
      std::string("\xE2\x82", 2),  // truncated sequence
  };
  for (const auto& s : bad) {
    SCOPED_TRACE(testing::PrintToString(s));
    const auto len = static_cast<int>(s.size());
    EXPECT_REFUSED(bytes({0x30, 2 + len, 0, len, s}), v311, kMalformed);           // topic
    EXPECT_REFUSED(bytes({0x82, 5 + len, 0, 1, 0, len, s, 0}), v311, kMalformed);  // filter
    EXPECT_REFUSED(bytes({0x10, 12 + len, 0, 4, "MQTT", 4, 2, 0, 0, 0, len, s}), v311,
                   kMalformed);  // client id
    EXPECT_REFUSED(bytes({0x40, 7 + len, 0, 1, 0, 3 + len, 0x1F, 0, len, s}), v5,
                   kMalformed);  // reason string in PUBACK
  }
  const Refusal nul = refuse(bytes({0x30, 5, 0, 3, "a", 0, "b"}), v311);
  EXPECT_NE(nul.detail.find("MQTT-1.5.4-2"), std::string::npos) << nul.detail;
}

TEST(Malformed, PropertyNotAllowedForPacketType) {
  // Session Expiry Interval (0x11) in PUBLISH.
  EXPECT_REFUSED(bytes({0x30, 9, 0, 1, "t", 5, 0x11, 0, 0, 0, 1}), v5, kMalformed);
  // Topic Alias (0x23) in CONNECT.
  EXPECT_REFUSED(bytes({0x10, 17, 0, 4, "MQTT", 5, 2, 0, 0, 3, 0x23, 0, 1, 0, 1, "c"}), v5,
                 kMalformed);
  // Will Delay Interval (0x18) in CONNECT's own properties (it belongs to the will).
  EXPECT_REFUSED(bytes({0x10, 19, 0, 4, "MQTT", 5, 2, 0, 0, 5, 0x18, 0, 0, 0, 1, 0, 1, "c"}), v5,
                 kMalformed);
  // Reason String (0x1F) in SUBSCRIBE.
  EXPECT_REFUSED(bytes({0x82, 11, 0, 1, 4, 0x1F, 0, 1, "r", 0, 1, "a", 0}), v5, kMalformed);
  // Unknown identifier 0x7F.
  EXPECT_REFUSED(bytes({0x30, 6, 0, 1, "t", 2, 0x7F, 0}), v5, kMalformed);
}

TEST(Malformed, DuplicateSingleValuedProperty) {
  // Two Message Expiry Intervals.
  EXPECT_REFUSED(bytes({0x30, 14, 0, 1, "t", 10, 0x02, 0, 0, 0, 1, 0x02, 0, 0, 0, 2}), v5,
                 kProtocol);
  // Two Subscription Identifiers in SUBSCRIBE (PUBLISH may carry several).
  EXPECT_REFUSED(bytes({0x82, 11, 0, 1, 4, 0x0B, 1, 0x0B, 2, 0, 1, "a", 0}), v5, kProtocol);
  EXPECT_TRUE(
      decode(bytes({0x30, 8, 0, 1, "t", 4, 0x0B, 1, 0x0B, 2}), v5, kNoPacketSizeLimit).complete());
  // User properties may repeat.
  EXPECT_TRUE(decode(bytes({0x30, 18, 0,   1,    "t", 14, 0x26, 0, 1, "k",
                            0,    1,  "v", 0x26, 0,   1,  "k",  0, 1, "v"}),
                     v5, kNoPacketSizeLimit)
                  .complete());
}

TEST(Malformed, PropertyValuesOutOfRange) {
  EXPECT_REFUSED(bytes({0x30, 7, 0, 1, "t", 3, 0x23, 0, 0}), v5, ReasonCode::TopicAliasInvalid);
  EXPECT_REFUSED(bytes({0x82, 9, 0, 1, 2, 0x0B, 0, 0, 1, "a", 0}), v5, kProtocol);  // sub id 0
  EXPECT_REFUSED(bytes({0x10, 17, 0, 4, "MQTT", 5, 2, 0, 0, 3, 0x21, 0, 0, 0, 1, "c"}), v5,
                 kProtocol);  // Receive Maximum 0
  EXPECT_REFUSED(bytes({0x10, 19, 0, 4, "MQTT", 5, 2, 0, 0, 5, 0x27, 0, 0, 0, 0, 0, 1, "c"}), v5,
                 kProtocol);  // Maximum Packet Size 0
  EXPECT_REFUSED(bytes({0x10, 16, 0, 4, "MQTT", 5, 2, 0, 0, 2, 0x17, 2, 0, 1, "c"}), v5,
                 kProtocol);  // Request Problem Information 2
  EXPECT_REFUSED(bytes({0x20, 5, 0, 0, 2, 0x24, 2}), v5, kProtocol);                // Maximum QoS 2
  EXPECT_REFUSED(bytes({0x30, 6, 0, 1, "t", 2, 0x01, 2}), v5, kProtocol);           // format 2
  EXPECT_REFUSED(bytes({0x30, 9, 0, 1, "t", 5, 0x08, 0, 2, "a#"}), v5, kProtocol);  // response
}

TEST(Malformed, QoS3) {
  EXPECT_REFUSED(bytes({0x36, 5, 0, 1, "t", 0, 1}), v311, kMalformed);
  EXPECT_REFUSED(bytes({0x82, 6, 0, 1, 0, 1, "a", 3}), v311, kMalformed);
  EXPECT_REFUSED(bytes({0x82, 7, 0, 1, 0, 0, 1, "a", 3}), v5, kMalformed);
  const auto will_qos3 =
      decode_connect(bytes({0x10, 18, 0, 4, "MQTT", 4, 0x1E, 0, 0, 0, 1, "c", 0, 1, "w", 0, 0}),
                     kNoPacketSizeLimit);
  EXPECT_EQ(will_qos3.reason, kMalformed);
  EXPECT_TRUE(will_qos3.malformed());
}

TEST(Malformed, InconsistentConnectFlags) {
  // Will QoS without the will flag.
  EXPECT_REFUSED(bytes({0x10, 13, 0, 4, "MQTT", 4, 0x0A, 0, 0, 0, 1, "c"}), v311, kMalformed);
  // Will retain without the will flag.
  EXPECT_REFUSED(bytes({0x10, 13, 0, 4, "MQTT", 4, 0x22, 0, 0, 0, 1, "c"}), v311, kMalformed);
  // 3.1.1: password without user name [MQTT-3.1.2-22]; allowed in 5.0.
  EXPECT_REFUSED(bytes({0x10, 16, 0, 4, "MQTT", 4, 0x42, 0, 0, 0, 1, "c", 0, 1, "p"}), v311,
                 kMalformed);
  EXPECT_TRUE(decode(bytes({0x10, 17, 0, 4, "MQTT", 5, 0x42, 0, 0, 0, 0, 1, "c", 0, 1, "p"}), v5,
                     kNoPacketSizeLimit)
                  .complete());
  // Wildcard in the will topic.
  EXPECT_REFUSED(bytes({0x10, 18, 0, 4, "MQTT", 4, 0x06, 0, 0, 0, 1, "c", 0, 1, "#", 0, 0}), v311,
                 ReasonCode::TopicNameInvalid);
}

TEST(Malformed, SubscribeOrUnsubscribeWithoutEntries) {
  EXPECT_REFUSED(bytes({0x82, 2, 0, 1}), v311, kProtocol);
  EXPECT_REFUSED(bytes({0x82, 3, 0, 1, 0}), v5, kProtocol);
  EXPECT_REFUSED(bytes({0xA2, 2, 0, 1}), v311, kProtocol);
  EXPECT_REFUSED(bytes({0x90, 2, 0, 1}), v311, kProtocol);  // SUBACK without codes
}

TEST(Malformed, PacketIdZero) {
  EXPECT_REFUSED(bytes({0x32, 5, 0, 1, "t", 0, 0}), v311, kProtocol);
  EXPECT_REFUSED(bytes({0x40, 2, 0, 0}), v311, kProtocol);
  EXPECT_REFUSED(bytes({0x62, 2, 0, 0}), v5, kProtocol);
  EXPECT_REFUSED(bytes({0x82, 6, 0, 0, 0, 1, "a", 0}), v311, kProtocol);
  EXPECT_REFUSED(bytes({0xA2, 5, 0, 0, 0, 1, "a"}), v311, kProtocol);
  // QoS 0 has no packet id at all: two payload bytes 0 0 are just payload.
  EXPECT_TRUE(decode(bytes({0x30, 5, 0, 1, "t", 0, 0}), v311, kNoPacketSizeLimit).complete());
}

TEST(Malformed, PublishTopicName) {
  EXPECT_REFUSED(bytes({0x30, 5, 0, 3, "a/+"}), v311, ReasonCode::TopicNameInvalid);
  EXPECT_REFUSED(bytes({0x30, 4, 0, 1, "#", 0}), v5, ReasonCode::TopicNameInvalid);
  // Empty topic: only with a Topic Alias in 5.0.
  EXPECT_REFUSED(bytes({0x30, 2, 0, 0}), v311, kMalformed);
  EXPECT_REFUSED(bytes({0x30, 3, 0, 0, 0}), v5, kProtocol);
  EXPECT_TRUE(decode(bytes({0x30, 6, 0, 0, 3, 0x23, 0, 1}), v5, kNoPacketSizeLimit).complete());
}

TEST(Malformed, DupOnQoS0) {
  EXPECT_REFUSED(bytes({0x38, 3, 0, 1, "t"}), v311, kMalformed);
}

TEST(Malformed, ReasonCodeNotDefinedForPacketType) {
  EXPECT_REFUSED(bytes({0x40, 3, 0, 1, 0x92}), v5, kProtocol);  // PUBACK: not found is PUBREL's
  EXPECT_REFUSED(bytes({0x62, 3, 0, 1, 0x10}), v5, kProtocol);
  EXPECT_REFUSED(bytes({0xE0, 1, 0x01}), v5, kProtocol);
  EXPECT_REFUSED(bytes({0xF0, 1, 0x80}), v5, kProtocol);
  EXPECT_REFUSED(bytes({0x20, 3, 0, 0x10, 0}), v5, kProtocol);
  EXPECT_REFUSED(bytes({0x20, 2, 0, 6}), v311, kProtocol);  // return code 6 is reserved
  EXPECT_REFUSED(bytes({0x90, 3, 0, 1, 3}), v311, kProtocol);
  EXPECT_REFUSED(bytes({0x20, 2, 1, 5}), v311, kProtocol);  // session present with refusal
}

TEST(Malformed, OversizedIsRefusedFromTheFixedHeaderAlone) {
  // A PUBLISH announcing 1000 bytes against a limit of 100: only 3 bytes have arrived.
  const DecodeResult r = decode(bytes({0x30, 0xE8, 0x07}), v5, 100);
  ASSERT_TRUE(r.malformed());
  EXPECT_EQ(r.reason, ReasonCode::PacketTooLarge);
  EXPECT_NE(r.detail.find("1003"), std::string::npos) << r.detail;
  // Exactly at the limit passes; one over is refused.
  const Bytes at_limit = bytes({0x30, 8, 0, 1, "t", "hello"});
  EXPECT_TRUE(decode(at_limit, v311, 10).complete());
  EXPECT_EQ(decode(at_limit, v311, 9).reason, ReasonCode::PacketTooLarge);
  EXPECT_EQ(decode_connect(bytes({0x10, 0xFF, 0x7F}), 1000).reason, ReasonCode::PacketTooLarge);
}

TEST(Malformed, FirstPacketMustBeAConnect) {
  const auto r = decode_connect(bytes({0xC0, 0}), kNoPacketSizeLimit);
  ASSERT_TRUE(r.malformed());
  EXPECT_EQ(r.reason, kProtocol);
  EXPECT_NE(r.detail.find("MQTT-3.1.0-1"), std::string::npos);
}

TEST(Malformed, UnsupportedProtocolVersion) {
  const auto level6 =
      decode_connect(bytes({0x10, 13, 0, 4, "MQTT", 6, 2, 0, 0, 0, 1, "c"}), kNoPacketSizeLimit);
  ASSERT_TRUE(level6.malformed());
  EXPECT_EQ(level6.reason, ReasonCode::UnsupportedProtocolVersion);
  // "MQTT" at level 3 and "MQIsdp" at level 4 are both wrong; the claimed level is kept so
  // the refusal can be written in the client's format.
  const auto mqtt3 =
      decode_connect(bytes({0x10, 13, 0, 4, "MQTT", 3, 2, 0, 0, 0, 1, "c"}), kNoPacketSizeLimit);
  EXPECT_EQ(mqtt3.reason, ReasonCode::UnsupportedProtocolVersion);
  EXPECT_EQ(mqtt3.version, Version::v3_1);
  const auto mqisdp4 =
      decode_connect(bytes({0x10, 15, 0, 6, "MQIsdp", 4, 2, 0, 0, 0, 1, "c"}), kNoPacketSizeLimit);
  EXPECT_EQ(mqisdp4.reason, ReasonCode::UnsupportedProtocolVersion);
  EXPECT_EQ(mqisdp4.version, Version::v3_1_1);
  // A 5.0 CONNECT that is otherwise malformed reports version 5 (answer with a 5.0 CONNACK).
  const auto bad5 =
      decode_connect(bytes({0x10, 14, 0, 4, "MQTT", 5, 3, 0, 0, 0, 0, 1, "c"}), kNoPacketSizeLimit);
  EXPECT_TRUE(bad5.malformed());
  EXPECT_EQ(bad5.version, Version::v5);
}

}  // namespace
}  // namespace dynamq::mqtt
