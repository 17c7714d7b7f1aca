// Retry policy: exponential backoff with full jitter, and a client-wide retry budget
// (token bucket) so that a dead or overloaded endpoint is not hammered by every caller.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace dynamq::dynamo {

struct RetryPolicy {
  int max_attempts = 5;  // total tries, 1 = no retries
  std::chrono::milliseconds base_backoff{25};
  std::chrono::milliseconds max_backoff{2000};
  // Budget: each retry takes retry_cost tokens (timeouts/connection errors take
  // timeout_cost), each success gives back success_refund, up to budget_capacity.
  // budget_capacity 0 disables the budget.
  int budget_capacity = 500;
  int retry_cost = 5;
  int timeout_cost = 10;
  int success_refund = 1;
};

// Delay before retry number `retry` (1 = first retry): uniform in [0, min(max, base *
// 2^(retry-1))].
std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int retry, std::mt19937_64& rng);
// The upper bound used above (for tests and logs).
std::chrono::milliseconds backoff_cap(const RetryPolicy& p, int retry);

class RetryBudget {
 public:
  explicit RetryBudget(const RetryPolicy& p);
  // Takes the cost of one retry; false (and nothing taken) when the bucket cannot pay.
  bool try_acquire(bool timeout_like);
  void on_success();
  int available() const { return tokens_.load(std::memory_order_relaxed); }

 private:
  int capacity_, retry_cost_, timeout_cost_, refund_;
  std::atomic<int> tokens_;
};

}  // namespace dynamq::dynamo
