// Encoding MQTT packets for a negotiated version (for CONNECT: the version to request;
// Connect::version is not consulted). Encoders append to `out` and never fail
// on a packet the decoder could have produced; a packet that cannot be expressed (AUTH
// before 5.0, more than 268,435,455 bytes) is a bug and throws std::invalid_argument.
// Fields the version lacks are dropped (properties before 5.0, SUBACK failure codes
// collapse to 0x80, CONNACK reason codes become 3.1.1 return codes).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mqtt/packets.hpp"
#include "mqtt/version.hpp"

namespace dynamq::mqtt {

// Appends the encoded packet to `out` (reserving its exact size first).
void encode(const Packet& packet, Version version, std::vector<std::uint8_t>& out);
std::vector<std::uint8_t> encode(const Packet& packet, Version version);

// Whole encoded size (fixed header included) of `packet` for `version`, without encoding:
// compare it with the peer's Maximum Packet Size before deciding to send.
std::size_t encoded_size(const Packet& packet, Version version);
std::size_t encoded_size(const Publish& publish, Version version);

// Encode-once fan-out: encodes a PUBLISH and returns where the patchable fields are, so
// the same bytes can be copied per subscriber and patched instead of re-encoded.
struct PublishLayout {
  std::size_t start = 0;             // offset in `out` of the first byte (flags live here)
  std::size_t size = 0;              // whole packet size
  std::size_t packet_id_offset = 0;  // offset in `out` of the 2 packet id bytes; 0 for QoS 0
};
PublishLayout encode_publish(const Publish& publish, Version version,
                             std::vector<std::uint8_t>& out);

// Patches an encoded PUBLISH (span starting at its first byte, as located by
// PublishLayout) in place. set_publish_packet_id requires QoS > 0 in the encoded bytes.
void set_publish_packet_id(std::span<std::uint8_t> packet, const PublishLayout& layout,
                           std::uint16_t packet_id) noexcept;
void set_publish_dup(std::span<std::uint8_t> packet, bool dup) noexcept;
void set_publish_retain(std::span<std::uint8_t> packet, bool retain) noexcept;

}  // namespace dynamq::mqtt
