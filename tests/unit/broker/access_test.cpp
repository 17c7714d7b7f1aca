// The broker's use of an AccessPolicy (a test double here; src/auth is tested on its own):
// CONNACK codes for refused credentials in 3.1.1 and 5, packets held while a CONNECT is
// being decided, certificate identities, denied PUBLISH / SUBSCRIBE, read checks at
// delivery (wildcards, retained), $SYS, the publish rate, and the counters of each.
#include <gtest/gtest.h>

#include "broker/access_policy.hpp"
#include "test_client.hpp"

namespace dynamq::broker::test {
namespace {

using mqtt::ReasonCode;
using mqtt::Version;

// Topics under "deny/" may not be published or subscribed, "secret/" not read; every
// decision records the user name the broker passed.
class FakePolicy : public AccessPolicy {
 public:
  AuthResult answer = AuthResult::allowed;
  bool defer = false;  // keep `pending` for the test to call
  std::function<void(AuthResult)> pending;
  std::vector<AuthRequest> requests;
  mutable std::string last_user;

  void authenticate(AuthRequest request, std::function<void(AuthResult)> done) override {
    requests.push_back(std::move(request));
    if (defer) {
      pending = std::move(done);
    } else {
      done(answer);
    }
  }
  bool authorize_publish(const ClientInfo& client, std::string_view topic) const override {
    last_user = client.username;
    return !topic.starts_with("deny/");
  }
  bool authorize_subscribe(const ClientInfo& client, std::string_view filter) const override {
    last_user = client.username;
    return !filter.starts_with("deny/");
  }
  bool authorize_read(const ClientInfo& client, std::string_view topic) const override {
    last_user = client.username;
    return !topic.starts_with("secret/");
  }
};

class AccessTest : public BrokerTest {
 protected:
  AccessTest() { settings_.access_policy = policy_; }
  std::shared_ptr<FakePolicy> policy_ = std::make_shared<FakePolicy>();

