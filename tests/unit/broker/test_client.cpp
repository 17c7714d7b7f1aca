#include "test_client.hpp"

#include <boost/asio/post.hpp>

namespace dynamq::broker::test {

void FakeLink::write(SharedBytes bytes) {
  EXPECT_FALSE(closed) << "write after close";
  written.insert(written.end(), bytes->begin(), bytes->end());
  ++writes;
}

void FakeLink::close() {
  if (closed) {
    return;
  }
  closed = true;
  // Like net/: the handler hears about it later, on its executor.
  boost::asio::post(io_, [this] {
    if (close_reported_) {
      return;
    }
    close_reported_ = true;
    if (auto h = handler.lock()) {
      h->on_transport_closed();
    }
  });
}

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= until) {
      return false;
    }
    io.restart();
    if (io.poll() == 0) {
      io.restart();
      io.run_one_for(std::chrono::milliseconds(5));
    }
  }
  return true;
}

TestClient::TestClient(Broker& broker, boost::asio::io_context& io, mqtt::Version v)
    : link(std::make_shared<FakeLink>(io)), version(v), io_(io) {
  handler = broker.accept(io.get_executor(), link);
  link->handler = handler;
  io.restart();
  io.poll();
}

void TestClient::send_bytes(const std::vector<std::uint8_t>& bytes) {
  handler->on_bytes(bytes);
  io_.restart();
  io_.poll();
}

void TestClient::send(const mqtt::Packet& packet) {
  send_bytes(mqtt::encode(packet, version));
}

mqtt::Connack TestClient::connect(const std::string& client_id, bool clean_start,
                                  std::function<void(mqtt::Connect&)> adjust) {
  mqtt::Connect connect;
  connect.version = version;
  connect.client_id = client_id;
  connect.clean_start = clean_start;
  connect.keep_alive = 60;
  if (adjust) {
    adjust(connect);
  }
  send(connect);
  auto connack = expect<mqtt::Connack>();
  EXPECT_EQ(connack.reason_code, mqtt::ReasonCode::Success);
  return connack;
}

void TestClient::subscribe(const std::string& filter, std::uint8_t qos,
                           std::function<void(mqtt::Subscribe&)> adjust) {
  static std::uint16_t id = 1000;
  mqtt::Subscribe subscribe;
  subscribe.packet_id = ++id;
  subscribe.entries.push_back({filter, {static_cast<mqtt::QoS>(qos)}});
  if (adjust) {
    adjust(subscribe);
  }
  send(subscribe);
  const auto suback = expect<mqtt::Suback>();
  EXPECT_EQ(suback.packet_id, subscribe.packet_id);
  ASSERT_EQ(suback.reason_codes.size(), subscribe.entries.size());
}

mqtt::Publish make_publish(const std::string& topic, const std::string& payload, std::uint8_t qos,
                           bool retain, std::uint16_t packet_id) {
  mqtt::Publish publish;
  publish.topic = topic;
  publish.payload = mqtt::Payload(payload);
  publish.qos = static_cast<mqtt::QoS>(qos);
  publish.retain = retain;
  publish.packet_id = packet_id;
  return publish;
}

void TestClient::publish(const std::string& topic, const std::string& payload, std::uint8_t qos,
                         bool retain, std::uint16_t packet_id,
                         std::function<void(mqtt::Publish&)> adjust) {
  auto publish = make_publish(topic, payload, qos, retain, packet_id);
  if (adjust) {
    adjust(publish);
  }
  send(publish);
}

void TestClient::disconnect(mqtt::ReasonCode reason) {
  mqtt::Disconnect d;
  d.reason_code = reason;
  send(d);
}

void TestClient::drop() {
  handler->on_transport_closed();
  io_.restart();
  io_.poll();
}

void TestClient::decode_written() {
  while (read_offset_ < link->written.size()) {
    const std::span<const std::uint8_t> rest(link->written.data() + read_offset_,
                                             link->written.size() - read_offset_);
    // Server-to-client packets: decode them as a client would (the codec decodes every
    // type; CONNACK first, then the negotiated version).
    auto result = mqtt::decode(rest, version, mqtt::kNoPacketSizeLimit);
    if (!result.complete()) {
      ADD_FAILURE() << "broker wrote bytes that do not decode: " << result.detail;
      read_offset_ = link->written.size();
      return;
    }
    read_offset_ += result.consumed;
    received_.push_back(std::move(result.packet));
  }
}

std::optional<mqtt::Packet> TestClient::next(std::chrono::milliseconds deadline) {
  run_until(
      io_,
      [&] {
        decode_written();
        return !received_.empty();
      },
      deadline);
  if (received_.empty()) {
    return std::nullopt;
  }
  auto packet = std::move(received_.front());
  received_.pop_front();
  return packet;
}

bool TestClient::nothing_more() {
  io_.restart();
  io_.poll();
  decode_written();
  return received_.empty();
}

bool TestClient::closed() {
  io_.restart();
  io_.poll();
  return link->closed;
}

}  // namespace dynamq::broker::test
