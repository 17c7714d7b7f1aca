#include "net/tcp_connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <exception>

#include "net/io_pool.hpp"

namespace dynamq::net {

namespace {

bool would_block(int error) {
  return error == EAGAIN || error == EWOULDBLOCK;
}

// iovecs per sendmsg: enough for a fan-out turn's packets, small enough for the stack.
constexpr std::size_t kMaxIov = 256;

}  // namespace

TcpConnection::TcpConnection(AcceptedSocket socket, Loop& loop,
                             std::shared_ptr<ListenerState> listener, const tcp::endpoint& remote)
    : loop_(loop), listener_(std::move(listener)), fd_(socket.release()), remote_(remote) {}

TcpConnection::~TcpConnection() {
  if (fd_ >= 0) {
    ::close(fd_);  // never started
  }
}

void TcpConnection::start(std::shared_ptr<TcpConnection> self) {
  auto& c = *self;
  c.self_ = self;
  c.loop_.connections().add(&c);
  try {
    c.handler_ = c.listener_->handler_factory(c.loop_.executor(), std::move(self));
  } catch (const std::exception& e) {
    spdlog::error("{} {}: connection refused by the broker: {}", c.listener_->name,
                  c.remote_endpoint(), e.what());
  }
  if (!c.handler_) {
    c.finish();
    return;
  }
  if (c.finished_ || c.socket_closed_) {
    return;  // the factory closed it already
  }
  // Data that arrived before this registration is reported at once (the socket is ready).
  if (!c.loop_.poller().add(c.fd_, &c)) {
    spdlog::error("{} {}: cannot watch the socket: {}", c.listener_->name, c.remote_endpoint(),
                  error_code(errno, boost::system::system_category()).message());
    c.finish();
  }
}

// --- reading ----------------------------------------------------------------------------

void TcpConnection::on_poll(std::uint32_t events) noexcept {
  if (finished_) {
    return;  // closed by an earlier event of the same batch; still alive until after it
  }
  if ((events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    peer_shut_ = true;
  }
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0) {
    readable_ = true;
    if (!turn_posted_) {
      read_turn();
    }
  }
  if (writing_ && !finished_ && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) != 0) {
    try {
      write_pending();
    } catch (const std::exception& e) {
      log_internal_error(e.what());
      finish();
    }
  }
}

// One turn: read what is there into the loop's buffer. While the broker pauses reading
// (back-pressure) nothing is read; the edge stays remembered in readable_ and
// resume_reading() starts the next turn.
void TcpConnection::read_turn() {
  try {
    if (finished_) {
      return;
    }
    if (socket_closed_) {
      finish();
      return;
    }
    if (read_paused_ || !readable_) {
      return;
    }
    const auto buffer = loop_.read_buffer();
    const ssize_t n = ::recv(fd_, buffer.data(), buffer.size(), 0);
    if (n < 0) {
      if (would_block(errno)) {
        readable_ = false;  // the next edge brings more
      } else if (errno == EINTR) {
        next_turn();
      } else {
        finish();  // reset
      }
      return;
    }
    if (n == 0) {
      finish();  // EOF
      return;
    }
    const auto got = static_cast<std::size_t>(n);
    deliver(buffer.first(got));
    if (socket_closed_) {
      finish();
    } else if (got == buffer.size() || peer_shut_) {
      // A full buffer: more is probably waiting; yield to the others first. After the
      // peer's FIN the next read sees the EOF.
      next_turn();
    } else {
      // A short read emptied the receive queue: new data brings a new edge.
      readable_ = false;
    }
  } catch (const std::exception& e) {
    // The handler threw: a bug in one connection must not take the loop down.
    log_internal_error(e.what());
    finish();
  }
}

void TcpConnection::next_turn() {
  if (turn_posted_ || finished_) {
    return;
  }
  turn_posted_ = true;
  asio::post(loop_.context(), [self = self_] {
    self->turn_posted_ = false;
    self->read_turn();
  });
}

void TcpConnection::resume_reading() {
  read_paused_ = false;
  if (readable_) {
    next_turn();  // what arrived while paused; its edge has passed
  }
}

void TcpConnection::deliver(std::span<const std::uint8_t> bytes) {
  // After close() the broker wants nothing more; we only read to see the peer's FIN.
  if (!close_requested_ && handler_) {
    handler_->on_bytes(bytes);
    flush_now();  // what the batch produced (acks, ...) leaves now, in one write
  }
}

// --- writing ----------------------------------------------------------------------------

void TcpConnection::write(broker::SharedBytes bytes) {
  if (close_requested_ || finished_ || !bytes || bytes->empty()) {
    return;
  }
  if (!batch_) {
    batch_ = loop_.write_batches().take();
  }
  batch_->push(std::move(bytes));
  if (!writing_ && !flush_listed_) {
    flush_listed_ = true;
    loop_.enlist_flush(this);
  }
}

std::size_t TcpConnection::pending_bytes() const {
  return batch_ ? batch_->pending_bytes() : 0;
}

void TcpConnection::close() {
  if (close_requested_ || finished_) {
    return;
  }
  close_requested_ = true;
  resume_reading();  // the graceful close waits for the peer's FIN
  if (!writing_ && !flush_listed_) {
    flush();  // nothing in flight: starts the graceful close now
  }
}

void TcpConnection::flush_now() {
  if (!writing_ && batch_ && !batch_->queue.empty()) {
    flush();  // the listed flush, if any, then finds nothing to do
  }
}

void TcpConnection::flush_listed() noexcept {
  flush_listed_ = false;
  if (!finished_) {
    try {
      flush();
    } catch (const std::exception& e) {
      log_internal_error(e.what());
      finish();
    }
  }
}

