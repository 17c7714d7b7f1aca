// Retained messages, subscription options, subscription identifiers, overlapping and shared
// subscriptions, topic aliases, message expiry and property pass-through.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "test_client.hpp"

namespace dynamq::broker::test {
namespace {

using mqtt::ReasonCode;
using mqtt::Version;

class FeaturesTest : public BrokerTest {
 protected:
  static std::function<void(mqtt::Subscribe&)> options(
      std::function<void(mqtt::SubscribeOptions&)> f, std::uint32_t sub_id = 0) {
    return [=](mqtt::Subscribe& s) {
      f(s.entries.front().options);
      if (sub_id != 0) {
        s.properties.subscription_identifiers.push_back(sub_id);
      }
    };
  }
};

TEST_F(FeaturesTest, RetainedMessageSetReplaceAndDelete) {
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("r/a", "one", 0, true);
  pub.publish("r/a", "two", 0, true);  // replaces
  pub.publish("r/b", "bee", 0, true);
  EXPECT_EQ(broker().stats().retained_current, 2U);

  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("sub");
  sub.subscribe("r/+", 0);
  std::map<std::string, std::string> got;
  for (int i = 0; i < 2; ++i) {
    const auto p = sub.expect<mqtt::Publish>();
    EXPECT_TRUE(p.retain);  // [MQTT-3.3.1-8]
    got[p.topic] = std::string(p.payload.view());
  }
  EXPECT_EQ(got, (std::map<std::string, std::string>{{"r/a", "two"}, {"r/b", "bee"}}));

  pub.publish("r/a", "", 0, true);                // empty retained payload deletes [MQTT-3.3.1-10]
  const auto live = sub.expect<mqtt::Publish>();  // still delivered to current subscribers
  EXPECT_EQ(live.topic, "r/a");
  EXPECT_FALSE(live.retain);  // live delivery: retain cleared without Retain As Published
  EXPECT_EQ(broker().stats().retained_current, 1U);
  TestClient later(broker(), io_, Version::v3_1_1);
  later.connect("later");
  later.subscribe("r/#", 0);
  EXPECT_EQ(later.expect<mqtt::Publish>().topic, "r/b");
  EXPECT_TRUE(later.nothing_more());
}

TEST_F(FeaturesTest, RetainHandlingOptions) {
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("rh", "kept", 1, true, 1);
  pub.expect<mqtt::Puback>();

  TestClient c(broker(), io_, Version::v5);
  c.connect("c");
  // 1: only on a new subscription.
  const auto rh1 =
      options([](auto& o) { o.retain_handling = mqtt::RetainHandling::send_if_new_subscription; });
  c.subscribe("rh", 0, rh1);
  EXPECT_EQ(c.expect<mqtt::Publish>().payload.view(), "kept");
  c.subscribe("rh", 0, rh1);
  EXPECT_TRUE(c.nothing_more());
  // 0: on every subscribe.
  c.subscribe("rh", 0);
  EXPECT_EQ(c.expect<mqtt::Publish>().payload.view(), "kept");
  // 2: never.
  TestClient d(broker(), io_, Version::v5);
  d.connect("d");
  d.subscribe("rh", 0,
              options([](auto& o) { o.retain_handling = mqtt::RetainHandling::do_not_send; }));
  EXPECT_TRUE(d.nothing_more());
}

TEST_F(FeaturesTest, RetainAsPublishedAndNoLocal) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("self");
  c.subscribe("rap", 0, options([](auto& o) { o.retain_as_published = true; }));
  c.subscribe("nl", 0, options([](auto& o) { o.no_local = true; }));
  c.publish("rap", "r", 0, true);
  const auto p = c.expect<mqtt::Publish>();
  EXPECT_TRUE(p.retain);  // kept as published
  c.publish("nl", "mine", 0);
  EXPECT_TRUE(c.nothing_more());  // [MQTT-3.8.3-3] not to its own publisher
  TestClient other(broker(), io_, Version::v5);
  other.connect("other");
  other.publish("nl", "theirs", 0);
  EXPECT_EQ(c.expect<mqtt::Publish>().payload.view(), "theirs");
}

TEST_F(FeaturesTest, OverlappingSubscriptionsGiveOneDeliveryWithAllIdentifiers) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("overlap");
  c.subscribe("o/+", 0, options([](auto&) {}, 11));
  c.subscribe("o/#", 1, options([](auto&) {}, 22));
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("o/x", "m", 2, false, 1);
  const auto p = c.expect<mqtt::Publish>();
  EXPECT_EQ(p.qos, mqtt::QoS::at_least_once);  // the highest granted QoS
  auto ids = p.properties.subscription_identifiers;
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<std::uint32_t>{11, 22}));
  EXPECT_TRUE(c.nothing_more());
}

