#include "net/io_pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>

#include "net/tcp_connection.hpp"

namespace dynamq::net {

namespace {
constexpr std::size_t kReadBufferSize = 64 * 1024;
}

Loop::Loop(std::size_t index) : index_(index), read_buffer_(kReadBufferSize) {}

void Loop::enlist_flush(TcpConnection* c) {
  flush_list_.push_back(c);
  if (!flush_posted_) {
    flush_posted_ = true;
    asio::post(context_, [this] { flush_listed(); });
  }
}

void Loop::flush_listed() {
  flush_posted_ = false;
  // Connections enlisted while these are flushed go to the next turn's list.
  flushing_.swap(flush_list_);
  for (auto* c : flushing_) {
    c->flush_listed();
  }
  flushing_.clear();
}

IoPool::IoPool(std::size_t threads) {
  if (threads == 0) {
    threads = std::max(1U, std::thread::hardware_concurrency());
  }
  loops_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) {
    loops_.push_back(std::make_unique<Loop>(i));
    guards_.emplace_back(loops_.back()->context().get_executor());
  }
}

IoPool::~IoPool() {
  stop();
}

Loop& IoPool::next() {
  return *loops_[next_.fetch_add(1, std::memory_order_relaxed) % loops_.size()];
}

void IoPool::start() {
  for (auto& loop : loops_) {
    threads_.emplace_back([l = loop.get()] {
      for (;;) {
        try {
          l->context().run();
          return;
        } catch (const std::exception& e) {
          // A handler threw: a bug, but one connection's bug must not take the loop down.
          spdlog::critical("io thread {}: unhandled exception: {}", l->index(), e.what());
        }
      }
    });
  }
}

void IoPool::stop() {
  if (!threads_.empty()) {
    run_on_each([](Loop& loop) { loop.connections().abort_all(); });
  }
  guards_.clear();
  for (auto& loop : loops_) {
    loop->context().stop();
  }
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
  threads_.clear();
  // A handshake that completed between the abort above and the stop started a connection
  // nobody aborted: its link ⇄ handler cycle would outlive the pool. The loops' threads are
  // gone, so these connections can be ended from here.
  for (auto& loop : loops_) {
    loop->connections().abort_all();
  }
}

}  // namespace dynamq::net
