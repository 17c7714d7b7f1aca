#include "broker/retained_store.hpp"

#include <mutex>

#include "mqtt/topic.hpp"

namespace dynamq::broker {

void RetainedStore::update(const MessagePtr& message) {
  std::unique_lock lock(mutex_);
  if (message->payload.empty()) {
    if (const auto it = messages_.find(message->topic); it != messages_.end()) {
      messages_.erase(it);
    }
    return;
  }
  messages_.insert_or_assign(message->topic, message);
}

void RetainedStore::match(std::string_view filter, std::vector<MessagePtr>& out) const {
  std::shared_lock lock(mutex_);
  if (filter.find_first_of("+#") == std::string_view::npos) {
    if (const auto it = messages_.find(filter); it != messages_.end()) {
      out.push_back(it->second);
    }
    return;
  }
  // A wildcard subscribe scans the store: subscribing is rare next to publishing, and the
  // scan keeps the publish path (update) a single hash operation.
  for (const auto& [topic, message] : messages_) {
    if (mqtt::topic_matches(filter, topic)) {
      out.push_back(message);
    }
  }
}

bool RetainedStore::contains(std::string_view topic) const {
  std::shared_lock lock(mutex_);
  return messages_.find(topic) != messages_.end();
}

std::size_t RetainedStore::size() const {
  std::shared_lock lock(mutex_);
  return messages_.size();
}

}  // namespace dynamq::broker
