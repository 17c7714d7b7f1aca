// MQTT's UTF-8 Encoded String rules (spec 1.5.4): well-formed UTF-8 (no overlong forms,
// nothing above U+10FFFF) [MQTT-1.5.4-1], no surrogates U+D800..U+DFFF [MQTT-1.5.4-1],
// no U+0000 [MQTT-1.5.4-2]. Length limits (65,535 bytes) are the caller's.
#pragma once

#include <string_view>

namespace dynamq::mqtt {

bool is_valid_mqtt_utf8(std::string_view text) noexcept;

}  // namespace dynamq::mqtt