TEST_F(FeaturesTest, Overlapping311SubscriptionsDeliverOnceAtMaxQos) {
  TestClient c(broker(), io_, Version::v3_1_1);
  c.connect("overlap311");
  c.subscribe("o/+", 0);
  c.subscribe("o/#", 2);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("o/x", "m", 2, false, 1);
  EXPECT_EQ(c.expect<mqtt::Publish>().qos, mqtt::QoS::exactly_once);
  EXPECT_TRUE(c.nothing_more());
}

TEST_F(FeaturesTest, SharedSubscriptionRoundRobinAndRedistribution) {
  TestClient a(broker(), io_, Version::v5);
  a.connect("a");
  a.subscribe("$share/g/jobs/+", 1);
  TestClient b(broker(), io_, Version::v5);
  b.connect("b", true, [](mqtt::Connect& c) { c.properties.receive_maximum = 1; });
  b.subscribe("$share/g/jobs/+", 1);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  for (int i = 0; i < 4; ++i) {
    pub.publish("jobs/x", std::to_string(i), 1, false, static_cast<std::uint16_t>(i + 1));
    pub.expect<mqtt::Puback>();
  }
  int at_a = 0;
  while (a.next(std::chrono::milliseconds(100))) {
    ++at_a;
  }
  EXPECT_EQ(at_a, 2);
  // b got one (window 1) and has one queued; it leaves without acknowledging either.
  const auto first_b = b.expect<mqtt::Publish>();
  EXPECT_TRUE(b.nothing_more());
  b.drop();
  // Both of b's messages go to a, the remaining member.
  std::vector<std::string> moved;
  while (auto p = a.next(std::chrono::milliseconds(200))) {
    moved.emplace_back(std::get<mqtt::Publish>(*p).payload.view());
  }
  EXPECT_EQ(moved.size(), 2U);
  EXPECT_NE(std::find(moved.begin(), moved.end(), std::string(first_b.payload.view())),
            moved.end());
}

TEST_F(FeaturesTest, SharedSubscriptionDoesNotGetRetainedMessages) {
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("sr", "kept", 0, true);
  TestClient s(broker(), io_, Version::v5);
  s.connect("s");
  s.subscribe("$share/g/sr", 0);
  EXPECT_TRUE(s.nothing_more());
}

TEST_F(FeaturesTest, UnsubscribeStopsDeliveryAndReportsMissingFilters) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("u");
  c.subscribe("u/1", 0);
  mqtt::Unsubscribe u;
  u.packet_id = 3;
  u.filters = {"u/1", "u/2"};
  c.send(u);
  const auto ack = c.expect<mqtt::Unsuback>();
  EXPECT_EQ(ack.reason_codes,
            (std::vector<ReasonCode>{ReasonCode::Success, ReasonCode::NoSubscriptionExisted}));
  c.publish("u/1", "x");
  EXPECT_TRUE(c.nothing_more());
}

TEST_F(FeaturesTest, InboundTopicAlias) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("sub");
  sub.subscribe("alias/#", 0);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("alias/long/topic", "1", 0, false, 0,
              [](mqtt::Publish& p) { p.properties.topic_alias = 4; });
  pub.publish("", "2", 0, false, 0, [](mqtt::Publish& p) { p.properties.topic_alias = 4; });
  EXPECT_EQ(sub.expect<mqtt::Publish>().topic, "alias/long/topic");
  EXPECT_EQ(sub.expect<mqtt::Publish>().topic, "alias/long/topic");
}

