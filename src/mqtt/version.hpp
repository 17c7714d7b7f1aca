// MQTT protocol versions, by the protocol level byte each one puts in CONNECT.
#pragma once

#include <cstdint>
#include <string_view>

namespace dynamq::mqtt {

enum class Version : std::uint8_t {
  v3_1 = 3,    // protocol name "MQIsdp"
  v3_1_1 = 4,  // protocol name "MQTT"
  v5 = 5,      // protocol name "MQTT"
};

// "3.1", "3.1.1", "5.0" (for logs).
std::string_view to_string(Version version) noexcept;

// Quality of service of a PUBLISH, a will or a subscription.
enum class QoS : std::uint8_t { at_most_once = 0, at_least_once = 1, exactly_once = 2 };

}  // namespace dynamq::mqtt
