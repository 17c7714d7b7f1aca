// The MQTT 5 Subscription Identifiers one delivery carries (spec 3.3.2.3.8): usually none,
// sometimes one, rarely several (overlapping subscriptions with identifiers). Held in one
// word so that a Delivery — one per queued message per subscriber — stays small: a
// std::vector here cost 24 bytes per delivery, and an allocation per delivery with an id.
//
// Encoding of the word: 0 = none; odd = one id (id << 1 | 1; ids are at most 28 bits);
// even and non-zero = a heap std::vector<uint32_t> with two or more ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace dynamq::broker {

class SubscriptionIds {
 public:
  SubscriptionIds() = default;
  SubscriptionIds(const SubscriptionIds& other) : word_(copy_of(other.word_)) {}
  SubscriptionIds(SubscriptionIds&& other) noexcept : word_(std::exchange(other.word_, 0)) {}
  SubscriptionIds& operator=(const SubscriptionIds& other) {
    if (this != &other) {
      SubscriptionIds copy(other);
      swap(copy);
    }
    return *this;
  }
  SubscriptionIds& operator=(SubscriptionIds&& other) noexcept {
    SubscriptionIds moved(std::move(other));
    swap(moved);
    return *this;
  }
  ~SubscriptionIds() { delete many(); }

  void swap(SubscriptionIds& other) noexcept { std::swap(word_, other.word_); }

  [[nodiscard]] bool empty() const { return word_ == 0; }
  [[nodiscard]] std::size_t size() const {
    if (word_ == 0) {
      return 0;
    }
    return single() ? 1 : many()->size();
  }

  // `id` is 1..268435455 (a valid Subscription Identifier).
  void push_back(std::uint32_t id) {
    if (word_ == 0) {
      word_ = (static_cast<std::uintptr_t>(id) << 1) | 1U;
      return;
    }
    if (single()) {
      auto* v = new std::vector<std::uint32_t>{static_cast<std::uint32_t>(word_ >> 1), id};
      word_ = reinterpret_cast<std::uintptr_t>(v);
      return;
    }
    many()->push_back(id);
  }

  void clear() {
    delete many();
    word_ = 0;
  }

  [[nodiscard]] std::vector<std::uint32_t> to_vector() const {
    if (word_ == 0) {
      return {};
    }
    if (single()) {
      return {static_cast<std::uint32_t>(word_ >> 1)};
    }
    return *many();
  }

  friend bool operator==(const SubscriptionIds& a, const SubscriptionIds& b) {
    return a.to_vector() == b.to_vector();
  }

 private:
  [[nodiscard]] bool single() const { return (word_ & 1U) != 0; }
  [[nodiscard]] std::vector<std::uint32_t>* many() const {
    return word_ == 0 || single() ? nullptr : reinterpret_cast<std::vector<std::uint32_t>*>(word_);
  }
  static std::uintptr_t copy_of(std::uintptr_t word) {
    if (word == 0 || (word & 1U) != 0) {
      return word;
    }
    auto* v = new std::vector<std::uint32_t>(*reinterpret_cast<std::vector<std::uint32_t>*>(word));
    return reinterpret_cast<std::uintptr_t>(v);
  }

  std::uintptr_t word_ = 0;
};

}  // namespace dynamq::broker
