// The WebSocket transport over loopback with beast's client: the `mqtt` subprotocol is
// required and answered, binary frames carry bytes both ways, other upgrades are refused.
#include "net/ws_transport.hpp"

#include <gtest/gtest.h>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "net_test_support.hpp"

namespace dynamq::net::test {
namespace {

namespace beast = boost::beast;
namespace websocket = beast::websocket;

struct WsServer {
  WsServer() : pool(1) {
    ListenerConfig config;
    config.kind = "ws";
    config.name = "test";
    config.endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    WsOptions options;
    options.handshake_timeout = std::chrono::milliseconds(500);
    listener = std::make_unique<Listener>(
        pool, config,
        [this](asio::any_io_executor ex, std::shared_ptr<broker::ClientLink> link) {
          auto h = make_echo_handler(std::move(ex), std::move(link));
          std::lock_guard lock(mutex);
          handlers.push_back(h);
          return h;
        },
        ws_transport(options));
    endpoint = listener->bind();
    listener->start();
    pool.start();
  }
  ~WsServer() {
    listener->stop();
    pool.stop();
  }
  std::size_t handler_count() {
    std::lock_guard lock(mutex);
    return handlers.size();
  }
  std::shared_ptr<RecordingHandler> first_handler() {
    std::lock_guard lock(mutex);
    return handlers.front();
  }

  IoPool pool;
  std::unique_ptr<Listener> listener;
  tcp::endpoint endpoint;
  std::mutex mutex;
  std::vector<std::shared_ptr<RecordingHandler>> handlers;
};

using WsClient = websocket::stream<tcp::socket>;

void handshake(WsClient& ws, const tcp::endpoint& endpoint, const std::string& protocols,
               const std::string& path, error_code& ec) {
  ws.next_layer().connect(endpoint);
  ws.set_option(websocket::stream_base::decorator([protocols](websocket::request_type& req) {
    if (!protocols.empty()) {
      req.set(beast::http::field::sec_websocket_protocol, protocols);
    }
  }));
  websocket::response_type res;
  ws.handshake(res, "127.0.0.1", path, ec);
  if (!ec) {
    EXPECT_EQ(res[beast::http::field::sec_websocket_protocol], "mqtt");
  }
}

// A server and a client socket per test; upgrade() is the usual successful handshake.
class WsTransport : public testing::Test {
 protected:
  void upgrade() {
    error_code ec;
    handshake(ws, server.endpoint, "mqtt", "/mqtt", ec);
    ASSERT_FALSE(ec) << ec.message();
  }

