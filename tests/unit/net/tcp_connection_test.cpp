// TcpConnection and the loop's own epoll (poller.hpp) over real loopback sockets: repeated
// edges, the fairness turn, back-pressure with data waiting (the edge must not be lost), the
// write-room edge, the write deadline, a connection freed by another's event in the same
// batch, EOF and reset, and a loop stopped under open connections.
#include "net/tcp_connection.hpp"

#include <gtest/gtest.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>

#include <atomic>
#include <future>
#include <thread>

#include "net_test_support.hpp"

namespace dynamq::net::test {
namespace {

broker::SharedBytes shared(std::vector<std::uint8_t> bytes) {
  return std::make_shared<const std::vector<std::uint8_t>>(std::move(bytes));
}

std::vector<std::uint8_t> pattern(std::size_t n, std::uint8_t seed) {
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i] = static_cast<std::uint8_t>(seed + i * 7 + (i >> 9));
  }
  return out;
}

std::shared_ptr<RecordingHandler> nth_handler(Server& server, std::size_t i) {
  EXPECT_TRUE(Server::wait_for([&] { return server.handler_count() > i; }));
  return server.handler(i);
}

// Bytes the client's kernel still holds (not yet taken by the server's receive queue).
int unsent(Client& client) {
  int n = -1;
  ::ioctl(client.socket.native_handle(), SIOCOUTQ, &n);
  return n;
}

// Holds the loop's only thread inside a handler until release(), so that events pile up
// in the epoll ready list and the next harvest dispatches them in one batch.
class LoopBlocker {
 public:
  explicit LoopBlocker(Loop& loop) {
    auto released = released_.get_future().share();
    std::promise<void> entered;
    auto inside = entered.get_future();
    asio::post(loop.context(), [released, &entered] {
      entered.set_value();
      released.wait();
    });
    inside.wait();
  }
  ~LoopBlocker() { release(); }
  LoopBlocker(const LoopBlocker&) = delete;
  LoopBlocker& operator=(const LoopBlocker&) = delete;
  void release() {
    if (!done_) {
      done_ = true;
      released_.set_value();
    }
  }

 private:
  std::promise<void> released_;
  bool done_ = false;
};

std::uint64_t batches(Server& server) {
  std::uint64_t n = 0;
  server.pool.run_on_each([&](Loop& loop) { n += loop.poller().batches(); });
  return n;
}

TEST(TcpConnection, EveryNewEdgeIsRead) {
  // One byte at a time, each only after the previous one arrived: every byte is its own
  // edge, and an edge-triggered reader that missed one would stall here.
  Server server(0, {}, 1);
  Client client(server.endpoint);
  auto h = nth_handler(server, 0);
  const auto data = pattern(300, 1);
  for (std::size_t i = 0; i < data.size(); ++i) {
    client.send(std::span(data).subspan(i, 1));
    ASSERT_TRUE(Server::wait_for([&] { return h->received_size() == i + 1; })) << "byte " << i;
  }
  EXPECT_EQ(h->received(), data);
  EXPECT_EQ(h->calls.load(), 300);
}

TEST(TcpConnection, ABurstLargerThanTheReadBufferYieldsToTheOtherConnections) {
  Server server(0, {}, 1);
  std::atomic<RecordingHandler*> a{nullptr};
  std::atomic<RecordingHandler*> b{nullptr};
  std::atomic<bool> b_sent{false};
  std::atomic<std::size_t> a_when_b_arrived{0};
  std::unique_ptr<Client> client_b;
  const std::vector<std::uint8_t> ping = {'p', 'i', 'n', 'g'};
  server.on_accept = [&](RecordingHandler& handler) {
    handler.on_bytes_hook = [&](RecordingHandler& self, std::span<const std::uint8_t>) {
      if (&self == a.load() && !b_sent.exchange(true)) {
        // B's bytes arrive while A still has most of its burst to read.
        client_b->send(ping);
      } else if (&self == b.load()) {
        a_when_b_arrived = a.load()->received_size();
      }
    };
  };
  Client client_a(server.endpoint);
  a = nth_handler(server, 0).get();
  client_b = std::make_unique<Client>(server.endpoint);
  b = nth_handler(server, 1).get();
  constexpr std::size_t kBurst = 4 << 20;
  const auto burst = pattern(kBurst, 2);
  std::thread sender([&] { client_a.send(burst); });
  ASSERT_TRUE(Server::wait_for([&] { return b.load()->received_size() == ping.size(); }));
  sender.join();
  ASSERT_TRUE(Server::wait_for([&] { return a.load()->received_size() == kBurst; }));
  EXPECT_EQ(a.load()->received(), burst);
  // A reads at most one 64 KB buffer per turn and then yields: B's bytes were read after a
  // turn or two of A, not after A's whole burst.
  const std::size_t read_buffer = server.pool.at(0).read_buffer().size();
  EXPECT_LE(a_when_b_arrived.load(), 3 * read_buffer) << a_when_b_arrived.load();
  EXPECT_GT(a.load()->calls.load(), 1);
}

