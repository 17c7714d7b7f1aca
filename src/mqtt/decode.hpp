// Incremental decoding of MQTT packets from a byte stream split anywhere.
//
// Call decode() with all bytes received and not yet consumed. It never keeps state:
//   complete  -> `packet` holds the first packet, `consumed` bytes of input are used up;
//   need_more -> nothing consumed; call again when more bytes arrive (`needed` tells
//                the whole packet's size once the fixed header is in);
//   malformed -> close the connection: `reason` is the code the spec requires (5.0 sends
//                it in CONNACK/DISCONNECT), `detail` says why, citing [MQTT-x.y.z-n].
// A packet larger than max_packet_size is refused from its fixed header alone (0x95),
// before its body is buffered.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>

#include "mqtt/packets.hpp"
#include "mqtt/reason_code.hpp"
#include "mqtt/version.hpp"

namespace dynamq::mqtt {

// Largest packet MQTT can express: 1 type byte + 4 length bytes + 268,435,455.
inline constexpr std::uint32_t kMaxRemainingLength = 268'435'455;
inline constexpr std::uint32_t kNoPacketSizeLimit = std::numeric_limits<std::uint32_t>::max();

struct DecodeResult {
  enum class Status : std::uint8_t { complete, need_more, malformed };

  Status status = Status::need_more;
  Packet packet{Pingreq{}};  // meaningful only when complete
  std::size_t consumed = 0;  // bytes of input used by `packet` (complete only)
  // need_more: the whole packet's size when the fixed header is complete, else 0.
  std::size_t needed = 0;
  ReasonCode reason = ReasonCode::Success;  // malformed only
  std::string detail;                       // malformed only, human readable
  // The version the packet was decoded under; for decode_connect the version the CONNECT
  // asked for when its protocol level was readable (answer a bad CONNECT in that format).
  Version version = Version::v3_1_1;

  [[nodiscard]] bool complete() const noexcept { return status == Status::complete; }
  [[nodiscard]] bool need_more() const noexcept { return status == Status::need_more; }
  [[nodiscard]] bool malformed() const noexcept { return status == Status::malformed; }
};

// Decodes the first packet of `input` as the negotiated `version` would send it.
// max_packet_size counts the whole packet (fixed header included), as 5.0's Maximum Packet
// Size does; pass kNoPacketSizeLimit for none.
DecodeResult decode(std::span<const std::uint8_t> input, Version version,
                    std::uint32_t max_packet_size);

// Decodes the first packet of a connection, which must be a CONNECT [MQTT-3.1.0-1]; the
// version comes from its protocol name and level ("MQIsdp"/3, "MQTT"/4, "MQTT"/5).
// Another packet type gives malformed with ProtocolError; an unknown protocol name or
// level gives UnsupportedProtocolVersion (3.1.1 answers with return code 1 [MQTT-3.1.2-2]).
DecodeResult decode_connect(std::span<const std::uint8_t> input, std::uint32_t max_packet_size);

}  // namespace dynamq::mqtt
