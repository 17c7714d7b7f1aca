// Size bounds for what the net layer keeps per idle plain-TCP connection (issue 2: resident
// memory per idle connection). Measured values at the time of writing are in the messages;
// the bounds leave a little room for library changes, not for new members.
#include <gtest/gtest.h>

#include <cstdio>

#include "net/asio.hpp"
#include "net/compact_endpoint.hpp"
#include "net/listener.hpp"
#include "net/tcp_connection.hpp"

namespace dynamq::net {
namespace {

TEST(NetMemoryLayout, AcceptedSocketUsesTheLoopExecutor) {
  // tcp::socket carries an any_io_executor; the accepted socket a plain io_context pointer.
  std::printf("sizeof(TcpSocket) %zu, sizeof(tcp::socket) %zu\n", sizeof(TcpSocket),
              sizeof(tcp::socket));
  EXPECT_LT(sizeof(TcpSocket), sizeof(tcp::socket)) << sizeof(TcpSocket);
  EXPECT_LE(sizeof(TcpSocket), 40U) << sizeof(TcpSocket);
}

TEST(NetMemoryLayout, IdleTcpConnectionIsSmall) {
  // Plain TCP: a bare descriptor on the loop's own epoll (no Asio socket, reactor state or
  // pending wait per connection), a 20-byte peer address instead of a string, a self
  // reference instead of enable_shared_from_this, flags as bits. With make_shared's 16-byte
  // control block the whole connection is one 152-byte request, a 160-byte malloc chunk —
  // was 200 + 168 + 96 bytes in three blocks with StreamConnection<TcpSocket> (184 bytes,
  // make_shared, Asio's reactor state and the pending read wait).
  std::printf("sizeof(TcpConnection) %zu, sizeof(CompactEndpoint) %zu\n", sizeof(TcpConnection),
              sizeof(CompactEndpoint));
  EXPECT_LE(sizeof(CompactEndpoint), 20U) << sizeof(CompactEndpoint);
  EXPECT_LE(sizeof(TcpConnection), 136U) << sizeof(TcpConnection);
}

TEST(NetMemoryLayout, CompactEndpointKeepsAddressAndPort) {
  const tcp::endpoint v4(asio::ip::make_address("192.0.2.7"), 1883);
  const tcp::endpoint v6(asio::ip::make_address("2001:db8::1"), 65535);
  EXPECT_EQ(CompactEndpoint(v4).endpoint(), v4);
  EXPECT_EQ(CompactEndpoint(v6).endpoint(), v6);
  EXPECT_EQ(CompactEndpoint(v4).to_string(), "192.0.2.7:1883");
  EXPECT_EQ(CompactEndpoint(v6).to_string(), "[2001:db8::1]:65535");
  EXPECT_EQ(CompactEndpoint(v6).to_string(), to_string(v6));
}

struct Member final : LoopConnection {
  void abort() override { ++aborted; }
  int aborted = 0;
};

TEST(NetMemoryLayout, ConnectionSetNeedsNoMembershipFlag) {
  EXPECT_EQ(sizeof(LoopConnection), 3 * sizeof(void*));
  ConnectionSet set;
  Member a;
  Member b;
  Member c;
  set.add(&a);
  set.add(&b);
  set.add(&c);
  set.add(&b);  // already in: no change
  EXPECT_EQ(set.size(), 3U);
  set.remove(&c);  // the head
  EXPECT_FALSE(set.contains(&c));
  set.remove(&c);  // not in: no change
  EXPECT_EQ(set.size(), 2U);
  EXPECT_TRUE(set.contains(&a));  // the tail, no predecessor-less member but the head
  EXPECT_TRUE(set.contains(&b));
  set.add(&c);
  set.remove(&b);  // the middle
  EXPECT_FALSE(set.contains(&b));
  EXPECT_EQ(set.size(), 2U);
  set.abort_all();
  EXPECT_EQ(a.aborted + b.aborted + c.aborted, 2);
  EXPECT_EQ(b.aborted, 0);
}

TEST(NetMemoryLayout, WriteBatchPoolReusesBatches) {
  WriteBatchPool pool;
  auto first = pool.take();
  auto* address = first.get();
  first->queue.reserve(4);
  pool.give(std::move(first));
  EXPECT_EQ(pool.size(), 1U);
  auto again = pool.take();
  EXPECT_EQ(again.get(), address);
  EXPECT_GE(again->queue.capacity(), 4U);  // a busy connection reuses the vectors
  EXPECT_EQ(pool.size(), 0U);
}

TEST(NetMemoryLayout, PooledBatchesDropHugeVectors) {
  WriteBatchPool pool;
  auto batch = pool.take();
  batch->buffers.reserve(100'000);
  batch->linear.reserve(1 << 20);
  pool.give(std::move(batch));
  auto again = pool.take();
  EXPECT_LT(again->buffers.capacity(), 100'000U);
  EXPECT_LT(again->linear.capacity(), std::size_t{1} << 20);
}

}  // namespace
}  // namespace dynamq::net
