// Who may connect, publish, subscribe and receive: the broker asks an AccessPolicy (set in
// BrokerSettings::access_policy; none = everyone may do everything). app/ wires the concrete
// one (password file + ACL file, src/auth); tests use doubles.
//
// The broker itself, whatever the policy: refuses PUBLISH to "$SYS/…" from clients, and
// takes the user name from the transport (ClientLink::certificate_identity) when it vouches
// for one — then no password is checked and authenticate() is not called.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "broker/hooks.hpp"

namespace dynamq::broker {

enum class AuthResult : std::uint8_t {
  allowed,
  bad_credentials,  // CONNACK 0x86 Bad User Name or Password (3.1.1: return code 4)
  not_authorized,   // CONNACK 0x87 Not authorized (3.1.1: return code 5)
};

struct AuthRequest {
  std::string client_id;
  std::optional<std::string> username;
  std::optional<std::string> password;  // binary data in MQTT 5; never log it
  std::string remote_endpoint;
  std::string listener;
};

class AccessPolicy {
 public:
  virtual ~AccessPolicy() = default;

  // Decides a CONNECT. `done` is called exactly once, on any thread and possibly before
  // authenticate() returns; the broker posts the answer to the connection's executor and
  // processes nothing else the client sent until then ([MQTT-3.1.4-5]).
  virtual void authenticate(AuthRequest request, std::function<void(AuthResult)> done) = 0;

  // Called on io threads, possibly concurrently: must be thread-safe and must not block.
  // `client` carries the client id and the user name in effect.
  [[nodiscard]] virtual bool authorize_publish(const ClientInfo& client,
                                               std::string_view topic) const = 0;
  // `filter` is the topic filter proper (no "$share/group/" prefix).
  [[nodiscard]] virtual bool authorize_subscribe(const ClientInfo& client,
                                                 std::string_view filter) const = 0;
  // Delivery of a message on `topic` to a subscriber (wildcard subscriptions, retained
  // messages, messages queued for a session). Called under the session's lock.
  [[nodiscard]] virtual bool authorize_read(const ClientInfo& client,
                                            std::string_view topic) const = 0;
  // False when authorize_read always says yes (no ACL): the broker then skips the call.
  [[nodiscard]] virtual bool restricts_read() const { return true; }
};

}  // namespace dynamq::broker
