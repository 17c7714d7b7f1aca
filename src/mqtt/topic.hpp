// Topic names, topic filters, matching and shared subscriptions (spec 4.7, 4.8.2).
// These check structure only; UTF-8 validity is checked by the decoder (utf8.hpp).
#pragma once

#include <optional>
#include <string_view>

namespace dynamq::mqtt {

// 1..65535 bytes, no '+' or '#' [MQTT-4.7.1-1], no U+0000 [MQTT-4.7.3-2].
bool is_valid_topic_name(std::string_view topic) noexcept;

// 1..65535 bytes [MQTT-4.7.3-1]; '+' only as a whole level [MQTT-4.7.1-2], '#' only as the
// whole last level [MQTT-4.7.1-1]; no U+0000. "$share/..." is NOT special here: use
// parse_subscription_filter for what a SUBSCRIBE carries.
bool is_valid_topic_filter(std::string_view filter) noexcept;

// Whether a valid `filter` matches a valid `topic` name. Filters starting with a
// wildcard do not match topics starting with '$' [MQTT-4.7.2-1]; "a/#" matches "a".
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

// A SUBSCRIBE/UNSUBSCRIBE filter split into its share group (empty when not shared) and
// the topic filter proper. "$share/{group}/{filter}": group non-empty, without '/', '+'
// or '#' [MQTT-4.8.2-1, -2], filter a valid topic filter.
struct SubscriptionFilter {
  std::string_view share_group;  // empty: an ordinary subscription
  std::string_view filter;       // what topics are matched against
  [[nodiscard]] bool shared() const noexcept { return !share_group.empty(); }
};

// nullopt when invalid (answer 0x8F Topic Filter invalid). The views point into `raw`.
std::optional<SubscriptionFilter> parse_subscription_filter(std::string_view raw) noexcept;

}  // namespace dynamq::mqtt
