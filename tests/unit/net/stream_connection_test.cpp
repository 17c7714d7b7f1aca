// The plain TCP transport (TcpConnection since it left StreamConnection; the test names are
// kept) over real loopback sockets: reads split anywhere, gathered writes in order,
// back-pressure, close-after-flush, write timeout, forced close.
#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "net_test_support.hpp"

namespace dynamq::net::test {
namespace {

std::vector<std::uint8_t> pattern(std::size_t n, std::uint32_t seed) {
  std::vector<std::uint8_t> out(n);
  std::mt19937 rng(seed);
  for (auto& b : out) {
    b = static_cast<std::uint8_t>(rng());
  }
  return out;
}

broker::SharedBytes shared(std::vector<std::uint8_t> bytes) {
  return std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
}

std::shared_ptr<RecordingHandler> first_handler(Server& server) {
  EXPECT_TRUE(Server::wait_for([&] { return server.handler_count() >= 1; }));
  return server.handler(0);
}

TEST(StreamConnection, DeliversBytesSplitAnywhereInOrder) {
  Server server;
  Client client(server.endpoint);
  const auto data = pattern(1 << 20, 1);
  std::mt19937 rng(7);
  for (std::size_t at = 0; at < data.size();) {
    const std::size_t n = std::min<std::size_t>(data.size() - at, 1 + rng() % 3000);
    client.send(std::span(data).subspan(at, n));
    at += n;
  }
  auto h = first_handler(server);
  ASSERT_TRUE(Server::wait_for([&] { return h->received_size() == data.size(); }));
  EXPECT_EQ(h->received(), data);
  EXPECT_GT(h->calls.load(), 1);  // 1 MB does not arrive in one read
}

TEST(StreamConnection, ReportsPeerAndListener) {
  Server server;
  Client client(server.endpoint);
  auto h = first_handler(server);
  std::string remote;
  std::string listener;
  h->run([&](broker::ClientLink& link) {
    remote = link.remote_endpoint();
    listener = link.listener_name();
  });
  EXPECT_EQ(remote, to_string(client.socket.local_endpoint()));
  EXPECT_EQ(listener, "tcp:test");
}

TEST(StreamConnection, GathersManyWritesInOrder) {
  Server server;
  Client client(server.endpoint);
  auto h = first_handler(server);
  constexpr std::uint32_t kPackets = 20000;
  std::size_t pending_in_turn = 0;
  h->run([&](broker::ClientLink& link) {
    for (std::uint32_t i = 0; i < kPackets; ++i) {
      link.write(shared({static_cast<std::uint8_t>(i >> 24), static_cast<std::uint8_t>(i >> 16),
                         static_cast<std::uint8_t>(i >> 8), static_cast<std::uint8_t>(i)}));
    }
    pending_in_turn = link.pending_bytes();  // nothing written yet: the flush is posted
  });
  EXPECT_EQ(pending_in_turn, kPackets * 4);
  const auto got = client.read_exactly(kPackets * 4);
  ASSERT_EQ(got.size(), kPackets * 4);
  for (std::uint32_t i = 0; i < kPackets; ++i) {
    const std::uint32_t v = (std::uint32_t{got[i * 4]} << 24) |
                            (std::uint32_t{got[i * 4 + 1]} << 16) |
                            (std::uint32_t{got[i * 4 + 2]} << 8) | got[i * 4 + 3];
    ASSERT_EQ(v, i) << "packet " << i << " out of order";
  }
}

TEST(StreamConnection, PendingBytesGrowWhileThePeerDoesNotReadAndDrainAfter) {
  Server server;
  Client client(server.endpoint);
  auto h = first_handler(server);
  const auto data = pattern(32 << 20, 2);  // far more than loopback socket buffers hold
  h->run([&](broker::ClientLink& link) {
    for (std::size_t at = 0; at < data.size(); at += 64 * 1024) {
      link.write(shared({data.begin() + static_cast<std::ptrdiff_t>(at),
                         data.begin() + static_cast<std::ptrdiff_t>(at + 64 * 1024)}));
    }
  });
  auto pending = [&] {
    std::size_t p = 0;
    h->run([&](broker::ClientLink& link) { p = link.pending_bytes(); });
    return p;
  };
  // After the first flush the kernel has taken what fits; the rest is still pending.
  ASSERT_TRUE(Server::wait_for([&] { return pending() < data.size(); }));
  EXPECT_GT(pending(), 0U);
  EXPECT_EQ(client.read_exactly(data.size()), data);
  EXPECT_TRUE(Server::wait_for([&] { return pending() == 0; }));
}

TEST(StreamConnection, CloseFlushesEverythingThenCloses) {
  Server server;
  Client client(server.endpoint);
  auto h = first_handler(server);
  const auto data = pattern(8 << 20, 3);
  h->run([&](broker::ClientLink& link) {
    link.write(shared(data));
    link.close();
    link.write(shared({1, 2, 3}));  // after close: dropped
    link.close();                   // idempotent
  });
  EXPECT_EQ(client.read_to_eof(), data);
  client.socket.close();
  EXPECT_TRUE(Server::wait_for([&] { return h->closed_count() == 1; }));
  EXPECT_EQ(server.listener->stats().active.load(), 0U);
}

TEST(StreamConnection, CloseFromInsideOnBytesStillSendsTheReply) {
  Server server;
  server.on_accept = [](RecordingHandler& h) {
    h.on_bytes_hook = [](RecordingHandler& self, std::span<const std::uint8_t> bytes) {
      self.link->write(shared({bytes.begin(), bytes.end()}));
      self.link->close();
    };
  };
  Client client(server.endpoint);
  const std::vector<std::uint8_t> hello = {'h', 'i'};
  client.send(hello);
  EXPECT_EQ(client.read_to_eof(), hello);
}

TEST(StreamConnection, PeerCloseIsReportedOnce) {
  Server server;
  auto client = std::make_unique<Client>(server.endpoint);
  auto h = first_handler(server);
  client.reset();
  ASSERT_TRUE(Server::wait_for([&] { return h->closed_count() >= 1; }));
  EXPECT_TRUE(Server::wait_for([&] { return server.listener->stats().active.load() == 0; }));
  EXPECT_EQ(h->closed_count(), 1);
  EXPECT_EQ(h->link, nullptr);
}

TEST(StreamConnection, WriteTimeoutClosesAPeerThatNeverReads) {
  ConnectionOptions options;
  options.write_timeout = std::chrono::milliseconds(300);
  Server server(0, options);
  Client client(server.endpoint);
  client.socket.set_option(asio::socket_base::receive_buffer_size(4096));
  auto h = first_handler(server);
  h->run([&](broker::ClientLink& link) {
    for (int i = 0; i < 256; ++i) {
      link.write(shared(std::vector<std::uint8_t>(256 * 1024, 0x55)));
    }
  });
  EXPECT_TRUE(Server::wait_for([&] { return h->closed_count() == 1; }));
  EXPECT_EQ(server.listener->stats().write_timeouts.load(), 1U);
}

TEST(StreamConnection, AbortDropsUnwrittenBytesAndReportsClose) {
  Server server;
  Client client(server.endpoint);
  auto h = first_handler(server);
  server.pool.run_on_each([](Loop& loop) { loop.connections().abort_all(); });
  EXPECT_TRUE(Server::wait_for([&] { return h->closed_count() == 1; }));
  EXPECT_TRUE(client.read_to_eof().empty());
  std::size_t remaining = 0;
  server.pool.run_on_each([&](Loop& loop) { remaining += loop.connections().size(); });
  EXPECT_EQ(remaining, 0U);
}

}  // namespace
}  // namespace dynamq::net::test
