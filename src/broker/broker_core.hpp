// The state shared by every connection of one Broker: session registry, subscription tree,
// retained store, hooks, message ids and counters. Internal to src/broker.
#pragma once

#include <atomic>
#include <boost/unordered/unordered_flat_set.hpp>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/broker_settings.hpp"
#include "broker/hooks.hpp"
#include "broker/message_id.hpp"
#include "broker/retained_store.hpp"
#include "broker/session.hpp"
#include "broker/stats.hpp"
#include "broker/topic_tree.hpp"

namespace dynamq::broker {

struct Counters {
  std::atomic<std::uint64_t> connections_current{0};
  std::atomic<std::uint64_t> connections_total{0};
  std::atomic<std::uint64_t> messages_received{0};
  std::atomic<std::uint64_t> messages_delivered{0};
  std::atomic<std::uint64_t> dropped_queue_full{0};
  std::atomic<std::uint64_t> dropped_qos0_offline{0};
  std::atomic<std::uint64_t> dropped_qos0_slow{0};
  std::atomic<std::uint64_t> dropped_expired{0};
  std::atomic<std::uint64_t> dropped_too_large{0};
  std::atomic<std::uint64_t> dropped_no_subscribers{0};
  std::atomic<std::uint64_t> protocol_errors{0};
  std::atomic<std::uint64_t> auth_failures{0};
  std::atomic<std::uint64_t> denied_publish{0};
  std::atomic<std::uint64_t> denied_subscribe{0};
  std::atomic<std::uint64_t> denied_delivery{0};
  std::atomic<std::uint64_t> rate_limited{0};
  std::atomic<std::uint64_t> publishers_paused{0};
};

inline void bump(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.fetch_add(n, std::memory_order_relaxed);
}

class BrokerCore {
 public:
  explicit BrokerCore(BrokerSettings settings);

  const BrokerSettings settings;
  HookRegistry hooks;
  MessageIdGenerator ids;
  TopicTree tree;
  RetainedStore retained;
  Counters counters;
  std::atomic<bool> shutting_down{false};
  // Shared by every ClientInfo of this broker (ClientInfo::node, ::listener).
  const SharedString node_name{settings.node_name};
  StringInterner listener_names;

  struct Attached {
    std::shared_ptr<Session> session;
    bool session_present = false;          // an existing session was resumed
    std::shared_ptr<Connection> previous;  // connection taken over (to be disconnected)
    std::shared_ptr<Session> discarded;    // old session ended by clean start
  };
  // Binds `connection` to the session of info->client_id (new or resumed per clean_start);
  // the session shares `info` from now on.
  Attached attach(const std::shared_ptr<Connection>& connection,
                  const std::shared_ptr<const ClientInfo>& info, bool clean_start,
                  std::uint32_t expiry_interval);
  // MQTT 5 DISCONNECT changed the session expiry: `info` (same client id) and the interval
  // replace the session's, if `connection` is still the one attached.
  void replace_info(Session& session, const Connection* connection,
                    std::shared_ptr<const ClientInfo> info, std::uint32_t expiry_interval);
  // The owning connection went away: start the session-expiry and will-delay timers on
  // `executor`, or end the session at once (expiry 0). `will` is the connection's will, if
  // it is to be published (not on a normal DISCONNECT).
  void session_offline(const std::shared_ptr<Session>& session,
                       const boost::asio::any_io_executor& executor,
                       std::optional<DelayedWill> will, std::uint32_t will_delay);
  // Ends a session: forgets it, removes its subscriptions, publishes a delayed will.
  void terminate(const std::shared_ptr<Session>& session);
  [[nodiscard]] std::shared_ptr<Session> find(std::string_view client_id) const;

  // Routes a message to every matching subscription (publisher null for injected/wills).
  // `congested` (optional) collects the sessions, other than the publisher's, that want the
  // publisher to pause (back-pressure, see backpressure.hpp).
  void route(const MessagePtr& message, const Session* publisher,
             std::vector<std::shared_ptr<Session>>* congested = nullptr);
  // Publishes a will (or any broker-made message): message.publish hooks observe it, then
  // it is routed (and retained).
  void publish_internal(const MessagePtr& message, const ClientInfo& client);
  // Hands a leaving share-group member's deliveries to other members.
  void redistribute(std::vector<Delivery> deliveries, const Session* leaving);

  // SUBSCRIBE of one filter (as sent, possibly $share/...). Returns the SUBACK reason code
  // (granted QoS or an error). On success fills `event`; delivers retained messages.
  std::uint8_t subscribe(const std::shared_ptr<Session>& session, const std::string& raw_filter,
                         SubscriptionOptions options, SubscriptionEvent& event);
  // Returns false when the session had no such subscription.
  bool unsubscribe(const std::shared_ptr<Session>& session, const std::string& raw_filter,
                   std::string& filter, std::string& share_group);

  void call_subscribed_hooks(const ClientInfo& client, const SubscriptionEvent& event);

  void shutdown();
  // Breaks the session ↔ connection references when the Broker object goes away (the
  // io_contexts have stopped by then), so nothing is kept alive by a cycle.
  void release_all();
  [[nodiscard]] BrokerStats stats() const;

 private:
  mutable std::mutex registry_mutex_;
  // Keyed by the session's own client id (Session::client_id(), no second copy of it), in
  // one flat open-addressing table: no node per session (std::unordered_set costs a 24 B
  // node plus buckets). Transparent, so a client id finds its session.
  struct ClientIdHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view id) const { return std::hash<std::string_view>{}(id); }
    std::size_t operator()(const std::shared_ptr<Session>& s) const {
      return (*this)(s->client_id());
    }
  };
  struct SameClientId {
    using is_transparent = void;
    static std::string_view id(std::string_view id) { return id; }
    static std::string_view id(const std::shared_ptr<Session>& s) { return s->client_id(); }
    template <class A, class B>
    bool operator()(const A& a, const B& b) const {
      return id(a) == id(b);
    }
  };
  // guarded by registry_mutex_
  boost::unordered_flat_set<std::shared_ptr<Session>, ClientIdHash, SameClientId> sessions_;
};

}  // namespace dynamq::broker
