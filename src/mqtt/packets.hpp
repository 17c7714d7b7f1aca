// The MQTT control packets of 3.1, 3.1.1 and 5.0 as plain values. Fields that a version
// lacks (properties, most reason codes before 5.0) are ignored when encoding for it and
// left at their defaults when decoding from it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mqtt/payload.hpp"
#include "mqtt/properties.hpp"
#include "mqtt/reason_code.hpp"
#include "mqtt/version.hpp"

namespace dynamq::mqtt {

// Control packet types: the high nibble of the first byte (spec 2.1.2).
enum class PacketType : std::uint8_t {
  Connect = 1,
  Connack = 2,
  Publish = 3,
  Puback = 4,
  Pubrec = 5,
  Pubrel = 6,
  Pubcomp = 7,
  Subscribe = 8,
  Suback = 9,
  Unsubscribe = 10,
  Unsuback = 11,
  Pingreq = 12,
  Pingresp = 13,
  Disconnect = 14,
  Auth = 15,  // 5.0 only
};

std::string_view to_string(PacketType type) noexcept;

struct Will {
  std::string topic;
  Payload payload;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  Properties properties;  // 5.0 will properties (delay, expiry, content type, ...)

  friend bool operator==(const Will&, const Will&) = default;
};

struct Connect {
  // From the packet's protocol level (3 with "MQIsdp", 4 or 5 with "MQTT").
  Version version = Version::v3_1_1;
  bool clean_start = true;  // "clean session" before 5.0
  std::uint16_t keep_alive = 0;
  std::string client_id;  // may be empty (server assigns one, if it allows)
  std::optional<Will> will;
  std::optional<std::string> username;
  std::optional<std::string> password;  // binary
  Properties properties;

  friend bool operator==(const Connect&, const Connect&) = default;
};

struct Connack {
  bool session_present = false;  // not in 3.1
  // Before 5.0 carried as a return code 0..5 (see to_connack_return_code).
  ReasonCode reason_code = ReasonCode::Success;
  Properties properties;

  friend bool operator==(const Connack&, const Connack&) = default;
};

struct Publish {
  std::string topic;  // may be empty in 5.0 when properties.topic_alias is set
  Payload payload;
  QoS qos = QoS::at_most_once;
  bool retain = false;
  bool dup = false;
  std::uint16_t packet_id = 0;  // only for QoS 1 and 2; never 0 then
  Properties properties;

  friend bool operator==(const Publish&, const Publish&) = default;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP: a packet id and, in 5.0, a reason code and properties.
struct Puback {
  std::uint16_t packet_id = 0;
  ReasonCode reason_code = ReasonCode::Success;
  Properties properties;
  friend bool operator==(const Puback&, const Puback&) = default;
};
struct Pubrec {
  std::uint16_t packet_id = 0;
  ReasonCode reason_code = ReasonCode::Success;
  Properties properties;
  friend bool operator==(const Pubrec&, const Pubrec&) = default;
};
struct Pubrel {
  std::uint16_t packet_id = 0;
  ReasonCode reason_code = ReasonCode::Success;
  Properties properties;
  friend bool operator==(const Pubrel&, const Pubrel&) = default;
};
struct Pubcomp {
  std::uint16_t packet_id = 0;
  ReasonCode reason_code = ReasonCode::Success;
  Properties properties;
  friend bool operator==(const Pubcomp&, const Pubcomp&) = default;
};

// 5.0 subscription option "Retain Handling" (spec 3.8.3.1).
enum class RetainHandling : std::uint8_t {
  send_on_subscribe = 0,
  send_if_new_subscription = 1,
  do_not_send = 2,
};

struct SubscribeOptions {
  QoS qos = QoS::at_most_once;                                         // maximum QoS
  bool no_local = false;                                               // 5.0
  bool retain_as_published = false;                                    // 5.0
  RetainHandling retain_handling = RetainHandling::send_on_subscribe;  // 5.0
  friend bool operator==(const SubscribeOptions&, const SubscribeOptions&) = default;
};

struct Subscription {
  // As sent, possibly "$share/{group}/{filter}"; the decoder checks UTF-8 only, so the
  // broker can answer an invalid filter with a per-entry SUBACK code (0x8F).
  std::string filter;
  SubscribeOptions options;
  friend bool operator==(const Subscription&, const Subscription&) = default;
};

struct Subscribe {
  std::uint16_t packet_id = 0;
  std::vector<Subscription> entries;  // at least one
  Properties properties;              // subscription identifier, user properties
  friend bool operator==(const Subscribe&, const Subscribe&) = default;
};

struct Suback {
  std::uint16_t packet_id = 0;
  // One per entry: GrantedQoS0..2 or a failure (before 5.0 any failure encodes as 0x80).
  std::vector<ReasonCode> reason_codes;
  Properties properties;
  friend bool operator==(const Suback&, const Suback&) = default;
};

struct Unsubscribe {
  std::uint16_t packet_id = 0;
  std::vector<std::string> filters;  // at least one
  Properties properties;
  friend bool operator==(const Unsubscribe&, const Unsubscribe&) = default;
};

struct Unsuback {
  std::uint16_t packet_id = 0;
  std::vector<ReasonCode> reason_codes;  // 5.0 only: one per filter; empty before 5.0
  Properties properties;
  friend bool operator==(const Unsuback&, const Unsuback&) = default;
};

struct Pingreq {
  friend bool operator==(const Pingreq&, const Pingreq&) = default;
};
struct Pingresp {
  friend bool operator==(const Pingresp&, const Pingresp&) = default;
};

struct Disconnect {
  ReasonCode reason_code = ReasonCode::NormalDisconnection;  // 5.0
  Properties properties;
  friend bool operator==(const Disconnect&, const Disconnect&) = default;
};

struct Auth {  // 5.0 only
  ReasonCode reason_code = ReasonCode::Success;
  Properties properties;
  friend bool operator==(const Auth&, const Auth&) = default;
};

// Alternatives in packet-type order: index() + 1 == PacketType.
using Packet = std::variant<Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp, Subscribe,
                            Suback, Unsubscribe, Unsuback, Pingreq, Pingresp, Disconnect, Auth>;

inline PacketType packet_type(const Packet& packet) noexcept {
  return static_cast<PacketType>(packet.index() + 1);
}

}  // namespace dynamq::mqtt
