// One io_context per io thread ("one event loop per core"): a connection is placed on one
// loop when accepted and stays there for life, so its state needs no locks.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <thread>
#include <vector>

#include "net/asio.hpp"
#include "net/connection_set.hpp"
#include "net/poller.hpp"
#include "net/write_batch.hpp"

namespace dynamq::net {

// One event loop and what belongs to it. Everything but context() is touched only from the
// loop's own thread.
class Loop {
 public:
  explicit Loop(std::size_t index);
  Loop(const Loop&) = delete;
  Loop& operator=(const Loop&) = delete;

  [[nodiscard]] asio::io_context& context() { return context_; }
  [[nodiscard]] asio::any_io_executor executor() { return context_.get_executor(); }
  [[nodiscard]] std::size_t index() const { return index_; }
  // Connections living on this loop (for a forced close at shutdown).
  [[nodiscard]] ConnectionSet& connections() { return connections_; }
  // Scratch space for reads on this loop: plain TCP connections read into it only after
  // the socket is readable, so 10,000 idle connections need no 10,000 read buffers.
  // Valid only within one synchronous read-and-deliver step.
  [[nodiscard]] std::span<std::uint8_t> read_buffer() { return read_buffer_; }
  // Write state lent to connections while they have bytes to write (write_batch.hpp).
  [[nodiscard]] WriteBatchPool& write_batches() { return write_batches_; }
  // The epoll instance of this loop's plain TCP connections (poller.hpp).
  [[nodiscard]] Poller& poller() { return poller_; }
  // Plain TCP: `c` has bytes queued; its flush runs in the one flush this loop posts per
  // turn, so a fan-out to a hundred subscribers costs one post, not a hundred. The
  // connection stays alive until then (TcpConnection::finish releases itself in a handler
  // posted after this one).
  void enlist_flush(TcpConnection* c);

 private:
  void flush_listed();

  std::size_t index_;
  asio::io_context context_{1};  // concurrency hint 1: one thread runs it, no locking inside
  ConnectionSet connections_;
  std::vector<std::uint8_t> read_buffer_;
  WriteBatchPool write_batches_;
  Poller poller_{context_};  // after context_: its descriptor goes before the context
  std::vector<TcpConnection*> flush_list_;
  std::vector<TcpConnection*> flushing_;  // the list being flushed (keeps its capacity)
  bool flush_posted_ = false;
};

class IoPool {
 public:
  // threads == 0 means one per hardware thread.
  explicit IoPool(std::size_t threads);
  ~IoPool();
  IoPool(const IoPool&) = delete;
  IoPool& operator=(const IoPool&) = delete;

  [[nodiscard]] std::size_t size() const { return loops_.size(); }
  [[nodiscard]] Loop& at(std::size_t i) { return *loops_[i]; }
  // Round robin over the loops; thread-safe.
  [[nodiscard]] Loop& next();

  // Starts one thread per loop. The loops keep running (even when idle) until stop().
  void start();
  // Closes every connection still open (their handlers get on_transport_closed), stops
  // every loop (pending handlers are abandoned) and joins the threads; idempotent.
  void stop();
  // Posts fn to every loop and waits until each has run it (used for shutdown sweeps).
  template <class Fn>
  void run_on_each(Fn fn);

 private:
  std::vector<std::unique_ptr<Loop>> loops_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::uint64_t> next_{0};
};

template <class Fn>
void IoPool::run_on_each(Fn fn) {
  std::atomic<std::size_t> remaining{loops_.size()};
  for (auto& loop : loops_) {
    asio::post(loop->context(), [&fn, &remaining, l = loop.get()] {
      fn(*l);
      remaining.fetch_sub(1);
      remaining.notify_all();
    });
  }
  for (auto left = remaining.load(); left != 0; left = remaining.load()) {
    remaining.wait(left);
  }
}

}  // namespace dynamq::net
