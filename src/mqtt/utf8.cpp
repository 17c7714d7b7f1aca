#include "mqtt/utf8.hpp"

#include <cstdint>

namespace dynamq::mqtt {

// A hand-rolled validator: ASCII runs are the common case (topics, client ids), so they are
// skipped eight bytes at a time before falling back to per-sequence checks.
bool is_valid_mqtt_utf8(std::string_view text) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* const end = p + text.size();
  while (p < end) {
    // Fast path: 8 ASCII bytes, none of them NUL.
    if (end - p >= 8) {
      std::uint64_t word = 0;
      for (int i = 0; i < 8; ++i) word |= static_cast<std::uint64_t>(p[i]) << (8 * i);
      const bool ascii = (word & 0x8080808080808080ULL) == 0;
      const bool has_zero = ((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL) != 0;
      if (ascii && !has_zero) {
        p += 8;
        continue;
      }
    }
    const unsigned char c = *p;
    if (c < 0x80) {
      if (c == 0) return false;  // U+0000 [MQTT-1.5.4-2]
      ++p;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0;
    std::uint32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    } else {
      return false;  // continuation byte or 0xF8.. lead byte
    }
    if (static_cast<std::size_t>(end - p) < len) return false;
    for (std::size_t i = 1; i < len; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i] & 0x3F);
    }
    if (cp < min) return false;                      // overlong [MQTT-1.5.4-1]
    if (cp > 0x10FFFF) return false;                 // beyond Unicode
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;  // surrogate [MQTT-1.5.4-1]
    p += len;
  }
  return true;
}

}  // namespace dynamq::mqtt
