// Every MQTT 5 reason code (spec 2.4), plus the mapping to the 3.1/3.1.1 CONNACK return
// codes. The codec uses ReasonCode in all versions: the encoder turns it into the byte
// the negotiated version expects.
#pragma once

#include <cstdint>
#include <string_view>

namespace dynamq::mqtt {

enum class ReasonCode : std::uint8_t {
  Success = 0x00,
  NormalDisconnection = 0x00,
  GrantedQoS0 = 0x00,
  GrantedQoS1 = 0x01,
  GrantedQoS2 = 0x02,
  DisconnectWithWillMessage = 0x04,
  NoMatchingSubscribers = 0x10,
  NoSubscriptionExisted = 0x11,
  ContinueAuthentication = 0x18,
  ReAuthenticate = 0x19,
  UnspecifiedError = 0x80,
  MalformedPacket = 0x81,
  ProtocolError = 0x82,
  ImplementationSpecificError = 0x83,
  UnsupportedProtocolVersion = 0x84,
  ClientIdentifierNotValid = 0x85,
  BadUserNameOrPassword = 0x86,
  NotAuthorized = 0x87,
  ServerUnavailable = 0x88,
  ServerBusy = 0x89,
  Banned = 0x8A,
  ServerShuttingDown = 0x8B,
  BadAuthenticationMethod = 0x8C,
  KeepAliveTimeout = 0x8D,
  SessionTakenOver = 0x8E,
  TopicFilterInvalid = 0x8F,
  TopicNameInvalid = 0x90,
  PacketIdentifierInUse = 0x91,
  PacketIdentifierNotFound = 0x92,
  ReceiveMaximumExceeded = 0x93,
  TopicAliasInvalid = 0x94,
  PacketTooLarge = 0x95,
  MessageRateTooHigh = 0x96,
  QuotaExceeded = 0x97,
  AdministrativeAction = 0x98,
  PayloadFormatInvalid = 0x99,
  RetainNotSupported = 0x9A,
  QoSNotSupported = 0x9B,
  UseAnotherServer = 0x9C,
  ServerMoved = 0x9D,
  SharedSubscriptionsNotSupported = 0x9E,
  ConnectionRateExceeded = 0x9F,
  MaximumConnectTime = 0xA0,
  SubscriptionIdentifiersNotSupported = 0xA1,
  WildcardSubscriptionsNotSupported = 0xA2,
};

// The spec's name for the code, e.g. "Malformed Packet"; "Unknown" for values not in 2.4.
// 0x00 reads "Success" (its other names depend on the packet).
std::string_view to_string(ReasonCode code) noexcept;

// True for codes >= 0x80 (spec 2.4: "a failure").
constexpr bool is_error(ReasonCode code) noexcept {
  return static_cast<std::uint8_t>(code) >= 0x80;
}

// 3.1 / 3.1.1 CONNACK return codes (3.1.1 spec 3.2.2.3).
enum class ConnackReturnCode : std::uint8_t {
  Accepted = 0,
  UnacceptableProtocolVersion = 1,
  IdentifierRejected = 2,
  ServerUnavailable = 3,
  BadUserNameOrPassword = 4,
  NotAuthorized = 5,
};

// Nearest 3.1.1 return code for a CONNACK reason code: 0x84 -> 1, 0x85 -> 2,
// 0x86/0x8C -> 4, 0x87/0x8A -> 5, Success -> 0, anything else -> 3 (server unavailable).
ConnackReturnCode to_connack_return_code(ReasonCode code) noexcept;
// Inverse for decoding a 3.1/3.1.1 CONNACK: 0..5 map to Success, 0x84, 0x85, 0x88, 0x86, 0x87.
// Other bytes give UnspecifiedError.
ReasonCode from_connack_return_code(std::uint8_t return_code) noexcept;

}  // namespace dynamq::mqtt
