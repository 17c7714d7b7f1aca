#include "broker/message_id.hpp"

#include <algorithm>
#include <chrono>

namespace dynamq::broker {

namespace {

constexpr std::uint64_t kSequenceBits = 48;
constexpr std::uint64_t kSequenceMask = (std::uint64_t{1} << kSequenceBits) - 1;

std::uint64_t now_micros() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

}  // namespace

MessageId MessageIdGenerator::next() {
  // The time part never goes backwards (fetch-max), and the sequence is global to the
  // node, so an id taken after another one returned is always larger.
  std::uint64_t micros = now_micros();
  std::uint64_t last = last_micros_.load(std::memory_order_relaxed);
  while (micros > last &&
         !last_micros_.compare_exchange_weak(last, micros, std::memory_order_acq_rel)) {
  }
  micros = std::max(micros, last);
  const std::uint64_t seq = sequence_.fetch_add(1, std::memory_order_acq_rel) & kSequenceMask;
  return MessageId{micros, (std::uint64_t{node_id_} << kSequenceBits) | seq};
}

std::string MessageId::decimal() const {
  unsigned __int128 value = (static_cast<unsigned __int128>(high) << 64) | low;
  if (value == 0) {
    return "0";
  }
  std::string digits;
  while (value != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::uint16_t node_id_from_name(const std::string& name) {
  std::uint32_t hash = 2166136261U;
  for (const char c : name) {
    hash ^= static_cast<std::uint8_t>(c);
    hash *= 16777619U;
  }
  return static_cast<std::uint16_t>((hash >> 16) ^ (hash & 0xFFFF));
}

}  // namespace dynamq::broker
