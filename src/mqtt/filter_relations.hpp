// Relations between two valid MQTT topic filters: an ACL rule against a SUBSCRIBE's filter
// (auth), a storage rule's topic against a subscription (storage). Both follow [MQTT-4.7.2-1]: a
// filter whose first level is a wildcard matches no topic starting with '$'.
#pragma once

#include <string_view>

namespace dynamq::mqtt {

// Some topic name matches both filters.
bool filters_intersect(std::string_view a, std::string_view b) noexcept;
// Every topic name that `inner` matches, `outer` matches too.
bool filter_contains(std::string_view outer, std::string_view inner) noexcept;

}  // namespace dynamq::mqtt
