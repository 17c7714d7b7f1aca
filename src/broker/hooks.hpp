// The storage seam (issue 2 item 5): typed events a storage layer (or anything else) can
// observe, hold (a publish's PUBACK/PUBREC waits on a PendingAck), and act on through
// Broker::inject / Broker::subscribe.
//
// Threading: hooks are called on the io thread of the connection concerned, never under a
// broker lock, so a hook may call Broker::inject/subscribe. Hooks must not block: start
// asynchronous work and return. Registration (HookRegistry) is safe while the broker runs;
// a removed Hooks object stays alive until calls already in progress return.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "broker/compact_string.hpp"
#include "broker/message.hpp"
#include "broker/shared_string.hpp"

namespace dynamq::broker {

// Who an event is about. Owned by the connection; copy what you keep beyond the call.
// One per client, so kept small (bench/README.md, "Memory"): the strings read like
// std::string / std::string_view but are 16 B each (compact_string.hpp), and node and
// listener, the same for many clients, are shared (shared_string.hpp).
struct ClientInfo {
  CompactString client_id;
  CompactString username;
  CompactString remote_endpoint;  // "address:port"
  SharedString node;              // BrokerSettings::node_name
  SharedString listener;
  std::uint8_t protocol_version = 4;  // 3 (3.1), 4 (3.1.1), 5
  bool clean_start = true;
  std::uint32_t session_expiry_interval = 0;  // seconds, after capping
};

struct SubscriptionOptions {
  std::uint8_t qos = 0;  // requested (in Broker::subscribe) / granted (in events)
  bool no_local = false;
  bool retain_as_published = false;
  std::uint8_t retain_handling = 0;   // 0 send retained, 1 only if new, 2 never
  std::uint32_t subscription_id = 0;  // 0 = none
};

struct SubscriptionEvent {
  std::string filter;           // without the "$share/group/" prefix
  std::string share_group;      // "" when not shared
  SubscriptionOptions options;  // options.qos is the granted QoS
  bool is_new = true;           // false when it replaced an existing subscription
  // True when the subscribe came from Broker::subscribe (e.g. on_subscribe_lookup), so a
  // storage layer need not write it back.
  bool from_hook = false;
};

struct DisconnectInfo {
  std::uint8_t reason_code = 0;  // MQTT 5 reason code of the DISCONNECT sent or received
  bool by_client = false;        // the client sent DISCONNECT
  bool session_kept = false;     // the session outlives the connection
};

// A held acknowledgement: the broker sends the publisher's PUBACK/PUBREC (and routes the
// message) only when it completes. Complete it once, from any thread.
class PendingAck {
 public:
  struct Result {
    std::uint8_t reason_code = 0;  // 0 success, or an MQTT 5 error code (0x80, 0x97, 0x95…)
    std::string reason_string;
    [[nodiscard]] bool ok() const { return reason_code < 0x80; }
  };

  static std::shared_ptr<PendingAck> create() { return std::make_shared<PendingAck>(); }

  void succeed() { complete(Result{}); }
  void fail(std::uint8_t reason_code, std::string reason_string = {}) {
    complete(Result{reason_code, std::move(reason_string)});
  }
  // First completion wins; later ones are ignored.
  void complete(Result result);

  // Broker side: `done` runs once, with the result, on the completing thread (or at once
  // if already complete).
  void on_complete(std::function<void(const Result&)> done);

 private:
  std::mutex mutex_;
  bool completed_ = false;
  Result result_;
  std::function<void(const Result&)> done_;
};

// What on_message_publish decides: nullptr = go ahead now; a PendingAck = hold the
// publisher's ack until it completes (failure: MQTT 5 publisher gets its reason code, the
// message is not routed; an MQTT 3.1.1 publisher is disconnected — no false ack).
using PublishDecision = std::shared_ptr<PendingAck>;

// Override what you need. Every default does nothing.
class Hooks {
 public:
  virtual ~Hooks() = default;
  virtual void on_client_connected(const ClientInfo& /*client*/) {}
  virtual void on_client_disconnected(const ClientInfo& /*client*/,
                                      const DisconnectInfo& /*info*/) {}
  // A new session (not a resumed one) was created for the client.
  virtual void on_session_created(const ClientInfo& /*client*/) {}
  // The session (offline or not) ended: expired, discarded by clean start, or closed.
  virtual void on_session_terminated(const std::string& /*client_id*/) {}
  virtual void on_session_subscribed(const ClientInfo& /*client*/,
                                     const SubscriptionEvent& /*subscription*/) {}
  virtual void on_session_unsubscribed(const ClientInfo& /*client*/, const std::string& /*filter*/,
                                       const std::string& /*share_group*/) {}
  // A PUBLISH from a client was accepted (decoded and validated; before routing).
  virtual PublishDecision on_message_publish(const ClientInfo& /*publisher*/,
                                             const MessagePtr& /*message*/) {
    return nullptr;
  }
  // The message was written to the subscriber at `qos`.
  virtual void on_message_delivered(const ClientInfo& /*subscriber*/, const MessagePtr& /*message*/,
                                    std::uint8_t /*qos*/) {}
  // The subscriber acknowledged it: PUBACK (QoS 1) or PUBCOMP (QoS 2).
  virtual void on_message_acked(const ClientInfo& /*subscriber*/, const MessagePtr& /*message*/,
                                std::uint8_t /*qos*/) {}
};

// The set of registered hooks, replaced copy-on-write so the publish path reads it without
// a lock held during calls.
class HookRegistry {
 public:
  using List = std::vector<std::shared_ptr<Hooks>>;

  void add(std::shared_ptr<Hooks> hooks);
  // Returns false if it was not registered.
  bool remove(const std::shared_ptr<Hooks>& hooks);
  void clear();

  // Cheap check for the hot path: false when nothing is registered.
  [[nodiscard]] bool any() const { return count_.load(std::memory_order_acquire) != 0; }
  [[nodiscard]] std::shared_ptr<const List> snapshot() const;

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const List> list_ = std::make_shared<const List>();
  std::atomic<std::size_t> count_{0};
};

// (c) A message for one session (Broker::inject): stored messages fetched for an offline
// session, retained messages found in storage.
struct Injection {
  MessagePtr message;
  // The subscription this delivery is for: its granted QoS caps the message's QoS and its
  // subscription identifier is attached. Empty = deliver at the message's QoS.
  std::string filter;
  std::string share_group;
  // Deliver as a retained message (retain flag set). Skipped when the broker's in-memory
  // retained store holds a message for that topic: that one was delivered already.
  bool retained = false;
};

}  // namespace dynamq::broker
