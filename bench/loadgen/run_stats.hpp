// Counters of one io thread. Only that thread writes them; the few the main thread watches
// while the run is on (to know when deliveries have drained) are relaxed atomics written
// with load+store, which costs no more than a plain increment on the owning thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "latency_histogram.hpp"

namespace dynamq::bench {

class OwnedCounter {
 public:
  void add(std::uint64_t n = 1) noexcept {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  [[nodiscard]] std::uint64_t get() const noexcept {
    return value_.load(std::memory_order_relaxed);
  }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// The measured window in steady-clock nanoseconds. Publishers stop at publish_end_ns.
struct Timeline {
  std::uint64_t start_ns = 0;
  std::uint64_t window_begin_ns = 0;
  std::uint64_t window_end_ns = 0;
  std::uint64_t publish_end_ns = 0;
  std::uint64_t drain_deadline_ns = 0;
  [[nodiscard]] bool in_window(std::uint64_t t) const noexcept {
    return t >= window_begin_ns && t < window_end_ns;
  }
};

struct alignas(64) ThreadStats {
  OwnedCounter delivered;  // PUBLISH packets received by subscribers, whole run
  OwnedCounter published;  // PUBLISH packets queued by publishers, whole run
  OwnedCounter acked;      // PUBACKs received by publishers
  std::uint64_t delivered_in_window = 0;
  std::uint64_t published_in_window = 0;
  std::uint64_t foreign = 0;  // deliveries without our stamp (someone else's traffic)
  std::uint64_t skipped = 0;  // rated sends dropped because the socket was backed up
  std::uint64_t unexpected_acks = 0;
  std::uint64_t last_delivery_ns = 0;
  LatencyHistogram latency;  // deliveries received inside the window
  std::uint64_t errors = 0;  // connections that failed or ended before the run did
  std::string first_error;

  void error(const std::string& what) {
    if (errors++ == 0) first_error = what;
  }
};

}  // namespace dynamq::bench
