// The per-loop deadline wheel (broker/deadline_wheel.hpp): on its own with owners that record
// when they were called, driven by a real io_context and polled with deadlines; then with
// broker connections on it.
#include "broker/deadline_wheel.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "broker/connection.hpp"
#include "test_client.hpp"

namespace dynamq::broker {
namespace {

using Clock = DeadlineWheelCore::Clock;
using std::chrono::milliseconds;

// Behaves like a connection: `due` is its real deadline, moved by "activity" without
// touching the wheel; on_deadline fires when due has passed, else schedules itself again.
class Owner : public DeadlineEntry {
 public:
  Owner() = default;
  Owner(const Owner&) = delete;
  Owner& operator=(const Owner&) = delete;
  ~Owner() {
    if (scheduled()) {  // as Connection does: never true once the io_context is gone
      wheel->remove(*this);
    }
  }
  void on_deadline(Clock::time_point now) {
    ++calls;
    if (now < due) {
      wheel->schedule(*this, due);
      return;
    }
    fired_at.push_back(now);
    if (on_fire) {
      on_fire(*this);
    }
  }
  DeadlineWheel<Owner>* wheel = nullptr;
  Clock::time_point due{};
  int calls = 0;
  std::vector<Clock::time_point> fired_at;
  std::function<void(Owner&)> on_fire;
};

class DeadlineWheelTest : public ::testing::Test {
 protected:
  DeadlineWheel<Owner>& wheel() {
    auto& w = DeadlineWheel<Owner>::of(io_.get_executor());
    w.adopt_executor(io_.get_executor());
    return w;
  }
  void start(Owner& owner, Clock::duration after) {
    owner.wheel = &wheel();
    owner.due = Clock::now() + after;
    owner.wheel->schedule(owner, owner.due);
  }
  bool run_until(const std::function<bool()>& done, milliseconds deadline = milliseconds(5000)) {
    return test::run_until(io_, done, deadline);
  }
  boost::asio::io_context io_;
};

TEST_F(DeadlineWheelTest, FiresOnceNotBeforeTheDeadline) {
  Owner a;
  start(a, milliseconds(150));
  EXPECT_TRUE(a.scheduled());
  EXPECT_EQ(wheel().size(), 1U);
  ASSERT_TRUE(run_until([&] { return !a.fired_at.empty(); }));
  EXPECT_GE(a.fired_at.front(), a.due);
  EXPECT_FALSE(a.scheduled());
  EXPECT_EQ(wheel().size(), 0U);
  // Nothing is left on the context: it runs dry instead of waiting on a timer.
  io_.restart();
  io_.run();
  EXPECT_EQ(a.fired_at.size(), 1U);
}

TEST_F(DeadlineWheelTest, ActivityPostponesWithoutTouchingTheWheel) {
  Owner a;
  start(a, milliseconds(200));
  const auto slot = wheel().slot_time(a);
  // "Packets" move the real deadline; the wheel still holds the first slot.
  a.due = Clock::now() + milliseconds(600);
  EXPECT_EQ(wheel().slot_time(a), slot);
  ASSERT_TRUE(run_until([&] { return !a.fired_at.empty(); }));
  EXPECT_GE(a.fired_at.front(), a.due);
  EXPECT_GE(a.calls, 2);  // looked at when the first slot came up, fired at the later one
}

TEST_F(DeadlineWheelTest, EarlierDeadlineMovesTheEntryLaterOneDoesNot) {
  Owner a;
  start(a, std::chrono::seconds(60));
  const auto far = wheel().slot_time(a);
  EXPECT_GE(far, a.due);
  // Long deadlines share coarse slots, never more than kMaxSlack late.
  EXPECT_LE(far, a.due + DeadlineWheelCore::kMaxSlack);
  a.due = Clock::now() + milliseconds(100);
  wheel().schedule(a, a.due);
  const auto near = wheel().slot_time(a);
  EXPECT_LT(near, far);
  EXPECT_GE(near, a.due);
  EXPECT_LE(near, a.due + DeadlineWheelCore::kTick);
  wheel().schedule(a, a.due + std::chrono::seconds(30));  // later: stays in place
  EXPECT_EQ(wheel().slot_time(a), near);
}

TEST_F(DeadlineWheelTest, RemovedEntryNeverFires) {
  Owner a;
  Owner b;
  start(a, milliseconds(100));
  start(b, milliseconds(300));
  wheel().remove(a);
  wheel().remove(a);  // idempotent
  EXPECT_FALSE(a.scheduled());
  ASSERT_TRUE(run_until([&] { return !b.fired_at.empty(); }));
  EXPECT_EQ(a.calls, 0);
}

TEST_F(DeadlineWheelTest, AnOwnerMayRemoveOrDestroyOthersWhileFiring) {
  // Same due time: same slot. The first to fire removes the second and destroys the third.
  auto a = std::make_unique<Owner>();
  auto b = std::make_unique<Owner>();
  auto c = std::make_unique<Owner>();
  const auto due = Clock::now() + milliseconds(100);
  for (auto* o : {a.get(), b.get(), c.get()}) {
    o->wheel = &wheel();
    o->due = due;
    wheel().schedule(*o, due);
  }
  int fired = 0;
  auto first = [&](Owner& self) {
    ++fired;
    for (auto* other : {b.get(), a.get()}) {
      if (other != &self) {
        wheel().remove(*other);
      }
    }
    if (c && &self != c.get()) {
      wheel().remove(*c);
      c.reset();
    }
  };
  a->on_fire = first;
  b->on_fire = first;
  ASSERT_TRUE(run_until([&] { return fired > 0; }));
  io_.restart();
  io_.poll();
  EXPECT_EQ(fired, 1);
  EXPECT_EQ(wheel().size(), 0U);
}

TEST_F(DeadlineWheelTest, ManyEntriesEachFireOnceInTime) {
  constexpr int kCount = 10000;
  std::vector<Owner> owners(kCount);
  int fired = 0;
  for (int i = 0; i < kCount; ++i) {
    // Spread over 0–1.5 s: many per slot, and many slots.
    start(owners[i], milliseconds(i % 1500));
    owners[i].on_fire = [&](Owner&) { ++fired; };
  }
  EXPECT_EQ(wheel().size(), static_cast<std::size_t>(kCount));
  ASSERT_TRUE(run_until([&] { return fired == kCount; }, milliseconds(20000)));
  for (const auto& o : owners) {
    ASSERT_EQ(o.fired_at.size(), 1U);
    EXPECT_GE(o.fired_at.front(), o.due);
  }
  EXPECT_EQ(wheel().size(), 0U);
}

TEST_F(DeadlineWheelTest, DeadlineBeyondOneRevolutionIsNotFiredEarly) {
  Owner a;
  // Its slot index comes up within about a second, one revolution before its tick.
  start(a, DeadlineWheelCore::kTick * DeadlineWheelCore::kSlots + milliseconds(200));
  const auto slot = wheel().slot_time(a);
  EXPECT_GE(slot, a.due);
  run_until([] { return false; }, milliseconds(1500));
  EXPECT_EQ(a.calls, 0);  // the wheel put it back for the next revolution itself
  EXPECT_TRUE(a.scheduled());
  EXPECT_EQ(wheel().slot_time(a), slot);
}

TEST(DeadlineWheelLifetime, OwnersMayOutliveTheIoContext) {
  // Like connections whose last reference goes after the loop's io_context: the wheel
  // unlinks everything when the context shuts down, and the owner's destructor path
  // (remove only when scheduled) touches nothing. ASan checks the rest.
  auto owner = std::make_unique<Owner>();
  {
    boost::asio::io_context io;
    auto& wheel = DeadlineWheel<Owner>::of(io.get_executor());
    wheel.adopt_executor(io.get_executor());
    owner->wheel = &wheel;
    owner->due = Clock::now() + std::chrono::seconds(30);
    wheel.schedule(*owner, owner->due);
    EXPECT_TRUE(owner->scheduled());
  }
  EXPECT_FALSE(owner->scheduled());
  owner.reset();
}

}  // namespace
}  // namespace dynamq::broker

