// The first 16 bytes of every payload the load generator sends: when it was sent (steady
// clock, shared by all threads of the process), which publisher sent it and its sequence
// number on that publisher's topic. Subscribers read it back to measure latency and to
// detect losses, duplicates and reordering per (subscriber, publisher).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string_view>

namespace dynamq::bench {

inline constexpr std::size_t kStampSize = 16;

struct Stamp {
  std::uint64_t sent_ns = 0;
  std::uint32_t publisher = 0;
  std::uint32_t sequence = 0;
};

inline std::uint64_t now_ns() noexcept {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::steady_clock::now().time_since_epoch())
                                        .count());
}

// Host byte order: the stamp never leaves this process.
inline void write_stamp(std::uint8_t* out, const Stamp& stamp) noexcept {
  std::memcpy(out, &stamp.sent_ns, 8);
  std::memcpy(out + 8, &stamp.publisher, 4);
  std::memcpy(out + 12, &stamp.sequence, 4);
}

inline std::optional<Stamp> read_stamp(std::string_view payload) noexcept {
  if (payload.size() < kStampSize) return std::nullopt;
  Stamp stamp;
  std::memcpy(&stamp.sent_ns, payload.data(), 8);
  std::memcpy(&stamp.publisher, payload.data() + 8, 4);
  std::memcpy(&stamp.sequence, payload.data() + 12, 4);
  return stamp;
}

}  // namespace dynamq::bench
