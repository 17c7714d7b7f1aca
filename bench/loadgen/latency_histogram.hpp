// Latency histogram with HDR-style log-linear buckets: constant memory (a few thousand
// counters) whatever the message count, <= 1/64 (1.6 %) relative error per value, and
// mergeable across threads. Values are nanoseconds.
#pragma once

#include <array>
#include <cstdint>

namespace dynamq::bench {

class LatencyHistogram {
 public:
  void record(std::uint64_t value_ns) noexcept;
  void merge(const LatencyHistogram& other) noexcept;

  [[nodiscard]] std::uint64_t count() const noexcept { return count_; }
  [[nodiscard]] std::uint64_t max() const noexcept { return max_; }
  [[nodiscard]] std::uint64_t min() const noexcept { return count_ ? min_ : 0; }
  [[nodiscard]] double mean() const noexcept {
    return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0.0;
  }
  // Value at quantile q in [0, 1]: the upper edge of the bucket holding that rank, capped by
  // the exact maximum. 0 when empty.
  [[nodiscard]] std::uint64_t percentile(double q) const noexcept;

  // Bucket arithmetic, public for the unit test.
  static constexpr unsigned kSubBucketBits = 7;  // 128 linear sub-buckets per power of two
  static constexpr std::uint64_t kSubBuckets = 1u << kSubBucketBits;
  static constexpr std::uint64_t kHalf = kSubBuckets / 2;
  static constexpr unsigned kMaxShift = 40;  // values up to ~2^47 ns (~39 hours)
  static constexpr std::size_t kBuckets = kSubBuckets + kMaxShift * kHalf;
  static std::size_t bucket_of(std::uint64_t value) noexcept;
  static std::uint64_t bucket_upper(std::size_t bucket) noexcept;  // largest value inside

 private:
  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t count_ = 0;
  std::uint64_t sum_ = 0;
  std::uint64_t min_ = UINT64_MAX;
  std::uint64_t max_ = 0;
};

}  // namespace dynamq::bench
