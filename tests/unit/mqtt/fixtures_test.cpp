// Byte-exact packets assembled by hand from the spec's field layouts: the decoder reads
// them to the expected values and the encoder writes exactly these bytes.
#include <gtest/gtest.h>

#include <algorithm>

#include "sample_packets.hpp"

namespace dynamq::mqtt {
namespace {

using test::bytes;
using test::Bytes;

void expect_fixture(const Bytes& wire, const Packet& expected, Version v) {
  const DecodeResult r = decode(wire, v, kNoPacketSizeLimit);
  ASSERT_TRUE(r.complete()) << to_string(r.reason) << ": " << r.detail;
  EXPECT_EQ(r.consumed, wire.size());
  EXPECT_TRUE(r.packet == expected);
  EXPECT_EQ(encode(expected, v), wire);
  EXPECT_EQ(encoded_size(expected, v), wire.size());
}

TEST(Fixtures, Connect311) {
  // 3.1.1 spec 3.1: name "MQTT", level 4, flags 0x02 (clean session), keep alive 60,
  // client id "abc". Remaining length 2+4 +1 +1 +2 +2+3 = 15.
  const Bytes wire = bytes({0x10, 15, 0, 4, "MQTT", 4, 0x02, 0, 60, 0, 3, "abc"});
  Connect c;
  c.version = Version::v3_1_1;
  c.clean_start = true;
  c.keep_alive = 60;
  c.client_id = "abc";
  expect_fixture(wire, c, Version::v3_1_1);
  const auto first = decode_connect(wire, kNoPacketSizeLimit);
  ASSERT_TRUE(first.complete());
  EXPECT_EQ(first.version, Version::v3_1_1);
}

TEST(Fixtures, Connect31UsesMQIsdp) {
  // 3.1: name "MQIsdp", level 3. Remaining length 2+6 +1 +1 +2 +2+3 +2+1 +2+2 = 24
  // with user name "u" and password "pw".
  const Bytes wire =
      bytes({0x10, 24, 0, 6, "MQIsdp", 3, 0xC2, 0, 10, 0, 3, "abc", 0, 1, "u", 0, 2, "pw"});
  Connect c;
  c.version = Version::v3_1;
  c.keep_alive = 10;
  c.client_id = "abc";
  c.username = "u";
  c.password = "pw";
  expect_fixture(wire, c, Version::v3_1);
  const auto first = decode_connect(wire, kNoPacketSizeLimit);
  ASSERT_TRUE(first.complete()) << first.detail;
  EXPECT_EQ(first.version, Version::v3_1);
  EXPECT_EQ(std::get<Connect>(first.packet).version, Version::v3_1);
}

TEST(Fixtures, Connect5WithPropertiesAndWill) {
  // flags: user name 0x80 | password 0x40 | will retain 0x20 | will QoS 1 0x08 | will 0x04 |
  // clean start 0x02 = 0xEE; keep alive 10.
  // properties (15): session expiry 0x11 = 3600; receive maximum 0x21 = 20;
  //                  user property 0x26 "k" = "v".
  // payload: client id "c1"; will properties (5): will delay 0x18 = 5; will topic "w";
  //          will payload "bye"; user name "u"; password "p".
  const Bytes wire =
      bytes({0x10, 50,   0,    4, "MQTT", 5,    0xEE, 0, 10,  //
             15,   0x11, 0,    0, 0x0E,   0x10, 0x21, 0, 20,  0x26, 0, 1,     "k", 0, 1,
             "v",                                                              //
             0,    2,    "c1",                                                 //
             5,    0x18, 0,    0, 0,      5,    0,    1, "w", 0,    3, "bye",  //
             0,    1,    "u",  0, 1,      "p"});
  Connect c;
  c.version = Version::v5;
  c.clean_start = true;
  c.keep_alive = 10;
  c.client_id = "c1";
  c.properties.session_expiry_interval = 3600;
  c.properties.receive_maximum = 20;
  c.properties.user_properties = {{"k", "v"}};
  Will will;
  will.topic = "w";
  will.payload = Payload(std::string("bye"));
  will.qos = QoS::at_least_once;
  will.retain = true;
  will.properties.will_delay_interval = 5;
  c.will = will;
  c.username = "u";
  c.password = "p";
  expect_fixture(wire, c, Version::v5);
}

TEST(Fixtures, Connack) {
  Connack present;
  present.session_present = true;
  expect_fixture(bytes({0x20, 2, 1, 0}), present, Version::v3_1_1);
  Connack refused;
  refused.reason_code = ReasonCode::BadUserNameOrPassword;
  expect_fixture(bytes({0x20, 2, 0, 4}), refused, Version::v3_1_1);  // return code 4
  // 5.0: reason 0x86 and a properties section (assigned client id "id", 5 bytes).
  Connack v5;
  v5.reason_code = ReasonCode::BadUserNameOrPassword;
  v5.properties.assigned_client_identifier = "id";
  expect_fixture(bytes({0x20, 8, 0, 0x86, 5, 0x12, 0, 2, "id"}), v5, Version::v5);
}

TEST(Fixtures, PublishQoS0) {
  Publish p;
  p.topic = "a/b";
  p.payload = Payload(std::string("hello"));
  expect_fixture(bytes({0x30, 10, 0, 3, "a/b", "hello"}), p, Version::v3_1_1);
  // 5.0 adds an empty properties section (one 0 byte).
  expect_fixture(bytes({0x30, 11, 0, 3, "a/b", 0, "hello"}), p, Version::v5);
}

TEST(Fixtures, PublishQoS1Retained) {
  Publish p;
  p.topic = "a/b";
  p.qos = QoS::at_least_once;
  p.retain = true;
  p.packet_id = 7;
  p.payload = Payload(std::string("hello"));
  expect_fixture(bytes({0x33, 12, 0, 3, "a/b", 0, 7, "hello"}), p, Version::v3_1_1);
}

TEST(Fixtures, PublishQoS2DupWithProperties) {
  // 0x3C = PUBLISH | DUP | QoS 2. Properties (5): payload format 0x01 = 1, topic alias
  // 0x23 = 5. Remaining length 3 + 2 + 6 + 2 = 13.
  const Bytes wire = bytes({0x3C, 13, 0, 1, "t", 0, 42, 5, 0x01, 1, 0x23, 0, 5, "hi"});
  Publish p;
  p.topic = "t";
  p.qos = QoS::exactly_once;
  p.dup = true;
  p.packet_id = 42;
  p.properties.payload_format_indicator = 1;
  p.properties.topic_alias = 5;
  p.payload = Payload(std::string("hi"));
  expect_fixture(wire, p, Version::v5);
}

TEST(Fixtures, LongPublishUsesTwoLengthBytes) {
  // Remaining length 200 = 0xC8 0x01 (spec 1.5.5).
  Publish p;
  p.topic = "t";
  p.payload = Payload(std::string(197, 'x'));
  const Bytes wire = encode(p, Version::v3_1_1);
  ASSERT_EQ(wire.size(), 203U);
  EXPECT_EQ(wire[1], 0xC8);
  EXPECT_EQ(wire[2], 0x01);
  expect_fixture(wire, p, Version::v3_1_1);
}

TEST(Fixtures, Acks) {
  Puback ack;
  ack.packet_id = 7;
  expect_fixture(bytes({0x40, 2, 0, 7}), ack, Version::v3_1_1);
  expect_fixture(bytes({0x40, 2, 0, 7}), ack, Version::v5);  // Success, no properties: short
  ack.reason_code = ReasonCode::NoMatchingSubscribers;
  expect_fixture(bytes({0x40, 3, 0, 7, 0x10}), ack, Version::v5);
  Pubrel rel;
  rel.packet_id = 0x1234;
  expect_fixture(bytes({0x62, 2, 0x12, 0x34}), rel, Version::v3_1_1);
  Pubrec rec;
  rec.packet_id = 1;
  expect_fixture(bytes({0x50, 2, 0, 1}), rec, Version::v3_1);
  Pubcomp comp;
  comp.packet_id = 1;
  comp.reason_code = ReasonCode::PacketIdentifierNotFound;
  comp.properties.reason_string = "?";
  expect_fixture(bytes({0x70, 8, 0, 1, 0x92, 4, 0x1F, 0, 1, "?"}), comp, Version::v5);
}

TEST(Fixtures, AckWithReasonCodeButNoPropertyLengthDecodes) {
  // Remaining length 3: reason code present, property length left out (spec 3.4.2.2.1).
  const auto r = decode(bytes({0x50, 3, 0, 9, 0x80}), Version::v5, kNoPacketSizeLimit);
  ASSERT_TRUE(r.complete()) << r.detail;
  EXPECT_EQ(std::get<Pubrec>(r.packet).reason_code, ReasonCode::UnspecifiedError);
}

TEST(Fixtures, Subscribe5WithOptions) {
  // properties (2): subscription identifier 0x0B = 7. Options 0x2D: QoS 1, no local,
  // retain as published, retain handling 2.
  const Bytes wire = bytes({0x82, 11, 0, 1, 2, 0x0B, 7, 0, 3, "a/+", 0x2D});
  Subscribe s;
  s.packet_id = 1;
  s.properties.subscription_identifiers = {7};
  s.entries.push_back({"a/+", {QoS::at_least_once, true, true, RetainHandling::do_not_send}});
  expect_fixture(wire, s, Version::v5);
}

TEST(Fixtures, Subscribe311AndSuback) {
  Subscribe s;
  s.packet_id = 10;
  s.entries.push_back({"a/b", {QoS::exactly_once}});
  s.entries.push_back({"c/#", {QoS::at_most_once}});
  expect_fixture(bytes({0x82, 14, 0, 10, 0, 3, "a/b", 2, 0, 3, "c/#", 0}), s, Version::v3_1_1);
  Suback a;
  a.packet_id = 10;
  a.reason_codes = {ReasonCode::GrantedQoS2, ReasonCode::UnspecifiedError};
  expect_fixture(bytes({0x90, 4, 0, 10, 2, 0x80}), a, Version::v3_1_1);
}

TEST(Fixtures, UnsubscribeAndUnsuback) {
  Unsubscribe u;
  u.packet_id = 5;
  u.filters = {"a/b"};
  expect_fixture(bytes({0xA2, 7, 0, 5, 0, 3, "a/b"}), u, Version::v3_1_1);
  Unsuback ua;
  ua.packet_id = 5;
  expect_fixture(bytes({0xB0, 2, 0, 5}), ua, Version::v3_1_1);
  ua.reason_codes = {ReasonCode::NoSubscriptionExisted};
  expect_fixture(bytes({0xB0, 4, 0, 5, 0, 0x11}), ua, Version::v5);
}

TEST(Fixtures, PingAndDisconnect) {
  expect_fixture(bytes({0xC0, 0}), Pingreq{}, Version::v3_1_1);
  expect_fixture(bytes({0xD0, 0}), Pingresp{}, Version::v5);
  expect_fixture(bytes({0xE0, 0}), Disconnect{}, Version::v3_1_1);
  expect_fixture(bytes({0xE0, 0}), Disconnect{}, Version::v5);
  Disconnect d;
  d.reason_code = ReasonCode::ServerShuttingDown;
  expect_fixture(bytes({0xE0, 1, 0x8B}), d, Version::v5);
  d.properties.reason_string = "bye";
  expect_fixture(bytes({0xE0, 8, 0x8B, 6, 0x1F, 0, 3, "bye"}), d, Version::v5);
}

TEST(Fixtures, Auth) {
  expect_fixture(bytes({0xF0, 0}), Auth{}, Version::v5);
  Auth a;
  a.reason_code = ReasonCode::ContinueAuthentication;
  a.properties.authentication_method = "M";
  expect_fixture(bytes({0xF0, 6, 0x18, 4, 0x15, 0, 1, "M"}), a, Version::v5);
}

}  // namespace
}  // namespace dynamq::mqtt

namespace dynamq::mqtt {
namespace {

// The connection erases its buffer after decoding: nothing decoded may point into it.
TEST(Fixtures, DecodedPacketOwnsItsBytes) {
  test::Bytes wire = test::bytes({0x32, 12, 0, 3, "a/b", 0, 7, "hello"});
  const DecodeResult r = decode(wire, Version::v3_1_1, kNoPacketSizeLimit);
  ASSERT_TRUE(r.complete());
  std::fill(wire.begin(), wire.end(), 0xEE);
  const auto& p = std::get<Publish>(r.packet);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.payload.view(), "hello");
  EXPECT_EQ(p.packet_id, 7);
}

}  // namespace
}  // namespace dynamq::mqtt
