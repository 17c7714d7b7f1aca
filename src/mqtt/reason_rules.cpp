// Which reason codes each MQTT 5 packet type may carry (spec 3.x "Reason Code" tables).
#include "mqtt/body_decoders.hpp"

namespace dynamq::mqtt::wire {

namespace {

bool allowed(PacketType type, std::uint8_t c) {
  switch (type) {
    case PacketType::Connack:
      return c == 0x00 || (c >= 0x80 && c <= 0x8A) || c == 0x8C || c == 0x90 || c == 0x95 ||
             c == 0x97 || (c >= 0x99 && c <= 0x9D) || c == 0x9F;
    case PacketType::Puback:
    case PacketType::Pubrec:
      return c == 0x00 || c == 0x10 || c == 0x80 || c == 0x83 || c == 0x87 || c == 0x90 ||
             c == 0x91 || c == 0x97 || c == 0x99;
    case PacketType::Pubrel:
    case PacketType::Pubcomp:
      return c == 0x00 || c == 0x92;
    case PacketType::Suback:
      return c <= 0x02 || c == 0x80 || c == 0x83 || c == 0x87 || c == 0x8F || c == 0x91 ||
             c == 0x97 || c == 0x9E || c == 0xA1 || c == 0xA2;
    case PacketType::Unsuback:
      return c == 0x00 || c == 0x11 || c == 0x80 || c == 0x83 || c == 0x87 || c == 0x8F ||
             c == 0x91;
    case PacketType::Disconnect:
      return c == 0x00 || c == 0x04 || (c >= 0x80 && c <= 0x83) || c == 0x87 || c == 0x89 ||
             c == 0x8B || (c >= 0x8D && c <= 0x90) || (c >= 0x93 && c <= 0xA2);
    case PacketType::Auth:
      return c == 0x00 || c == 0x18 || c == 0x19;
    default:
      return false;
  }
}

}  // namespace

bool check_reason(Reader& r, PacketType type, ReasonCode code) {
  const auto c = static_cast<std::uint8_t>(code);
  if (allowed(type, c)) return true;
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string hex = "0x";
  hex += digits[c >> 4];
  hex += digits[c & 0xF];
  return r.fail(ReasonCode::ProtocolError, "reason code " + hex + " is not defined for " +
                                               std::string(to_string(type)) + " (spec 2.4)");
}

}  // namespace dynamq::mqtt::wire
