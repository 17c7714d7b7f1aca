// Sessions across connections: takeover, clean start, expiry, wills and Will Delay.
#include <gtest/gtest.h>

#include "test_client.hpp"

namespace dynamq::broker::test {
namespace {

using mqtt::ReasonCode;
using mqtt::Version;

class SessionTest : public BrokerTest {
 protected:
  static std::function<void(mqtt::Connect&)> with_will(const std::string& topic,
                                                       std::uint32_t delay = 0,
                                                       std::uint32_t expiry = 0) {
    return [=](mqtt::Connect& c) {
      mqtt::Will will;
      will.topic = topic;
      will.payload = mqtt::Payload(std::string("gone"));
      will.qos = mqtt::QoS::at_least_once;
      if (delay != 0) {
        will.properties.will_delay_interval = delay;
      }
      c.will = will;
      if (expiry != 0) {
        c.properties.session_expiry_interval = expiry;
      }
    };
  }
};

TEST_F(SessionTest, TakeoverDisconnectsTheOldConnectionWith0x8E) {
  TestClient first(broker(), io_, Version::v5);
  first.connect("same", false, [](mqtt::Connect& c) { c.properties.session_expiry_interval = 60; });
  first.subscribe("keep", 1);
  TestClient second(broker(), io_, Version::v5);
  const auto connack = second.connect(
      "same", false, [](mqtt::Connect& c) { c.properties.session_expiry_interval = 60; });
  EXPECT_TRUE(connack.session_present);
  EXPECT_EQ(first.expect<mqtt::Disconnect>().reason_code, ReasonCode::SessionTakenOver);
  EXPECT_TRUE(first.closed());
  // The subscription moved with the session.
  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("keep", "x", 1, false, 1);
  EXPECT_EQ(second.expect<mqtt::Publish>().payload.view(), "x");
  EXPECT_TRUE(first.nothing_more());
}

// A connection destroyed without its transport closing first (never finished) leaves its
// session offline instead of pointing at freed memory (Session::attached; ASan would see
// a use after free when the message below is delivered).
TEST_F(SessionTest, ConnectionDestroyedUnfinishedLeavesItsSessionOffline) {
  auto first = std::make_unique<TestClient>(broker(), io_, Version::v5);
  first->connect("unfinished", false,
                 [](mqtt::Connect& c) { c.properties.session_expiry_interval = 60; });
  first->subscribe("kept", 1);
  first->handler.reset();  // its only owner: destroyed without on_transport_closed()
  EXPECT_TRUE(first->link->handler.expired());
  first.reset();

  TestClient pub(broker(), io_, Version::v5);
  pub.connect("pub");
  pub.publish("kept", "queued", 1, false, 1);
  EXPECT_EQ(pub.expect<mqtt::Puback>().packet_id, 1);

  TestClient second(broker(), io_, Version::v5);
  const auto connack = second.connect(
      "unfinished", false, [](mqtt::Connect& c) { c.properties.session_expiry_interval = 60; });
  EXPECT_TRUE(connack.session_present);
  EXPECT_EQ(second.expect<mqtt::Publish>().payload.view(), "queued");  // kept while offline
}

TEST_F(SessionTest, TakeoverIn311JustCloses) {
  TestClient first(broker(), io_, Version::v3_1_1);
  first.connect("same311");
  TestClient second(broker(), io_, Version::v3_1_1);
  second.connect("same311");
  EXPECT_TRUE(first.closed());
  EXPECT_TRUE(first.nothing_more());
}

TEST_F(SessionTest, CleanStartDiscardsTheOldSession) {
  TestClient first(broker(), io_, Version::v3_1_1);
  first.connect("fresh", false);
  first.subscribe("old", 1);
  first.drop();
  TestClient second(broker(), io_, Version::v3_1_1);
  EXPECT_FALSE(second.connect("fresh", true).session_present);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("old", "x", 1, false, 1);
  pub.expect<mqtt::Puback>();
  EXPECT_TRUE(second.nothing_more());  // the old subscription is gone
}

TEST_F(SessionTest, SessionExpiresAfterItsInterval) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("expiring", false,
            [](mqtt::Connect& connect) { connect.properties.session_expiry_interval = 1; });
  c.subscribe("e", 1);
  c.drop();
  EXPECT_EQ(broker().stats().sessions_current, 1U);
  EXPECT_TRUE(run_until(io_, [&] { return broker().stats().sessions_current == 0; }));
  TestClient again(broker(), io_, Version::v5);
  EXPECT_FALSE(again.connect("expiring", false).session_present);
}

TEST_F(SessionTest, SessionWithExpiry0EndsWithTheConnection) {
  TestClient c(broker(), io_, Version::v5);
  c.connect("short");
  c.drop();
  EXPECT_EQ(broker().stats().sessions_current, 0U);
}

TEST_F(SessionTest, WillIsPublishedOnNetworkFailureOnly) {
  TestClient watcher(broker(), io_, Version::v3_1_1);
  watcher.connect("watcher");
  watcher.subscribe("will/#", 1);

  TestClient dies(broker(), io_, Version::v3_1_1);
  dies.connect("dies", true, with_will("will/dies"));
  dies.drop();
  const auto w = watcher.expect<mqtt::Publish>();
  EXPECT_EQ(w.topic, "will/dies");
  EXPECT_EQ(w.payload.view(), "gone");
  watcher.send(mqtt::Puback{w.packet_id, ReasonCode::Success, {}});

  TestClient polite(broker(), io_, Version::v3_1_1);
  polite.connect("polite", true, with_will("will/polite"));
  polite.disconnect();
  EXPECT_TRUE(polite.closed());
  EXPECT_TRUE(watcher.nothing_more());  // normal DISCONNECT discards the will
}

TEST_F(SessionTest, DisconnectWithWillMessageSendsTheWill) {
  TestClient watcher(broker(), io_, Version::v5);
  watcher.connect("watcher");
  watcher.subscribe("will/#", 0);
  TestClient c(broker(), io_, Version::v5);
  c.connect("asks", true, with_will("will/asks"));
  c.disconnect(ReasonCode::DisconnectWithWillMessage);
  EXPECT_EQ(watcher.expect<mqtt::Publish>().topic, "will/asks");
}

TEST_F(SessionTest, KeepAliveTimeoutPublishesTheWill) {
  TestClient watcher(broker(), io_, Version::v5);
  watcher.connect("watcher");
  watcher.subscribe("will/#", 0);
  TestClient c(broker(), io_, Version::v5);
  c.connect("silent", true, [](mqtt::Connect& connect) {
    with_will("will/silent")(connect);
    connect.keep_alive = 1;
  });
  const auto w = watcher.next(std::chrono::milliseconds(4000));
  ASSERT_TRUE(w);
  EXPECT_EQ(std::get<mqtt::Publish>(*w).topic, "will/silent");
}

TEST_F(SessionTest, WillDelayIsCancelledByAReconnectInTime) {
  TestClient watcher(broker(), io_, Version::v5);
  watcher.connect("watcher");
  watcher.subscribe("will/#", 0);
  TestClient c(broker(), io_, Version::v5);
  c.connect("flaky", false, with_will("will/flaky", 1, 60));
  c.drop();
  TestClient back(broker(), io_, Version::v5);
  back.connect("flaky", false,
               [](mqtt::Connect& connect) { connect.properties.session_expiry_interval = 60; });
  // Wait past the delay: nothing may arrive.
  run_until(
      io_, [] { return false; }, std::chrono::milliseconds(1600));
  EXPECT_TRUE(watcher.nothing_more());
}

TEST_F(SessionTest, DelayedWillIsPublishedAfterTheDelay) {
  TestClient watcher(broker(), io_, Version::v5);
  watcher.connect("watcher");
  watcher.subscribe("will/#", 0);
  TestClient c(broker(), io_, Version::v5);
  c.connect("late", false, with_will("will/late", 1, 60));
  const auto dropped_at = std::chrono::steady_clock::now();
  c.drop();
  EXPECT_TRUE(watcher.nothing_more());
  const auto w = watcher.next(std::chrono::milliseconds(4000));
  ASSERT_TRUE(w);
  EXPECT_EQ(std::get<mqtt::Publish>(*w).topic, "will/late");
  EXPECT_GE(std::chrono::steady_clock::now() - dropped_at, std::chrono::milliseconds(950));
}

TEST_F(SessionTest, DelayedWillIsPublishedWhenTheSessionEndsFirst) {
  TestClient watcher(broker(), io_, Version::v5);
  watcher.connect("watcher");
  watcher.subscribe("will/#", 0);
  TestClient c(broker(), io_, Version::v5);
  // Delay 60 s but the session ends with the connection: the will is due at once.
  c.connect("ends", true, with_will("will/ends", 60, 0));
  c.drop();
  EXPECT_EQ(watcher.expect<mqtt::Publish>().topic, "will/ends");
}

TEST_F(SessionTest, TakeoverPublishesAWillWithoutDelay) {
  TestClient watcher(broker(), io_, Version::v5);
  watcher.connect("watcher");
  watcher.subscribe("will/#", 0);
  TestClient first(broker(), io_, Version::v5);
  first.connect("tk", true, with_will("will/tk"));
  TestClient second(broker(), io_, Version::v5);
  second.connect("tk");
  EXPECT_EQ(watcher.expect<mqtt::Publish>().topic, "will/tk");
}

TEST_F(SessionTest, RetainedWillIsStored) {
  TestClient c(broker(), io_, Version::v3_1_1);
  c.connect("rw", true, [](mqtt::Connect& connect) {
    with_will("will/rw")(connect);
    connect.will->retain = true;
  });
  c.drop();
  TestClient later(broker(), io_, Version::v3_1_1);
  later.connect("later");
  later.subscribe("will/rw", 0);
  const auto p = later.expect<mqtt::Publish>();
  EXPECT_TRUE(p.retain);
  EXPECT_EQ(p.payload.view(), "gone");
}

}  // namespace
}  // namespace dynamq::broker::test
