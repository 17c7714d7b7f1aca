// One application message as the broker routes it: decoded once from a PUBLISH, shared
// (immutable) by every subscriber, hook and queue that holds it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
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
  ~EncodedCache() {
    for (Entry* e = head_; e != nullptr;) {
      Entry* next = e->next;
      delete e;
      e = next;
    }
  }

  static constexpr std::size_t kSlots = 2 * 3 * 2;
  // slot = (v5 ? 6 : 0) + qos * 2 + retain
  static constexpr std::size_t slot(bool v5, std::uint8_t qos, bool retain) {
    return (v5 ? 6U : 0U) + qos * 2U + (retain ? 1U : 0U);
  }
  template <typename Make>
  EncodedPublish get(std::size_t index, Make&& make) {
    const Lock lock(busy_);
    for (Entry* e = head_; e != nullptr; e = e->next) {
      if (e->slot == index) {
        return e->value;
      }
    }
    head_ = new Entry{std::forward<Make>(make)(), static_cast<std::uint8_t>(index), head_};
    return head_->value;
  }

 private:
  // A list of the slots in use (one or two per message in practice): an empty cache is one
  // pointer, where an array of all 12 slots cost 288 bytes in every queued message.
  struct Entry {
    EncodedPublish value;
    std::uint8_t slot;
    Entry* next;
  };
  // A one-byte lock instead of a 40-byte std::mutex (per message): contended only when two
  // threads encode the same message for the same layout at once; a waiter sleeps in
  // atomic_flag::wait rather than spinning.
  struct Lock {
    explicit Lock(std::atomic_flag& flag) : flag_(flag) {
      while (flag_.test_and_set(std::memory_order_acquire)) {
        flag_.wait(true, std::memory_order_relaxed);
      }
    }
    ~Lock() {
      flag_.clear(std::memory_order_release);
      flag_.notify_one();
    }
    Lock(const Lock&) = delete;
    Lock& operator=(const Lock&) = delete;
    std::atomic_flag& flag_;
  };
  std::atomic_flag busy_;
  Entry* head_ = nullptr;
};

// The MQTT 5 properties of a message behind a pointer, null when there are none (every
// 3.1/3.1.1 message and most 5.0 ones): an inline mqtt::Properties cost 488 bytes per
// message. Reads go through -> and * (an empty Properties when none); set by assignment.
class MessageProperties {
 public:
  MessageProperties() = default;
  MessageProperties(const MessageProperties& other)
      : p_(other.p_ ? std::make_unique<mqtt::Properties>(*other.p_) : nullptr) {}
  MessageProperties(MessageProperties&&) noexcept = default;
  MessageProperties& operator=(const MessageProperties& other) {
    if (this != &other) {
      p_ = other.p_ ? std::make_unique<mqtt::Properties>(*other.p_) : nullptr;
    }
    return *this;
  }
  MessageProperties& operator=(MessageProperties&&) noexcept = default;
  ~MessageProperties() = default;

  MessageProperties& operator=(mqtt::Properties properties) {
    if (properties == empty_properties()) {
      p_.reset();
    } else {
      p_ = std::make_unique<mqtt::Properties>(std::move(properties));
    }
    return *this;
  }

  [[nodiscard]] bool has_any() const { return p_ != nullptr; }
  const mqtt::Properties& operator*() const { return p_ ? *p_ : empty_properties(); }
  const mqtt::Properties* operator->() const { return &**this; }

  static const mqtt::Properties& empty_properties() {
    static const mqtt::Properties none;
    return none;
  }

 private:
  std::unique_ptr<mqtt::Properties> p_;
};

// Field order packs the small members together (sizeof is guarded by a unit test).
struct Message {
  MessageId id;
  std::string topic;
  mqtt::Payload payload;  // shared bytes, binary-safe
  std::uint8_t qos = 0;
  bool retain = false;
  // Set on retained messages that came from storage (Injection::retained), so they are not
  // delivered next to the same topic's in-memory retained message.
  bool from_storage = false;
  // Only the properties that travel with the message ([MQTT-3.3.2-*]): payload format,
  // message expiry (as published), content type, response topic, correlation data, user
  // properties. Topic Alias and Subscription Identifiers are per hop and never set here.
  MessageProperties properties;
  // Who published it ("" for messages injected by storage or the broker itself).
  std::string sender_client_id;
  std::string sender_username;
  // For Message Expiry: when the broker received it.
  std::chrono::steady_clock::time_point received_at = std::chrono::steady_clock::now();

  // Remaining expiry interval in seconds at `now`; nullopt = never expires; 0 = expired.
  [[nodiscard]] std::optional<std::uint32_t> remaining_expiry(
      std::chrono::steady_clock::time_point now) const;

  // Encoded PUBLISH packets shared by subscribers with the same layout (filled lazily,
  // thread-safe). Not part of the message's value.
  mutable EncodedCache encoded;
};

using MessagePtr = std::shared_ptr<const Message>;

}  // namespace dynamq::broker