  static mqtt::Connect connect_packet(Version v, const std::string& id,
                                      std::optional<std::string> user = std::nullopt,
                                      std::optional<std::string> password = std::nullopt) {
    mqtt::Connect c;
    c.version = v;
    c.client_id = id;
    c.keep_alive = 60;
    c.username = std::move(user);
    c.password = std::move(password);
    return c;
  }
};

TEST_F(AccessTest, BadCredentialsGet0x86InV5AndReturnCode4In311) {
  policy_->answer = AuthResult::bad_credentials;
  TestClient v5(broker(), io_, Version::v5);
  v5.send(connect_packet(Version::v5, "c5", "alice", "wrong"));
  EXPECT_EQ(v5.expect<mqtt::Connack>().reason_code, ReasonCode::BadUserNameOrPassword);
  EXPECT_TRUE(v5.closed());

  TestClient v3(broker(), io_, Version::v3_1_1);
  v3.send(connect_packet(Version::v3_1_1, "c3", "alice", "wrong"));
  ASSERT_TRUE(run_until(io_, [&] { return v3.link->written.size() >= 4; }));
  EXPECT_EQ(v3.link->written[0], 0x20);  // CONNACK
  EXPECT_EQ(v3.link->written[3], 4);     // bad user name or password
  EXPECT_TRUE(v3.closed());
  EXPECT_EQ(broker().stats().auth_failures, 2U);
  EXPECT_EQ(broker().stats().protocol_errors, 0U);
}

TEST_F(AccessTest, RefusedAnonymousGets0x87InV5AndReturnCode5In311) {
  policy_->answer = AuthResult::not_authorized;
  TestClient v5(broker(), io_, Version::v5);
  v5.send(connect_packet(Version::v5, "c5"));
  EXPECT_EQ(v5.expect<mqtt::Connack>().reason_code, ReasonCode::NotAuthorized);
  EXPECT_TRUE(v5.closed());

  TestClient v3(broker(), io_, Version::v3_1_1);
  v3.send(connect_packet(Version::v3_1_1, "c3"));
  ASSERT_TRUE(run_until(io_, [&] { return v3.link->written.size() >= 4; }));
  EXPECT_EQ(v3.link->written[3], 5);  // not authorized
  EXPECT_TRUE(v3.closed());
}

TEST_F(AccessTest, PolicyGetsTheCredentialsAndClientId) {
  TestClient c(broker(), io_, Version::v5);
  c.send(connect_packet(Version::v5, "dev-1", "alice", std::string("pw\0x", 4)));
  EXPECT_EQ(c.expect<mqtt::Connack>().reason_code, ReasonCode::Success);
  ASSERT_EQ(policy_->requests.size(), 1U);
  const auto& r = policy_->requests.front();
  EXPECT_EQ(r.client_id, "dev-1");
  EXPECT_EQ(r.username, std::optional<std::string>("alice"));
  EXPECT_EQ(r.password, std::optional<std::string>(std::string("pw\0x", 4)));  // binary kept
  EXPECT_EQ(r.remote_endpoint, "127.0.0.1:50000");
}

TEST_F(AccessTest, PacketsAfterConnectWaitForTheDecision) {
  policy_->defer = true;
  TestClient c(broker(), io_, Version::v5);
  // CONNECT and SUBSCRIBE in one read, as a pipelining client sends them.
  auto bytes = mqtt::encode(connect_packet(Version::v5, "pipelined", "alice", "pw"), Version::v5);
  mqtt::Subscribe subscribe;
  subscribe.packet_id = 7;
  subscribe.entries.push_back({"a/b", {mqtt::QoS::at_least_once}});
  const auto sub_bytes = mqtt::encode(subscribe, Version::v5);
  bytes.insert(bytes.end(), sub_bytes.begin(), sub_bytes.end());
  c.send_bytes(bytes);
  EXPECT_TRUE(c.nothing_more());  // [MQTT-3.1.4-5] nothing processed before the answer
  ASSERT_TRUE(policy_->pending);
  c.send(make_publish("a/b", "early"));  // still held
  EXPECT_TRUE(c.nothing_more());

  policy_->pending(AuthResult::allowed);
  EXPECT_EQ(c.expect<mqtt::Connack>().reason_code, ReasonCode::Success);
  const auto suback = c.expect<mqtt::Suback>();
  EXPECT_EQ(suback.packet_id, 7);
  const auto publish = c.expect<mqtt::Publish>();  // its own QoS 0 publish, in order
  EXPECT_EQ(publish.payload.view(), "early");
}

TEST_F(AccessTest, AnswerAfterTheClientLeftIsIgnored) {
  policy_->defer = true;
  TestClient c(broker(), io_, Version::v5);
  c.send(connect_packet(Version::v5, "gone", "alice", "pw"));
  c.drop();
  policy_->pending(AuthResult::allowed);
  EXPECT_TRUE(c.nothing_more());
  EXPECT_EQ(broker().stats().sessions_current, 0U);
}

TEST_F(AccessTest, ConnectTimeoutAlsoCoversAPendingDecision) {
  settings_.connect_timeout = std::chrono::milliseconds(50);
  policy_->defer = true;
  TestClient c(broker(), io_, Version::v5);
  c.send(connect_packet(Version::v5, "slow", "alice", "pw"));
  EXPECT_TRUE(run_until(io_, [&] { return c.link->closed; }));
  policy_->pending(AuthResult::allowed);
  EXPECT_TRUE(c.nothing_more());
}

TEST_F(AccessTest, CertificateIdentityIsTheUserNameAndSkipsThePasswordCheck) {
  policy_->answer = AuthResult::bad_credentials;  // would refuse any password
  TestClient c(broker(), io_, Version::v5);
  c.link->identity = "device-7";
  c.connect("c1", true, [](mqtt::Connect& connect) {
    connect.username = "someone-else";
    connect.password = "irrelevant";
  });
  EXPECT_TRUE(policy_->requests.empty());
  c.publish("a/b", "x", 1, false, 1);
  EXPECT_EQ(c.expect<mqtt::Puback>().reason_code, ReasonCode::Success);
  EXPECT_EQ(policy_->last_user, "device-7");
}

TEST_F(AccessTest, AnotherUserResumingAClientIdGetsAFreshSessionNotItsQueue) {
  auto as = [](const char* user) {
    return [user](mqtt::Connect& c) {
      c.username = user;
      c.password = "pw";
      c.properties.session_expiry_interval = 60;
    };
  };
  TestClient alice(broker(), io_, Version::v5);
  alice.connect("shared-id", false, as("alice"));
  alice.subscribe("alice/inbox", 1);
  alice.drop();
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("alice/inbox", "for alice only", 1, false, 1);
  pub.expect<mqtt::Puback>();

  TestClient mallory(broker(), io_, Version::v5);
  EXPECT_FALSE(mallory.connect("shared-id", false, as("mallory")).session_present);
  EXPECT_TRUE(mallory.nothing_more());  // neither the queued message nor the subscription
  pub.publish("alice/inbox", "later", 1, false, 2);
  pub.expect<mqtt::Puback>();
  EXPECT_TRUE(mallory.nothing_more());

  TestClient alice_again(broker(), io_, Version::v5);
  EXPECT_FALSE(alice_again.connect("shared-id", false, as("alice")).session_present);
}

TEST_F(AccessTest, DeniedPublishInV5GetsNotAuthorizedAndIsNeverDelivered) {
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("sub");
  sub.subscribe("#", 2);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("deny/x", "q0", 0);
  pub.publish("deny/x", "q1", 1, false, 11);
  EXPECT_EQ(pub.expect<mqtt::Puback>().reason_code, ReasonCode::NotAuthorized);
  pub.publish("deny/x", "q2", 2, false, 12);
  EXPECT_EQ(pub.expect<mqtt::Pubrec>().reason_code, ReasonCode::NotAuthorized);
  pub.publish("ok/x", "fine", 1, false, 13);
  EXPECT_EQ(pub.expect<mqtt::Puback>().reason_code, ReasonCode::Success);
  const auto got = sub.expect<mqtt::Publish>();
  EXPECT_EQ(got.topic, "ok/x");  // the first and only one
  EXPECT_TRUE(sub.nothing_more());
  EXPECT_FALSE(pub.closed());
  EXPECT_EQ(broker().stats().denied_publish, 3U);
}

TEST_F(AccessTest, DeniedPublishIn311IsAcknowledgedAndDropped) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("sub");
  sub.subscribe("#", 1);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("deny/x", "q1", 1, false, 21);
  EXPECT_EQ(pub.expect<mqtt::Puback>().packet_id, 21);  // [MQTT-3.3.5-2] positive ack
  pub.publish("deny/x", "q2", 2, false, 22);
  EXPECT_EQ(pub.expect<mqtt::Pubrec>().packet_id, 22);
  EXPECT_TRUE(sub.nothing_more());
  EXPECT_FALSE(pub.closed());
}

TEST_F(AccessTest, NoClientPublishesToSysEvenWithoutPolicy) {
  settings_.access_policy = nullptr;
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("sub");
  sub.subscribe("$SYS/#", 1);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("$SYS/broker/uptime", "forged", 1, false, 5);
  EXPECT_EQ(pub.expect<mqtt::Puback>().reason_code, ReasonCode::NotAuthorized);
  pub.publish("$SYS", "forged", 1, false, 6);
  EXPECT_EQ(pub.expect<mqtt::Puback>().reason_code, ReasonCode::NotAuthorized);
  pub.publish("$SYSTEM/x", "not sys", 1, false, 7);  // only the $SYS tree is reserved
  EXPECT_EQ(pub.expect<mqtt::Puback>().reason_code, ReasonCode::Success);
  EXPECT_TRUE(sub.nothing_more());
  EXPECT_EQ(broker().stats().denied_publish, 2U);
}

TEST_F(AccessTest, WillOnAForbiddenTopicRefusesTheConnect) {
  for (const auto version : {Version::v5, Version::v3_1_1}) {
    for (const std::string topic : {"deny/will", "$SYS/will"}) {
      TestClient c(broker(), io_, version);
      auto connect = connect_packet(version, "w", "alice", "pw");
      connect.will = mqtt::Will{};
      connect.will->topic = topic;
      connect.will->payload = mqtt::Payload(std::string("bye"));
      c.send(connect);
      ASSERT_TRUE(run_until(io_, [&] { return c.link->written.size() >= 4; })) << topic;
      if (version == Version::v5) {
        EXPECT_EQ(c.expect<mqtt::Connack>().reason_code, ReasonCode::NotAuthorized) << topic;
      } else {
        EXPECT_EQ(c.link->written[3], 5) << topic;  // not authorized
      }
      EXPECT_TRUE(c.closed());
    }
  }
  EXPECT_EQ(broker().stats().sessions_current, 0U);
}

TEST_F(AccessTest, DeniedSubscribeGets0x87InV5And0x80In311) {
  TestClient v5(broker(), io_, Version::v5);
  v5.connect("c5");
  mqtt::Subscribe s;
  s.packet_id = 3;
  s.entries.push_back({"deny/#", {mqtt::QoS::at_least_once}});
  s.entries.push_back({"ok/#", {mqtt::QoS::at_least_once}});
  s.entries.push_back({"$share/g/deny/x", {mqtt::QoS::at_most_once}});  // checked without prefix
  v5.send(s);
  const auto suback = v5.expect<mqtt::Suback>();
  ASSERT_EQ(suback.reason_codes.size(), 3U);
  EXPECT_EQ(suback.reason_codes[0], ReasonCode::NotAuthorized);
  EXPECT_EQ(suback.reason_codes[1], ReasonCode::GrantedQoS1);
  EXPECT_EQ(suback.reason_codes[2], ReasonCode::NotAuthorized);

  TestClient v3(broker(), io_, Version::v3_1_1);
  v3.connect("c3");
  const auto before = v3.link->written.size();
  mqtt::Subscribe s3;
  s3.packet_id = 4;
  s3.entries.push_back({"deny/#", {mqtt::QoS::at_least_once}});
  v3.send(s3);
  ASSERT_TRUE(run_until(io_, [&] { return v3.link->written.size() >= before + 5; }));
  EXPECT_EQ(v3.link->written[before], 0x90);      // SUBACK
  EXPECT_EQ(v3.link->written[before + 4], 0x80);  // failure
  EXPECT_EQ(v3.expect<mqtt::Suback>().packet_id, 4);
  EXPECT_EQ(broker().stats().denied_subscribe, 3U);

  // Nothing was subscribed: a message on the denied filter reaches no one.
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("ok/1", "x", 0);
  EXPECT_EQ(v5.expect<mqtt::Publish>().topic, "ok/1");
  EXPECT_TRUE(v3.nothing_more());
}

TEST_F(AccessTest, WildcardSubscriberGetsOnlyWhatItMayRead) {
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("sub", true, [](mqtt::Connect& c) { c.username = "reader"; });
  sub.subscribe("#", 1);
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("secret/plans", "no", 1, false, 1);
  EXPECT_EQ(pub.expect<mqtt::Puback>().reason_code, ReasonCode::Success);  // may write
  pub.publish("news/today", "yes", 1, false, 2);
  EXPECT_EQ(pub.expect<mqtt::Puback>().reason_code, ReasonCode::Success);
  const auto got = sub.expect<mqtt::Publish>();
  EXPECT_EQ(got.topic, "news/today");
  EXPECT_TRUE(sub.nothing_more());
  EXPECT_EQ(policy_->last_user, "reader");
  EXPECT_EQ(broker().stats().denied_delivery, 1U);
}

TEST_F(AccessTest, RetainedMessagesAreReadCheckedToo) {
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("secret/r", "hidden", 1, true, 1);
  pub.expect<mqtt::Puback>();
  pub.publish("open/r", "shown", 1, true, 2);
  pub.expect<mqtt::Puback>();
  TestClient sub(broker(), io_, Version::v5);
  sub.connect("sub");
  sub.subscribe("#", 1);
  const auto got = sub.expect<mqtt::Publish>();
  EXPECT_EQ(got.topic, "open/r");
  EXPECT_TRUE(got.retain);
  EXPECT_TRUE(sub.nothing_more());
}

TEST_F(AccessTest, PublishRateOverTheLimitDisconnectsWith0x96InV5) {
  settings_.access_policy = nullptr;
  settings_.max_publish_rate = 3;
  TestClient c(broker(), io_, Version::v5);
  c.connect("fast");
  // The bucket starts with one second's worth: these pass whatever the machine's speed.
  for (std::uint16_t id = 1; id <= 3; ++id) {
    c.publish("t", "x", 1, false, id);
    EXPECT_EQ(c.expect<mqtt::Puback>().reason_code, ReasonCode::Success);
  }
  // Far more than the refill of the time this loop could take.
  std::size_t sent = 0;
  while (!c.link->closed && sent < 1000) {
    c.publish("t", "x", 0);
    ++sent;
  }
  ASSERT_TRUE(c.link->closed);
  mqtt::Disconnect disconnect;
  while (auto packet = c.next(std::chrono::milliseconds(100))) {
    if (std::holds_alternative<mqtt::Disconnect>(*packet)) {
      disconnect = std::get<mqtt::Disconnect>(*packet);
    }
  }
  EXPECT_EQ(disconnect.reason_code, ReasonCode::MessageRateTooHigh);
  EXPECT_EQ(broker().stats().rate_limited, 1U);
}

TEST_F(AccessTest, PublishRateOverTheLimitClosesA311Client) {
  settings_.access_policy = nullptr;
  settings_.max_publish_rate = 2;
  TestClient c(broker(), io_, Version::v3_1_1);
  c.connect("fast");
  std::size_t sent = 0;
  while (!c.link->closed && sent < 1000) {
    c.publish("t", "x", 0);
    ++sent;
  }
  EXPECT_TRUE(c.link->closed);
  EXPECT_GT(sent, 2U);  // the first second's worth went through
  EXPECT_EQ(broker().stats().rate_limited, 1U);
}

}  // namespace
}  // namespace dynamq::broker::test
