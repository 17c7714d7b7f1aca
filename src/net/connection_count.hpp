// Connection counting for the two limits: per listener (listener.<kind>.<name>.max_connections)
// and per process (net.max_connections). A connection counts against both from the moment it
// is accepted until its transport lets it go (a failed handshake or the end of the connection).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace dynamq::net {

// The process-wide count, shared by every listener. Thread-safe: listeners accept on
// different loops and connections end on every loop.
class ConnectionBudget {
 public:
  explicit ConnectionBudget(std::size_t max = 0) : max_(max) {}

  // Takes one place, or returns false when `max` are already taken (0 = no limit).
  bool try_acquire() {
    auto n = active_.load(std::memory_order_relaxed);
    do {
      if (max_ != 0 && n >= max_) {
        refused_.fetch_add(1, std::memory_order_relaxed);
        return false;
      }
    } while (!active_.compare_exchange_weak(n, n + 1, std::memory_order_relaxed));
    return true;
  }
  void release(std::size_t n) { active_.fetch_sub(n, std::memory_order_relaxed); }

  [[nodiscard]] std::size_t max() const { return max_; }
  [[nodiscard]] std::size_t active() const { return active_.load(std::memory_order_relaxed); }
  [[nodiscard]] std::uint64_t refused() const { return refused_.load(std::memory_order_relaxed); }

 private:
  std::size_t max_;
  std::atomic<std::size_t> active_{0};
  std::atomic<std::uint64_t> refused_{0};
};

enum class Admission { admitted, listener_full, process_full };

// Connections open on one listener. It has the atomic's load/fetch_sub so every transport
// releases a connection the way it always did; the release reaches the process-wide budget
// too, so the two counts can never drift apart.
class ActiveConnections {
 public:
  void attach(std::shared_ptr<ConnectionBudget> budget) { budget_ = std::move(budget); }
  [[nodiscard]] const std::shared_ptr<ConnectionBudget>& budget() const { return budget_; }

  // Called only by the listener's acceptor (one coroutine), so the listener's own
  // check-then-add cannot race with another admission on the same listener.
  Admission try_admit(std::size_t listener_max) {
    if (listener_max != 0 && n_.load(std::memory_order_relaxed) >= listener_max) {
      return Admission::listener_full;
    }
    if (budget_ && !budget_->try_acquire()) {
      return Admission::process_full;
    }
    n_.fetch_add(1, std::memory_order_relaxed);
    return Admission::admitted;
  }

  std::size_t fetch_sub(std::size_t n, std::memory_order order = std::memory_order_seq_cst) {
    const auto before = n_.fetch_sub(n, order);
    if (budget_) {
      budget_->release(n);
    }
    return before;
  }
  [[nodiscard]] std::size_t load(std::memory_order order = std::memory_order_seq_cst) const {
    return n_.load(order);
  }

 private:
  std::atomic<std::size_t> n_{0};
  std::shared_ptr<ConnectionBudget> budget_;
};

}  // namespace dynamq::net
