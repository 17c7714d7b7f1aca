// One client connection over an Asio stream (TLS, WebSocket, secure WebSocket; plain TCP has
// its own leaner TcpConnection, tcp_connection.hpp): implements the broker's ClientLink and
// feeds its ConnectionHandler. Lives on one loop; every member is touched only from that
// loop's thread, so nothing here takes a lock.
//
// Reads: a coroutine reads into a buffer of its own; the broker may pause reading
// (back-pressure) while the sessions a publisher feeds are backed up.
// Writes: write() only queues; the first write of a burst posts one flush, so everything the
// broker queues in one turn leaves in one gathered write. The write is asynchronous and has
// a deadline (write_timeout).
#pragma once

#include <spdlog/spdlog.h>

#include <boost/beast/core/stream_traits.hpp>
#include <cstddef>
#include <exception>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "broker/client_link.hpp"
#include "net/asio.hpp"
#include "net/io_pool.hpp"
#include "net/lazy_deadline.hpp"
#include "net/listener_state.hpp"
#include "net/peer_identity.hpp"
#include "net/write_batch.hpp"

namespace dynamq::net {

// How a batch is written to a stream type; transports specialize it (see tls_transport.cpp).
template <class Stream>
struct StreamWriteTraits {
  // True for streams that turn every buffer of a sequence into its own record (TLS): the
  // batch is copied into one buffer so it leaves as few records and syscalls as possible.
  static constexpr bool linearize = false;
  template <class Buffers, class Handler>
  static void async_write(Stream& stream, const Buffers& buffers, Handler&& handler) {
    asio::async_write(stream, buffers, std::forward<Handler>(handler));
  }
};

// How the graceful close starts once the write queue is drained: a FIN. Transports whose
// protocol has a close of its own specialize it (WebSocket sends its close frame first,
// ws_transport.cpp); `keep_alive` is held by any operation that starts.
template <class Stream>
struct StreamCloseTraits {
  template <class KeepAlive>
  static void begin_close(Stream& stream, KeepAlive /*keep_alive*/, error_code& ec) {
    boost::beast::get_lowest_layer(stream).shutdown(tcp::socket::shutdown_send, ec);
  }
};

template <class Stream>
class StreamConnection final : public broker::ClientLink,
                               public LoopConnection,
                               public std::enable_shared_from_this<StreamConnection<Stream>> {
  static constexpr std::size_t kOwnReadBuffer = 16 * 1024;
  // TLS streams end with close_notify (async_shutdown) instead of a bare FIN.
  static constexpr bool kTlsShutdown = requires(Stream & s) { s.async_shutdown(use_awaitable); };

 public:
  // `stream` must already be connected (and handshaken) and belong to `loop`.
  StreamConnection(Stream stream, Loop& loop, std::shared_ptr<ListenerState> listener,
                   std::string remote)
      : stream_(std::move(stream)),
        loop_(loop),
        listener_(std::move(listener)),
        remote_(std::move(remote)) {
    if (listener_->use_identity_as_username) {
      identity_ = verified_peer_common_name(tls_session_of(stream_));
    }
  }

  // Creates the handler and starts reading; call on the loop's thread.
  void start() {
    loop_.connections().add(this);
    auto self = this->shared_from_this();
    try {
      handler_ = listener_->handler_factory(loop_.executor(), self);
    } catch (const std::exception& e) {
      spdlog::error("{} {}: connection refused by the broker: {}", listener_->name, remote_,
                    e.what());
    }
    if (!handler_) {
      finish();
      return;
    }
    asio::co_spawn(loop_.context(), read_loop(std::move(self)), asio::detached);
  }

  // --- broker::ClientLink -------------------------------------------------------------
  void write(broker::SharedBytes bytes) override {
    if (close_requested_ || finished_ || !bytes || bytes->empty()) {
      return;
    }
    if (!batch_) {
      batch_ = loop_.write_batches().take();
    }
    batch_->push(std::move(bytes));
    if (!writing_ && !flush_posted_) {
      flush_posted_ = true;
      asio::post(loop_.context(), [self = this->shared_from_this()] {
        self->flush_posted_ = false;
        self->flush();
      });
    }
  }

  [[nodiscard]] std::size_t pending_bytes() const override {
    return batch_ ? batch_->pending_bytes() : 0;
  }

  void close() override {
    if (close_requested_ || finished_) {
      return;
    }
    close_requested_ = true;
    resume_reading();  // the graceful close waits for the peer's FIN
    if (!writing_ && !flush_posted_) {
      flush();  // nothing in flight: starts the graceful close now
    }
  }

  void flush_now() override {
    if (!writing_ && batch_ && !batch_->queue.empty()) {
      flush();  // a posted flush, if any, then finds nothing to do
    }
  }

  void pause_reading() override { read_paused_ = true; }

  void resume_reading() override {
    read_paused_ = false;
    wake_reader();
  }

  [[nodiscard]] std::string remote_endpoint() const override { return remote_; }
  [[nodiscard]] std::string listener_name() const override { return listener_->name; }
  [[nodiscard]] std::string certificate_identity() const override { return identity_; }

  // --- LoopConnection -----------------------------------------------------------------
  // Synchronous, so that a loop being stopped leaves no link ⇄ handler cycle behind.
  void abort() override { finish(); }

 private:
  using Self = StreamConnection<Stream>;

  auto& socket() { return boost::beast::get_lowest_layer(stream_); }

  // A coroutine; `self` keeps the connection alive while the loop runs.
  awaitable<void> read_loop(std::shared_ptr<Self> self) {
    (void)self;
    try {
      co_await read_some_loop();
      if constexpr (kTlsShutdown) {
        if (lingering_ && !socket_closed_) {
          // Our close_notify, then the peer's; close_linger bounds the wait (on_deadline).
          co_await stream_.async_shutdown(use_awaitable_tuple);
        }
      }
    } catch (const std::exception& e) {
      // The handler threw: a bug in one connection must not take the loop down.
      spdlog::error("{} {}: closing after an internal error: {}", listener_->name, remote_,
                    e.what());
    }
    finish();
  }

  // A buffer of its own and async_read_some.
  awaitable<void> read_some_loop() {
    std::vector<std::uint8_t> buffer(kOwnReadBuffer);
    for (;;) {
      if (read_paused_ && !socket_closed_) {
        co_await paused();
      }
      if (socket_closed_) {
        co_return;
      }
      auto [ec, n] = co_await stream_.async_read_some(asio::buffer(buffer), use_awaitable_tuple);
      if (ec || socket_closed_) {
        co_return;
      }
      deliver(std::span<const std::uint8_t>(buffer.data(), n));
      if (socket_closed_ || (kTlsShutdown && lingering_)) {
        co_return;
      }
    }
  }

  // The suspended read loop's completion handler (type-erased; any_completion_handler of
  // Boost 1.81 recurses when posted).
  struct Resume {
    virtual ~Resume() = default;
    virtual void operator()() = 0;
  };
  template <class Handler>
  struct ResumeWith final : Resume {
    explicit ResumeWith(Handler h) : handler(std::move(h)) {}
    void operator()() override { std::move(handler)(); }
    Handler handler;
  };

  // Suspends the read loop until resume_reading() or the socket closes.
  awaitable<void> paused() {
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [this](auto handler) {
          resume_ = std::make_unique<ResumeWith<decltype(handler)>>(std::move(handler));
        },
        use_awaitable);
  }

