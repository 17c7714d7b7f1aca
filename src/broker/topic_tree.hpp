// The subscription tree: topic filters split into levels, each node holding the sessions
// subscribed to the filter that ends there. Read-mostly and shared by all io threads: match()
// takes a shared lock only while it collects targets; delivery happens after it returns.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/hooks.hpp"

namespace dynamq::broker {

class Session;

// Identity of one shared subscription group ($share/{group}/{filter}); shared by every
// message routed through it so a leaving member's messages can be handed to another member.
struct ShareKey {
  std::string group;
  std::string filter;
};

struct Target {
  std::shared_ptr<Session> session;
  SubscriptionOptions options;
  std::shared_ptr<const ShareKey> share;  // null for an ordinary subscription
};

class TopicTree {
 public:
  TopicTree();
  ~TopicTree();
  TopicTree(const TopicTree&) = delete;
  TopicTree& operator=(const TopicTree&) = delete;

  // Adds or replaces `session`'s subscription to a valid filter (share_group "" = not
  // shared). Returns true when it is new, false when it replaced one.
  bool subscribe(std::string_view filter, std::string_view share_group,
                 const std::shared_ptr<Session>& session, const SubscriptionOptions& options);
  // Returns false when there was no such subscription.
  bool unsubscribe(std::string_view filter, std::string_view share_group, const Session* session);

  // Appends every ordinary subscription matching `topic` (several per session when filters
  // overlap) and, per matching share group, one member: the next connected one in round-robin
  // order (any member when none is connected). `exclude` is skipped in share groups (a
  // member that is leaving).
  void match(std::string_view topic, std::vector<Target>& out,
             const Session* exclude = nullptr) const;
  // One member of a share group other than `exclude` (redistribution); null session when
  // the group has no other member.
  Target pick_shared(const ShareKey& key, const Session* exclude) const;

  [[nodiscard]] std::size_t subscription_count() const;

 private:
  struct Node;
  struct Group;
  std::unique_ptr<Node> root_;
  mutable std::shared_mutex mutex_;
  std::size_t count_ = 0;
};

}  // namespace dynamq::broker
