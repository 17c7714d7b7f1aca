// PUBLISH (spec 3.3) and its acknowledgements PUBACK, PUBREC, PUBREL, PUBCOMP (3.4-3.7).
#include <type_traits>

#include "mqtt/body_decoders.hpp"
#include "mqtt/property_codec.hpp"

namespace dynamq::mqtt::wire {

bool decode_publish_body(Reader& r, Version v, std::uint8_t flags, Publish& out) {
  const std::uint8_t qos = (flags >> 1) & 0x3;
  if (qos == 3) return r.fail(ReasonCode::MalformedPacket, "PUBLISH with QoS 3 [MQTT-3.3.1-4]");
  out.qos = static_cast<QoS>(qos);
  out.dup = (flags & 0x8) != 0;
  out.retain = (flags & 0x1) != 0;
  if (qos == 0 && out.dup) {
    return r.fail(ReasonCode::MalformedPacket, "DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2]");
  }

  std::string_view topic;
  if (!r.utf8_view(topic, "Topic Name")) return false;
  // Two single-byte searches: find_first_of would run memchr once per topic byte.
  if (topic.find('+') != std::string_view::npos || topic.find('#') != std::string_view::npos) {
    return r.fail(ReasonCode::TopicNameInvalid,
                  "wildcard in the Topic Name of a PUBLISH [MQTT-3.3.2-2]");
  }
  out.topic.assign(topic);
  if (qos > 0 &&
      !(r.u16(out.packet_id, "packet identifier") && check_packet_id(r, out.packet_id))) {
    return false;
  }
  if (v == Version::v5 && !read_properties(r, PropertyContext::publish, out.properties)) {
    return false;
  }
  if (topic.empty() && !out.properties.topic_alias) {
    if (v == Version::v5) {
      return r.fail(ReasonCode::ProtocolError,
                    "empty Topic Name without a Topic Alias (spec 3.3.2.1, 3.3.2.3.4)");
    }
    return r.fail(ReasonCode::MalformedPacket, "empty Topic Name [MQTT-4.7.3-1]");
  }
  // The payload is the rest of the packet; copied once into a shared buffer.
  const auto payload = r.rest();
  if (!payload.empty()) {
    out.payload =
        Payload(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
  }
  return true;
}

template <class Ack>
bool decode_ack_body(Reader& r, Version v, Ack& out) {
  constexpr PacketType type = std::is_same_v<Ack, Puback>   ? PacketType::Puback
                              : std::is_same_v<Ack, Pubrec> ? PacketType::Pubrec
                              : std::is_same_v<Ack, Pubrel> ? PacketType::Pubrel
                                                            : PacketType::Pubcomp;
  const std::string_view name = to_string(type);
  if (!r.u16(out.packet_id, "packet identifier") || !check_packet_id(r, out.packet_id)) {
    return false;
  }
  // 5.0: reason code and properties may be left out when Success / empty (spec 3.4.2.1).
  if (v == Version::v5 && !r.at_end()) {
    std::uint8_t code = 0;
    if (!r.u8(code, "reason code")) return false;
    out.reason_code = static_cast<ReasonCode>(code);
    if (!check_reason(r, type, out.reason_code)) return false;
    if (!r.at_end() && !read_properties(r, PropertyContext::puback, out.properties)) return false;
  }
  return check_end(r, name);
}

template bool decode_ack_body<Puback>(Reader&, Version, Puback&);
template bool decode_ack_body<Pubrec>(Reader&, Version, Pubrec&);
template bool decode_ack_body<Pubrel>(Reader&, Version, Pubrel&);
template bool decode_ack_body<Pubcomp>(Reader&, Version, Pubcomp&);

}  // namespace dynamq::mqtt::wire
