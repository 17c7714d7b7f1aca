#include "mqtt/topic.hpp"

namespace dynamq::mqtt {

namespace {
constexpr std::size_t kMaxTopicLength = 65'535;
constexpr std::string_view kSharePrefix = "$share/";
}  // namespace

bool is_valid_topic_name(std::string_view topic) noexcept {
  if (topic.empty() || topic.size() > kMaxTopicLength) return false;
  // Single-byte searches (memchr); find_first_of would scan the set once per topic byte.
  return topic.find('+') == std::string_view::npos && topic.find('#') == std::string_view::npos &&
         topic.find('\0') == std::string_view::npos;
}

bool is_valid_topic_filter(std::string_view filter) noexcept {
  if (filter.empty() || filter.size() > kMaxTopicLength) return false;
  std::size_t level_start = 0;
  for (std::size_t i = 0; i <= filter.size(); ++i) {
    if (i < filter.size() && filter[i] == '\0') return false;
    if (i == filter.size() || filter[i] == '/') {
      level_start = i + 1;
      continue;
    }
    const char c = filter[i];
    if (c != '+' && c != '#') continue;
    // A wildcard must be the whole level [MQTT-4.7.1-2] ...
    const bool alone_before = i == level_start;
    const bool alone_after = i + 1 == filter.size() || filter[i + 1] == '/';
    if (!alone_before || !alone_after) return false;
    // ... and '#' the last one [MQTT-4.7.1-1].
    if (c == '#' && i + 1 != filter.size()) return false;
  }
  return true;
}

bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
  // [MQTT-4.7.2-1]: a leading wildcard does not match "$SYS/..." and other '$' topics.
  if (!topic.empty() && topic.front() == '$' && !filter.empty() &&
      (filter.front() == '+' || filter.front() == '#')) {
    return false;
  }
  std::size_t fi = 0;
  std::size_t ti = 0;
  for (;;) {
    const std::size_t fend = filter.find('/', fi);
    const std::string_view flevel = filter.substr(fi, fend - fi);
    if (flevel == "#") return true;  // matches this level and everything below
    const std::size_t tend = topic.find('/', ti);
    const std::string_view tlevel = topic.substr(ti, tend - ti);
    if (flevel != "+" && flevel != tlevel) return false;
    if (fend == std::string_view::npos) return tend == std::string_view::npos;
    if (tend == std::string_view::npos) {
      // Topic ran out: only a final "#" still matches ("a/#" matches "a") [MQTT-4.7.1-2].
      return filter.substr(fend + 1) == "#";
    }
    fi = fend + 1;
    ti = tend + 1;
  }
}

std::optional<SubscriptionFilter> parse_subscription_filter(std::string_view raw) noexcept {
  if (raw.substr(0, kSharePrefix.size()) != kSharePrefix) {
    if (!is_valid_topic_filter(raw)) return std::nullopt;
    return SubscriptionFilter{{}, raw};
  }
  if (raw.size() > kMaxTopicLength) return std::nullopt;
  const std::string_view rest = raw.substr(kSharePrefix.size());
  const std::size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;  // no filter after the group
  const std::string_view group = rest.substr(0, slash);
  // [MQTT-4.8.2-1] at least one character; [MQTT-4.8.2-2] no '/', '+' or '#'.
  if (group.empty() || group.find('+') != std::string_view::npos ||
      group.find('#') != std::string_view::npos)
    return std::nullopt;
  const std::string_view filter = rest.substr(slash + 1);
  if (!is_valid_topic_filter(filter)) return std::nullopt;
  return SubscriptionFilter{group, filter};
}

}  // namespace dynamq::mqtt
