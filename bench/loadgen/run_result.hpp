// What a run measured, merged over threads, and how it is printed.
#pragma once

#include <cstdint>
#include <string>

#include "latency_histogram.hpp"
#include "options.hpp"

namespace dynamq::bench {

struct RunResult {
  std::uint64_t published = 0;
  std::uint64_t acked = 0;
  std::uint64_t delivered = 0;
  std::uint64_t expected = 0;     // deliveries the subscriptions call for
  std::uint64_t lost = 0;         // gaps: skipped while later messages arrived
  std::uint64_t undelivered = 0;  // tail not arrived by the end of the drain
  std::uint64_t duplicates_or_reordered = 0;
  std::uint64_t foreign = 0;
  std::uint64_t skipped = 0;
  std::uint64_t unexpected_acks = 0;
  double measured_s = 0;
  double published_per_s = 0;
  double delivered_per_s = 0;
  LatencyHistogram latency;
  std::uint64_t errors = 0;
  std::string first_error;
  bool setup_failed = false;

  // Delivery guarantees held: no errors, and at QoS 1 nothing lost, outstanding or
  // duplicated.
  [[nodiscard]] bool ok(const Options& options) const noexcept {
    return !setup_failed && errors == 0 &&
           (options.qos == 0 || (lost == 0 && undelivered == 0 && duplicates_or_reordered == 0));
  }
};

std::string human_line(const Options& options, const RunResult& result);
std::string json_object(const Options& options, const RunResult& result);

}  // namespace dynamq::bench
