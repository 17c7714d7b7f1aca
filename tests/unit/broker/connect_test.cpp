// CONNECT/CONNACK, client identifiers, timeouts and every class of bad input: each ends the
// connection exactly as the spec says, and other clients carry on.
#include <gtest/gtest.h>

#include "test_client.hpp"

namespace dynamq::broker::test {
namespace {

using mqtt::ReasonCode;
using mqtt::Version;

class ConnectTest : public BrokerTest {
 protected:
  // Expects MQTT 5 DISCONNECT with `reason`, then the link closed.
  static void expect_disconnect(TestClient& c, ReasonCode reason) {
    const auto d = c.expect<mqtt::Disconnect>();
    EXPECT_EQ(d.reason_code, reason);
    EXPECT_TRUE(c.closed());
  }
};

TEST_F(ConnectTest, V5ConnackAnnouncesLimits) {
  settings_.max_inflight = 17;
  settings_.topic_alias_maximum = 9;
  settings_.max_packet_size = 4096;
  TestClient c(broker(), io_, Version::v5);
  const auto connack = c.connect("c1");
  EXPECT_FALSE(connack.session_present);
  EXPECT_EQ(connack.properties.receive_maximum, std::optional<std::uint16_t>(17));
  EXPECT_EQ(connack.properties.topic_alias_maximum, std::optional<std::uint16_t>(9));
  EXPECT_EQ(connack.properties.maximum_packet_size, std::optional<std::uint32_t>(4096));
  EXPECT_FALSE(connack.properties.assigned_client_identifier);
}

TEST_F(ConnectTest, AssignsClientIdentifierToEmptyIdInV5And311CleanSession) {
  TestClient v5(broker(), io_, Version::v5);
  const auto connack = v5.connect("");
  ASSERT_TRUE(connack.properties.assigned_client_identifier);
  EXPECT_FALSE(connack.properties.assigned_client_identifier->empty());

  TestClient v311(broker(), io_, Version::v3_1_1);
  v311.connect("", true);
  EXPECT_FALSE(v311.closed());
}

TEST_F(ConnectTest, RejectsEmptyIdWithCleanSession0In311WithReturnCode2) {
  TestClient c(broker(), io_, Version::v3_1_1);
  mqtt::Connect connect;
  connect.version = Version::v3_1_1;
  connect.clean_start = false;
  c.send(connect);
  const auto connack = c.expect<mqtt::Connack>();
  EXPECT_EQ(connack.reason_code, ReasonCode::ClientIdentifierNotValid);  // return code 2
  EXPECT_EQ(c.link->written[3], 2);                                      // on the wire
  EXPECT_TRUE(c.closed());
}

TEST_F(ConnectTest, UnsupportedProtocolLevelGetsReturnCode1) {
  TestClient c(broker(), io_, Version::v3_1_1);
  // CONNECT "MQTT" level 7.
  c.send_bytes(
      {0x10, 0x0d, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x07, 0x02, 0x00, 0x3c, 0x00, 0x01, 'x'});
  ASSERT_GE(c.link->written.size(), 4U);
  EXPECT_EQ(c.link->written[0], 0x20);  // CONNACK
  EXPECT_EQ(c.link->written[3], 0x01);  // unacceptable protocol version
  EXPECT_TRUE(c.closed());
}

TEST_F(ConnectTest, FirstPacketNotConnectClosesWithoutAnswer) {
  TestClient c(broker(), io_, Version::v5);
  c.send_bytes({0xC0, 0x00});  // PINGREQ
  EXPECT_TRUE(c.closed());
  EXPECT_TRUE(c.link->written.empty());
}

TEST_F(ConnectTest, MalformedConnectInV5GetsConnackWithReason) {
  TestClient c(broker(), io_, Version::v5);
  // CONNECT v5 with the reserved connect flag bit set [MQTT-3.1.2-3].
  c.send_bytes(
      {0x10, 0x0e, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x03, 0x00, 0x3c, 0x00, 0x00, 0x01, 'x'});
  const auto connack = c.expect<mqtt::Connack>();
  EXPECT_TRUE(mqtt::is_error(connack.reason_code));
  EXPECT_TRUE(c.closed());
}

TEST_F(ConnectTest, ConnectTimeoutClosesSilently) {
  settings_.connect_timeout = std::chrono::milliseconds(50);
  TestClient c(broker(), io_, Version::v5);
  EXPECT_TRUE(run_until(io_, [&] { return c.link->closed; }));
  EXPECT_TRUE(c.link->written.empty());
  EXPECT_EQ(broker().stats().protocol_errors, 1U);
}

TEST_F(ConnectTest, KeepAliveTimeoutAfterOneAndAHalfTimes) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("ka", true, [](mqtt::Connect& connect) { connect.keep_alive = 1; });
  const auto start = std::chrono::steady_clock::now();
  auto d = c.next(std::chrono::milliseconds(4000));
  ASSERT_TRUE(d && std::holds_alternative<mqtt::Disconnect>(*d));
  EXPECT_EQ(std::get<mqtt::Disconnect>(*d).reason_code, ReasonCode::KeepAliveTimeout);
  // Not before 1.5 × keep alive (a lower bound only: never a test on speed).
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1450));
  EXPECT_TRUE(c.closed());
}

