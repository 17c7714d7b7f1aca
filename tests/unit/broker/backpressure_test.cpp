// Back-pressure (broker/backpressure.hpp): a publisher feeding a backed-up session stops being
// read and resumes when it drains; nothing is lost at QoS 1; no pause for the client's own
// session; a subscriber that never drains holds publishers for kHoldLimit at most.
#include "broker/backpressure.hpp"

#include <gtest/gtest.h>

#include "test_client.hpp"

namespace dynamq::broker::test {
namespace {

using mqtt::ReasonCode;
using mqtt::Version;

class BackpressureTest : public BrokerTest {
 protected:
  void SetUp() override {
    settings_.max_inflight = 2;
    settings_.max_queued_messages = 20;  // high-water 10, low-water 5
  }

  // The payload of message `id`. Appended, not `"m" + std::to_string(id)`: GCC 12 at -O3
  // warns falsely (-Wrestrict) on that form.
  static std::string label(int id) {
    std::string s = "m";
    s += std::to_string(id);
    return s;
  }

  // `count` QoS 1 PUBLISHes (ids from `first_id`) in one read batch, as a socket delivers them.
  static std::vector<std::uint8_t> burst(Version v, const std::string& topic, int count,
                                         std::uint16_t first_id) {
    std::vector<std::uint8_t> bytes;
    for (int i = 0; i < count; ++i) {
      const auto id = static_cast<std::uint16_t>(first_id + i);
      mqtt::encode(mqtt::Packet(make_publish(topic, label(id), 1, false, id)), v, bytes);
    }
    return bytes;
  }

  // Acknowledges every PUBLISH the subscriber has received so far; returns their payloads.
  static std::vector<std::string> ack_all(TestClient& sub) {
    std::vector<std::string> got;
    while (auto packet = sub.next(std::chrono::milliseconds(50))) {
      if (const auto* p = std::get_if<mqtt::Publish>(&*packet)) {
        got.emplace_back(p->payload.view());
        sub.send(mqtt::Puback{p->packet_id, ReasonCode::Success, {}});
      }
    }
    return got;
  }
};

TEST_F(BackpressureTest, ThresholdsFollowTheQueueLimit) {
  EXPECT_EQ(backpressure::high_water(settings_), 10U);
  EXPECT_EQ(backpressure::low_water(settings_), 5U);
  BrokerSettings big;
  big.max_queued_messages = 1'000'000;
  EXPECT_EQ(backpressure::high_water(big), 1000U);
}

TEST_F(BackpressureTest, PublisherPausesAndResumesWithoutLoss) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("sub");
  sub.subscribe("bp/t", 1);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");

  // 14 messages: 2 go out (window), 12 wait in the queue: over the high-water mark.
  pub.send_bytes(burst(Version::v3_1_1, "bp/t", 14, 1));
  EXPECT_TRUE(pub.link->paused);
  EXPECT_EQ(pub.link->pauses, 1U);
  EXPECT_EQ(broker().stats().publishers_paused, 1U);
  // What was read is acknowledged (it is queued, not lost).
  for (int i = 1; i <= 14; ++i) {
    EXPECT_EQ(pub.expect<mqtt::Puback>().packet_id, i);
  }

