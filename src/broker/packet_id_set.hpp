// Packet ids of QoS 2 publishes received and not yet released (per session): an
// unordered_set that exists only while one is pending. An empty std::unordered_set is 56 B
// inline in every session; this is one pointer, and most clients never publish at QoS 2.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_set>

namespace dynamq::broker {

class PacketIdSet {
 public:
  // True when `id` was not there yet.
  bool insert(std::uint16_t id) {
    if (!ids_) {
      ids_ = std::make_unique<std::unordered_set<std::uint16_t>>();
    }
    return ids_->insert(id).second;
  }
  // How many were removed (0 or 1); the set goes away with its last id.
  std::size_t erase(std::uint16_t id) {
    if (!ids_) {
      return 0;
    }
    const std::size_t n = ids_->erase(id);
    if (ids_->empty()) {
      ids_.reset();
    }
    return n;
  }
  [[nodiscard]] std::size_t size() const { return ids_ ? ids_->size() : 0; }
  [[nodiscard]] bool empty() const { return size() == 0; }
  [[nodiscard]] bool contains(std::uint16_t id) const { return ids_ && ids_->contains(id); }
  void clear() { ids_.reset(); }

 private:
  std::unique_ptr<std::unordered_set<std::uint16_t>> ids_;
};

}  // namespace dynamq::broker