void TcpConnection::flush() {
  if (writing_ || socket_closed_ || finished_) {
    return;
  }
  if (!batch_ || batch_->queue.empty()) {
    release_batch();
    if (close_requested_) {
      begin_graceful_close();
    }
    return;
  }
  batch_->start_flight();
  write_pending();
}

// Writes the batch in flight until it is done or the kernel's buffer is full; then waits
// for the output edge (on_poll), bounded by write_timeout from the last progress.
void TcpConnection::write_pending() {
  auto& batch = *batch_;
  bool progress = false;
  while (batch.first < batch.inflight.size()) {
    std::array<iovec, kMaxIov> iov;
    std::size_t count = 0;
    for (std::size_t i = batch.first; i < batch.inflight.size() && count < kMaxIov; ++i, ++count) {
      const auto& bytes = *batch.inflight[i];
      const std::size_t skip = i == batch.first ? batch.first_offset : 0;
      iov[count].iov_base = const_cast<std::uint8_t*>(bytes.data() + skip);
      iov[count].iov_len = bytes.size() - skip;
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    const ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (would_block(errno)) {
        break;
      }
      close_socket();  // reset, broken pipe
      return;
    }
    progress = progress || n > 0;
    consume(static_cast<std::size_t>(n));
  }
  if (batch.first == batch.inflight.size()) {
    writing_ = false;
    batch_done();
    return;
  }
  if (!writing_ || progress) {
    writing_ = true;
    arm_timer(std::chrono::steady_clock::now() + listener_->options.write_timeout);
  }
}

// Drops the first n written bytes from the batch in flight.
void TcpConnection::consume(std::size_t n) {
  auto& batch = *batch_;
  batch.inflight_bytes -= n;
  while (n > 0 && batch.first < batch.inflight.size()) {
    const std::size_t left = batch.inflight[batch.first]->size() - batch.first_offset;
    if (n < left) {
      batch.first_offset += n;
      return;
    }
    n -= left;
    ++batch.first;
    batch.first_offset = 0;
  }
}

void TcpConnection::batch_done() {
  batch_->end_flight();
  if (!batch_->queue.empty() || close_requested_) {
    flush();
  } else {
    release_batch();
  }
}

// Nothing queued, nothing in flight: the write state goes back to the loop's pool.
void TcpConnection::release_batch() {
  if (batch_ && !writing_ && batch_->idle()) {
    loop_.write_batches().give(std::move(batch_));
  }
}

// --- closing ----------------------------------------------------------------------------

// Queue drained after close(): send our FIN, then wait (bounded) for the peer's.
void TcpConnection::begin_graceful_close() {
  if (lingering_ || socket_closed_) {
    return;
  }
  lingering_ = true;
  if (::shutdown(fd_, SHUT_WR) != 0) {
    close_socket();
    return;
  }
  arm_timer(std::chrono::steady_clock::now() + listener_->options.close_linger);
}

void TcpConnection::arm_timer(std::chrono::steady_clock::time_point at) {
  if (!self_) {
    return;  // finished
  }
  deadline_.arm(loop_.context(), at, [self = self_] {
    if (!self->socket_closed_) {
      self->on_deadline();
    }
  });
}

void TcpConnection::on_deadline() {
  if (!writing_ && !lingering_) {
    return;  // the write finished in time
  }
  if (std::chrono::steady_clock::now() < deadline_.at()) {
    arm_timer(deadline_.at());  // progress moved the deadline
    return;
  }
  if (writing_) {
    listener_->stats.write_timeouts.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("{} {}: write timed out after {} ms with {} bytes unwritten; closing",
                 listener_->name, remote_endpoint(), listener_->options.write_timeout.count(),
                 pending_bytes());
  }
  close_socket();
}

// The socket is gone; the handler hears of it from finish(), which runs from a posted
// handler here (this may be deep inside the broker's own call, e.g. flush_now()).
void TcpConnection::close_socket() {
  if (socket_closed_) {
    return;
  }
  socket_closed_ = true;
  writing_ = false;  // nothing is in flight on a closed socket
  if (fd_ >= 0) {
    loop_.poller().remove(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  deadline_.cancel();
  if (!finished_ && self_) {
    asio::post(loop_.context(), [self = self_] { self->finish(); });
  }
}

// The transport is gone: tell the handler once, break the link ⇄ handler cycle and let the
// self reference go once the current batch of events is over.
void TcpConnection::finish() {
  if (finished_) {
    return;
  }
  finished_ = true;
  close_socket();
  loop_.connections().remove(this);
  listener_->stats.active.fetch_sub(1, std::memory_order_relaxed);
  if (batch_) {
    batch_->drop_queued();
    batch_->end_flight();  // nothing is written asynchronously: no one holds these bytes
    release_batch();
  }
  if (auto handler = std::move(handler_)) {
    handler->on_transport_closed();
  }
  if (self_) {
    // Posted last: handlers posted earlier that name this connection (a flush, a read turn)
    // run first on this single-threaded loop.
    asio::post(loop_.context(), [self = std::move(self_)] {});
  }
}

void TcpConnection::log_internal_error(const char* what) const {
  spdlog::error("{} {}: closing after an internal error: {}", listener_->name, remote_endpoint(),
                what);
}

void start_tcp_connection(AcceptedSocket socket, Loop& loop, std::shared_ptr<ListenerState> state,
                          const tcp::endpoint& remote) {
  // MQTT packets are small and latency matters: no Nagle delay.
  const int one = 1;
  if (::setsockopt(socket.fd(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) {
    state->stats.active.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  TcpConnection::start(
      std::make_shared<TcpConnection>(std::move(socket), loop, std::move(state), remote));
}

}  // namespace dynamq::net
