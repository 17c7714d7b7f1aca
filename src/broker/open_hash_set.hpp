// A hash set of nullable handles (e.g. std::shared_ptr<Session>) keyed by a string the
// element itself holds: one flat array, open addressing with linear probing, backward-shift
// deletion (no tombstones). For the session registry: std::unordered_set costs a 24 B node
// (32 B with malloc's header) plus 8-16 B of buckets per session; this costs one slot of
// sizeof(T) at a load of 3/8 to 3/4 (bench/README.md, "Memory").
//
// An empty slot is a null T. Not thread-safe (the registry locks around it). Pointers to
// slots are invalidated by insert and erase.
#pragma once

#include <cstddef>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

namespace dynamq::broker {

// KeyOf: std::string_view(const T&) for a non-null T. Hash: of a std::string_view.
template <class T, class KeyOf, class Hash = std::hash<std::string_view>>
class OpenHashSet {
 public:
  [[nodiscard]] std::size_t size() const { return size_; }
  [[nodiscard]] bool empty() const { return size_ == 0; }
  [[nodiscard]] std::size_t capacity() const { return slots_.size(); }

  // The element with `key`, or null.
  [[nodiscard]] T* find(std::string_view key) {
    const std::size_t i = index_of(key);
    return i == kNone ? nullptr : &slots_[i];
  }
  [[nodiscard]] const T* find(std::string_view key) const {
    const std::size_t i = index_of(key);
    return i == kNone ? nullptr : &slots_[i];
  }

  // `value` (non-null) must not have the key of an element already present.
  void insert(T value) {
    if ((size_ + 1) * 4 > slots_.size() * 3) {
      rehash(slots_.empty() ? kMinCapacity : slots_.size() * 2);
    }
    place(std::move(value));
    ++size_;
  }

  // Removes the element `slot` (from find) points to.
  void erase(T* slot) {
    const std::size_t mask = slots_.size() - 1;
    auto hole = static_cast<std::size_t>(slot - slots_.data());
    slots_[hole] = T{};
    // Move back every later element of the run whose home is not between the hole and it,
    // so each stays reachable from its home without tombstones.
    for (std::size_t j = (hole + 1) & mask; slots_[j]; j = (j + 1) & mask) {
      const std::size_t home = Hash{}(KeyOf{}(slots_[j])) & mask;
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        slots_[hole] = std::move(slots_[j]);
        slots_[j] = T{};
        hole = j;
      }
    }
    --size_;
    if (slots_.size() > kMinCapacity && size_ * 8 < slots_.size()) {
      rehash(slots_.size() / 2);  // after a peak: give memory back, with hysteresis
    }
  }

  template <class F>
  void for_each(F&& f) const {
    for (const auto& s : slots_) {
      if (s) {
        f(s);
      }
    }
  }

  // Moves every element out (e.g. to release them outside a lock).
  std::vector<T> take_all() {
    std::vector<T> out;
    out.reserve(size_);
    for (auto& s : slots_) {
      if (s) {
        out.push_back(std::move(s));
      }
    }
    slots_.clear();
    slots_.shrink_to_fit();
    size_ = 0;
    return out;
  }

 private:
  static constexpr std::size_t kMinCapacity = 16;  // a power of two, like every capacity
  static constexpr std::size_t kNone = static_cast<std::size_t>(-1);

  [[nodiscard]] std::size_t index_of(std::string_view key) const {
    if (size_ == 0) {
      return kNone;
    }
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = Hash{}(key)&mask;; i = (i + 1) & mask) {
      if (!slots_[i]) {
        return kNone;  // load <= 3/4: an empty slot always ends the run
      }
      if (KeyOf{}(slots_[i]) == key) {
        return i;
      }
    }
  }

  void place(T value) {
    const std::size_t mask = slots_.size() - 1;
    std::size_t i = Hash{}(KeyOf{}(value)) & mask;
    while (slots_[i]) {
      i = (i + 1) & mask;
    }
    slots_[i] = std::move(value);
  }
  void rehash(std::size_t capacity) {
    std::vector<T> old(capacity);
    old.swap(slots_);
    for (auto& s : old) {
      if (s) {
        place(std::move(s));
      }
    }
  }

  std::vector<T> slots_;  // empty, or a power of two of slots
  std::size_t size_ = 0;
};

}  // namespace dynamq::broker