TEST(TcpConnection, DataArrivingWhilePausedIsReadOnResume) {
  Server server(0, {}, 1);
  server.on_accept = [](RecordingHandler& handler) {
    handler.on_bytes_hook = [](RecordingHandler& self, std::span<const std::uint8_t>) {
      self.link->pause_reading();  // back-pressure after every delivery
    };
  };
  Client client(server.endpoint);
  auto h = nth_handler(server, 0);
  const std::vector<std::uint8_t> first = {1, 2, 3};
  client.send(first);
  ASSERT_TRUE(Server::wait_for([&] { return h->received_size() == 3; }));
  // This edge comes while paused: the poller harvests it, nothing is read.
  const auto before = batches(server);
  const std::vector<std::uint8_t> second = {4, 5, 6, 7};
  client.send(second);
  ASSERT_TRUE(Server::wait_for([&] { return batches(server) > before; }));
  EXPECT_EQ(h->received_size(), 3U);
  // No new edge comes; resume must read what is waiting.
  h->run([](broker::ClientLink& link) { link.resume_reading(); });
  ASSERT_TRUE(Server::wait_for([&] { return h->received_size() == 7; }));
  EXPECT_EQ(h->received(), (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 6, 7}));
}

TEST(TcpConnection, AWriteThatFillsTheSocketCompletesWhenThePeerReadsAgain) {
  Server server(0, {}, 1);
  Client client(server.endpoint);
  auto h = nth_handler(server, 0);
  const auto data = pattern(16 << 20, 3);  // far more than the socket buffers hold
  h->run([&](broker::ClientLink& link) { link.write(shared(data)); });
  auto pending = [&] {
    std::size_t p = 0;
    h->run([&](broker::ClientLink& link) { p = link.pending_bytes(); });
    return p;
  };
  // The kernel took what fits and said EAGAIN: the rest waits for the write-room edge.
  ASSERT_TRUE(Server::wait_for([&] { return pending() < data.size(); }));
  EXPECT_GT(pending(), 0U);
  // Read in small steps so that room comes back many times.
  std::vector<std::uint8_t> got;
  while (got.size() < data.size()) {
    const auto part =
        client.read_exactly(std::min<std::size_t>(32 * 1024, data.size() - got.size()));
    ASSERT_FALSE(part.empty());
    got.insert(got.end(), part.begin(), part.end());
  }
  EXPECT_EQ(got, data);
  EXPECT_TRUE(Server::wait_for([&] { return pending() == 0; }));
  EXPECT_EQ(server.listener->stats().write_timeouts.load(), 0U);
  EXPECT_EQ(h->closed_count(), 0);
}

TEST(TcpConnection, AWriteThatNeverGetsRoomTimesOutAndCloses) {
  ConnectionOptions options;
  options.write_timeout = std::chrono::milliseconds(200);
  Server server(0, options, 1);
  Client client(server.endpoint);
  client.socket.set_option(asio::socket_base::receive_buffer_size(4096));
  auto h = nth_handler(server, 0);
  h->run([&](broker::ClientLink& link) { link.write(shared(pattern(16 << 20, 4))); });
  ASSERT_TRUE(Server::wait_for([&] { return h->closed_count() == 1; }));
  EXPECT_EQ(server.listener->stats().write_timeouts.load(), 1U);
  EXPECT_TRUE(Server::wait_for([&] { return server.listener->stats().active.load() == 0; }));
}