TEST_F(ConnectTest, PingKeepsTheConnectionAlive) {
  TestClient c(broker(), io_, Version::v3_1_1);
  c.connect("pinger", true, [](mqtt::Connect& connect) { connect.keep_alive = 1; });
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(2200);
  while (std::chrono::steady_clock::now() < until) {
    c.send(mqtt::Pingreq{});
    c.expect<mqtt::Pingresp>();
    run_until(
        io_, [] { return false; }, std::chrono::milliseconds(400));
  }
  EXPECT_FALSE(c.closed());
}

TEST_F(ConnectTest, ServerKeepAliveCapsTheClientsValue) {
  settings_.keep_alive_max = 10;
  TestClient c(broker(), io_, Version::v5);
  const auto connack =
      c.connect("ska", true, [](mqtt::Connect& connect) { connect.keep_alive = 100; });
  EXPECT_EQ(connack.properties.server_keep_alive, std::optional<std::uint16_t>(10));
}

TEST_F(ConnectTest, SessionExpiryIsCapped) {
  settings_.session_expiry_max = 60;
  TestClient c(broker(), io_, Version::v5);
  const auto connack = c.connect("exp", true, [](mqtt::Connect& connect) {
    connect.properties.session_expiry_interval = 3600;
  });
  EXPECT_EQ(connack.properties.session_expiry_interval, std::optional<std::uint32_t>(60));
}

TEST_F(ConnectTest, AuthenticationMethodIsRefused) {
  TestClient c(broker(), io_, Version::v5);
  mqtt::Connect connect;
  connect.version = Version::v5;
  connect.client_id = "auth";
  connect.properties.authentication_method = "SCRAM-SHA-1";
  c.send(connect);
  EXPECT_EQ(c.expect<mqtt::Connack>().reason_code, ReasonCode::BadAuthenticationMethod);
  EXPECT_TRUE(c.closed());
}

TEST_F(ConnectTest, SecondConnectIsAProtocolError) {
  TestClient v5(broker(), io_, Version::v5);
  v5.connect("twice5");
  mqtt::Connect again;
  again.version = Version::v5;
  again.client_id = "twice5";
  v5.send(again);
  expect_disconnect(v5, ReasonCode::ProtocolError);

  TestClient v311(broker(), io_, Version::v3_1_1);
  v311.connect("twice311");
  again.version = Version::v3_1_1;
  again.client_id = "twice311";
  v311.send(again);
  EXPECT_TRUE(v311.closed());
  EXPECT_TRUE(v311.nothing_more());  // 3.1.1: just closed [MQTT-3.1.0-2]
}

