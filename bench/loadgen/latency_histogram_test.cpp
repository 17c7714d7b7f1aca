#include "latency_histogram.hpp"

#include <gtest/gtest.h>

#include <random>

namespace dynamq::bench {
namespace {

TEST(LatencyHistogram, BucketsCoverEveryValueWithBoundedError) {
  // Every value lands in a bucket whose upper edge is >= it and within 1/64 above it.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    const std::uint64_t v = rng() >> (17 + rng() % 47);  // below 2^47: the covered range
    const auto b = LatencyHistogram::bucket_of(v);
    ASSERT_LT(b, LatencyHistogram::kBuckets);
    const auto upper = LatencyHistogram::bucket_upper(b);
    ASSERT_GE(upper, v);
    ASSERT_LE(static_cast<double>(upper - v), static_cast<double>(v) / 64.0 + 1.0) << v;
  }
}

TEST(LatencyHistogram, BucketsAreMonotonic) {
  std::uint64_t previous_upper = 0;
  for (std::size_t b = 1; b < LatencyHistogram::kBuckets; ++b) {
    const auto upper = LatencyHistogram::bucket_upper(b);
    ASSERT_GT(upper, previous_upper);
    ASSERT_EQ(LatencyHistogram::bucket_of(upper), b);
    ASSERT_EQ(LatencyHistogram::bucket_of(previous_upper + 1), b);
    previous_upper = upper;
  }
}

TEST(LatencyHistogram, PercentilesOfAKnownDistribution) {
  LatencyHistogram h;
  for (std::uint64_t v = 1; v <= 10000; ++v) h.record(v * 1000);  // 1 us .. 10 ms
  EXPECT_EQ(h.count(), 10000u);
  EXPECT_EQ(h.max(), 10'000'000u);
  EXPECT_EQ(h.min(), 1000u);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.5)), 5'000'000.0, 5'000'000.0 / 64);
  EXPECT_NEAR(static_cast<double>(h.percentile(0.99)), 9'900'000.0, 9'900'000.0 / 64);
  EXPECT_EQ(h.percentile(1.0), 10'000'000u);
  EXPECT_NEAR(h.mean(), 5'000'500.0, 1.0);
}

TEST(LatencyHistogram, MergeEqualsRecordingEverythingInOne) {
  LatencyHistogram a, b, all;
  for (std::uint64_t v = 0; v < 5000; ++v) {
    (v % 2 ? a : b).record(v * 37);
    all.record(v * 37);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  for (double q : {0.1, 0.5, 0.9, 0.99, 0.999}) EXPECT_EQ(a.percentile(q), all.percentile(q));
  EXPECT_EQ(a.max(), all.max());
}

TEST(LatencyHistogram, ValuesPastTheRangeAreKeptAsTheMaximum) {
  LatencyHistogram h;
  h.record(1000);
  h.record(std::uint64_t{1} << 60);
  EXPECT_EQ(LatencyHistogram::bucket_of(std::uint64_t{1} << 60), LatencyHistogram::kBuckets - 1);
  EXPECT_EQ(h.percentile(1.0), std::uint64_t{1} << 60);
  EXPECT_EQ(h.max(), std::uint64_t{1} << 60);
}

TEST(LatencyHistogram, EmptyIsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.percentile(0.99), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

}  // namespace
}  // namespace dynamq::bench
