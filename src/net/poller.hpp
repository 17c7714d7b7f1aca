// One epoll instance per loop for plain TCP connections, instead of Asio's reactor.
//
// Why: Asio keeps ~170 bytes of reactor state per socket plus a ~100-byte pending wait
// operation per idle connection, and its async_wait is not speculative, so every read
// wake-up of a connection costs an epoll_ctl(EPOLL_CTL_MOD) (bench/README.md). Here a socket
// is registered once, edge-triggered, for input, output and peer shutdown: no syscall per
// read or write besides the read or write itself, and no per-connection memory besides the
// kernel's epoll item.
//
// The loop's io_context watches the epoll descriptor (one async_wait on it); when it is
// readable one epoll_wait(…, 0) harvests a batch of events and each is dispatched to its
// connection (TcpConnection::on_poll), then the wait is re-armed. Touched only from the
// loop's thread.
#pragma once

#include <sys/epoll.h>

#include <array>
#include <cstddef>
#include <cstdint>

#include "net/asio.hpp"

namespace dynamq::net {

class TcpConnection;  // net/tcp_connection.hpp

class Poller {
 public:
  // Throws boost::system::system_error when no epoll instance can be created.
  explicit Poller(asio::io_context& context);
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  // Registers `fd` once (EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET); every event on it goes
  // to `target` until remove(). Returns false (errno set) when the kernel refuses.
  bool add(int fd, TcpConnection* target);
  // Call before closing `fd`: a descriptor duplicated elsewhere (a fork) would otherwise stay
  // registered and report events for a connection that is gone.
  void remove(int fd);

  // Events in the batch being dispatched right now (0 outside a dispatch); for tests.
  [[nodiscard]] std::size_t batch_size() const { return batch_size_; }
  // Batches dispatched so far; for tests and measurements.
  [[nodiscard]] std::uint64_t batches() const { return batches_; }

 private:
  void arm();
  void dispatch();

  asio::posix::basic_stream_descriptor<asio::io_context::executor_type> epoll_;
  // One harvest; a fuller ready list is harvested by the next turn (the re-armed wait
  // completes at once), so other work on the loop runs in between.
  std::array<epoll_event, 128> events_{};
  std::size_t batch_size_ = 0;
  std::uint64_t batches_ = 0;
  bool armed_ = false;
};

}  // namespace dynamq::net
