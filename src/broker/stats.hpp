// Broker counters, read by admin/ and tests. Every drop the broker makes is counted here.
#pragma once

#include <cstdint>

namespace dynamq::broker {

struct BrokerStats {
  std::uint64_t connections_current = 0;
  std::uint64_t connections_total = 0;
  std::uint64_t sessions_current = 0;
  std::uint64_t messages_received = 0;   // PUBLISH packets accepted from clients
  std::uint64_t messages_delivered = 0;  // PUBLISH packets written to clients
  std::uint64_t retained_current = 0;
  // Drops, each for one reason:
  std::uint64_t dropped_queue_full = 0;      // QoS 1/2 beyond max_queued_messages
  std::uint64_t dropped_qos0_offline = 0;    // QoS 0 for an offline session (never queued)
  std::uint64_t dropped_qos0_slow = 0;       // QoS 0 to a link over max_pending_bytes
  std::uint64_t dropped_expired = 0;         // Message Expiry Interval passed while queued
  std::uint64_t dropped_too_large = 0;       // larger than the client's Maximum Packet Size
  std::uint64_t dropped_no_subscribers = 0;  // published with no matching subscription
  std::uint64_t protocol_errors = 0;         // connections closed for bad input
  // Access control (access_policy.hpp) and limits:
  std::uint64_t auth_failures = 0;     // CONNECT refused: bad credentials / not authorized
  std::uint64_t denied_publish = 0;    // PUBLISH refused (ACL or "$SYS/…"), never routed
  std::uint64_t denied_subscribe = 0;  // SUBSCRIBE filters refused by the ACL
  std::uint64_t denied_delivery = 0;   // messages not delivered: subscriber may not read
  std::uint64_t rate_limited = 0;      // clients disconnected over max_publish_rate
  // Back-pressure: times a publishing connection stopped being read because the sessions
  // it feeds were backed up (bench/README.md, "Back-pressure").
  std::uint64_t publishers_paused = 0;
};

}  // namespace dynamq::broker
