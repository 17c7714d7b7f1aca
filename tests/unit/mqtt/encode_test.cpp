// Encoder behaviour beyond round trips: encode-once PUBLISH patching, sizes, version
// down-mapping, appending, and refusal of packets that cannot be expressed.
#include <gtest/gtest.h>

#include <stdexcept>

#include "sample_packets.hpp"

namespace dynamq::mqtt {
namespace {

using test::bytes;
using test::Bytes;

Publish qos1_publish() {
  Publish p;
  p.topic = "sensors/1";
  p.qos = QoS::at_least_once;
  p.packet_id = 1;
  p.payload = Payload(std::string("21.5"));
  return p;
}

TEST(EncodePublish, LayoutLocatesThePacketIdForPatching) {
  Bytes out = {0xAA, 0xBB};  // something already queued
  const Publish p = qos1_publish();
  const PublishLayout layout = encode_publish(p, Version::v5, out);
  EXPECT_EQ(layout.start, 2U);
  EXPECT_EQ(layout.size, out.size() - 2);
  EXPECT_EQ(layout.size, encoded_size(p, Version::v5));
  EXPECT_EQ(out[0], 0xAA);

  // Patch a copy per subscriber instead of re-encoding.
  Bytes copy(out.begin() + 2, out.end());
  set_publish_packet_id(copy, layout, 0xBEEF);
  set_publish_dup(copy, true);
  set_publish_retain(copy, true);
  Publish expected = p;
  expected.packet_id = 0xBEEF;
  expected.dup = true;
  expected.retain = true;
  EXPECT_EQ(copy, encode(expected, Version::v5));
  set_publish_dup(copy, false);
  set_publish_retain(copy, false);
  expected.dup = expected.retain = false;
  EXPECT_EQ(copy, encode(expected, Version::v5));
}

TEST(EncodePublish, QoS0HasNoPacketIdOffset) {
  Publish p = qos1_publish();
  p.qos = QoS::at_most_once;
  Bytes out;
  EXPECT_EQ(encode_publish(p, Version::v3_1_1, out).packet_id_offset, 0U);
}

TEST(EncodePublish, PacketIdOffsetWithLongRemainingLength) {
  Publish p = qos1_publish();
  p.payload = Payload(std::string(100'000, 'z'));  // 3-byte remaining length
  Bytes out;
  const auto layout = encode_publish(p, Version::v3_1_1, out);
  EXPECT_EQ(layout.packet_id_offset, 1 + 3 + 2 + p.topic.size());
  set_publish_packet_id(out, layout, 513);
  const auto r = decode(out, Version::v3_1_1, kNoPacketSizeLimit);
  ASSERT_TRUE(r.complete());
  EXPECT_EQ(std::get<Publish>(r.packet).packet_id, 513);
}

TEST(Encode, AppendsWithoutDisturbingEarlierBytes) {
  Bytes out;
  encode(Pingreq{}, Version::v3_1_1, out);
  encode(qos1_publish(), Version::v3_1_1, out);
  encode(Pingresp{}, Version::v3_1_1, out);
  EXPECT_EQ(out[0], 0xC0);
  EXPECT_EQ(out[out.size() - 2], 0xD0);
  EXPECT_EQ(out.size(), 2 + encoded_size(qos1_publish(), Version::v3_1_1) + 2);
}

TEST(Encode, SizesMatchForEverySample) {
  for (Version v : {Version::v3_1, Version::v3_1_1, Version::v5}) {
    for (const auto& p : test::sample_packets(v)) {
      EXPECT_EQ(encoded_size(p, v), encode(p, v).size()) << to_string(packet_type(p));
    }
  }
}

TEST(Encode, ConnackReturnCodesBefore5) {
  Connack c;
  c.reason_code = ReasonCode::ServerBusy;  // no 3.1.1 equivalent: server unavailable
  EXPECT_EQ(encode(c, Version::v3_1_1), bytes({0x20, 2, 0, 3}));
  c.reason_code = ReasonCode::UnsupportedProtocolVersion;
  EXPECT_EQ(encode(c, Version::v3_1_1), bytes({0x20, 2, 0, 1}));
  c.reason_code = ReasonCode::ClientIdentifierNotValid;
  EXPECT_EQ(encode(c, Version::v3_1), bytes({0x20, 2, 0, 2}));
  // 3.1 has no session present flag.
  c.reason_code = ReasonCode::Success;
  c.session_present = true;
  EXPECT_EQ(encode(c, Version::v3_1), bytes({0x20, 2, 0, 0}));
  EXPECT_EQ(encode(c, Version::v3_1_1), bytes({0x20, 2, 1, 0}));
}

TEST(Encode, SubackFailuresCollapseTo0x80Before5) {
  Suback s;
  s.packet_id = 1;
  s.reason_codes = {ReasonCode::GrantedQoS1, ReasonCode::TopicFilterInvalid,
                    ReasonCode::NotAuthorized};
  EXPECT_EQ(encode(s, Version::v3_1_1), bytes({0x90, 5, 0, 1, 1, 0x80, 0x80}));
  EXPECT_EQ(encode(s, Version::v5), bytes({0x90, 6, 0, 1, 0, 1, 0x8F, 0x87}));
}

TEST(Encode, FiveOnlyFieldsAreDroppedBefore5) {
  Subscribe s;
  s.packet_id = 2;
  s.entries.push_back({"a", {QoS::at_least_once, true, true, RetainHandling::do_not_send}});
  s.properties.subscription_identifiers = {5};
  EXPECT_EQ(encode(s, Version::v3_1_1), bytes({0x82, 6, 0, 2, 0, 1, "a", 1}));
  Disconnect d;
  d.reason_code = ReasonCode::ServerShuttingDown;
  EXPECT_EQ(encode(d, Version::v3_1_1), bytes({0xE0, 0}));
  Puback a;
  a.packet_id = 3;
  a.reason_code = ReasonCode::QuotaExceeded;
  EXPECT_EQ(encode(a, Version::v3_1_1), bytes({0x40, 2, 0, 3}));
}

TEST(Encode, RefusesWhatCannotBeExpressed) {
  EXPECT_THROW(encode(Auth{}, Version::v3_1_1), std::invalid_argument);
  Publish long_topic;
  long_topic.topic = std::string(65'536, 'a');
  EXPECT_THROW(encode(long_topic, Version::v3_1_1), std::invalid_argument);
  EXPECT_THROW((void)encoded_size(long_topic, Version::v3_1_1), std::invalid_argument);
}

TEST(Encode, PayloadIsSharedNotCopiedByPacketCopies) {
  Publish p = qos1_publish();
  Publish copy = p;
  EXPECT_EQ(p.payload.shared().get(), copy.payload.shared().get());
  EXPECT_TRUE(Payload() == Payload(std::string()));
  EXPECT_TRUE(Payload(std::string("ab")) == Payload(std::string_view("ab")));
  EXPECT_FALSE(Payload(std::string("ab")) == Payload(std::string("ac")));
}

}  // namespace
}  // namespace dynamq::mqtt
