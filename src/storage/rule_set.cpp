#include "storage/rule_set.hpp"

#include "mqtt/filter_relations.hpp"
#include "mqtt/topic.hpp"

namespace dynamq::storage {

bool has_wildcard(std::string_view filter) noexcept {
  return filter.find_first_of("+#") != std::string_view::npos;
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
    if (!rule.topic || mqtt::filters_intersect(*rule.topic, filter)) out.push_back(&rule);
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
