// net.max_connections: one budget shared by every listener; a connection past it is closed
// at once and counted; every way a connection ends gives its place back.
#include <gtest/gtest.h>

#include "net_test_support.hpp"
#include "test_certificates.hpp"
#include "tls_test_server.hpp"

namespace dynamq::net::test {
namespace {

// Two plain TCP listeners on one pool sharing `budget`.
struct TwoListeners {
  explicit TwoListeners(std::shared_ptr<ConnectionBudget> b, std::size_t per_listener = 0)
      : budget(std::move(b)) {
    for (int i = 0; i < 2; ++i) {
      ListenerConfig config;
      config.kind = "tcp";
      config.name = i == 0 ? "first" : "second";
      config.endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
      config.max_connections = per_listener;
      config.budget = budget;
      listeners.push_back(std::make_unique<Listener>(
          pool, config,
          [this](asio::any_io_executor ex, std::shared_ptr<broker::ClientLink> link) {
            auto h = std::make_shared<RecordingHandler>(std::move(ex), std::move(link));
            handlers.fetch_add(1);
            std::lock_guard lock(mutex);
            kept.push_back(h);
            return h;
          },
          tcp_transport()));
      endpoints.push_back(listeners.back()->bind());
      listeners.back()->start();
    }
    pool.start();
  }
  ~TwoListeners() {
    for (auto& l : listeners) {
      l->stop();
    }
    pool.stop();
  }

  std::shared_ptr<ConnectionBudget> budget;
  IoPool pool{2};
  std::vector<std::unique_ptr<Listener>> listeners;
  std::vector<tcp::endpoint> endpoints;
  std::atomic<int> handlers{0};
  std::mutex mutex;
  std::vector<std::shared_ptr<RecordingHandler>> kept;
};

TEST(ConnectionBudget, IsSharedByEveryListener) {
  TwoListeners s(std::make_shared<ConnectionBudget>(2));
  auto c1 = std::make_unique<Client>(s.endpoints[0]);
  Client c2(s.endpoints[1]);
  ASSERT_TRUE(Server::wait_for([&] { return s.handlers.load() == 2; }));
  EXPECT_EQ(s.budget->active(), 2U);

  Client over(s.endpoints[0]);  // the kernel accepts; the listener closes at once
  EXPECT_TRUE(over.read_to_eof().empty());
  EXPECT_EQ(s.budget->refused(), 1U);
  EXPECT_EQ(s.listeners[0]->stats().refused.load(), 1U);
  EXPECT_EQ(s.listeners[1]->stats().refused.load(), 0U);
  EXPECT_EQ(s.handlers.load(), 2);

  c1.reset();  // a place frees up, on the other listener's count too
  ASSERT_TRUE(Server::wait_for([&] { return s.budget->active() == 1; }));
  Client c3(s.endpoints[1]);
  EXPECT_TRUE(Server::wait_for([&] { return s.handlers.load() == 3; }));
  EXPECT_EQ(s.budget->refused(), 1U);
}

TEST(ConnectionBudget, TheListenerLimitStillAppliesBelowTheGlobalOne) {
  TwoListeners s(std::make_shared<ConnectionBudget>(10), /*per_listener=*/1);
  Client c1(s.endpoints[0]);
  ASSERT_TRUE(Server::wait_for([&] { return s.handlers.load() == 1; }));
  Client over(s.endpoints[0]);
  EXPECT_TRUE(over.read_to_eof().empty());
  EXPECT_EQ(s.listeners[0]->stats().refused.load(), 1U);
  EXPECT_EQ(s.budget->refused(), 0U);  // refused by the listener, not by the budget
  EXPECT_EQ(s.budget->active(), 1U);   // and it took no place in the budget
  Client c2(s.endpoints[1]);
  EXPECT_TRUE(Server::wait_for([&] { return s.handlers.load() == 2; }));
}

TEST(ConnectionBudget, ZeroMeansNoLimit) {
  TwoListeners s(std::make_shared<ConnectionBudget>(0));
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 20; ++i) {
    clients.push_back(std::make_unique<Client>(s.endpoints[i % 2]));
  }
  EXPECT_TRUE(Server::wait_for([&] { return s.handlers.load() == 20; }));
  EXPECT_EQ(s.budget->active(), 20U);
  EXPECT_EQ(s.budget->refused(), 0U);
}

TEST(ConnectionBudget, AFailedTlsHandshakeGivesItsPlaceBack) {
  TestPki pki;
  const auto cert = pki.self_signed("server", "localhost");
  TlsOptions options;
  options.certfile = cert.cert;
  options.keyfile = cert.key;
  auto budget = std::make_shared<ConnectionBudget>(1);
  TlsTestServer server(options, false, budget);
  {
    Client garbage(server.endpoint);
    const std::string junk = "GET / HTTP/1.0\r\n\r\n";
    garbage.send(std::span(reinterpret_cast<const std::uint8_t*>(junk.data()), junk.size()));
    garbage.read_to_eof();
  }
  ASSERT_TRUE(Server::wait_for([&] { return budget->active() == 0; }));
  TlsTestClient client(server.endpoint, cert.cert);  // trusts the self-signed certificate
  EXPECT_FALSE(client.handshake());
  EXPECT_EQ(budget->refused(), 0U);
}

}  // namespace
}  // namespace dynamq::net::test