TEST_F(ConnectTest, OversizedV5ConnectGetsConnack0x95) {
  settings_.max_packet_size = 64;
  TestClient c(broker(), io_, Version::v5);
  mqtt::Connect connect;
  connect.version = Version::v5;
  connect.client_id = std::string(100, 'c');
  c.send(connect);
  EXPECT_EQ(c.expect<mqtt::Connack>().reason_code, ReasonCode::PacketTooLarge);
  EXPECT_TRUE(c.closed());
}

TEST_F(ConnectTest, V5RefusalsCarryAReasonString) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("why");
  mqtt::Connect again;
  again.version = Version::v5;
  again.client_id = "why";
  c.send(again);
  const auto d = c.expect<mqtt::Disconnect>();
  EXPECT_EQ(d.reason_code, ReasonCode::ProtocolError);
  ASSERT_TRUE(d.properties.reason_string);
  EXPECT_NE(d.properties.reason_string->find("second CONNECT"), std::string::npos);

  TestClient auth(broker(), io_, Version::v5);
  mqtt::Connect connect;
  connect.version = Version::v5;
  connect.client_id = "auth";
  connect.properties.authentication_method = "X";
  auth.send(connect);
  const auto connack = auth.expect<mqtt::Connack>();
  EXPECT_EQ(connack.reason_code, ReasonCode::BadAuthenticationMethod);
  EXPECT_TRUE(connack.properties.reason_string);
}

TEST_F(ConnectTest, ServerOnlyPacketsAndAuthAreProtocolErrors) {
  TestClient a(broker(), io_, Version::v5);
  a.connect("a");
  a.send(mqtt::Connack{});
  expect_disconnect(a, ReasonCode::ProtocolError);

  TestClient b(broker(), io_, Version::v5);
  b.connect("b");
  b.send(mqtt::Auth{});
  expect_disconnect(b, ReasonCode::ProtocolError);
}

TEST_F(ConnectTest, MalformedPacketAfterConnect) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("malformed");
  c.send_bytes({0x80, 0x02, 0x00, 0x01});  // SUBSCRIBE with reserved flags 0000 [MQTT-3.8.1-1]
  expect_disconnect(c, ReasonCode::MalformedPacket);
}

TEST_F(ConnectTest, OversizedPacketIsRefusedWith0x95) {
  settings_.max_packet_size = 128;
  TestClient c(broker(), io_, Version::v5);
  c.connect("big");
  c.publish("t", std::string(200, 'x'));
  expect_disconnect(c, ReasonCode::PacketTooLarge);

  TestClient old(broker(), io_, Version::v3_1_1);
  old.connect("big311");
  old.publish("t", std::string(200, 'x'));
  EXPECT_TRUE(old.closed());
  EXPECT_TRUE(old.nothing_more());
}

TEST_F(ConnectTest, TopicAliasErrors) {
  settings_.topic_alias_maximum = 2;
  TestClient over(broker(), io_, Version::v5);
  over.connect("over");
  over.publish("t", "x", 0, false, 0, [](mqtt::Publish& p) { p.properties.topic_alias = 3; });
  expect_disconnect(over, ReasonCode::TopicAliasInvalid);

  TestClient unknown(broker(), io_, Version::v5);
  unknown.connect("unknown");
  unknown.publish("", "x", 0, false, 0, [](mqtt::Publish& p) { p.properties.topic_alias = 1; });
  expect_disconnect(unknown, ReasonCode::ProtocolError);
}

TEST_F(ConnectTest, ReceiveMaximumExceededByTheClient) {
  settings_.max_inflight = 3;
  TestClient c(broker(), io_, Version::v5);
  c.connect("flood");
  for (std::uint16_t id = 1; id <= 3; ++id) {
    c.publish("t", "x", 2, false, id);  // QoS 2 without PUBREL: stays unacknowledged
    EXPECT_EQ(c.expect<mqtt::Pubrec>().packet_id, id);
  }
  c.publish("t", "x", 2, false, 4);
  expect_disconnect(c, ReasonCode::ReceiveMaximumExceeded);
}

