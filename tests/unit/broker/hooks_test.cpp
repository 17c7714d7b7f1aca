// The storage seam with a test double of a storage layer: events with full context, held
// acks (success and failure, from another thread), inject, subscribe, runtime (un)loading.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "test_client.hpp"

namespace dynamq::broker::test {
namespace {

using mqtt::ReasonCode;
using mqtt::Version;

// A storage layer double: records every event; may hold publishes.
class StorageDouble : public Hooks {
 public:
  struct Event {
    std::string kind;
    std::string client_id;
    std::string username;
    std::string node;
    std::string detail;  // filter / topic
    std::uint8_t qos = 0;
    MessagePtr message;
    SubscriptionEvent subscription;
  };

  void on_client_connected(const ClientInfo& c) override { add({"connected", c}); }
  void on_client_disconnected(const ClientInfo& c, const DisconnectInfo&) override {
    add({"disconnected", c});
  }
  void on_session_created(const ClientInfo& c) override {
    add({"created", c});
    if (on_created) {
      on_created(c);
    }
  }
  void on_session_subscribed(const ClientInfo& c, const SubscriptionEvent& s) override {
    Event e = make("subscribed", c);
    e.detail = s.filter;
    e.qos = s.options.qos;
    e.subscription = s;
    push(std::move(e));
  }
  void on_session_unsubscribed(const ClientInfo& c, const std::string& filter,
                               const std::string&) override {
    Event e = make("unsubscribed", c);
    e.detail = filter;
    push(std::move(e));
  }
  PublishDecision on_message_publish(const ClientInfo& c, const MessagePtr& m) override {
    Event e = make("publish", c);
    e.detail = m->topic;
    e.qos = m->qos;
    e.message = m;
    push(std::move(e));
    if (hold) {
      auto pending = PendingAck::create();
      std::lock_guard lock(mutex);
      held.push_back(pending);
      return pending;
    }
    return nullptr;
  }
  void on_message_delivered(const ClientInfo& c, const MessagePtr& m, std::uint8_t qos) override {
    Event e = make("delivered", c);
    e.detail = m->topic;
    e.qos = qos;
    e.message = m;
    push(std::move(e));
  }
  void on_message_acked(const ClientInfo& c, const MessagePtr& m, std::uint8_t qos) override {
    Event e = make("acked", c);
    e.detail = m->topic;
    e.qos = qos;
    e.message = m;
    push(std::move(e));
  }

  std::vector<Event> of(const std::string& kind) {
    std::lock_guard lock(mutex);
    std::vector<Event> out;
    for (const auto& e : events) {
      if (e.kind == kind) {
        out.push_back(e);
      }
    }
    return out;
  }

  std::mutex mutex;
  std::vector<Event> events;
  bool hold = false;
  std::vector<std::shared_ptr<PendingAck>> held;
  std::function<void(const ClientInfo&)> on_created;

