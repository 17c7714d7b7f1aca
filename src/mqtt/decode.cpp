// The fixed header (spec 2.1), size limits and dispatch to the per-type body decoders.
#include "mqtt/decode.hpp"

#include <optional>

#include "mqtt/body_decoders.hpp"
#include "mqtt/property_codec.hpp"
#include "mqtt/vbi.hpp"

namespace dynamq::mqtt {

namespace {

using wire::Failure;
using wire::Reader;

// Required flag bits of the fixed header per type (spec 2.1.3); PUBLISH is checked by its
// body decoder. 3.1 clients may set DUP on PUBREL/SUBSCRIBE/UNSUBSCRIBE resends.
bool flags_valid(PacketType type, std::uint8_t flags, Version version) {
  switch (type) {
    case PacketType::Publish:
      return true;
    case PacketType::Pubrel:
    case PacketType::Subscribe:
    case PacketType::Unsubscribe:
      return flags == 0x2 || (version == Version::v3_1 && flags == 0xA);
    default:
      return flags == 0;
  }
}

template <class T>
T& emplace(DecodeResult& res) {
  return res.packet.emplace<T>();
}

bool decode_body(Reader& r, PacketType type, std::uint8_t flags, Version version,
                 DecodeResult& res) {
  switch (type) {
    case PacketType::Connect: {
      Version claimed = version;
      const bool ok = wire::decode_connect_body(r, emplace<Connect>(res), claimed);
      res.version = claimed;
      return ok;
    }
    case PacketType::Connack:
      return wire::decode_connack_body(r, version, emplace<Connack>(res));
    case PacketType::Publish:
      return wire::decode_publish_body(r, version, flags, emplace<Publish>(res));
    case PacketType::Puback:
      return wire::decode_ack_body(r, version, emplace<Puback>(res));
    case PacketType::Pubrec:
      return wire::decode_ack_body(r, version, emplace<Pubrec>(res));
    case PacketType::Pubrel:
      return wire::decode_ack_body(r, version, emplace<Pubrel>(res));
    case PacketType::Pubcomp:
      return wire::decode_ack_body(r, version, emplace<Pubcomp>(res));
    case PacketType::Subscribe:
      return wire::decode_subscribe_body(r, version, emplace<Subscribe>(res));
    case PacketType::Suback:
      return wire::decode_suback_body(r, version, emplace<Suback>(res));
    case PacketType::Unsubscribe:
      return wire::decode_unsubscribe_body(r, version, emplace<Unsubscribe>(res));
    case PacketType::Unsuback:
      return wire::decode_unsuback_body(r, version, emplace<Unsuback>(res));
    case PacketType::Pingreq:
      emplace<Pingreq>(res);
      return wire::check_end(r, "PINGREQ");
    case PacketType::Pingresp:
      emplace<Pingresp>(res);
      return wire::check_end(r, "PINGRESP");
    case PacketType::Disconnect:
      return wire::decode_disconnect_body(r, version, emplace<Disconnect>(res));
    case PacketType::Auth:
      return wire::decode_auth_body(r, emplace<Auth>(res));
  }
  return false;
}

// Mutates rather than returns, so every path of decode_impl returns the same named object
// (NRVO: the large result is never moved).
void set_malformed(DecodeResult& res, ReasonCode reason, std::string detail) {
  res.status = DecodeResult::Status::malformed;
  res.reason = reason;
  res.detail = std::move(detail);
}

// `version` is empty while waiting for the first CONNECT.
DecodeResult decode_impl(std::span<const std::uint8_t> input, std::optional<Version> version,
                         std::uint32_t max_packet_size) {
  DecodeResult res;
  res.version = version.value_or(Version::v3_1_1);
  if (input.empty()) return res;

  const std::uint8_t type_bits = input[0] >> 4;
  const auto flags = static_cast<std::uint8_t>(input[0] & 0x0F);
  const auto type = static_cast<PacketType>(type_bits);
  if (!version && type != PacketType::Connect) {
    set_malformed(
        res, ReasonCode::ProtocolError,
        "first packet is " + std::string(to_string(type)) + ", not CONNECT [MQTT-3.1.0-1]");
    return res;
  }
  if (type_bits == 0 || (type == PacketType::Auth && res.version != Version::v5)) {
    set_malformed(res, ReasonCode::MalformedPacket,
                  "reserved packet type " + std::to_string(type_bits) + " (spec 2.1.2)");
    return res;
  }
  if (!flags_valid(type, flags, res.version)) {
    set_malformed(res, ReasonCode::MalformedPacket,
                  "invalid fixed header flags " + std::to_string(flags) + " for " +
                      std::string(to_string(type)) + " (spec 2.1.3, [MQTT-2.2.2-2] in 3.1.1)");
    return res;
  }

  const VbiResult length = decode_vbi(input.subspan(1));
  if (length.status == VbiResult::Status::need_more) return res;
  if (length.status == VbiResult::Status::malformed) {
    set_malformed(res, ReasonCode::MalformedPacket,
                  "remaining length longer than 4 bytes (spec 1.5.5, 2.1.4)");
    return res;
  }
  const std::size_t header = 1 + length.length;
  const std::size_t total = header + length.value;
  // Refused from the fixed header alone, before the body is buffered (5.0 Maximum Packet Size).
  if (total > max_packet_size) {
    set_malformed(res, ReasonCode::PacketTooLarge,
                  std::string(to_string(type)) + " of " + std::to_string(total) +
                      " bytes exceeds the maximum packet size of " +
                      std::to_string(max_packet_size));
    return res;
  }
  if (input.size() < total) {
    res.needed = total;
    return res;
  }

  Failure failure;
  Reader reader(input.subspan(header, length.value), failure);
  if (!decode_body(reader, type, flags, res.version, res)) {
    const ReasonCode reason = failure.reason;
    set_malformed(res, reason, std::move(failure.detail));
    return res;
  }
  res.status = DecodeResult::Status::complete;
  res.consumed = total;
  return res;
}

}  // namespace

DecodeResult decode(std::span<const std::uint8_t> input, Version version,
                    std::uint32_t max_packet_size) {
  return decode_impl(input, version, max_packet_size);
}

DecodeResult decode_connect(std::span<const std::uint8_t> input, std::uint32_t max_packet_size) {
  return decode_impl(input, std::nullopt, max_packet_size);
}

namespace wire {

bool check_packet_id(Reader& r, std::uint16_t id) {
  if (id != 0) return true;
  return r.fail(ReasonCode::ProtocolError, "packet identifier 0 [MQTT-2.2.1-3]");
}

bool check_end(Reader& r, std::string_view packet) {
  if (r.at_end()) return true;
  return r.fail(
      ReasonCode::MalformedPacket,
      std::to_string(r.remaining()) + " unexpected bytes at the end of " + std::string(packet));
}

bool decode_disconnect_body(Reader& r, Version v, Disconnect& out) {
  if (v != Version::v5 || r.at_end()) return check_end(r, "DISCONNECT");
  std::uint8_t code = 0;
  if (!r.u8(code, "DISCONNECT reason code")) return false;
  out.reason_code = static_cast<ReasonCode>(code);
  if (!check_reason(r, PacketType::Disconnect, out.reason_code)) return false;
  // Remaining length 1: no properties (spec 3.14.2.2).
  if (!r.at_end() && !read_properties(r, PropertyContext::disconnect, out.properties)) {
    return false;
  }
  return check_end(r, "DISCONNECT");
}

bool decode_auth_body(Reader& r, Auth& out) {
  if (r.at_end()) return true;  // remaining length 0: Success, no properties (spec 3.15.2.1)
  std::uint8_t code = 0;
  if (!r.u8(code, "AUTH reason code")) return false;
  out.reason_code = static_cast<ReasonCode>(code);
  if (!check_reason(r, PacketType::Auth, out.reason_code)) return false;
  if (!r.at_end() && !read_properties(r, PropertyContext::auth, out.properties)) return false;
  return check_end(r, "AUTH");
}

}  // namespace wire

}  // namespace dynamq::mqtt
