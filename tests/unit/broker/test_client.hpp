// Drives a Broker without sockets: a fake ClientLink records what the broker writes, the
// test feeds encoded packets to the ConnectionHandler and decodes the answers with the codec.
// Everything runs on one io_context polled by the test thread.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/broker.hpp"
#include "mqtt/codec.hpp"

namespace dynamq::broker::test {

class FakeLink : public ClientLink {
 public:
  explicit FakeLink(boost::asio::io_context& io) : io_(io) {}
  void write(SharedBytes bytes) override;
  [[nodiscard]] std::size_t pending_bytes() const override { return pending; }
  void close() override;
  [[nodiscard]] std::string remote_endpoint() const override { return "127.0.0.1:50000"; }
  [[nodiscard]] std::string listener_name() const override { return "test"; }
  [[nodiscard]] std::string certificate_identity() const override { return identity; }
  void pause_reading() override {
    if (!paused) {
      ++pauses;
    }
    paused = true;
  }
  void resume_reading() override { paused = false; }

  std::vector<std::uint8_t> written;  // every byte written, in order
  std::size_t writes = 0;
  std::size_t pending = 0;  // what pending_bytes() reports (slow-consumer tests)
  bool closed = false;
  std::string identity;    // what certificate_identity() reports (TLS client certificates)
  bool paused = false;     // back-pressure: the broker asked to stop reading
  std::size_t pauses = 0;  // how often
  std::weak_ptr<ConnectionHandler> handler;

 private:
  boost::asio::io_context& io_;
  bool close_reported_ = false;
};

// Polls `io` until `done()` or the deadline (never a fixed sleep).
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds deadline = std::chrono::milliseconds(5000));

class TestClient {
 public:
  TestClient(Broker& broker, boost::asio::io_context& io, mqtt::Version version);

  // Sends raw bytes / a packet (encoded for this client's version).
  void send_bytes(const std::vector<std::uint8_t>& bytes);
  void send(const mqtt::Packet& packet);

  // CONNECT with the given options and expect CONNACK success; returns the CONNACK.
  mqtt::Connack connect(const std::string& client_id, bool clean_start = true,
                        std::function<void(mqtt::Connect&)> adjust = {});
  void subscribe(const std::string& filter, std::uint8_t qos,
                 std::function<void(mqtt::Subscribe&)> adjust = {});
  void publish(const std::string& topic, const std::string& payload, std::uint8_t qos = 0,
               bool retain = false, std::uint16_t packet_id = 0,
               std::function<void(mqtt::Publish&)> adjust = {});
  void disconnect(mqtt::ReasonCode reason = mqtt::ReasonCode::NormalDisconnection);
  // Drops the transport without DISCONNECT (network failure).
  void drop();

  // Next packet the broker wrote (polling the io_context up to the deadline).
  std::optional<mqtt::Packet> next(
      std::chrono::milliseconds deadline = std::chrono::milliseconds(2000));
  template <typename T>
  T expect() {
    auto packet = next();
    if (!packet) {
      ADD_FAILURE() << "no packet from the broker";
      return T{};
    }
    if (!std::holds_alternative<T>(*packet)) {
      ADD_FAILURE() << "expected another packet, got "
                    << mqtt::to_string(mqtt::packet_type(*packet));
      return T{};
    }
    return std::get<T>(std::move(*packet));
  }
  // True when nothing more arrives after running the io_context dry.
  bool nothing_more();
  bool closed();  // the broker closed the link (after running what is queued)

  std::shared_ptr<FakeLink> link;
  std::shared_ptr<ConnectionHandler> handler;
  mqtt::Version version;

 private:
  void decode_written();
  boost::asio::io_context& io_;
  std::size_t read_offset_ = 0;
  std::deque<mqtt::Packet> received_;
};

mqtt::Publish make_publish(const std::string& topic, const std::string& payload,
                           std::uint8_t qos = 0, bool retain = false, std::uint16_t packet_id = 0);

// The fixture every broker test shares: settings a test may change before the first
// broker() call, the io_context its clients run on, and the broker built on first use.
class BrokerTest : public ::testing::Test {
 protected:
  BrokerSettings settings_;
  boost::asio::io_context io_;
  std::unique_ptr<Broker> broker_;

  Broker& broker() {
    if (!broker_) {
      broker_ = std::make_unique<Broker>(settings_);
    }
    return *broker_;
  }
};

}  // namespace dynamq::broker::test