TEST(TcpConnection, AConnectionFreedByAnotherEventOfTheSameBatchIsNotTouched) {
  // Session takeover in miniature: handling A's bytes ends B, whose own event is already in
  // the batch being dispatched. B's handler drops its link at once, so only B's self
  // reference keeps it alive until the batch is over (ASan reports it otherwise).
  Server server(0, {}, 1);
  std::atomic<bool> done{false};
  std::atomic<std::size_t> batch_at_abort{0};
  server.on_accept = [&](RecordingHandler& handler) {
    handler.on_bytes_hook = [&](RecordingHandler& self, std::span<const std::uint8_t>) {
      if (done.exchange(true)) {
        return;
      }
      batch_at_abort = server.pool.at(0).poller().batch_size();
      for (std::size_t i = 0; i < 2; ++i) {
        auto other = server.handler(i);
        if (other.get() != &self && other->link) {
          dynamic_cast<LoopConnection&>(*other->link).abort();
        }
      }
    };
  };
  Client client_a(server.endpoint);
  Client client_b(server.endpoint);
  auto ha = nth_handler(server, 0);
  auto hb = nth_handler(server, 1);
  {
    LoopBlocker blocked(server.pool.at(0));
    const std::vector<std::uint8_t> hello = {'h', 'i'};
    client_a.send(hello);
    client_b.send(hello);
    // Both are in the server's receive queues before the loop looks again.
    ASSERT_TRUE(Server::wait_for([&] { return unsent(client_a) == 0 && unsent(client_b) == 0; }));
  }
  ASSERT_TRUE(Server::wait_for([&] { return ha->closed_count() + hb->closed_count() == 1; }));
  EXPECT_GE(batch_at_abort.load(), 2U);  // both events were in one batch
  auto& survivor = ha->closed_count() == 0 ? ha : hb;
  auto& aborted = ha->closed_count() == 0 ? hb : ha;
  EXPECT_EQ(survivor->received_size(), 2U);
  EXPECT_EQ(aborted->received_size(), 0U);  // its event came after it was gone
  EXPECT_TRUE((ha->closed_count() == 0 ? client_b : client_a).read_to_eof().empty());
  EXPECT_TRUE(Server::wait_for([&] { return server.listener->stats().active.load() == 1; }));
}

TEST(TcpConnection, PeerEofAndResetEndTheConnectionOnce) {
  Server server(0, {}, 1);
  auto graceful = std::make_unique<Client>(server.endpoint);
  auto reset = std::make_unique<Client>(server.endpoint);
  auto hg = nth_handler(server, 0);
  auto hr = nth_handler(server, 1);
  const std::vector<std::uint8_t> last = {9, 8, 7};
  graceful->send(last);
  graceful->socket.shutdown(tcp::socket::shutdown_send);  // FIN after data
  reset->socket.set_option(asio::socket_base::linger(true, 0));
  reset->socket.close();  // RST
  ASSERT_TRUE(Server::wait_for([&] { return hg->closed_count() == 1 && hr->closed_count() == 1; }));
  EXPECT_EQ(hg->received(), last);  // the data before the FIN was delivered
  EXPECT_TRUE(Server::wait_for([&] { return server.listener->stats().active.load() == 0; }));
  EXPECT_EQ(hg->closed_count(), 1);
  EXPECT_EQ(hr->closed_count(), 1);
}

TEST(TcpConnection, CloseWaitsForThePeerFinThenTheLingerBound) {
  ConnectionOptions options;
  options.close_linger = std::chrono::milliseconds(200);
  Server server(0, options, 1);
  Client client(server.endpoint);
  auto h = nth_handler(server, 0);
  h->run([&](broker::ClientLink& link) {
    link.write(shared({1, 2}));
    link.close();
  });
  EXPECT_EQ(client.read_exactly(2), (std::vector<std::uint8_t>{1, 2}));
  // The client never closes its side: the linger bound ends the connection.
  ASSERT_TRUE(Server::wait_for([&] { return h->closed_count() == 1; }));
  EXPECT_TRUE(client.read_to_eof().empty());
}

TEST(TcpConnection, StoppingTheLoopsEndsOpenConnections) {
  auto server = std::make_unique<Server>(0, ConnectionOptions{}, 1);
  Client idle(server->endpoint);
  Client stuck(server->endpoint);
  stuck.socket.set_option(asio::socket_base::receive_buffer_size(4096));
  auto hi = nth_handler(*server, 0);
  auto hs = nth_handler(*server, 1);
  hs->run([&](broker::ClientLink& link) { link.write(shared(pattern(8 << 20, 5))); });
  server->listener->stop();
  server->pool.stop();
  EXPECT_EQ(hi->closed_count(), 1);
  EXPECT_EQ(hs->closed_count(), 1);
  EXPECT_EQ(hi->link, nullptr);
  EXPECT_EQ(server->listener->stats().active.load(), 0U);
  server.reset();
  EXPECT_TRUE(idle.read_to_eof().empty());
}

}  // namespace
}  // namespace dynamq::net::test