TEST_F(ConnectTest, QoSAndRetainNotSupported) {
  settings_.max_qos = 1;
  settings_.retain_available = false;
  TestClient q(broker(), io_, Version::v5);
  const auto connack = q.connect("q");
  EXPECT_EQ(connack.properties.maximum_qos, std::optional<std::uint8_t>(1));
  EXPECT_EQ(connack.properties.retain_available, std::optional<bool>(false));
  q.publish("t", "x", 2, false, 1);
  expect_disconnect(q, ReasonCode::QoSNotSupported);

  TestClient r(broker(), io_, Version::v5);
  r.connect("r");
  r.publish("t", "x", 0, true);
  expect_disconnect(r, ReasonCode::RetainNotSupported);
}

TEST_F(ConnectTest, SubscriptionIdentifiersNotSupported) {
  settings_.subscription_identifiers_available = false;
  TestClient c(broker(), io_, Version::v5);
  c.connect("sid");
  mqtt::Subscribe s;
  s.packet_id = 1;
  s.entries.push_back({"t", {}});
  s.properties.subscription_identifiers.push_back(5);
  c.send(s);
  expect_disconnect(c, ReasonCode::SubscriptionIdentifiersNotSupported);
}

TEST_F(ConnectTest, NoLocalOnSharedSubscriptionIsAProtocolError) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("nl");
  mqtt::Subscribe s;
  s.packet_id = 1;
  mqtt::SubscribeOptions options;
  options.no_local = true;
  s.entries.push_back({"$share/g/t", options});
  c.send(s);
  expect_disconnect(c, ReasonCode::ProtocolError);
}

TEST_F(ConnectTest, InvalidFiltersGetPerEntryCodes) {
  settings_.shared_subscription_available = false;
  TestClient c(broker(), io_, Version::v5);
  c.connect("filters");
  mqtt::Subscribe s;
  s.packet_id = 9;
  s.entries.push_back({"a/#/b", {}});
  s.entries.push_back({"$share/g/t", {}});
  s.entries.push_back({"ok/+", {mqtt::QoS::exactly_once}});
  c.send(s);
  const auto suback = c.expect<mqtt::Suback>();
  EXPECT_EQ(suback.reason_codes,
            (std::vector<ReasonCode>{ReasonCode::TopicFilterInvalid,
                                     ReasonCode::SharedSubscriptionsNotSupported,
                                     ReasonCode::GrantedQoS2}));
}

TEST_F(ConnectTest, SessionExpiryOnDisconnectAfterZeroIsAProtocolError) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("sx");
  mqtt::Disconnect d;
  d.properties.session_expiry_interval = 30;
  c.send(d);
  expect_disconnect(c, ReasonCode::ProtocolError);
}

TEST_F(ConnectTest, OtherClientsAreUnaffectedByABadOne) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("sub");
  sub.subscribe("t", 0);
  TestClient bad(broker(), io_, Version::v5);
  bad.connect("bad");
  bad.send_bytes({0x80, 0x02, 0x00, 0x01});
  EXPECT_TRUE(bad.closed());
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("t", "still here");
  const auto p = sub.expect<mqtt::Publish>();
  EXPECT_EQ(p.payload.view(), "still here");
  EXPECT_FALSE(sub.closed());
}

TEST_F(ConnectTest, ShutdownDisconnectsV5ClientsWith0x8B) {
  TestClient a(broker(), io_, Version::v5);
  a.connect("a");
  TestClient b(broker(), io_, Version::v3_1_1);
  b.connect("b");
  broker().shutdown();
  expect_disconnect(a, ReasonCode::ServerShuttingDown);
  EXPECT_TRUE(b.closed());
  TestClient late(broker(), io_, Version::v5);
  EXPECT_TRUE(late.closed());
}

}  // namespace
}  // namespace dynamq::broker::test
