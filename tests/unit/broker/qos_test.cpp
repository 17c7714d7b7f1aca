// QoS 0/1/2 in both directions, packet ids, the inflight window, ordering, resend with DUP,
// offline queueing and slow consumers.
#include <gtest/gtest.h>

#include <set>

#include "test_client.hpp"

namespace dynamq::broker::test {
namespace {

using mqtt::ReasonCode;
using mqtt::Version;

class QosTest : public BrokerTest {};

TEST_F(QosTest, Qos0IsDeliveredWithoutPacketId) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("sub");
  sub.subscribe("a/b", 2);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("a/b", "hello");
  const auto p = sub.expect<mqtt::Publish>();
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.payload.view(), "hello");
  EXPECT_EQ(p.qos, mqtt::QoS::at_most_once);
  EXPECT_TRUE(pub.nothing_more());  // no ack for QoS 0
}

TEST_F(QosTest, Qos1BothDirections) {
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("sub");
  sub.subscribe("q1", 1);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("q1", "m", 1, false, 77);
  const auto ack = pub.expect<mqtt::Puback>();
  EXPECT_EQ(ack.packet_id, 77);
  EXPECT_EQ(ack.reason_code, ReasonCode::Success);
  const auto p = sub.expect<mqtt::Publish>();
  EXPECT_EQ(p.qos, mqtt::QoS::at_least_once);
  EXPECT_NE(p.packet_id, 0);
  EXPECT_FALSE(p.dup);
  sub.send(mqtt::Puback{p.packet_id, ReasonCode::Success, {}});
  EXPECT_TRUE(sub.nothing_more());
}

TEST_F(QosTest, Qos2BothDirectionsAndDuplicateIsRoutedOnce) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("sub");
  sub.subscribe("q2", 2);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("q2", "once", 2, false, 5);
  EXPECT_EQ(pub.expect<mqtt::Pubrec>().packet_id, 5);
  // The publisher did not see the PUBREC and sends again with DUP: no second delivery.
  pub.publish("q2", "once", 2, false, 5, [](mqtt::Publish& p) { p.dup = true; });
  EXPECT_EQ(pub.expect<mqtt::Pubrec>().packet_id, 5);
  pub.send(mqtt::Pubrel{5, ReasonCode::Success, {}});
  EXPECT_EQ(pub.expect<mqtt::Pubcomp>().packet_id, 5);

  const auto p = sub.expect<mqtt::Publish>();
  EXPECT_EQ(p.qos, mqtt::QoS::exactly_once);
  EXPECT_EQ(p.payload.view(), "once");
  sub.send(mqtt::Pubrec{p.packet_id, ReasonCode::Success, {}});
  EXPECT_EQ(sub.expect<mqtt::Pubrel>().packet_id, p.packet_id);
  sub.send(mqtt::Pubcomp{p.packet_id, ReasonCode::Success, {}});
  EXPECT_TRUE(sub.nothing_more());  // exactly once
}

TEST_F(QosTest, UnknownPubrelGetsPacketIdentifierNotFound) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("c");
  c.send(mqtt::Pubrel{42, ReasonCode::Success, {}});
  const auto comp = c.expect<mqtt::Pubcomp>();
  EXPECT_EQ(comp.packet_id, 42);
  EXPECT_EQ(comp.reason_code, ReasonCode::PacketIdentifierNotFound);
}

TEST_F(QosTest, DeliveredQosIsTheMinimumOfPublishAndSubscription) {
  TestClient low(broker(), io_, Version::v3_1_1);
  low.connect("low");
  low.subscribe("t", 0);
  TestClient high(broker(), io_, Version::v3_1_1);
  high.connect("high");
  high.subscribe("t", 2);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("t", "x", 1, false, 1);
  pub.expect<mqtt::Puback>();
  EXPECT_EQ(low.expect<mqtt::Publish>().qos, mqtt::QoS::at_most_once);
  EXPECT_EQ(high.expect<mqtt::Publish>().qos, mqtt::QoS::at_least_once);
}

TEST_F(QosTest, InflightWindowQueuesPastReceiveMaximumAndKeepsOrder) {
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("sub", true, [](mqtt::Connect& c) { c.properties.receive_maximum = 2; });
  sub.subscribe("o", 1);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  for (int i = 0; i < 6; ++i) {
    pub.publish("o", std::to_string(i), 1, false, static_cast<std::uint16_t>(i + 1));
    pub.expect<mqtt::Puback>();
  }
  std::vector<std::string> got;
  std::vector<std::uint16_t> ids;
  for (int i = 0; i < 2; ++i) {
    const auto p = sub.expect<mqtt::Publish>();
    got.emplace_back(p.payload.view());
    ids.push_back(p.packet_id);
  }
  EXPECT_TRUE(sub.nothing_more());  // window full
  while (got.size() < 6) {
    sub.send(mqtt::Puback{ids.front(), ReasonCode::Success, {}});
    ids.erase(ids.begin());
    const auto p = sub.expect<mqtt::Publish>();
    got.emplace_back(p.payload.view());
    ids.push_back(p.packet_id);
    EXPECT_TRUE(sub.nothing_more());
  }
  EXPECT_EQ(got, (std::vector<std::string>{"0", "1", "2", "3", "4", "5"}));
  EXPECT_NE(ids[0], ids[1]);
}