namespace dynamq::broker {
namespace {

// Connections on the wheel of their loop: on it while a deadline applies, off it once closed.
class ConnectionDeadlineTest : public test::BrokerTest {
 protected:
  std::size_t on_wheel() { return DeadlineWheel<Connection>::of(io_.get_executor()).size(); }
};

TEST_F(ConnectionDeadlineTest, ConnectionsLeaveTheWheelWhenTheyClose) {
  test::TestClient quits(broker(), io_, mqtt::Version::v5);
  test::TestClient drops(broker(), io_, mqtt::Version::v3_1_1);
  test::TestClient no_keep_alive(broker(), io_, mqtt::Version::v5);
  EXPECT_EQ(on_wheel(), 3U);  // CONNECT timeouts
  quits.connect("quits");
  drops.connect("drops");
  no_keep_alive.connect("zero", true, [](mqtt::Connect& c) { c.keep_alive = 0; });
  EXPECT_EQ(on_wheel(), 2U);  // keep alive 0: no deadline at all
  quits.disconnect();
  EXPECT_TRUE(quits.closed());
  EXPECT_EQ(on_wheel(), 1U);
  drops.drop();
  EXPECT_EQ(on_wheel(), 0U);
  EXPECT_TRUE(no_keep_alive.nothing_more());  // and nothing fires for it
  EXPECT_FALSE(no_keep_alive.closed());
}

TEST_F(ConnectionDeadlineTest, ManyConnectionsShareOneWheel) {
  constexpr int kClients = 500;
  std::vector<std::unique_ptr<test::TestClient>> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(std::make_unique<test::TestClient>(broker(), io_, mqtt::Version::v3_1_1));
    std::string id = "c";  // (not "c" + to_string: GCC 12's -Wrestrict false positive)
    id += std::to_string(i);
    clients.back()->connect(id);
  }
  EXPECT_EQ(on_wheel(), static_cast<std::size_t>(kClients));
  EXPECT_EQ(broker().stats().connections_current, static_cast<std::uint64_t>(kClients));
  for (auto& c : clients) {
    c->drop();
  }
  EXPECT_EQ(on_wheel(), 0U);
}

}  // namespace
}  // namespace dynamq::broker