  WsServer server;
  asio::io_context ctx;
  WsClient ws{ctx};
};

TEST(WsSubprotocol, ChoosesTheMqttSubprotocol) {
  EXPECT_EQ(choose_mqtt_subprotocol("mqtt"), "mqtt");
  EXPECT_EQ(choose_mqtt_subprotocol("chat, mqtt"), "mqtt");
  EXPECT_EQ(choose_mqtt_subprotocol("mqttv3.1"), "mqttv3.1");
  EXPECT_EQ(choose_mqtt_subprotocol("mqttv3.1, mqtt"), "mqtt");
  EXPECT_EQ(choose_mqtt_subprotocol("chat"), "");
  EXPECT_EQ(choose_mqtt_subprotocol(""), "");
}

TEST_F(WsTransport, CarriesBytesBothWaysInBinaryFrames) {
  ASSERT_NO_FATAL_FAILURE(upgrade());
  ws.binary(true);
  // One MQTT stream split over frames of odd sizes.
  std::vector<std::uint8_t> data(50'000);
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<std::uint8_t>(i * 13);
  }
  for (std::size_t at = 0; at < data.size(); at += 777) {
    const auto n = std::min<std::size_t>(777, data.size() - at);
    ws.write(asio::buffer(data.data() + at, n));
  }
  std::vector<std::uint8_t> back;
  while (back.size() < data.size()) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_TRUE(ws.got_binary());
    const auto* p = static_cast<const std::uint8_t*>(buffer.data().data());
    back.insert(back.end(), p, p + buffer.size());
  }
  EXPECT_EQ(back, data);
}

TEST_F(WsTransport, RefusesAnUpgradeWithoutTheMqttSubprotocol) {
  error_code ec;
  handshake(ws, server.endpoint, "", "/mqtt", ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(server.handler_count(), 0U);
}

TEST_F(WsTransport, RefusesAnotherPath) {
  error_code ec;
  handshake(ws, server.endpoint, "mqtt", "/other", ec);
  EXPECT_TRUE(ec);
  EXPECT_EQ(server.handler_count(), 0U);
}

TEST_F(WsTransport, ClosesAClientThatNeverUpgrades) {
  Client silent(server.endpoint);
  EXPECT_TRUE(silent.read_to_eof().empty());
  EXPECT_TRUE(Server::wait_for([&] { return server.listener->stats().active.load() == 0; }));
}

TEST_F(WsTransport, BrokerCloseSendsACloseFrameAfterQueuedData) {
  ASSERT_NO_FATAL_FAILURE(upgrade());
  error_code ec;
  ASSERT_TRUE(Server::wait_for([&] { return server.handler_count() == 1; }));
  auto h = server.first_handler();
  h->run([](broker::ClientLink& link) {
    link.write(
        std::make_shared<const std::vector<std::uint8_t>>(std::vector<std::uint8_t>{0xE0, 0}));
    link.close();
  });
  beast::flat_buffer buffer;
  ws.read(buffer, ec);
  ASSERT_FALSE(ec) << ec.message();  // the queued bytes first
  EXPECT_EQ(buffer.size(), 2U);
  buffer.clear();
  ws.read(buffer, ec);  // then the close frame; beast answers it
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws.reason().code, websocket::close_code::normal);
  EXPECT_TRUE(Server::wait_for([&] { return h->closed_count() == 1; }));
}

TEST_F(WsTransport, RefusesATextFrameWithCloseCode1003) {
  ASSERT_NO_FATAL_FAILURE(upgrade());
  error_code ec;
  ws.text(true);
  ws.write(asio::buffer(std::string("valid utf-8, but text")));
  beast::flat_buffer buffer;
  ws.read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(ws.reason().code, websocket::close_code::unknown_data);
  ASSERT_TRUE(Server::wait_for([&] { return server.handler_count() == 1; }));
  auto h = server.first_handler();
  EXPECT_TRUE(Server::wait_for([&] { return h->closed_count() == 1; }));
  EXPECT_EQ(h->received_size(), 0U);  // nothing of the text message reached the broker
}

TEST_F(WsTransport, AnswersPingsBetweenFragments) {
  ASSERT_NO_FATAL_FAILURE(upgrade());
  ws.binary(true);
  std::string pong;
  ws.control_callback([&](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::pong) {
      pong = std::string(payload);
    }
  });
  const std::string first = "frag", second = "mented";
  ws.write_some(false, asio::buffer(first));
  ws.ping("between");
  ws.write_some(true, asio::buffer(second));
  std::string back;
  while (back.size() < first.size() + second.size()) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    back += beast::buffers_to_string(buffer.data());
  }
  EXPECT_EQ(back, "fragmented");
  EXPECT_EQ(pong, "between");
}

TEST_F(WsTransport, APeerThatSendsCloseButKeepsTcpOpenIsCutOff) {
  // The server's handshake_timeout (500 ms) also bounds the close handshake.
  ASSERT_NO_FATAL_FAILURE(upgrade());
  ASSERT_TRUE(Server::wait_for([&] { return server.handler_count() == 1; }));
  // A masked close frame (code 1000) written by hand; then the client neither reads nor
  // closes its socket.
  const std::uint8_t mask[4] = {1, 2, 3, 4};
  const std::uint8_t frame[] = {0x88,
                                0x82,
                                mask[0],
                                mask[1],
                                mask[2],
                                mask[3],
                                static_cast<std::uint8_t>(0x03 ^ mask[0]),
                                static_cast<std::uint8_t>(0xE8 ^ mask[1])};
  asio::write(ws.next_layer(), asio::buffer(frame));
  auto h = server.first_handler();
  EXPECT_TRUE(Server::wait_for([&] { return h->closed_count() == 1; }));
}

}  // namespace
}  // namespace dynamq::net::test
