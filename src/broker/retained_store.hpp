// Retained messages in memory, one per topic ([MQTT-3.3.1-5]); an empty retained payload
// deletes the topic's message ([MQTT-3.3.1-10]). Shared by all io threads (shared lock).
#pragma once

#include <cstddef>
#include <functional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/message.hpp"

namespace dynamq::broker {

class RetainedStore {
 public:
  // Stores (non-empty payload) or deletes (empty payload) the topic's retained message.
  void update(const MessagePtr& message);
  // Retained messages whose topic matches a valid filter, appended to `out` (topic order
  // is unspecified).
  void match(std::string_view filter, std::vector<MessagePtr>& out) const;
  [[nodiscard]] bool contains(std::string_view topic) const;
  [[nodiscard]] std::size_t size() const;

 private:
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, MessagePtr, StringHash, std::equal_to<>> messages_;
};

}  // namespace dynamq::broker
