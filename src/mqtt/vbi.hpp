// Variable Byte Integer (spec 1.5.5): 7 bits per byte, high bit = "more", at most 4 bytes,
// values 0..268,435,455.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace dynamq::mqtt {

inline constexpr std::uint32_t kMaxVbi = 268'435'455;

// Bytes needed for `value` (1..4); value must be <= kMaxVbi.
constexpr std::size_t vbi_size(std::uint32_t value) noexcept {
  return value < 128 ? 1 : value < 16'384 ? 2 : value < 2'097'152 ? 3 : 4;
}

// Writes `value` (<= kMaxVbi) at `out`, returns the bytes written.
inline std::size_t encode_vbi(std::uint32_t value, std::uint8_t* out) noexcept {
  std::size_t n = 0;
  do {
    std::uint8_t byte = value & 0x7F;
    value >>= 7;
    if (value != 0) byte |= 0x80;
    out[n++] = byte;
  } while (value != 0);
  return n;
}

struct VbiResult {
  enum class Status : std::uint8_t { ok, need_more, malformed };
  Status status = Status::need_more;
  std::uint32_t value = 0;
  std::size_t length = 0;  // bytes used (ok only)
};

// Reads one VBI from the start of `input`. A fifth byte is malformed [MQTT-1.5.5-1]
// (non-minimal encodings are accepted, as most brokers do).
constexpr VbiResult decode_vbi(std::span<const std::uint8_t> input) noexcept {
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    if (i >= input.size()) return {VbiResult::Status::need_more, 0, 0};
    const std::uint8_t byte = input[i];
    value |= static_cast<std::uint32_t>(byte & 0x7F) << (7 * i);
    if ((byte & 0x80) == 0) return {VbiResult::Status::ok, value, i + 1};
  }
  return {VbiResult::Status::malformed, 0, 0};
}

}  // namespace dynamq::mqtt
