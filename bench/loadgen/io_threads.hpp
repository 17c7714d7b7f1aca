// One io_context per thread (DESIGN.md: one event loop per core); clients are placed
// round-robin and stay on their loop for life.
#pragma once

#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "net/asio.hpp"

namespace dynamq::bench {

class IoThreads {
 public:
  explicit IoThreads(int count) {
    for (int i = 0; i < count; ++i) {
      auto& io = contexts_.emplace_back(std::make_unique<net::asio::io_context>(1));
      guards_.emplace_back(net::asio::make_work_guard(*io));
    }
    for (auto& io : contexts_) threads_.emplace_back([&ctx = *io] { ctx.run(); });
  }
  ~IoThreads() { stop(); }
  IoThreads(const IoThreads&) = delete;
  IoThreads& operator=(const IoThreads&) = delete;

  [[nodiscard]] int size() const noexcept { return static_cast<int>(contexts_.size()); }
  net::asio::io_context& at(int i) { return *contexts_[static_cast<std::size_t>(i % size())]; }

  // Stops every loop (pending work is abandoned) and joins the threads.
  void stop() {
    guards_.clear();
    for (auto& io : contexts_) io->stop();
    for (auto& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  std::vector<std::unique_ptr<net::asio::io_context>> contexts_;
  std::vector<net::asio::executor_work_guard<net::asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
};

}  // namespace dynamq::bench
