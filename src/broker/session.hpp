// The state of one client id that outlives its connections (MQTT "Session State",
// spec 4.1): subscriptions, QoS 1/2 messages in flight or queued towards the client,
// QoS 2 packet ids received and not yet released, timers for expiry and delayed wills.
//
// Threading: every field below `mutex` is guarded by it. Any thread may deliver(); the
// attached Connection (on its own executor) sends and acknowledges. Lock order:
// registry → session → topic tree; no lock is held while calling hooks or ClientLink.
//
// Memory: one Session per client, idle or not (bench/README.md, "Memory"): what an idle
// session does not use is behind a pointer allocated on first use (sizeof guarded in
// memory_layout_test.cpp).
#pragma once

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "broker/hooks.hpp"
#include "broker/lazy_deque.hpp"
#include "broker/message.hpp"
#include "broker/packet_id_set.hpp"
#include "broker/small_mutex.hpp"
#include "broker/subscription_ids.hpp"
#include "broker/topic_tree.hpp"

namespace dynamq::broker {

class BrokerCore;
class Connection;

// A message on its way to one session, at the QoS and with the retain flag it gets there.
// One per queued message per subscriber: kept small (sizeof guarded by a unit test).
struct Delivery {
  MessagePtr message;
  std::shared_ptr<const ShareKey> share;  // set when routed through a shared subscription
  SubscriptionIds subscription_ids;
  std::uint8_t qos = 0;
  bool retain = false;
};

// A QoS 1/2 message sent and not yet completely acknowledged.
struct Outgoing {
  enum class State : std::uint8_t { awaiting_ack, awaiting_pubcomp };
  Delivery delivery;
  std::uint16_t packet_id = 0;
  State state = State::awaiting_ack;  // awaiting_ack: PUBACK (QoS 1) or PUBREC (QoS 2)
};

// Back-pressure towards publishers (bench/README.md, "Back-pressure"): created the first time
// the session's queue reaches the high-water mark.
struct SessionBackpressure {
  // Start of the current episode above the high-water mark (zero: below the low-water mark).
  std::chrono::steady_clock::time_point since{};
  // Publishing connections that paused reading because of this session.
  std::vector<std::weak_ptr<Connection>> waiters;
};

struct SubscriptionRecord {
  std::string filter;           // topic filter proper
  std::string share_group;      // "" when not shared
  SubscriptionOptions options;  // granted QoS
};

// A will waiting for its Will Delay Interval ([MQTT-3.1.3-9]).
struct DelayedWill {
  MessagePtr message;
  ClientInfo client;
};

class Session {
 public:
  using Subscriptions = std::map<std::string, SubscriptionRecord>;  // by the filter as subscribed

  // `info`: of the connection creating the session; never null.
  explicit Session(std::shared_ptr<const ClientInfo> info) : info(std::move(info)) {}

  // The session's key in the registry: the client id of every `info` it ever has (no second
  // copy of it here). Read with the registry mutex or `mutex` held: `info` is replaced only
  // with both (BrokerCore::attach, BrokerCore::replace_info).
  [[nodiscard]] std::string_view client_id() const { return info->client_id; }
  // Lock-free: read by the topic tree to prefer connected members of share groups.
  [[nodiscard]] bool online() const { return online_.load(std::memory_order_acquire); }
  void set_online(bool online) { online_.store(online, std::memory_order_release); }

  // Any thread: queue the message (bounded; QoS 0 is not kept for an offline session) and
  // wake the attached connection. Drops are counted in the broker's stats. True when the
  // queue is over the high-water mark and the publisher should pause (back-pressure).
  // `core`: the broker of this session (passed in, not kept: 8 B per session).
  bool deliver(BrokerCore& core, Delivery delivery);

  SmallMutex mutex;
  // ---- guarded by mutex ----
  std::uint16_t last_packet_id = 0;
  bool flush_scheduled : 1 = false;
  bool terminated : 1 = false;  // expired or discarded; deliveries are ignored

 private:
  std::atomic<bool> online_{false};  // declared here, where it fills padding

 public:
  std::uint32_t expiry_interval = 0;
  std::uint32_t epoch = 0;  // bumped on every attach: stale timers do nothing
  // The attached connection, null while offline. Not owning: net/ owns connections, so
  // nothing here keeps one alive (no session ↔ connection cycle). A connection detaches
  // (under `mutex`) when it finishes, at the latest in its destructor, so a non-null
  // `attached` is alive or blocked in that destructor: attached_connection() is safe.
  Connection* attached = nullptr;
  // The attached connection as an owner (null when offline or being destroyed).
  [[nodiscard]] std::shared_ptr<Connection> attached_connection() const;
  // Allocated on first use: an idle session queues nothing.
  LazyDeque<Delivery> queue;     // not yet sent
  LazyDeque<Outgoing> inflight;  // sent, in send order
  // Null while the session has none (an empty std::map is 48 B inline).
  std::unique_ptr<Subscriptions> subscriptions;
  // Of the last connection (hooks called off-connection). Immutable and shared with that
  // connection (one copy per client, not two): replaced, never modified, and only with the
  // registry mutex held too (see client_id()).
  std::shared_ptr<const ClientInfo> info;
  // What few sessions need, allocated the first time it is: a session that went offline
  // needs its timers (kept after a reconnect, so shutdown can still cancel them) and maybe
  // a will waiting for its delay; a congested one its back-pressure state; a client
  // publishing at QoS 2 its received packet ids.
  struct Cold {
    boost::asio::any_io_executor timer_executor;
    std::shared_ptr<boost::asio::steady_timer> expiry_timer;
    std::shared_ptr<boost::asio::steady_timer> will_timer;
    std::unique_ptr<DelayedWill> delayed_will;          // null unless a will waits for its delay
    std::unique_ptr<SessionBackpressure> backpressure;  // null until first congested
    PacketIdSet inbound_qos2;                           // PUBREC sent (or pending), no PUBREL yet
  };
  std::unique_ptr<Cold> cold;
  Cold& cold_state() {
    if (!cold) {
      cold = std::make_unique<Cold>();
    }
    return *cold;
  }

  // QoS 2 packet ids received and not released (Cold::inbound_qos2).
  [[nodiscard]] std::size_t inbound_qos2_size() const {
    return cold ? cold->inbound_qos2.size() : 0;
  }
  // True when `id` was not there yet.
  bool inbound_qos2_insert(std::uint16_t id) { return cold_state().inbound_qos2.insert(id); }
  // How many were removed (0 or 1).
  std::size_t inbound_qos2_erase(std::uint16_t id) {
    return cold ? cold->inbound_qos2.erase(id) : 0;
  }

  // The subscription to `raw_filter` (as subscribed), or null.
  [[nodiscard]] const SubscriptionRecord* find_subscription(const std::string& raw_filter) const;

  // Next free packet id for an outgoing QoS 1/2 message (caller holds mutex).
  std::uint16_t next_packet_id();
};

}  // namespace dynamq::broker
