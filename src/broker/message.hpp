// One application message as the broker routes it: decoded once from a PUBLISH, shared
// (immutable) by every subscriber, hook and queue that holds it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "broker/client_link.hpp"
#include "broker/message_id.hpp"
#include "mqtt/payload.hpp"
#include "mqtt/properties.hpp"

namespace dynamq::broker {

// Cache of the bytes of one message as PUBLISH, one slot per (protocol family, QoS,
// retain flag) — the layout shared by every subscriber without per-subscriber properties.
// For QoS > 0 the packet id in the cached bytes is 0 and is patched in a copy per delivery.
struct EncodedPublish {
  SharedBytes bytes;
  std::size_t packet_id_offset = 0;  // 0 for QoS 0
};

class EncodedCache {
 public:
  EncodedCache() = default;
  // Copies and moves start empty: the cache belongs to one message object.
  EncodedCache(const EncodedCache&) {}
  EncodedCache& operator=(const EncodedCache&) { return *this; }

  static constexpr std::size_t kSlots = 2 * 3 * 2;
  // slot = (v5 ? 6 : 0) + qos * 2 + retain
  static constexpr std::size_t slot(bool v5, std::uint8_t qos, bool retain) {
    return (v5 ? 6U : 0U) + qos * 2U + (retain ? 1U : 0U);
  }
  template <typename Make>
  EncodedPublish get(std::size_t index, Make&& make) {
    std::lock_guard lock(mutex_);
    auto& entry = slots_[index];
    if (!entry.bytes) {
      entry = std::forward<Make>(make)();
    }
    return entry;
  }

 private:
  std::mutex mutex_;
  std::array<EncodedPublish, kSlots> slots_{};
};

struct Message {
  MessageId id;
  std::string topic;
  mqtt::Payload payload;  // shared bytes, binary-safe
  std::uint8_t qos = 0;
  bool retain = false;
  // Only the properties that travel with the message ([MQTT-3.3.2-*]): payload format,
  // message expiry (as published), content type, response topic, correlation data, user
  // properties. Topic Alias and Subscription Identifiers are per hop and never set here.
  mqtt::Properties properties;
  // Who published it ("" for messages injected by storage or the broker itself).
  std::string sender_client_id;
  std::string sender_username;
  // For Message Expiry: when the broker received it.
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();
  // Set on retained messages that came from storage (Injection::retained), so they are not
  // delivered next to the same topic's in-memory retained message.
  bool from_storage = false;

  // Remaining expiry interval in seconds at `now`; nullopt = never expires; 0 = expired.
  [[nodiscard]] std::optional<std::uint32_t> remaining_expiry(
      std::chrono::steady_clock::time_point now) const;

  // Encoded PUBLISH packets shared by subscribers with the same layout (filled lazily,
  // thread-safe). Not part of the message's value.
  mutable EncodedCache encoded;
};

using MessagePtr = std::shared_ptr<const Message>;

}  // namespace dynamq::broker