 private:
  static Event make(std::string kind, const ClientInfo& c) {
    Event e;
    e.kind = std::move(kind);
    e.client_id = c.client_id;
    e.username = c.username;
    e.node = c.node;
    return e;
  }
  void add(std::pair<const char*, const ClientInfo&> p) { push(make(p.first, p.second)); }
  void push(Event e) {
    std::lock_guard lock(mutex);
    events.push_back(std::move(e));
  }
};

class HooksTest : public ::testing::Test {
 protected:
  HooksTest() {
    settings_.node_name = "node-a@test";
    broker_ = std::make_unique<Broker>(settings_);
    broker_->hooks().add(storage_);
  }
  BrokerSettings settings_;
  boost::asio::io_context io_;
  std::unique_ptr<Broker> broker_;
  std::shared_ptr<StorageDouble> storage_ = std::make_shared<StorageDouble>();
};

TEST_F(HooksTest, EventsCarryFullContext) {
  TestClient sub(*broker_, io_, Version::v5);
  sub.connect("sub", true, [](mqtt::Connect& c) { c.username = "alice"; });
  sub.subscribe("$share/grp/t/#", 1);
  sub.subscribe("t/+", 1);
  TestClient pub(*broker_, io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("t/1", "payload", 1, true, 9);
  pub.expect<mqtt::Puback>();
  // One delivery through the ordinary subscription, one through the share group.
  for (int i = 0; i < 2; ++i) {
    const auto p = sub.expect<mqtt::Publish>();
    sub.send(mqtt::Puback{p.packet_id, ReasonCode::Success, {}});
  }
  mqtt::Unsubscribe u;
  u.packet_id = 4;
  u.filters = {"t/+"};
  sub.send(u);
  sub.expect<mqtt::Unsuback>();
  sub.disconnect();

  const auto created = storage_->of("created");
  ASSERT_EQ(created.size(), 2U);
  EXPECT_EQ(created[0].client_id, "sub");
  const auto connected = storage_->of("connected");
  ASSERT_EQ(connected.size(), 2U);
  EXPECT_EQ(connected[0].username, "alice");
  EXPECT_EQ(connected[0].node, "node-a@test");

  const auto subscribed = storage_->of("subscribed");
  ASSERT_EQ(subscribed.size(), 2U);
  EXPECT_EQ(subscribed[0].subscription.filter, "t/#");
  EXPECT_EQ(subscribed[0].subscription.share_group, "grp");
  EXPECT_EQ(subscribed[0].qos, 1);
  EXPECT_TRUE(subscribed[0].subscription.is_new);
  EXPECT_FALSE(subscribed[0].subscription.from_hook);
  EXPECT_EQ(subscribed[1].subscription.filter, "t/+");
  EXPECT_EQ(subscribed[1].subscription.share_group, "");

  const auto published = storage_->of("publish");
  ASSERT_EQ(published.size(), 1U);
  const auto& m = *published[0].message;
  EXPECT_EQ(m.topic, "t/1");
  EXPECT_EQ(m.payload.view(), "payload");
  EXPECT_EQ(m.qos, 1);
  EXPECT_TRUE(m.retain);
  EXPECT_EQ(m.sender_client_id, "pub");
  EXPECT_EQ(published[0].client_id, "pub");
  const auto now_us = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  EXPECT_LE(static_cast<long long>(m.id.micros()), now_us);
  EXPECT_GT(static_cast<long long>(m.id.micros()), now_us - 60'000'000);

  EXPECT_EQ(storage_->of("delivered").size(), 2U);
  const auto acked = storage_->of("acked");
  ASSERT_EQ(acked.size(), 2U);
  EXPECT_EQ(acked[0].client_id, "sub");
  EXPECT_EQ(acked[0].qos, 1);
  EXPECT_EQ(acked[0].message->id, m.id);  // the same broker message id end to end

  const auto unsubscribed = storage_->of("unsubscribed");
  ASSERT_EQ(unsubscribed.size(), 1U);
  EXPECT_EQ(unsubscribed[0].detail, "t/+");
  ASSERT_TRUE(run_until(io_, [&] { return storage_->of("disconnected").size() == 1; }));
  EXPECT_EQ(storage_->of("disconnected")[0].client_id, "sub");
}

TEST_F(HooksTest, HeldAckIsSentWhenTheHookSucceedsFromAnotherThread) {
  TestClient sub(*broker_, io_, Version::v5);
  sub.connect("sub");
  sub.subscribe("held", 1);
  TestClient pub(*broker_, io_, Version::v5);
  pub.connect("pub");
  storage_->hold = true;
  pub.publish("held", "x", 1, false, 21);
  EXPECT_TRUE(pub.nothing_more());  // no PUBACK yet
  EXPECT_TRUE(sub.nothing_more());  // and not routed yet
  ASSERT_EQ(storage_->held.size(), 1U);
  std::thread completer([p = storage_->held[0]] { p->succeed(); });
  completer.join();
  const auto ack = pub.expect<mqtt::Puback>();
  EXPECT_EQ(ack.packet_id, 21);
  EXPECT_EQ(ack.reason_code, ReasonCode::Success);
  EXPECT_EQ(sub.expect<mqtt::Publish>().payload.view(), "x");
}

TEST_F(HooksTest, HeldAckFailureGivesTheHooksReasonCodeInV5) {
  TestClient sub(*broker_, io_, Version::v5);
  sub.connect("sub");
  sub.subscribe("held", 1);
  TestClient pub(*broker_, io_, Version::v5);
  pub.connect("pub");
  storage_->hold = true;
  pub.publish("held", "x", 1, false, 22);
  pub.publish("held", "y", 2, false, 23);
  ASSERT_EQ(storage_->held.size(), 2U);
  storage_->held[1]->fail(0x80);  // the later one completes first: acks keep their order
  EXPECT_TRUE(pub.nothing_more());
  storage_->held[0]->fail(0x97, "storage quota exceeded");
  const auto ack = pub.expect<mqtt::Puback>();
  EXPECT_EQ(ack.packet_id, 22);
  EXPECT_EQ(ack.reason_code, ReasonCode::QuotaExceeded);
  EXPECT_EQ(ack.properties.reason_string, std::optional<std::string>("storage quota exceeded"));
  const auto rec = pub.expect<mqtt::Pubrec>();
  EXPECT_EQ(rec.packet_id, 23);
  EXPECT_EQ(rec.reason_code, ReasonCode::UnspecifiedError);
  EXPECT_TRUE(sub.nothing_more());  // refused messages are not routed
  EXPECT_FALSE(pub.closed());
}

TEST_F(HooksTest, HeldAckFailureDisconnectsA311Publisher) {
  TestClient pub(*broker_, io_, Version::v3_1_1);
  pub.connect("pub");
  storage_->hold = true;
  pub.publish("held", "x", 1, false, 5);
  storage_->held[0]->fail(0x80);
  EXPECT_TRUE(run_until(io_, [&] { return pub.link->closed; }));
  EXPECT_TRUE(pub.nothing_more());  // no false PUBACK
}

TEST_F(HooksTest, PublishesBehindAHeldOneKeepTheirOrder) {
  TestClient sub(*broker_, io_, Version::v3_1_1);
  sub.connect("sub");
  sub.subscribe("o", 1);
  TestClient pub(*broker_, io_, Version::v3_1_1);
  pub.connect("pub");
  storage_->hold = true;
  pub.publish("o", "1", 1, false, 1);
  storage_->hold = false;
  pub.publish("o", "2", 1, false, 2);
  pub.publish("o", "3", 0);
  EXPECT_TRUE(pub.nothing_more());
  EXPECT_TRUE(sub.nothing_more());
  storage_->held[0]->succeed();
  EXPECT_EQ(pub.expect<mqtt::Puback>().packet_id, 1);
  EXPECT_EQ(pub.expect<mqtt::Puback>().packet_id, 2);
  EXPECT_EQ(sub.expect<mqtt::Publish>().payload.view(), "1");
  EXPECT_EQ(sub.expect<mqtt::Publish>().payload.view(), "2");
  EXPECT_EQ(sub.expect<mqtt::Publish>().payload.view(), "3");
}

TEST_F(HooksTest, InjectHonoursGrantedQosAndSkipsRetainedHeldInMemory) {
  TestClient c(*broker_, io_, Version::v5);
  c.connect("target");
  c.subscribe("stored/+", 1,
              [](mqtt::Subscribe& s) { s.properties.subscription_identifiers.push_back(7); });
  auto stored = std::make_shared<Message>();
  stored->id = broker_->next_message_id();
  stored->topic = "stored/a";
  stored->payload = mqtt::Payload(std::string("from storage"));
  stored->qos = 2;
  EXPECT_TRUE(broker_->inject("target", Injection{stored, "stored/+", "", false}));
  const auto p = c.expect<mqtt::Publish>();
  EXPECT_EQ(p.payload.view(), "from storage");
  EXPECT_EQ(p.qos, mqtt::QoS::at_least_once);  // capped to the granted QoS
  EXPECT_FALSE(p.retain);
  EXPECT_EQ(p.properties.subscription_identifiers, (std::vector<std::uint32_t>{7}));

  // A retained message from storage: delivered with the retain flag...
  auto retained = std::make_shared<Message>(*stored);
  retained->topic = "stored/b";
  retained->retain = true;
  EXPECT_TRUE(broker_->inject("target", Injection{retained, "stored/+", "", true}));
  const auto r = c.expect<mqtt::Publish>();
  EXPECT_TRUE(r.retain);
  EXPECT_EQ(r.topic, "stored/b");
  // ...unless the in-memory store has that topic (delivered already on subscribe).
  TestClient pub(*broker_, io_, Version::v5);
  pub.connect("pub");
  pub.publish("stored/c", "memory", 0, true);
  EXPECT_EQ(c.expect<mqtt::Publish>().payload.view(), "memory");
  auto duplicate = std::make_shared<Message>(*retained);
  duplicate->topic = "stored/c";
  EXPECT_TRUE(broker_->inject("target", Injection{duplicate, "stored/+", "", true}));
  EXPECT_TRUE(c.nothing_more());

  EXPECT_FALSE(broker_->inject("nobody", Injection{stored, "", "", false}));
  EXPECT_FALSE(broker_->inject("target", Injection{stored, "not/subscribed", "", false}));
}

TEST_F(HooksTest, InjectQueuesForAnOfflineSession) {
  TestClient c(*broker_, io_, Version::v3_1_1);
  c.connect("offline", false);
  c.subscribe("q", 1);
  c.drop();
  auto m = std::make_shared<Message>();
  m->topic = "q";
  m->payload = mqtt::Payload(std::string("waiting"));
  m->qos = 1;
  EXPECT_TRUE(broker_->inject("offline", Injection{m, "q", "", false}));
  TestClient again(*broker_, io_, Version::v3_1_1);
  again.connect("offline", false);
  EXPECT_EQ(again.expect<mqtt::Publish>().payload.view(), "waiting");
}

TEST_F(HooksTest, SubscribeFromAHookActsLikeSubscribe) {
  // on_subscribe_lookup: on session.created, subscribe the client to what storage knows.
  TestClient pub(*broker_, io_, Version::v3_1_1);
  pub.connect("pub");
  pub.publish("restored/x", "retained", 1, true, 1);
  pub.expect<mqtt::Puback>();
  storage_->on_created = [this](const ClientInfo& c) {
    if (c.client_id == "looked-up") {
      SubscriptionOptions options;
      options.qos = 1;
      EXPECT_TRUE(broker_->subscribe(c.client_id, "restored/#", options));
    }
  };
  TestClient c(*broker_, io_, Version::v3_1_1);
  c.connect("looked-up");
  const auto retained = c.expect<mqtt::Publish>();
  EXPECT_TRUE(retained.retain);
  c.send(mqtt::Puback{retained.packet_id, ReasonCode::Success, {}});
  const auto subscribed = storage_->of("subscribed");
  ASSERT_EQ(subscribed.size(), 1U);
  EXPECT_TRUE(subscribed[0].subscription.from_hook);
  EXPECT_EQ(subscribed[0].client_id, "looked-up");
  pub.publish("restored/y", "live", 1, false, 2);
  EXPECT_EQ(c.expect<mqtt::Publish>().payload.view(), "live");
  EXPECT_FALSE(broker_->subscribe("nobody", "x", {}));
  EXPECT_FALSE(broker_->subscribe("looked-up", "bad/#/filter", {}));
}

TEST_F(HooksTest, HooksCanBeRemovedWhileRunning) {
  TestClient c(*broker_, io_, Version::v3_1_1);
  c.connect("c1");
  EXPECT_EQ(storage_->of("connected").size(), 1U);
  EXPECT_TRUE(broker_->hooks().remove(storage_));
  EXPECT_FALSE(broker_->hooks().remove(storage_));
  TestClient d(*broker_, io_, Version::v3_1_1);
  d.connect("c2");
  EXPECT_EQ(storage_->of("connected").size(), 1U);
  broker_->hooks().add(storage_);
  TestClient e(*broker_, io_, Version::v3_1_1);
  e.connect("c3");
  EXPECT_EQ(storage_->of("connected").size(), 2U);
}

}  // namespace
}  // namespace dynamq::broker::test