  void wake_reader() {
    if (resume_) {
      asio::post(loop_.context(), [r = std::move(resume_)] { (*r)(); });
    }
  }

  void deliver(std::span<const std::uint8_t> bytes) {
    // After close() the broker wants nothing more; we only read to see the peer's FIN.
    if (!close_requested_ && handler_) {
      handler_->on_bytes(bytes);
      flush_now();  // what the batch produced (acks, ...) leaves now, in one write
    }
  }

  void flush() {
    if (writing_ || socket_closed_) {
      return;
    }
    if (!batch_ || batch_->queue.empty()) {
      release_batch();
      if (close_requested_) {
        begin_graceful_close();
      }
      return;
    }
    auto& batch = *batch_;
    batch.start_flight();
    batch.buffers.clear();
    for (const auto& b : batch.inflight) {
      batch.buffers.emplace_back(b->data(), b->size());
    }

    writing_ = true;
    arm_deadline();
    auto done = [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->writing_ = false;
      if (ec) {
        self->close_socket();
        return;
      }
      self->batch_done();
    };
    if constexpr (StreamWriteTraits<Stream>::linearize) {
      batch.linear.clear();
      for (const auto& b : batch.inflight) {
        batch.linear.insert(batch.linear.end(), b->begin(), b->end());
      }
      StreamWriteTraits<Stream>::async_write(stream_, asio::buffer(batch.linear), std::move(done));
    } else {
      StreamWriteTraits<Stream>::async_write(stream_, pending_buffers(), std::move(done));
    }
  }