  // The subscriber drains the queue: below the low-water mark the publisher is read again.
  std::vector<std::string> got;
  ASSERT_TRUE(run_until(io_, [&] {
    for (auto& p : ack_all(sub)) {
      got.push_back(p);
    }
    return !pub.link->paused;
  }));
  pub.send_bytes(burst(Version::v3_1_1, "bp/t", 2, 15));
  ASSERT_TRUE(run_until(io_, [&] {
    for (auto& p : ack_all(sub)) {
      got.push_back(p);
    }
    return got.size() >= 16;
  }));
  ASSERT_EQ(got.size(), 16U);  // every message, once, in order
  for (int i = 1; i <= 16; ++i) {
    EXPECT_EQ(got[static_cast<std::size_t>(i - 1)], label(i));
  }
  EXPECT_EQ(broker().stats().dropped_queue_full, 0U);
}

TEST_F(BackpressureTest, NoPauseForTheClientsOwnSession) {
  // Subscribed to its own topic and flooding it without acknowledging: pausing it would stop
  // the PUBACKs that drain its own queue (a deadlock), so it is never paused.
  TestClient self(broker(), io_, Version::v3_1_1);
  self.connect("self");
  self.subscribe("bp/self", 1);
  self.send_bytes(burst(Version::v3_1_1, "bp/self", 16, 1));
  EXPECT_FALSE(self.link->paused);
  EXPECT_EQ(self.link->pauses, 0U);
  // It receives its own messages and can acknowledge them all.
  std::size_t publishes = 0;
  ASSERT_TRUE(run_until(io_, [&] {
    while (auto packet = self.next(std::chrono::milliseconds(20))) {
      if (const auto* p = std::get_if<mqtt::Publish>(&*packet)) {
        ++publishes;
        self.send(mqtt::Puback{p->packet_id, ReasonCode::Success, {}});
      }
    }
    return publishes >= 16;
  }));
  EXPECT_EQ(publishes, 16U);
}

TEST_F(BackpressureTest, NoPauseWhileTheOwnQueueWaitsForAcks) {
  // A and B publish to each other and neither acknowledges: pausing both would be a cycle.
  // A client whose own queue waits for its PUBACKs keeps being read.
  TestClient a(broker(), io_, Version::v3_1_1);
  a.connect("a");
  a.subscribe("bp/to-a", 1);
  TestClient b(broker(), io_, Version::v3_1_1);
  b.connect("b");
  b.subscribe("bp/to-b", 1);
  a.send_bytes(burst(Version::v3_1_1, "bp/to-b", 14, 1));  // B's queue over the mark
  EXPECT_TRUE(a.link->paused);
  b.send_bytes(burst(Version::v3_1_1, "bp/to-a", 14, 1));  // B has a backlog: not paused
  EXPECT_FALSE(b.link->paused);
  // A's own queue now waits for A's PUBACKs: A is read again.
  ASSERT_TRUE(run_until(io_, [&] { return !a.link->paused; }));
}

TEST_F(BackpressureTest, StuckSubscriberHoldsPublishersOnlyForTheHoldLimit) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("stuck");
  sub.subscribe("bp/stuck", 1);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.send_bytes(burst(Version::v3_1_1, "bp/stuck", 12, 1));
  ASSERT_TRUE(pub.link->paused);
  // Nobody acknowledges: the pause ends by itself (kHoldLimit, polled with a deadline).
  ASSERT_TRUE(run_until(
      io_, [&] { return !pub.link->paused; }, std::chrono::seconds(5)));
  // The session now counts as a slow consumer: more messages do not pause again; beyond
  // max_queued_messages they are dropped and counted, as without back-pressure.
  pub.send_bytes(burst(Version::v3_1_1, "bp/stuck", 12, 13));
  EXPECT_FALSE(pub.link->paused);
  EXPECT_EQ(pub.link->pauses, 1U);
  EXPECT_EQ(broker().stats().dropped_queue_full, 2U);  // 2 in flight + 20 queued of 24
}

TEST_F(BackpressureTest, SubscriberLeavingResumesItsPublishers) {
  TestClient sub(broker(), io_, Version::v3_1_1);
  sub.connect("leaver", false, [](mqtt::Connect& c) { c.clean_start = false; });
  sub.subscribe("bp/leave", 1);
  TestClient pub(broker(), io_, Version::v3_1_1);
  pub.connect("pub");
  pub.send_bytes(burst(Version::v3_1_1, "bp/leave", 12, 1));
  ASSERT_TRUE(pub.link->paused);
  sub.drop();  // offline sessions queue without back-pressure
  ASSERT_TRUE(run_until(
      io_, [&] { return !pub.link->paused; }, std::chrono::milliseconds(500)));
}

}  // namespace
}  // namespace dynamq::broker::test