TEST_F(QosTest, PersistentSessionResumesWithDupAndQueuedMessages) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("durable", false);
  sub.subscribe("d", 1);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("d", "first", 1, false, 1);
  const auto first = sub.expect<mqtt::Publish>();  // not acknowledged
  sub.drop();

  pub.publish("d", "second", 1, false, 2);  // queued while offline
  pub.publish("d", "zero", 0);              // QoS 0: not kept for an offline session

  TestClient again(broker(), io_, Version::v3_1_1);
  const auto connack = again.connect("durable", false);
  EXPECT_TRUE(connack.session_present);
  const auto resent = again.expect<mqtt::Publish>();
  EXPECT_TRUE(resent.dup);
  EXPECT_EQ(resent.packet_id, first.packet_id);
  EXPECT_EQ(resent.payload.view(), "first");
  const auto queued = again.expect<mqtt::Publish>();
  EXPECT_FALSE(queued.dup);
  EXPECT_EQ(queued.payload.view(), "second");
  EXPECT_TRUE(again.nothing_more());
  EXPECT_EQ(broker().stats().dropped_qos0_offline, 1U);
}

TEST_F(QosTest, PubrelIsResentOnResume) {
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("q2resume", false,
              [](mqtt::Connect& c) { c.properties.session_expiry_interval = 60; });
  sub.subscribe("t", 2);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("t", "x", 2, false, 1);
  const auto p = sub.expect<mqtt::Publish>();
  sub.send(mqtt::Pubrec{p.packet_id, ReasonCode::Success, {}});
  sub.expect<mqtt::Pubrel>();
  sub.drop();
  TestClient again(broker(), io_, Version::v5);
  again.connect("q2resume", false,
                [](mqtt::Connect& c) { c.properties.session_expiry_interval = 60; });
  EXPECT_EQ(again.expect<mqtt::Pubrel>().packet_id, p.packet_id);
  again.send(mqtt::Pubcomp{p.packet_id, ReasonCode::Success, {}});
  EXPECT_TRUE(again.nothing_more());
}

TEST_F(QosTest, OfflineQueueIsBoundedAndDropsAreCounted) {
  settings_.max_queued_messages = 3;
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("bounded", false);
  sub.subscribe("b", 1);
  sub.drop();
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  for (int i = 0; i < 5; ++i) {
    pub.publish("b", std::to_string(i), 1, false, static_cast<std::uint16_t>(i + 1));
    pub.expect<mqtt::Puback>();
  }
  EXPECT_EQ(broker().stats().dropped_queue_full, 2U);
  TestClient again(broker(), io_, Version::v3_1_1);
  again.connect("bounded", false);
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    got.emplace_back(again.expect<mqtt::Publish>().payload.view());
  }
  EXPECT_EQ(got, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_TRUE(again.nothing_more());
}

TEST_F(QosTest, SlowConsumerLosesQos0ButNotQos1) {
  settings_.max_pending_bytes = 1000;
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("slow");
  sub.subscribe("s", 1);
  sub.link->pending = 5000;  // the socket is not draining
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("s", "q0", 0);
  pub.publish("s", "q1", 1, false, 1);
  const auto p = sub.expect<mqtt::Publish>();
  EXPECT_EQ(p.payload.view(), "q1");
  EXPECT_TRUE(sub.nothing_more());
  EXPECT_EQ(broker().stats().dropped_qos0_slow, 1U);
}

TEST_F(QosTest, NeverSendsMoreThanTheClientsMaximumPacketSize) {
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("small", true, [](mqtt::Connect& c) { c.properties.maximum_packet_size = 64; });
  sub.subscribe("m", 1);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("m", std::string(100, 'x'), 1, false, 1);
  pub.publish("m", "fits", 1, false, 2);
  const auto p = sub.expect<mqtt::Publish>();
  EXPECT_EQ(p.payload.view(), "fits");  // [MQTT-3.1.2-24]: the big one is dropped
  EXPECT_TRUE(sub.nothing_more());
  EXPECT_EQ(broker().stats().dropped_too_large, 1U);
}

TEST_F(QosTest, PerTopicOrderingAcrossQosLevels) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("order");
  sub.subscribe("ord", 2);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  std::vector<std::string> sent;
  for (int i = 0; i < 30; ++i) {
    const auto qos = static_cast<std::uint8_t>(i % 3);
    pub.publish("ord", std::to_string(i), qos, false, static_cast<std::uint16_t>(i + 1));
    sent.push_back(std::to_string(i));
  }
  std::vector<std::string> got;
  while (got.size() < sent.size()) {
    auto packet = sub.next();
    ASSERT_TRUE(packet);
    if (auto* rel = std::get_if<mqtt::Pubrel>(&*packet)) {
      sub.send(mqtt::Pubcomp{rel->packet_id, ReasonCode::Success, {}});
      continue;
    }
    auto& p = std::get<mqtt::Publish>(*packet);
    got.emplace_back(p.payload.view());
    if (p.qos == mqtt::QoS::at_least_once) {
      sub.send(mqtt::Puback{p.packet_id, ReasonCode::Success, {}});
    } else if (p.qos == mqtt::QoS::exactly_once) {
      sub.send(mqtt::Pubrec{p.packet_id, ReasonCode::Success, {}});
    }
  }
  EXPECT_EQ(got, sent);
}

}  // namespace
}  // namespace dynamq::broker::test
