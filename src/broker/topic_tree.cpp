#include "broker/topic_tree.hpp"

#include <algorithm>
#include <array>
#include <functional>
#include <mutex>

#include "broker/session.hpp"

namespace dynamq::broker {

namespace {

struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

// Calls `f` with each '/'-separated level of `text` in order.
template <typename F>
void for_each_level(std::string_view text, F&& f) {
  std::size_t start = 0;
  while (true) {
    const auto slash = text.find('/', start);
    if (slash == std::string_view::npos) {
      f(text.substr(start));
      return;
    }
    f(text.substr(start, slash - start));
    start = slash + 1;
  }
}

}  // namespace

struct TopicTree::Group {
  std::shared_ptr<const ShareKey> key;
  std::vector<Target> members;
  mutable std::atomic<std::size_t> next{0};
};

struct TopicTree::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> children;
  std::unique_ptr<Node> plus;  // '+'
  std::unique_ptr<Node> hash;  // '#'
  std::vector<Target> subscribers;
  std::vector<std::unique_ptr<Group>> groups;

  [[nodiscard]] bool empty() const {
    return children.empty() && !plus && !hash && subscribers.empty() && groups.empty();
  }
  std::unique_ptr<Node>& child_slot(std::string_view level) {
    if (level == "+") {
      return plus;
    }
    if (level == "#") {
      return hash;
    }
    auto it = children.find(level);
    if (it == children.end()) {
      it = children.emplace(std::string(level), nullptr).first;
    }
    return it->second;
  }
  Node* find_child(std::string_view level) const {
    if (level == "+") {
      return plus.get();
    }
    if (level == "#") {
      return hash.get();
    }
    const auto it = children.find(level);
    return it == children.end() ? nullptr : it->second.get();
  }
  void erase_child(std::string_view level) {
    if (level == "+") {
      plus.reset();
    } else if (level == "#") {
      hash.reset();
    } else if (const auto it = children.find(level); it != children.end()) {
      children.erase(it);
    }
  }
};

TopicTree::TopicTree() : root_(std::make_unique<Node>()) {}
TopicTree::~TopicTree() = default;

bool TopicTree::subscribe(std::string_view filter, std::string_view share_group,
                          const std::shared_ptr<Session>& session,
                          const SubscriptionOptions& options) {
  std::unique_lock lock(mutex_);
  Node* node = root_.get();
  for_each_level(filter, [&](std::string_view level) {
    auto& slot = node->child_slot(level);
    if (!slot) {
      slot = std::make_unique<Node>();
    }
    node = slot.get();
  });
  std::vector<Target>* list = &node->subscribers;
  std::shared_ptr<const ShareKey> key;
  if (!share_group.empty()) {
    auto it = std::find_if(node->groups.begin(), node->groups.end(),
                           [&](const auto& g) { return g->key->group == share_group; });
    if (it == node->groups.end()) {
      auto group = std::make_unique<Group>();
      group->key =
          std::make_shared<const ShareKey>(ShareKey{std::string(share_group), std::string(filter)});
      node->groups.push_back(std::move(group));
      it = node->groups.end() - 1;
    }
    list = &(*it)->members;
    key = (*it)->key;
  }
  for (auto& target : *list) {
    if (target.session.get() == session.get()) {
      target.options = options;
      return false;
    }
  }
  list->push_back(Target{session, options, std::move(key)});
  ++count_;
  return true;
}

