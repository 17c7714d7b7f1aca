#include "storage/rule_set.hpp"

#include "mqtt/topic.hpp"

namespace dynamq::storage {
namespace {

std::string_view next_level(std::string_view& rest, bool& done) {
  const auto slash = rest.find('/');
  std::string_view level = rest.substr(0, slash);
  if (slash == std::string_view::npos) {
    done = true;
    rest = {};
  } else {
    rest.remove_prefix(slash + 1);
  }
  return level;
}

}  // namespace

bool has_wildcard(std::string_view filter) noexcept {
  return filter.find_first_of("+#") != std::string_view::npos;
}

bool filters_overlap(std::string_view a, std::string_view b) noexcept {
  const bool a_dollar = !a.empty() && a.front() == '$';
  const bool b_dollar = !b.empty() && b.front() == '$';
  const bool a_wild = !a.empty() && (a.front() == '+' || a.front() == '#');
  const bool b_wild = !b.empty() && (b.front() == '+' || b.front() == '#');
  if ((a_dollar && b_wild) || (b_dollar && a_wild)) return false;
  bool a_done = false;
  bool b_done = false;
  while (!a_done && !b_done) {
    const auto la = next_level(a, a_done);
    const auto lb = next_level(b, b_done);
    if (la == "#" || lb == "#") return true;
    if (la != lb && la != "+" && lb != "+") return false;
  }
  if (a_done && b_done) return true;
  // One filter ended: "a/#" also matches "a" [MQTT-4.7.1-2].
  bool ignored = false;
  std::string_view& rest = a_done ? b : a;
  return next_level(rest, ignored) == "#";
}

RuleSet::RuleSet(const BackendConfig& config) {
  for (const auto& rule : config.rules) {
    BoundRule bound;
    bound.function = rule.function;
    bound.topic = rule.topic;
    bound.offline_opts = rule.offline_opts;
    bound.line = rule.line;
    for (std::size_t i = 0; i < config.pools.size(); ++i) {
      if (config.pools[i].name == rule.pool) bound.pool = i;
    }
    rules_.at(static_cast<std::size_t>(rule.hook)).push_back(std::move(bound));
  }
}

const std::vector<BoundRule>& RuleSet::all(HookPoint hook) const {
  return rules_.at(static_cast<std::size_t>(hook));
}

std::vector<const BoundRule*> RuleSet::for_topic(HookPoint hook, std::string_view topic) const {
  std::vector<const BoundRule*> out;
  for (const auto& rule : all(hook)) {
    if (!rule.topic || mqtt::topic_matches(*rule.topic, topic)) out.push_back(&rule);
  }
  return out;
}

std::vector<const BoundRule*> RuleSet::for_filter(HookPoint hook, std::string_view filter) const {
  std::vector<const BoundRule*> out;
  for (const auto& rule : all(hook)) {
    if (!rule.topic || filters_overlap(*rule.topic, filter)) out.push_back(&rule);
  }
  return out;
}

bool RuleSet::uses(Function function) const {
  for (const auto& list : rules_) {
    for (const auto& rule : list) {
      if (rule.function == function) return true;
    }
  }
  return false;
}

}  // namespace dynamq::storage
