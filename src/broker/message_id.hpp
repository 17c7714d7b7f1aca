// Broker message ids (SPEC §2 "Message ids"): 128 bits, the high 64 bits are the publish
// time in µs since the epoch, the low 64 bits hold the node id (16 bits) and a sequence
// (48 bits). Ids increase within a node, so their order is the order of publishing.
#pragma once

#include <atomic>
#include <compare>
#include <cstdint>
#include <string>

namespace dynamq::broker {

struct MessageId {
  std::uint64_t high = 0;  // µs since the epoch at publish
  std::uint64_t low = 0;   // node id << 48 | sequence

  friend auto operator<=>(const MessageId&, const MessageId&) = default;
  [[nodiscard]] bool empty() const { return high == 0 && low == 0; }
  [[nodiscard]] std::uint64_t micros() const { return high; }
  // The 128-bit value in decimal, e.g. "28819506059466076318809794605678590".
  [[nodiscard]] std::string decimal() const;
};

// Thread-safe, lock-free generator; strictly increasing ids per node even when the clock
// steps back (the time part then stays at the last value and the sequence carries).
class MessageIdGenerator {
 public:
  explicit MessageIdGenerator(std::uint16_t node_id) : node_id_(node_id) {}
  MessageId next();

 private:
  std::uint16_t node_id_;
  // high 64 bits of the last id; low part's sequence.
  std::atomic<std::uint64_t> last_micros_{0};
  std::atomic<std::uint64_t> sequence_{0};
};

// 16-bit node id from a node name (FNV-1a), used when settings.node_id is 0.
std::uint16_t node_id_from_name(const std::string& name);

}  // namespace dynamq::broker
