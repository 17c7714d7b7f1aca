// Listener over real loopback sockets: port 0, address in use, connection limit,
// round robin over loops, stop.
#include <gtest/gtest.h>

#include "net_test_support.hpp"

namespace dynamq::net::test {
namespace {

TEST(Listener, PortZeroBindsARealPort) {
  Server server;
  EXPECT_NE(server.endpoint.port(), 0);
  Client client(server.endpoint);
  EXPECT_TRUE(Server::wait_for([&] { return server.handler_count() == 1; }));
}

TEST(Listener, BindingAPortInUseFailsWithAddressInUse) {
  Server server;
  IoPool pool(1);
  ListenerConfig config;
  config.kind = "tcp";
  config.name = "second";
  config.endpoint = server.endpoint;
  Listener second(pool, config, {}, tcp_transport());
  try {
    second.bind();
    FAIL() << "bind succeeded on a port in use";
  } catch (const boost::system::system_error& e) {
    EXPECT_EQ(e.code(), asio::error::address_in_use);
  }
}

TEST(Listener, RefusesConnectionsPastMaxConnectionsAndCountsThem) {
  Server server(2);
  auto c1 = std::make_unique<Client>(server.endpoint);
  Client c2(server.endpoint);
  ASSERT_TRUE(Server::wait_for([&] { return server.handler_count() == 2; }));
  Client c3(server.endpoint);  // the kernel completes the handshake; we close at once
  EXPECT_TRUE(c3.read_to_eof().empty());
  EXPECT_EQ(server.listener->stats().refused.load(), 1U);
  EXPECT_EQ(server.handler_count(), 2U);

  c1.reset();
  ASSERT_TRUE(Server::wait_for([&] { return server.listener->stats().active.load() == 1; }));
  Client c4(server.endpoint);
  EXPECT_TRUE(Server::wait_for([&] { return server.handler_count() == 3; }));
  EXPECT_EQ(server.listener->stats().refused.load(), 1U);
}

TEST(Listener, SpreadsConnectionsRoundRobinOverLoops) {
  Server server(0, {}, 2);
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 4; ++i) {
    clients.push_back(std::make_unique<Client>(server.endpoint));
  }
  ASSERT_TRUE(Server::wait_for([&] { return server.handler_count() == 4; }));
  std::vector<std::size_t> per_loop(2);
  server.pool.run_on_each([&](Loop& loop) { per_loop[loop.index()] = loop.connections().size(); });
  EXPECT_EQ(per_loop[0], 2U);
  EXPECT_EQ(per_loop[1], 2U);
}

TEST(Listener, StopRefusesNewConnectionsAndKeepsExistingOnes) {
  Server server;
  server.on_accept = [](RecordingHandler& h) {
    h.on_bytes_hook = [](RecordingHandler& self, std::span<const std::uint8_t> bytes) {
      self.link->write(
          std::make_shared<const std::vector<std::uint8_t>>(bytes.begin(), bytes.end()));
    };
  };
  Client existing(server.endpoint);
  ASSERT_TRUE(Server::wait_for([&] { return server.handler_count() == 1; }));
  server.listener->stop();
  EXPECT_TRUE(Server::wait_for([&] {
    asio::io_context ctx;
    tcp::socket s(ctx);
    error_code ec;
    s.connect(server.endpoint, ec);
    return ec == asio::error::connection_refused;
  }));
  const std::vector<std::uint8_t> ping = {'p'};
  existing.send(ping);
  EXPECT_EQ(existing.read_exactly(1), ping);
}

TEST(IoPool, StopJoinsEveryThreadWithConnectionsOpen) {
  auto server = std::make_unique<Server>();
  Client client(server->endpoint);
  ASSERT_TRUE(Server::wait_for([&] { return server->handler_count() == 1; }));
  server->pool.stop();  // must return (threads joined) although a connection is open
  server.reset();
  SUCCEED();
}

}  // namespace
}  // namespace dynamq::net::test
