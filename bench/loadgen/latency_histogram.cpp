#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>
#include <cmath>

namespace dynamq::bench {

// Values below 128 get one bucket each. Above, a value with bit width w keeps its top 7 bits
// (64..127) and drops `shift = w - 7` low bits; each shift owns 64 buckets.
std::size_t LatencyHistogram::bucket_of(std::uint64_t value) noexcept {
  if (value < kSubBuckets) return static_cast<std::size_t>(value);
  unsigned shift = static_cast<unsigned>(std::bit_width(value)) - kSubBucketBits;
  if (shift > kMaxShift) return kBuckets - 1;
  const std::uint64_t top = value >> shift;  // 64..127
  return static_cast<std::size_t>(kSubBuckets + (shift - 1) * kHalf + (top - kHalf));
}

std::uint64_t LatencyHistogram::bucket_upper(std::size_t bucket) noexcept {
  if (bucket < kSubBuckets) return bucket;
  const std::size_t above = bucket - kSubBuckets;
  const unsigned shift = static_cast<unsigned>(above / kHalf) + 1;
  const std::uint64_t top = kHalf + above % kHalf;
  return ((top + 1) << shift) - 1;
}

void LatencyHistogram::record(std::uint64_t value_ns) noexcept {
  ++counts_[bucket_of(value_ns)];
  ++count_;
  sum_ += value_ns;
  min_ = std::min(min_, value_ns);
  max_ = std::max(max_, value_ns);
}

void LatencyHistogram::merge(const LatencyHistogram& other) noexcept {
  for (std::size_t i = 0; i < kBuckets; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

std::uint64_t LatencyHistogram::percentile(double q) const noexcept {
  if (count_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // Rank of the wanted value, 1-based: p99 of 100 values is the 99th smallest.
  const auto rank = std::max<std::uint64_t>(
      1, static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_))));
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < kBuckets; ++i) {
    seen += counts_[i];
    // The last bucket also holds everything past the range: its honest answer is the max.
    if (seen >= rank) return i == kBuckets - 1 ? max_ : std::min(bucket_upper(i), max_);
  }
  return max_;
}

}  // namespace dynamq::bench
