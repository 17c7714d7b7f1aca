// SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK bodies (spec 3.8-3.11).
#include "mqtt/body_decoders.hpp"
#include "mqtt/property_codec.hpp"

namespace dynamq::mqtt::wire {

namespace {

bool read_options(Reader& r, Version v, SubscribeOptions& options) {
  std::uint8_t byte = 0;
  if (!r.u8(byte, "subscription options")) return false;
  if (v == Version::v5) {
    if ((byte & 0xC0) != 0) {
      return r.fail(ReasonCode::MalformedPacket,
                    "reserved bits of the subscription options set [MQTT-3.8.3-5]");
    }
  } else if ((byte & 0xFC) != 0) {
    return r.fail(ReasonCode::MalformedPacket,
                  "reserved bits of the requested QoS byte set [MQTT-3-8.3-4] (3.1.1)");
  }
  if ((byte & 0x3) == 3) {
    return r.fail(ReasonCode::MalformedPacket, "subscription with QoS 3 (spec 3.8.3.1)");
  }
  options.qos = static_cast<QoS>(byte & 0x3);
  if (v == Version::v5) {
    options.no_local = (byte & 0x04) != 0;
    options.retain_as_published = (byte & 0x08) != 0;
    const std::uint8_t handling = (byte >> 4) & 0x3;
    if (handling == 3) {
      return r.fail(ReasonCode::ProtocolError, "Retain Handling 3 (spec 3.8.3.1)");
    }
    options.retain_handling = static_cast<RetainHandling>(handling);
  }
  return true;
}

bool read_packet_id(Reader& r, std::uint16_t& id) {
  return r.u16(id, "packet identifier") && check_packet_id(r, id);
}

}  // namespace

bool decode_subscribe_body(Reader& r, Version v, Subscribe& out) {
  if (!read_packet_id(r, out.packet_id)) return false;
  if (v == Version::v5 && !read_properties(r, PropertyContext::subscribe, out.properties)) {
    return false;
  }
  while (!r.at_end()) {
    Subscription& entry = out.entries.emplace_back();
    if (!r.utf8(entry.filter, "Topic Filter") || !read_options(r, v, entry.options)) return false;
  }
  if (out.entries.empty()) {
    return r.fail(ReasonCode::ProtocolError, "SUBSCRIBE without any topic filter [MQTT-3.8.3-3]");
  }
  return true;
}

bool decode_suback_body(Reader& r, Version v, Suback& out) {
  if (!read_packet_id(r, out.packet_id)) return false;
  if (v == Version::v5 && !read_properties(r, PropertyContext::suback, out.properties)) {
    return false;
  }
  out.reason_codes.reserve(r.remaining());
  while (!r.at_end()) {
    std::uint8_t code = 0;
    r.u8(code, "SUBACK reason code");
    const auto reason = static_cast<ReasonCode>(code);
    if (v == Version::v5) {
      if (!check_reason(r, PacketType::Suback, reason)) return false;
    } else if (code > 2 && code != 0x80) {
      return r.fail(ReasonCode::ProtocolError,
                    "SUBACK return code " + std::to_string(code) + " is reserved [MQTT-3.9.3-2]");
    }
    out.reason_codes.push_back(reason);
  }
  if (out.reason_codes.empty()) {
    return r.fail(ReasonCode::ProtocolError, "SUBACK without any reason code (spec 3.9.3)");
  }
  return true;
}

bool decode_unsubscribe_body(Reader& r, Version v, Unsubscribe& out) {
  if (!read_packet_id(r, out.packet_id)) return false;
  if (v == Version::v5 && !read_properties(r, PropertyContext::unsubscribe, out.properties)) {
    return false;
  }
  while (!r.at_end()) {
    if (!r.utf8(out.filters.emplace_back(), "Topic Filter")) return false;
  }
  if (out.filters.empty()) {
    return r.fail(ReasonCode::ProtocolError,
                  "UNSUBSCRIBE without any topic filter [MQTT-3.10.3-2]");
  }
  return true;
}

bool decode_unsuback_body(Reader& r, Version v, Unsuback& out) {
  if (!read_packet_id(r, out.packet_id)) return false;
  if (v != Version::v5) return check_end(r, "UNSUBACK");
  if (!read_properties(r, PropertyContext::unsuback, out.properties)) return false;
  out.reason_codes.reserve(r.remaining());
  while (!r.at_end()) {
    std::uint8_t code = 0;
    r.u8(code, "UNSUBACK reason code");
    out.reason_codes.push_back(static_cast<ReasonCode>(code));
    if (!check_reason(r, PacketType::Unsuback, out.reason_codes.back())) return false;
  }
  if (out.reason_codes.empty()) {
    return r.fail(ReasonCode::ProtocolError, "UNSUBACK without any reason code (spec 3.11.3)");
  }
  return true;
}

}  // namespace dynamq::mqtt::wire
