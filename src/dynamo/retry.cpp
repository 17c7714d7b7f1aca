#include "dynamo/retry.hpp"

#include <algorithm>

namespace dynamq::dynamo {

std::chrono::milliseconds backoff_cap(const RetryPolicy& p, int retry) {
  if (retry < 1) retry = 1;
  // base * 2^(retry-1) without overflow: stop doubling once past the maximum.
  std::int64_t cap = std::max<std::int64_t>(p.base_backoff.count(), 1);
  for (int i = 1; i < retry && cap < p.max_backoff.count(); ++i) cap *= 2;
  return std::chrono::milliseconds(std::min<std::int64_t>(cap, p.max_backoff.count()));
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& p, int retry, std::mt19937_64& rng) {
  // Full jitter (uniform over [0, cap]) spreads simultaneous retries of many callers.
  auto cap = backoff_cap(p, retry).count();
  if (cap <= 0) return std::chrono::milliseconds(0);
  std::uniform_int_distribution<std::int64_t> d(0, cap);
  return std::chrono::milliseconds(d(rng));
}

RetryBudget::RetryBudget(const RetryPolicy& p)
    : capacity_(p.budget_capacity),
      retry_cost_(p.retry_cost),
      timeout_cost_(p.timeout_cost),
      refund_(p.success_refund),
      tokens_(p.budget_capacity) {}

bool RetryBudget::try_acquire(bool timeout_like) {
  if (capacity_ <= 0) return true;  // budget disabled
  int cost = timeout_like ? timeout_cost_ : retry_cost_;
  int cur = tokens_.load(std::memory_order_relaxed);
  while (cur >= cost) {
    if (tokens_.compare_exchange_weak(cur, cur - cost, std::memory_order_relaxed)) return true;
  }
  return false;
}

void RetryBudget::on_success() {
  if (capacity_ <= 0) return;
  int cur = tokens_.load(std::memory_order_relaxed);
  while (cur < capacity_) {
    int next = std::min(capacity_, cur + refund_);
    if (tokens_.compare_exchange_weak(cur, next, std::memory_order_relaxed)) return;
  }
}

}  // namespace dynamq::dynamo
