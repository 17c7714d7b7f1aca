// The broker: MQTT semantics for every connection of this process (no sockets, no DynamoDB).
// One Broker is shared by all io threads; each accepted connection gets a ConnectionHandler
// that lives on the executor it was accepted on. See hooks.hpp for the storage seam.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "broker/broker_settings.hpp"
#include "broker/client_link.hpp"
#include "broker/hooks.hpp"
#include "broker/message.hpp"
#include "broker/stats.hpp"

namespace dynamq::broker {

class BrokerCore;

class Broker {
 public:
  explicit Broker(BrokerSettings settings);
  ~Broker();
  Broker(const Broker&) = delete;
  Broker& operator=(const Broker&) = delete;

  // Thread-safe. The handler runs on `executor` (timers for connect timeout and keep alive
  // run there too); net/ must call it only on that executor. After shutdown() the handler
  // closes the link at once.
  std::shared_ptr<ConnectionHandler> accept(boost::asio::any_io_executor executor,
                                            std::shared_ptr<ClientLink> link);

  // Thread-safe, idempotent. Refuses new connections and disconnects every client
  // (MQTT 5: DISCONNECT 0x8B server shutting down; 3.1.1: close). Wills without a delay are
  // published as for any server-side close; delayed wills and session-expiry timers are
  // cancelled. The io_contexts must keep running until the links have closed.
  void shutdown();

  [[nodiscard]] const BrokerSettings& settings() const;
  // Registration of storage (or any other) hooks; safe while the broker runs.
  [[nodiscard]] HookRegistry& hooks();
  // Counters (dropped messages, connections, …); cheap, thread-safe.
  [[nodiscard]] BrokerStats stats() const;

  // (c) Delivers `message` to one session as if it had been routed to it; thread-safe.
  // Returns false when there is no such session (or it is closed).
  bool inject(std::string_view client_id, const Injection& injection);
  // (d) Subscribes a session as if it had sent SUBSCRIBE (session.subscribed hooks run,
  // retained messages are delivered per retain handling); thread-safe. False when there
  // is no such session or the filter is invalid.
  bool subscribe(std::string_view client_id, std::string_view filter,
                 const SubscriptionOptions& options);

  // Ids for messages created outside a PUBLISH (e.g. by an admin API).
  [[nodiscard]] MessageId next_message_id();

 private:
  std::shared_ptr<BrokerCore> core_;
};

}  // namespace dynamq::broker
