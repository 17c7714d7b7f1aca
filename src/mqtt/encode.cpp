// Encoders: an exact size pass, one resize of the output, then a write pass with no checks
// left to do (so a PUBLISH costs one memcpy of its payload and no reallocation).
#include "mqtt/encode.hpp"

#include <stdexcept>
#include <type_traits>

#include "mqtt/property_codec.hpp"

namespace dynamq::mqtt {

namespace {

using wire::PropertyContext;
using wire::Writer;

std::size_t str_size(std::string_view s) {
  if (s.size() > 65'535) throw std::invalid_argument("mqtt: string field over 65535 bytes");
  return 2 + s.size();
}

// Properties section sizes, computed in the size pass and reused by the write pass.
struct Sizes {
  std::size_t props = 0;       // properties body (without length prefix)
  std::size_t will_props = 0;  // CONNECT only
};

std::size_t section(std::size_t body) {
  return vbi_size(static_cast<std::uint32_t>(body)) + body;
}

void write_section(Writer& w, const Properties& p, PropertyContext ctx, std::size_t body) {
  wire::write_properties(w, p, ctx, body);
}

// ---- per packet type: first byte, body size, body ----

template <class T>
struct Codec;

template <>
struct Codec<Connect> {
  static std::uint8_t first(const Connect&, Version) { return 0x10; }
  static std::string_view protocol_name(Version v) {
    return v == Version::v3_1 ? "MQIsdp" : "MQTT";
  }
  static std::size_t body(const Connect& c, Version v, Sizes& s) {
    std::size_t n = str_size(protocol_name(v)) + 1 + 1 + 2;
    if (v == Version::v5) {
      s.props = wire::properties_body_size(c.properties, PropertyContext::connect);
      n += section(s.props);
    }
    n += str_size(c.client_id);
    if (c.will) {
      if (v == Version::v5) {
        s.will_props = wire::properties_body_size(c.will->properties, PropertyContext::will);
        n += section(s.will_props);
      }
      n += str_size(c.will->topic) + str_size(c.will->payload.view());
    }
    if (c.username) n += str_size(*c.username);
    if (c.password) n += str_size(*c.password);
    return n;
  }
  static void write(Writer& w, const Connect& c, Version v, const Sizes& s) {
    w.str(protocol_name(v));
    w.u8(static_cast<std::uint8_t>(v));
    std::uint8_t flags = c.clean_start ? 0x02 : 0;
    if (c.will) {
      flags |= 0x04 | static_cast<std::uint8_t>(static_cast<std::uint8_t>(c.will->qos) << 3);
      if (c.will->retain) flags |= 0x20;
    }
    if (c.password) flags |= 0x40;
    if (c.username) flags |= 0x80;
    w.u8(flags);
    w.u16(c.keep_alive);
    if (v == Version::v5) write_section(w, c.properties, PropertyContext::connect, s.props);
    w.str(c.client_id);
    if (c.will) {
      if (v == Version::v5) {
        write_section(w, c.will->properties, PropertyContext::will, s.will_props);
      }
      w.str(c.will->topic);
      w.str(c.will->payload.view());
    }
    if (c.username) w.str(*c.username);
    if (c.password) w.str(*c.password);
  }
};

template <>
struct Codec<Connack> {
  static std::uint8_t first(const Connack&, Version) { return 0x20; }
  static std::size_t body(const Connack& c, Version v, Sizes& s) {
    if (v != Version::v5) return 2;
    s.props = wire::properties_body_size(c.properties, PropertyContext::connack);
    return 2 + section(s.props);
  }
  static void write(Writer& w, const Connack& c, Version v, const Sizes& s) {
    w.u8(v != Version::v3_1 && c.session_present ? 1 : 0);
    if (v == Version::v5) {
      w.u8(static_cast<std::uint8_t>(c.reason_code));
      write_section(w, c.properties, PropertyContext::connack, s.props);
    } else {
      w.u8(static_cast<std::uint8_t>(to_connack_return_code(c.reason_code)));
    }
  }
};

template <>
struct Codec<Publish> {
  static std::uint8_t first(const Publish& p, Version) {
    return static_cast<std::uint8_t>(0x30 | (p.dup ? 0x08 : 0) |
                                     (static_cast<std::uint8_t>(p.qos) & 0x3) << 1 |
                                     (p.retain ? 0x01 : 0));
  }
  static std::size_t body(const Publish& p, Version v, Sizes& s) {
    std::size_t n = str_size(p.topic) + (p.qos != QoS::at_most_once ? 2 : 0) + p.payload.size();
    if (v == Version::v5) {
      s.props = wire::properties_body_size(p.properties, PropertyContext::publish);
      n += section(s.props);
    }
    return n;
  }
  static void write(Writer& w, const Publish& p, Version v, const Sizes& s) {
    w.str(p.topic);
    if (p.qos != QoS::at_most_once) w.u16(p.packet_id);
    if (v == Version::v5) write_section(w, p.properties, PropertyContext::publish, s.props);
    w.raw(p.payload.view());
  }
};

// PUBACK, PUBREC, PUBREL, PUBCOMP: 5.0 drops the reason code and properties when they are
// Success / empty (spec 3.4.2.1).
template <class Ack, std::uint8_t First>
struct AckCodec {
  static std::uint8_t first(const Ack&, Version) { return First; }
  static std::size_t body(const Ack& a, Version v, Sizes& s) {
    if (v != Version::v5) return 2;
    s.props = wire::properties_body_size(a.properties, PropertyContext::puback);
    if (s.props == 0) return a.reason_code == ReasonCode::Success ? 2 : 3;
    return 3 + section(s.props);
  }
  static void write(Writer& w, const Ack& a, Version v, const Sizes& s) {
    w.u16(a.packet_id);
    if (v != Version::v5) return;
    if (s.props == 0 && a.reason_code == ReasonCode::Success) return;
    w.u8(static_cast<std::uint8_t>(a.reason_code));
    if (s.props != 0) write_section(w, a.properties, PropertyContext::puback, s.props);
  }
};
template <>
struct Codec<Puback> : AckCodec<Puback, 0x40> {};
template <>
struct Codec<Pubrec> : AckCodec<Pubrec, 0x50> {};
template <>
struct Codec<Pubrel> : AckCodec<Pubrel, 0x62> {};
template <>
struct Codec<Pubcomp> : AckCodec<Pubcomp, 0x70> {};

template <>
struct Codec<Subscribe> {
  static std::uint8_t first(const Subscribe&, Version) { return 0x82; }
  static std::size_t body(const Subscribe& p, Version v, Sizes& s) {
    std::size_t n = 2;
    if (v == Version::v5) {
      s.props = wire::properties_body_size(p.properties, PropertyContext::subscribe);
      n += section(s.props);
    }
    for (const auto& e : p.entries) n += str_size(e.filter) + 1;
    return n;
  }
  static void write(Writer& w, const Subscribe& p, Version v, const Sizes& s) {
    w.u16(p.packet_id);
    if (v == Version::v5) write_section(w, p.properties, PropertyContext::subscribe, s.props);
    for (const auto& e : p.entries) {
      w.str(e.filter);
      auto options = static_cast<std::uint8_t>(static_cast<std::uint8_t>(e.options.qos) & 0x3);
      if (v == Version::v5) {
        if (e.options.no_local) options |= 0x04;
        if (e.options.retain_as_published) options |= 0x08;
        options |= static_cast<std::uint8_t>(
            (static_cast<std::uint8_t>(e.options.retain_handling) & 0x3) << 4);
      }
      w.u8(options);
    }
  }
};

template <>
struct Codec<Suback> {
  static std::uint8_t first(const Suback&, Version) { return 0x90; }
  static std::size_t body(const Suback& p, Version v, Sizes& s) {
    std::size_t n = 2 + p.reason_codes.size();
    if (v == Version::v5) {
      s.props = wire::properties_body_size(p.properties, PropertyContext::suback);
      n += section(s.props);
    }
    return n;
  }
  static void write(Writer& w, const Suback& p, Version v, const Sizes& s) {
    w.u16(p.packet_id);
    if (v == Version::v5) write_section(w, p.properties, PropertyContext::suback, s.props);
    for (const ReasonCode code : p.reason_codes) {
      const auto c = static_cast<std::uint8_t>(code);
      // Before 5.0 every failure is 0x80 [MQTT-3.9.3-2].
      w.u8(v == Version::v5 || c < 0x80 ? c : 0x80);
    }
  }
};

template <>
struct Codec<Unsubscribe> {
  static std::uint8_t first(const Unsubscribe&, Version) { return 0xA2; }
  static std::size_t body(const Unsubscribe& p, Version v, Sizes& s) {
    std::size_t n = 2;
    if (v == Version::v5) {
      s.props = wire::properties_body_size(p.properties, PropertyContext::unsubscribe);
      n += section(s.props);
    }
    for (const auto& f : p.filters) n += str_size(f);
    return n;
  }
  static void write(Writer& w, const Unsubscribe& p, Version v, const Sizes& s) {
    w.u16(p.packet_id);
    if (v == Version::v5) write_section(w, p.properties, PropertyContext::unsubscribe, s.props);
    for (const auto& f : p.filters) w.str(f);
  }
};

template <>
struct Codec<Unsuback> {
  static std::uint8_t first(const Unsuback&, Version) { return 0xB0; }
  static std::size_t body(const Unsuback& p, Version v, Sizes& s) {
    if (v != Version::v5) return 2;
    s.props = wire::properties_body_size(p.properties, PropertyContext::unsuback);
    return 2 + section(s.props) + p.reason_codes.size();
  }
  static void write(Writer& w, const Unsuback& p, Version v, const Sizes& s) {
    w.u16(p.packet_id);
    if (v != Version::v5) return;
    write_section(w, p.properties, PropertyContext::unsuback, s.props);
    for (const ReasonCode code : p.reason_codes) w.u8(static_cast<std::uint8_t>(code));
  }
};

template <class T, std::uint8_t First>
struct EmptyCodec {
  static std::uint8_t first(const T&, Version) { return First; }
  static std::size_t body(const T&, Version, Sizes&) { return 0; }
  static void write(Writer&, const T&, Version, const Sizes&) {}
};
template <>
struct Codec<Pingreq> : EmptyCodec<Pingreq, 0xC0> {};
template <>
struct Codec<Pingresp> : EmptyCodec<Pingresp, 0xD0> {};

// DISCONNECT and AUTH (5.0): reason code and properties omitted when Success / empty.
template <class T, std::uint8_t First, PropertyContext Ctx>
struct ReasonOnlyCodec {
  static std::uint8_t first(const T&, Version) { return First; }
  static std::size_t body(const T& p, Version v, Sizes& s) {
    if constexpr (std::is_same_v<T, Auth>) {
      if (v != Version::v5) throw std::invalid_argument("mqtt: AUTH exists only in MQTT 5");
    }
    if (v != Version::v5) return 0;
    s.props = wire::properties_body_size(p.properties, Ctx);
    if (s.props == 0) return p.reason_code == ReasonCode::Success ? 0 : 1;
    return 1 + section(s.props);
  }
  static void write(Writer& w, const T& p, Version v, const Sizes& s) {
    if (v != Version::v5) return;
    if (s.props == 0 && p.reason_code == ReasonCode::Success) return;
    w.u8(static_cast<std::uint8_t>(p.reason_code));
    if (s.props != 0) write_section(w, p.properties, Ctx, s.props);
  }
};
template <>
struct Codec<Disconnect> : ReasonOnlyCodec<Disconnect, 0xE0, PropertyContext::disconnect> {};
template <>
struct Codec<Auth> : ReasonOnlyCodec<Auth, 0xF0, PropertyContext::auth> {};

// ---- generic driver ----

template <class T>
std::size_t checked_body(const T& packet, Version version, Sizes& sizes) {
  const std::size_t body = Codec<T>::body(packet, version, sizes);
  if (body > kMaxVbi) throw std::invalid_argument("mqtt: packet over 268435455 bytes");
  return body;
}

template <class T>
std::size_t total_size(const T& packet, Version version) {
  Sizes sizes;
  const std::size_t body = checked_body(packet, version, sizes);
  return 1 + vbi_size(static_cast<std::uint32_t>(body)) + body;
}

// Appends one packet; returns the offset of its first byte and its header length.
template <class T>
std::pair<std::size_t, std::size_t> append(const T& packet, Version version,
                                           std::vector<std::uint8_t>& out) {
  Sizes sizes;
  const std::size_t body = checked_body(packet, version, sizes);
  const std::size_t header = 1 + vbi_size(static_cast<std::uint32_t>(body));
  const std::size_t start = out.size();
  out.resize(start + header + body);
  Writer w(out.data() + start);
  w.u8(Codec<T>::first(packet, version));
  w.vbi(static_cast<std::uint32_t>(body));
  Codec<T>::write(w, packet, version, sizes);
  if (w.pos() != out.data() + out.size()) {
    throw std::logic_error("mqtt: encoder size pass and write pass disagree");
  }
  return {start, header};
}

}  // namespace

void encode(const Packet& packet, Version version, std::vector<std::uint8_t>& out) {
  std::visit([&](const auto& p) { append(p, version, out); }, packet);
}

std::vector<std::uint8_t> encode(const Packet& packet, Version version) {
  std::vector<std::uint8_t> out;
  encode(packet, version, out);
  return out;
}

std::size_t encoded_size(const Packet& packet, Version version) {
  return std::visit([&](const auto& p) { return total_size(p, version); }, packet);
}

std::size_t encoded_size(const Publish& publish, Version version) {
  return total_size(publish, version);
}

PublishLayout encode_publish(const Publish& publish, Version version,
                             std::vector<std::uint8_t>& out) {
  const auto [start, header] = append(publish, version, out);
  PublishLayout layout;
  layout.start = start;
  layout.size = out.size() - start;
  if (publish.qos != QoS::at_most_once)
    layout.packet_id_offset = start + header + 2 + publish.topic.size();
  return layout;
}

void set_publish_packet_id(std::span<std::uint8_t> packet, const PublishLayout& layout,
                           std::uint16_t packet_id) noexcept {
  const std::size_t at = layout.packet_id_offset - layout.start;
  packet[at] = static_cast<std::uint8_t>(packet_id >> 8);
  packet[at + 1] = static_cast<std::uint8_t>(packet_id);
}

void set_publish_dup(std::span<std::uint8_t> packet, bool dup) noexcept {
  packet[0] = static_cast<std::uint8_t>((packet[0] & ~0x08) | (dup ? 0x08 : 0));
}

void set_publish_retain(std::span<std::uint8_t> packet, bool retain) noexcept {
  packet[0] = static_cast<std::uint8_t>((packet[0] & ~0x01) | (retain ? 0x01 : 0));
}

}  // namespace dynamq::mqtt
