// The broker's limits and feature switches. app/ fills this from etc/dynamq.conf;
// everything has a usable default so tests can construct a Broker with `BrokerSettings{}`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace dynamq::broker {

class AccessPolicy;

struct BrokerSettings {
  // Name of this broker node: reported to hooks (the `node` attribute of mqtt_client).
  std::string node_name = "dynamq@127.0.0.1";
  // Node id in the low 64 bits of message ids (unique per node in a cluster); 0 = derive
  // from a hash of node_name.
  std::uint16_t node_id = 0;

  // Largest packet we accept (MQTT 5 Maximum Packet Size in CONNACK); larger → 0x95.
  std::uint32_t max_packet_size = 1024 * 1024;
  // Receive Maximum announced in CONNACK (QoS 1/2 publishes a client may have unacked
  // towards us), and the cap of our own outbound window per client (min with the
  // client's Receive Maximum).
  std::uint16_t max_inflight = 32;
  // QoS 1/2 messages kept per session beyond the inflight window (offline or slow);
  // further messages are dropped and counted.
  std::size_t max_queued_messages = 1000;
  // A slow consumer whose link has more than this many bytes unwritten loses QoS 0
  // messages (counted) instead of growing memory.
  std::size_t max_pending_bytes = 8 * 1024 * 1024;
  // Cap on the Session Expiry Interval a client may ask for (seconds); also the expiry
  // of MQTT 3.1.1 persistent sessions (clean session 0), which have no interval of their own.
  std::uint32_t session_expiry_max = 2 * 60 * 60;
  // A connection that has not sent a complete CONNECT by then is closed.
  std::chrono::milliseconds connect_timeout{10'000};
  // MQTT 5: a client asking for keep alive 0 gets this as Server Keep Alive (0 = allow 0).
  std::uint16_t keep_alive_default = 0;
  // MQTT 5: a client asking for more than this gets this as Server Keep Alive (0 = no cap).
  std::uint16_t keep_alive_max = 0;
  // MQTT 5 Topic Alias Maximum we accept from clients (0 = aliases not allowed).
  std::uint16_t topic_alias_maximum = 64;
  // Largest QoS we grant/accept (0, 1 or 2).
  std::uint8_t max_qos = 2;
  bool retain_available = true;
  bool wildcard_subscription_available = true;
  bool subscription_identifiers_available = true;
  bool shared_subscription_available = true;
  // Longest accepted client identifier (bytes); MQTT 3.1 requires 23, we allow more.
  std::size_t max_client_id_length = 65535;

  // Authentication and authorization (access_policy.hpp); null = everyone may do anything.
  std::shared_ptr<AccessPolicy> access_policy;
  // PUBLISH packets per second a client may send (token bucket holding one second's worth,
  // so short bursts pass); past it the client is disconnected (MQTT 5: DISCONNECT 0x96
  // Message rate too high; 3.1/3.1.1: closed). 0 = unlimited.
  std::uint32_t max_publish_rate = 0;
};

}  // namespace dynamq::broker
