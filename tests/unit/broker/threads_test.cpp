// Publishers and subscribers on different io threads (one io_context per thread, as in
// production): cross-executor delivery, per-topic order, acks posted back, takeover
// across threads. Links acknowledge from their own executor, like a real client would.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <map>
#include <mutex>
#include <thread>

#include "broker/broker.hpp"
#include "mqtt/codec.hpp"

namespace dynamq::broker {
namespace {

using mqtt::Version;

class ThreadedLink : public ClientLink, public std::enable_shared_from_this<ThreadedLink> {
 public:
  ThreadedLink(boost::asio::io_context& io, Version version) : io_(io), version_(version) {}

  void write(SharedBytes bytes) override {
    buffer_.insert(buffer_.end(), bytes->begin(), bytes->end());
    std::size_t offset = 0;
    while (offset < buffer_.size()) {
      auto r = mqtt::decode(std::span(buffer_).subspan(offset), version_, mqtt::kNoPacketSizeLimit);
      if (!r.complete()) {
        break;
      }
      offset += r.consumed;
      on_packet(r.packet);
    }
    buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(offset));
  }
  [[nodiscard]] std::size_t pending_bytes() const override { return 0; }
  void close() override {
    if (closed.exchange(true)) {
      return;
    }
    boost::asio::post(io_, [self = shared_from_this()] {
      if (auto h = self->handler.lock()) {
        h->on_transport_closed();
      }
    });
  }
  [[nodiscard]] std::string remote_endpoint() const override { return "127.0.0.1:1"; }
  [[nodiscard]] std::string listener_name() const override { return "threads"; }

  void send(const mqtt::Packet& packet) {
    auto bytes = mqtt::encode(packet, version_);
    boost::asio::post(io_, [self = shared_from_this(), bytes = std::move(bytes)] {
      if (auto h = self->handler.lock()) {
        h->on_bytes(bytes);
      }
    });
  }

  std::weak_ptr<ConnectionHandler> handler;
  std::atomic<bool> connected{false};
  std::atomic<bool> closed{false};
  std::atomic<int> pubacks{0};
  std::atomic<int> disconnects{0};
  std::mutex mutex;
  std::map<std::string, std::vector<int>> received;  // topic -> sequence numbers

 private:
  void on_packet(const mqtt::Packet& packet) {
    if (std::holds_alternative<mqtt::Connack>(packet)) {
      connected = true;
    } else if (std::holds_alternative<mqtt::Puback>(packet)) {
      ++pubacks;
    } else if (std::holds_alternative<mqtt::Disconnect>(packet)) {
      ++disconnects;
    } else if (const auto* p = std::get_if<mqtt::Publish>(&packet)) {
      {
        std::lock_guard lock(mutex);
        received[p->topic].push_back(std::stoi(std::string(p->payload.view())));
      }
      if (p->qos == mqtt::QoS::at_least_once) {
        send(mqtt::Puback{p->packet_id, mqtt::ReasonCode::Success, {}});  // posted, not inline
      }
    }
  }
  boost::asio::io_context& io_;
  Version version_;
  std::vector<std::uint8_t> buffer_;
};

bool wait_for(const std::function<bool()>& done) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!done()) {
    if (std::chrono::steady_clock::now() > until) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling a condition
  }
  return true;
}

class ThreadsTest : public ::testing::Test {
 protected:
  ThreadsTest() {
    for (auto& io : ios_) {
      guards_.emplace_back(boost::asio::make_work_guard(io));
      threads_.emplace_back([&io] { io.run(); });
    }
  }
  ~ThreadsTest() override {
    broker_.shutdown();
    guards_.clear();
    for (auto& io : ios_) {
      io.stop();
    }
    for (auto& t : threads_) {
      t.join();
    }
  }
  std::shared_ptr<ThreadedLink> client(int thread, const std::string& id,
                                       Version version = Version::v5) {
    auto link = std::make_shared<ThreadedLink>(ios_[thread], version);
    auto handler = broker_.accept(ios_[thread].get_executor(), link);
    link->handler = handler;
    handlers_.push_back(std::move(handler));
    mqtt::Connect c;
    c.version = version;
    c.client_id = id;
    link->send(c);
    EXPECT_TRUE(wait_for([&] { return link->connected.load(); }));
    return link;
  }

  // The broker outlives the io_contexts: their pending handlers go first.
  // Room for a whole burst: this test checks routing, not the bounded-queue drops.
  BrokerSettings settings_ = [] {
    BrokerSettings s;
    s.max_queued_messages = 100000;
    return s;
  }();
  Broker broker_{settings_};
  std::array<boost::asio::io_context, 2> ios_;
  std::vector<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::vector<std::shared_ptr<ConnectionHandler>> handlers_;
};

TEST_F(ThreadsTest, CrossThreadFanInAndFanOutKeepPerTopicOrder) {
  constexpr int kMessages = 2000;
  auto s0 = client(0, "s0");
  auto s1 = client(1, "s1", Version::v3_1_1);
  for (auto& s : {s0, s1}) {
    mqtt::Subscribe sub;
    sub.packet_id = 1;
    sub.entries.push_back({"load/#", {mqtt::QoS::at_least_once}});
    s->send(sub);
  }
  // SUBACKs are not tracked; a marker message proves the subscriptions are in place.
  auto p0 = client(0, "p0");
  auto p1 = client(1, "p1");
  ASSERT_TRUE(wait_for([&] {
    p0->send(mqtt::Publish{"load/marker", mqtt::Payload(std::string("-1"))});
    std::lock_guard l0(s0->mutex);
    std::lock_guard l1(s1->mutex);
    return s0->received.count("load/marker") && s1->received.count("load/marker");
  }));
  for (int i = 0; i < kMessages; ++i) {
    for (auto& [p, topic] : {std::pair{p0, "load/p0"}, std::pair{p1, "load/p1"}}) {
      mqtt::Publish pub;
      pub.topic = topic;
      pub.payload = mqtt::Payload(std::to_string(i));
      pub.qos = i % 2 == 0 ? mqtt::QoS::at_least_once : mqtt::QoS::at_most_once;
      pub.packet_id = static_cast<std::uint16_t>(i % 60000 + 1);
      p->send(pub);
    }
  }
  for (auto& s : {s0, s1}) {
    ASSERT_TRUE(wait_for([&] {
      std::lock_guard lock(s->mutex);
      return s->received["load/p0"].size() == kMessages &&
             s->received["load/p1"].size() == kMessages;
    }));
    std::lock_guard lock(s->mutex);
    for (const auto* topic : {"load/p0", "load/p1"}) {
      const auto& seq = s->received[topic];
      for (int i = 0; i < kMessages; ++i) {
        ASSERT_EQ(seq[i], i) << topic;  // per-topic order across threads
      }
    }
  }
  EXPECT_TRUE(
      wait_for([&] { return p0->pubacks == kMessages / 2 && p1->pubacks == kMessages / 2; }));
  const auto stats = broker_.stats();
  EXPECT_EQ(stats.dropped_queue_full + stats.dropped_qos0_slow, 0U);
}

TEST_F(ThreadsTest, TakeoverAcrossThreads) {
  auto first = client(0, "roamer");
  auto second = client(1, "roamer");
  EXPECT_TRUE(wait_for([&] { return first->disconnects == 1 && first->closed.load(); }));
  EXPECT_FALSE(second->closed.load());
  EXPECT_EQ(broker_.stats().sessions_current, 1U);
}

}  // namespace
}  // namespace dynamq::broker
