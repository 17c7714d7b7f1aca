// MQTT 5 properties (spec 2.2.2.2). One optional field per property; absent means "not
// sent". Binary Data properties are held in std::string (bytes, not text).
// In 3.1/3.1.1 properties are neither decoded nor encoded (they stay empty).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dynamq::mqtt {

// Property identifiers (spec 2.2.2.2, table 2-4).
enum class PropertyId : std::uint8_t {
  PayloadFormatIndicator = 0x01,
  MessageExpiryInterval = 0x02,
  ContentType = 0x03,
  ResponseTopic = 0x08,
  CorrelationData = 0x09,
  SubscriptionIdentifier = 0x0B,
  SessionExpiryInterval = 0x11,
  AssignedClientIdentifier = 0x12,
  ServerKeepAlive = 0x13,
  AuthenticationMethod = 0x15,
  AuthenticationData = 0x16,
  RequestProblemInformation = 0x17,
  WillDelayInterval = 0x18,
  RequestResponseInformation = 0x19,
  ResponseInformation = 0x1A,
  ServerReference = 0x1C,
  ReasonString = 0x1F,
  ReceiveMaximum = 0x21,
  TopicAliasMaximum = 0x22,
  TopicAlias = 0x23,
  MaximumQoS = 0x24,
  RetainAvailable = 0x25,
  UserProperty = 0x26,
  MaximumPacketSize = 0x27,
  WildcardSubscriptionAvailable = 0x28,
  SubscriptionIdentifierAvailable = 0x29,
  SharedSubscriptionAvailable = 0x2A,
};

using UserProperty = std::pair<std::string, std::string>;

struct Properties {
  // PUBLISH, will
  std::optional<std::uint8_t> payload_format_indicator;  // 0 bytes, 1 UTF-8
  std::optional<std::uint32_t> message_expiry_interval;  // seconds
  std::optional<std::string> content_type;
  std::optional<std::string> response_topic;
  std::optional<std::string> correlation_data;  // binary
  // PUBLISH (several, one per matching subscription) and SUBSCRIBE (at most one);
  // each 1..268435455.
  std::vector<std::uint32_t> subscription_identifiers;
  // CONNECT, CONNACK, DISCONNECT
  std::optional<std::uint32_t> session_expiry_interval;  // seconds
  // CONNACK
  std::optional<std::string> assigned_client_identifier;
  std::optional<std::uint16_t> server_keep_alive;  // seconds
  // CONNECT, CONNACK, AUTH
  std::optional<std::string> authentication_method;
  std::optional<std::string> authentication_data;  // binary
  // CONNECT
  std::optional<bool> request_problem_information;
  // will
  std::optional<std::uint32_t> will_delay_interval;  // seconds
  // CONNECT
  std::optional<bool> request_response_information;
  // CONNACK
  std::optional<std::string> response_information;
  // CONNACK, DISCONNECT
  std::optional<std::string> server_reference;
  // every ack, DISCONNECT, AUTH
  std::optional<std::string> reason_string;
  // CONNECT, CONNACK
  std::optional<std::uint16_t> receive_maximum;      // 1..65535
  std::optional<std::uint16_t> topic_alias_maximum;  // 0 = aliases not accepted
  // PUBLISH
  std::optional<std::uint16_t> topic_alias;  // 1..65535
  // CONNACK
  std::optional<std::uint8_t> maximum_qos;  // 0 or 1 (absent = 2)
  std::optional<bool> retain_available;
  // every packet; order kept, duplicates allowed
  std::vector<UserProperty> user_properties;
  // CONNECT, CONNACK
  std::optional<std::uint32_t> maximum_packet_size;  // 1..; absent = no limit
  // CONNACK
  std::optional<bool> wildcard_subscription_available;
  std::optional<bool> subscription_identifier_available;
  std::optional<bool> shared_subscription_available;

  friend bool operator==(const Properties&, const Properties&) = default;
};

}  // namespace dynamq::mqtt