  // Only while a batch is being written (batch_ is set).
  std::span<const asio::const_buffer> pending_buffers() const {
    return std::span<const asio::const_buffer>(batch_->buffers).subspan(batch_->first);
  }

  void batch_done() {
    batch_->end_flight();
    if (!batch_->queue.empty() || close_requested_) {
      flush();
    } else {
      release_batch();
    }
  }

  // Nothing queued, nothing in flight: the write state goes back to the loop's pool.
  void release_batch() {
    if (batch_ && !writing_ && batch_->idle()) {
      loop_.write_batches().give(std::move(batch_));
    }
  }

  // Queue drained after close(): send our FIN, then wait (bounded) for the peer's.
  void begin_graceful_close() {
    if (lingering_ || socket_closed_) {
      return;
    }
    lingering_ = true;
    error_code ec;
    if constexpr (kTlsShutdown) {
      // The shutdown reads (the peer's close_notify) and only the read loop may read: cancel
      // its pending read and it runs the shutdown.
      socket().cancel(ec);
    } else {
      StreamCloseTraits<Stream>::begin_close(stream_, this->shared_from_this(), ec);
    }
    if (ec) {
      close_socket();
      return;
    }
    arm_timer(std::chrono::steady_clock::now() + listener_->options.close_linger);
  }

  void arm_deadline() {
    arm_timer(std::chrono::steady_clock::now() + listener_->options.write_timeout);
  }

  // Every write is asynchronous on TLS and WebSocket, so the write deadline is moved often;
  // LazyDeadline re-arms its timer only when needed.
  void arm_timer(std::chrono::steady_clock::time_point at) {
    deadline_.arm(loop_.context(), at, [self = this->shared_from_this()] {
      if (!self->socket_closed_) {
        self->on_deadline();
      }
    });
  }

  void on_deadline() {
    if (!writing_ && !lingering_) {
      return;  // the write finished in time
    }
    if (std::chrono::steady_clock::now() < deadline_.at()) {
      arm_timer(deadline_.at());  // a later write moved the deadline
      return;
    }
    if (writing_) {
      listener_->stats.write_timeouts.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("{} {}: write timed out after {} ms with {} bytes unwritten; closing",
                   listener_->name, remote_, listener_->options.write_timeout.count(),
                   pending_bytes());
    }
    close_socket();
  }

  void close_socket() {
    if (socket_closed_) {
      return;
    }
    socket_closed_ = true;
    error_code ec;
    socket().close(ec);  // the read loop wakes with an error and calls finish()
    deadline_.cancel();
    wake_reader();  // a paused reader sees socket_closed_ and ends
  }

  // The transport is gone: tell the handler once and break the link ⇄ handler cycle.
  void finish() {
    if (finished_) {
      return;
    }
    finished_ = true;
    close_socket();
    loop_.connections().remove(this);
    listener_->stats.active.fetch_sub(1, std::memory_order_relaxed);
    if (batch_) {
      batch_->drop_queued();
      release_batch();  // unless a write is still in flight
    }
    if (auto handler = std::move(handler_)) {
      handler->on_transport_closed();
    }
  }

  Stream stream_;
  Loop& loop_;
  std::shared_ptr<ListenerState> listener_;
  std::string remote_;
  std::shared_ptr<broker::ConnectionHandler> handler_;

  // Set only while bytes are queued or in flight (write_batch.hpp).
  std::unique_ptr<WriteBatch> batch_;

  LazyDeadline deadline_;  // a blocked write, a graceful close
  bool flush_posted_ = false;
  bool writing_ = false;
  bool close_requested_ = false;
  bool lingering_ = false;
  bool socket_closed_ = false;
  bool finished_ = false;
  bool read_paused_ = false;

  std::string identity_;            // certificate_identity() (TLS)
  std::unique_ptr<Resume> resume_;  // the paused read loop
};

}  // namespace dynamq::net
