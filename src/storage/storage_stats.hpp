// Counters of the storage plugin (SPEC.md §4), shown by `dynamq ctl stats`. Monotonic,
// lock-free, shared by the writer, the hooks and the fetchers.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace dynamq::storage {

struct StorageStats {
  std::atomic<std::uint64_t> stored{0};   // messages in mqtt_msg + their topic's MsgId set
  std::atomic<std::uint64_t> retried{0};  // writes sent again after a failure
  std::atomic<std::uint64_t> failed{0};   // writes given up (logged with the message id)
  std::atomic<std::uint64_t> dropped{0};  // writes abandoned at unload (logged)
  std::atomic<std::uint64_t> trimmed{0};  // ids trimmed from a full MsgId set
  std::atomic<std::uint64_t> refused_too_large{0};  // messages over the item limit
  std::atomic<std::uint64_t> retained_written{0};
  std::atomic<std::uint64_t> retained_deleted{0};
  std::atomic<std::uint64_t> consumed{0};  // acked messages removed (one-to-one)
  std::atomic<std::uint64_t> fetched{0};   // stored messages delivered on subscribe
  std::atomic<std::uint64_t> retained_fetched{0};
  std::atomic<std::uint64_t> write_requests{0};  // BatchWriteItem + UpdateItem calls by the writer
  std::atomic<std::uint64_t> backpressure_waits{0};  // publishes held because the queue was full
  std::atomic<std::uint64_t> hook_errors{
      0};  // client/subscription/ack writes and reads that failed

  [[nodiscard]] std::vector<std::pair<std::string, std::uint64_t>> snapshot() const {
    auto v = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
    return {{"stored", v(stored)},
            {"retried", v(retried)},
            {"failed", v(failed)},
            {"dropped", v(dropped)},
            {"trimmed", v(trimmed)},
            {"refused_too_large", v(refused_too_large)},
            {"retained_written", v(retained_written)},
            {"retained_deleted", v(retained_deleted)},
            {"consumed", v(consumed)},
            {"fetched", v(fetched)},
            {"retained_fetched", v(retained_fetched)},
            {"write_requests", v(write_requests)},
            {"backpressure_waits", v(backpressure_waits)},
            {"hook_errors", v(hook_errors)}};
  }
};

}  // namespace dynamq::storage