TEST_F(FeaturesTest, OutboundTopicAliasWhenTheClientAllows) {
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("sub", true, [](mqtt::Connect& c) { c.properties.topic_alias_maximum = 1; });
  sub.subscribe("#", 0);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("first/topic", "1");
  pub.publish("first/topic", "2");
  pub.publish("second/topic", "3");
  const auto p1 = sub.expect<mqtt::Publish>();
  EXPECT_EQ(p1.topic, "first/topic");
  EXPECT_EQ(p1.properties.topic_alias, std::optional<std::uint16_t>(1));
  const auto p2 = sub.expect<mqtt::Publish>();
  EXPECT_TRUE(p2.topic.empty());  // alias only
  EXPECT_EQ(p2.properties.topic_alias, std::optional<std::uint16_t>(1));
  const auto p3 = sub.expect<mqtt::Publish>();
  EXPECT_EQ(p3.topic, "second/topic");  // no alias left: full topic
  EXPECT_FALSE(p3.properties.topic_alias);
}

TEST_F(FeaturesTest, MessageExpiryDropsExpiredQueuedMessagesAndSendsTheRemainder) {
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("exp", false, [](mqtt::Connect& c) { c.properties.session_expiry_interval = 60; });
  sub.subscribe("x", 1);
  sub.drop();
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("x", "short", 1, false, 1,
              [](mqtt::Publish& p) { p.properties.message_expiry_interval = 1; });
  pub.publish("x", "long", 1, false, 2,
              [](mqtt::Publish& p) { p.properties.message_expiry_interval = 100; });
  // Let the short one expire while queued.
  run_until(
      io_, [] { return false; }, std::chrono::milliseconds(1100));
  TestClient again(broker(), io_, Version::v5);
  again.connect("exp", false, [](mqtt::Connect& c) { c.properties.session_expiry_interval = 60; });
  const auto p = again.expect<mqtt::Publish>();
  EXPECT_EQ(p.payload.view(), "long");
  ASSERT_TRUE(p.properties.message_expiry_interval);
  EXPECT_LT(*p.properties.message_expiry_interval, 100U);  // the remaining time
  EXPECT_GE(*p.properties.message_expiry_interval, 90U);
  EXPECT_TRUE(again.nothing_more());
  EXPECT_EQ(broker().stats().dropped_expired, 1U);
}

TEST_F(FeaturesTest, PropertiesArePassedThrough) {
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("sub");
  sub.subscribe("req", 1);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("req", "{}", 1, false, 1, [](mqtt::Publish& p) {
    p.properties.response_topic = "resp/1";
    p.properties.correlation_data = std::string("\x01\x02", 2);
    p.properties.content_type = "application/json";
    p.properties.payload_format_indicator = 1;
    p.properties.user_properties = {{"k", "v"}, {"k", "w"}};
  });
  const auto p = sub.expect<mqtt::Publish>();
  EXPECT_EQ(p.properties.response_topic, std::optional<std::string>("resp/1"));
  EXPECT_EQ(p.properties.correlation_data, std::optional<std::string>(std::string("\x01\x02", 2)));
  EXPECT_EQ(p.properties.content_type, std::optional<std::string>("application/json"));
  EXPECT_EQ(p.properties.payload_format_indicator, std::optional<std::uint8_t>(1));
  EXPECT_EQ(p.properties.user_properties,
            (std::vector<mqtt::UserProperty>{{"k", "v"}, {"k", "w"}}));
}

TEST_F(FeaturesTest, DollarTopicsAreNotMatchedByHash) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("sub");
  sub.subscribe("#", 0);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("$internal/x", "hidden");
  pub.publish("visible", "shown");
  EXPECT_EQ(sub.expect<mqtt::Publish>().topic, "visible");
  EXPECT_TRUE(sub.nothing_more());
}

}  // namespace
}  // namespace dynamq::broker::test
