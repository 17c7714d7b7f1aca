// One plain TCP client connection: a bare non-blocking socket registered once with its
// loop's epoll (poller.hpp), implementing the broker's ClientLink. TLS and WebSocket
// connections are StreamConnection (stream_connection.hpp); this class keeps every behaviour
// of StreamConnection over plain TCP, with less memory and fewer syscalls per connection:
// no Asio socket (reactor state, ~170 bytes) and no pending wait operation (~100 bytes) while
// idle, and no epoll_ctl per read or write (edge-triggered, registered for input and output
// once).
//
// Lives on one loop; every member is touched only from that loop's thread, so nothing here
// takes a lock.
//
// Reads: an input edge reads once into the loop's shared buffer (no per-connection read
// buffer) and hands the bytes to the broker. A full buffer means more is probably waiting:
// the next read is posted, so other connections on the loop run first (fifty publishers must
// not starve the subscriber they feed). The broker may pause reading (back-pressure): the
// edge is remembered and resume_reading() reads what arrived meanwhile.
// Writes: write() only queues; the first write of a turn puts the connection on the loop's
// flush list, and one posted flush per loop turn writes every listed connection's queue in
// one gathered sendmsg. A write the kernel cannot take whole waits for the output edge,
// bounded by write_timeout.
// Lifetime: the connection holds a strong reference to itself from start() until a handler
// posted when it finishes, so an event batch or a posted flush never touches a freed
// connection, even one closed by another connection's event in the same batch.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "broker/client_link.hpp"
#include "net/accepted_socket.hpp"
#include "net/asio.hpp"
#include "net/compact_endpoint.hpp"
#include "net/connection_set.hpp"
#include "net/lazy_deadline.hpp"
#include "net/listener_state.hpp"
#include "net/write_batch.hpp"

namespace dynamq::net {

class Loop;  // net/io_pool.hpp

class TcpConnection final : public broker::ClientLink, public LoopConnection {
 public:
  // `socket` must be connected and non-blocking; `loop` is the loop it will live on.
  TcpConnection(AcceptedSocket socket, Loop& loop, std::shared_ptr<ListenerState> listener,
                const tcp::endpoint& remote);
  ~TcpConnection() override;
  TcpConnection(const TcpConnection&) = delete;
  TcpConnection& operator=(const TcpConnection&) = delete;

  // Creates the broker's handler and registers the socket; call on the loop's thread.
  // `self` owns this connection.
  static void start(std::shared_ptr<TcpConnection> self);

  // --- broker::ClientLink -------------------------------------------------------------
  void write(broker::SharedBytes bytes) override;
  [[nodiscard]] std::size_t pending_bytes() const override;
  void close() override;
  void flush_now() override;
  void pause_reading() override { read_paused_ = true; }
  void resume_reading() override;
  [[nodiscard]] std::string remote_endpoint() const override { return remote_.to_string(); }
  [[nodiscard]] std::string listener_name() const override { return listener_->name; }

  // --- LoopConnection -----------------------------------------------------------------
  // Synchronous, so that a loop being stopped leaves no link ⇄ handler cycle behind.
  void abort() override { finish(); }

  // --- the loop -----------------------------------------------------------------------
  // One epoll event (EPOLLIN, EPOLLOUT, ...) for this connection's socket.
  void on_poll(std::uint32_t events) noexcept;
  // The loop's flush of this turn reached this connection (Loop::enlist_flush).
  void flush_listed() noexcept;

 private:
  void read_turn();
  void next_turn();
  void deliver(std::span<const std::uint8_t> bytes);
  void flush();
  void write_pending();
  void consume(std::size_t n);
  void batch_done();
  void release_batch();
  void begin_graceful_close();
  void arm_timer(std::chrono::steady_clock::time_point at);
  void on_deadline();
  void close_socket();
  void finish();
  void log_internal_error(const char* what) const;

  Loop& loop_;
  std::shared_ptr<ListenerState> listener_;
  std::shared_ptr<broker::ConnectionHandler> handler_;
  // Set from start() until the handler posted by finish() runs (see the file comment).
  std::shared_ptr<TcpConnection> self_;
  // Set only while bytes are queued or in flight (write_batch.hpp).
  std::unique_ptr<WriteBatch> batch_;

  LazyDeadline deadline_;  // a blocked write, a graceful close

  int fd_;
  CompactEndpoint remote_;
  bool readable_ : 1 = false;     // an input edge came and no read has returned EAGAIN since
  bool peer_shut_ : 1 = false;    // EPOLLRDHUP/HUP/ERR seen: read on until EOF or the error
  bool turn_posted_ : 1 = false;  // a read turn is posted
  bool read_paused_ : 1 = false;
  bool flush_listed_ : 1 = false;  // on the loop's flush list
  bool writing_ : 1 = false;       // a batch waits for the output edge
  bool close_requested_ : 1 = false;
  bool lingering_ : 1 = false;  // our FIN is sent; waiting (bounded) for the peer's
  bool socket_closed_ : 1 = false;
  bool finished_ : 1 = false;
};

// The plain TCP transport: TCP_NODELAY and a TcpConnection on the accepted descriptor.
void start_tcp_connection(AcceptedSocket socket, Loop& loop, std::shared_ptr<ListenerState> state,
                          const tcp::endpoint& remote);

}  // namespace dynamq::net