bool TopicTree::unsubscribe(std::string_view filter, std::string_view share_group,
                            const Session* session) {
  std::unique_lock lock(mutex_);
  // Walk down remembering the path so empty nodes can be pruned bottom-up.
  std::vector<std::pair<Node*, std::string_view>> path;
  Node* node = root_.get();
  bool found = true;
  for_each_level(filter, [&](std::string_view level) {
    if (!found) {
      return;
    }
    Node* child = node->find_child(level);
    if (!child) {
      found = false;
      return;
    }
    path.emplace_back(node, level);
    node = child;
  });
  if (!found) {
    return false;
  }
  bool removed = false;
  const auto erase_from = [&](std::vector<Target>& list) {
    const auto it = std::find_if(list.begin(), list.end(),
                                 [&](const Target& t) { return t.session.get() == session; });
    if (it != list.end()) {
      list.erase(it);
      removed = true;
    }
  };
  if (share_group.empty()) {
    erase_from(node->subscribers);
  } else {
    const auto it = std::find_if(node->groups.begin(), node->groups.end(),
                                 [&](const auto& g) { return g->key->group == share_group; });
    if (it != node->groups.end()) {
      erase_from((*it)->members);
      if ((*it)->members.empty()) {
        node->groups.erase(it);
      }
    }
  }
  if (!removed) {
    return false;
  }
  --count_;
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    Node* child = it->first->find_child(it->second);
    if (!child->empty()) {
      break;
    }
    it->first->erase_child(it->second);
  }
  return true;
}

namespace {

const Target* pick_member(const std::vector<Target>& members, std::atomic<std::size_t>& next,
                          const Session* exclude) {
  const std::size_t n = members.size();
  if (n == 0) {
    return nullptr;
  }
  const std::size_t start = next.fetch_add(1, std::memory_order_relaxed);
  const Target* fallback = nullptr;
  for (std::size_t i = 0; i < n; ++i) {
    const Target& t = members[(start + i) % n];
    if (t.session.get() == exclude) {
      continue;
    }
    if (t.session->online()) {
      // Continue after the chosen member, so offline members do not skew the rotation.
      next.store(start + i + 1, std::memory_order_relaxed);
      return &t;
    }
    if (!fallback) {
      fallback = &t;
    }
  }
  return fallback;
}

}  // namespace

void TopicTree::match(std::string_view topic, std::vector<Target>& out,
                      const Session* exclude) const {
  // Levels of the topic; topics rarely have more than a handful.
  thread_local std::vector<std::string_view> levels;
  levels.clear();
  for_each_level(topic, [&](std::string_view level) { levels.push_back(level); });
  const bool dollar = !topic.empty() && topic.front() == '$';

  const auto collect = [&](const Node& node) {
    out.insert(out.end(), node.subscribers.begin(), node.subscribers.end());
    for (const auto& group : node.groups) {
      if (const Target* t = pick_member(group->members, group->next, exclude)) {
        out.push_back(*t);
      }
    }
  };
  // Iterative walk with an explicit stack of (node, level index).
  thread_local std::vector<std::pair<const Node*, std::size_t>> stack;
  stack.clear();
  std::shared_lock lock(mutex_);
  stack.emplace_back(root_.get(), 0);
  while (!stack.empty()) {
    const auto [node, i] = stack.back();
    stack.pop_back();
    // [MQTT-4.7.2-1]: wildcards at the first level do not match '$' topics.
    const bool wildcards = !(dollar && i == 0);
    if (wildcards && node->hash) {
      collect(*node->hash);  // '#' also matches the parent level ("a/#" matches "a")
    }
    if (i == levels.size()) {
      collect(*node);
      continue;
    }
    if (wildcards && node->plus) {
      stack.emplace_back(node->plus.get(), i + 1);
    }
    if (const auto it = node->children.find(levels[i]); it != node->children.end()) {
      stack.emplace_back(it->second.get(), i + 1);
    }
  }
}

Target TopicTree::pick_shared(const ShareKey& key, const Session* exclude) const {
  std::shared_lock lock(mutex_);
  const Node* node = root_.get();
  bool found = true;
  for_each_level(key.filter, [&](std::string_view level) {
    if (found) {
      node = node->find_child(level);
      found = node != nullptr;
    }
  });
  if (!found) {
    return {};
  }
  for (const auto& group : node->groups) {
    if (group->key->group == key.group) {
      if (const Target* t = pick_member(group->members, group->next, exclude)) {
        return *t;
      }
    }
  }
  return {};
}

std::size_t TopicTree::subscription_count() const {
  std::shared_lock lock(mutex_);
  return count_;
}

}  // namespace dynamq::broker
