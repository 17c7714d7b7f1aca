// The seam between net/ (which owns sockets) and broker/ (which owns MQTT semantics).
// net/ reads bytes and hands them to a ConnectionHandler; the broker decodes, handles,
// and writes encoded packets back through the ClientLink. Neither side sees the other's
// internals, so TCP, TLS and WebSocket transports and unit-test doubles are interchangeable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dynamq::broker {

// Encoded bytes shared by every receiver of the same packet layout (a publish is
// serialized once per protocol version / QoS layout, not once per subscriber).
using SharedBytes = std::shared_ptr<const std::vector<std::uint8_t>>;

// The broker's handle on one network connection. Implemented by net/ and by test doubles.
// Every call is made on that connection's executor (the one given to Broker::accept).
class ClientLink {
 public:
  virtual ~ClientLink() = default;
  // Queues the bytes of one or more whole packets; they are written in order, and queued
  // buffers are gathered into as few writes as possible.
  virtual void write(SharedBytes bytes) = 0;
  // Bytes queued and not yet written (back-pressure for slow consumers).
  [[nodiscard]] virtual std::size_t pending_bytes() const = 0;
  // Writes what is queued, then closes the transport; idempotent. After it, the handler
  // still receives on_transport_closed().
  virtual void close() = 0;
  // "address:port" of the peer and the listener's name, for logs.
  [[nodiscard]] virtual std::string remote_endpoint() const = 0;
  [[nodiscard]] virtual std::string listener_name() const = 0;
  // The username the transport vouches for: the CN of a verified client certificate on a
  // listener with use_identity_as_username, empty otherwise. When set, it replaces the
  // CONNECT username and the password check (the certificate is the credential).
  [[nodiscard]] virtual std::string certificate_identity() const { return {}; }
  // Back-pressure: stop reading from the peer until resume_reading() (TCP flow control then
  // slows the peer down). Bytes already read may still be delivered in the current call.
  // Both idempotent; the default (test doubles) ignores them.
  virtual void pause_reading() {}
  virtual void resume_reading() {}
  // Hint: what is queued is complete for now, write it at once rather than at the end of the
  // loop's turn (saves a hop and lowers latency). The default does nothing.
  virtual void flush_now() {}
};

// The broker's side of one connection, created by the broker for each accepted link.
// net/ calls it only on the connection's executor.
class ConnectionHandler {
 public:
  virtual ~ConnectionHandler() = default;
  // Bytes as read from the transport, split anywhere; the handler decodes whole packets.
  // The span is valid only during the call (transports reuse one read buffer per loop):
  // the handler copies what it keeps, such as an incomplete packet's tail.
  virtual void on_bytes(std::span<const std::uint8_t> bytes) = 0;
  // The transport is gone (peer closed, error, or after ClientLink::close()). Called once.
  virtual void on_transport_closed() = 0;
};

}  // namespace dynamq::broker
