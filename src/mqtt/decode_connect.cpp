// CONNECT (spec 3.1) and CONNACK (spec 3.2) bodies.
#include "mqtt/body_decoders.hpp"
#include "mqtt/property_codec.hpp"
#include "mqtt/topic.hpp"

namespace dynamq::mqtt::wire {

namespace {

// Protocol name + level -> version; nullopt for anything we do not speak.
std::optional<Version> version_of(std::string_view name, std::uint8_t level) {
  if (name == "MQIsdp" && level == 3) return Version::v3_1;
  if (name == "MQTT" && level == 4) return Version::v3_1_1;
  if (name == "MQTT" && level == 5) return Version::v5;
  return std::nullopt;
}

bool decode_will(Reader& r, Version v, std::uint8_t flags, Will& will) {
  will.qos = static_cast<QoS>((flags >> 3) & 0x3);
  will.retain = (flags & 0x20) != 0;
  if (v == Version::v5 && !read_properties(r, PropertyContext::will, will.properties)) {
    return false;
  }
  if (!r.utf8(will.topic, "Will Topic")) return false;
  if (!is_valid_topic_name(will.topic)) {
    return r.fail(ReasonCode::TopicNameInvalid,
                  "Will Topic is empty or has wildcards (spec 3.1.3.3), [MQTT-4.7.3-1]");
  }
  std::string_view payload;
  if (!r.binary_view(payload, "Will Payload")) return false;
  will.payload = Payload(payload);
  return true;
}

}  // namespace

bool decode_connect_body(Reader& r, Connect& out, Version& claimed) {
  std::string_view name;
  std::uint8_t level = 0;
  if (!r.binary_view(name, "protocol name") || !r.u8(level, "protocol level")) return false;
  if (level >= 3 && level <= 5) claimed = static_cast<Version>(level);
  const auto version = version_of(name, level);
  if (!version) {
    return r.fail(ReasonCode::UnsupportedProtocolVersion,
                  "unsupported protocol \"" + std::string(name.substr(0, 16)) + "\" level " +
                      std::to_string(level) + " [MQTT-3.1.2-1], [MQTT-3.1.2-2]");
  }
  out.version = *version;
  const Version v = *version;

  std::uint8_t flags = 0;
  if (!r.u8(flags, "connect flags") || !r.u16(out.keep_alive, "keep alive")) return false;
  if ((flags & 0x01) != 0) {
    return r.fail(ReasonCode::MalformedPacket, "reserved connect flag is set [MQTT-3.1.2-3]");
  }
  out.clean_start = (flags & 0x02) != 0;
  const bool has_will = (flags & 0x04) != 0;
  const std::uint8_t will_qos = (flags >> 3) & 0x3;
  const bool will_retain = (flags & 0x20) != 0;
  const bool has_password = (flags & 0x40) != 0;
  const bool has_username = (flags & 0x80) != 0;
  if (will_qos == 3) {
    return r.fail(ReasonCode::MalformedPacket,
                  "will QoS 3 [MQTT-3.1.2-14] (3.1.1), [MQTT-3.1.2-12] (5.0)");
  }
  if (!has_will && (will_qos != 0 || will_retain)) {
    return r.fail(ReasonCode::MalformedPacket,
                  "will QoS or will retain set without the will flag [MQTT-3.1.2-13], "
                  "[MQTT-3.1.2-15] (3.1.1), [MQTT-3.1.2-11], [MQTT-3.1.2-13] (5.0)");
  }
  if (v != Version::v5 && has_password && !has_username) {
    return r.fail(ReasonCode::MalformedPacket,
                  "password flag set without user name flag [MQTT-3.1.2-22]");
  }

  if (v == Version::v5 && !read_properties(r, PropertyContext::connect, out.properties)) {
    return false;
  }
  if (!r.utf8(out.client_id, "Client Identifier")) return false;
  if (has_will && !decode_will(r, v, flags, out.will.emplace())) return false;
  if (has_username && !r.utf8(out.username.emplace(), "User Name")) return false;
  if (has_password && !r.binary(out.password.emplace(), "Password")) return false;
  return check_end(r, "CONNECT");
}

bool decode_connack_body(Reader& r, Version v, Connack& out) {
  std::uint8_t ack_flags = 0;
  std::uint8_t code = 0;
  if (!r.u8(ack_flags, "connect acknowledge flags") || !r.u8(code, "connect reason code")) {
    return false;
  }
  // 3.1 had no session present flag: the whole byte was reserved and is ignored.
  if (v != Version::v3_1) {
    if ((ack_flags & 0xFE) != 0) {
      return r.fail(ReasonCode::MalformedPacket,
                    "reserved connect acknowledge flags set (spec 3.2.2.1)");
    }
    out.session_present = (ack_flags & 0x01) != 0;
  }
  if (v == Version::v5) {
    out.reason_code = static_cast<ReasonCode>(code);
    if (!check_reason(r, PacketType::Connack, out.reason_code)) return false;
    if (!read_properties(r, PropertyContext::connack, out.properties)) return false;
  } else {
    if (code > 5) {
      return r.fail(ReasonCode::ProtocolError,
                    "CONNACK return code " + std::to_string(code) + " is reserved (spec 3.2.2.3)");
    }
    out.reason_code = from_connack_return_code(code);
  }
  if (out.session_present && out.reason_code != ReasonCode::Success) {
    return r.fail(ReasonCode::ProtocolError,
                  "session present set in a refusing CONNACK [MQTT-3.2.2-4] (3.1.1), "
                  "[MQTT-3.2.2-6] (5.0)");
  }
  return check_end(r, "CONNACK");
}

}  // namespace dynamq::mqtt::wire
