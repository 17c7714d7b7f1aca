// What a listener and its connections share: the name for logs, the connection limit and
// the counters. Counters are atomics because connections live on every loop.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "broker/client_link.hpp"
#include "net/asio.hpp"
#include "net/connection_count.hpp"

namespace dynamq::net {

class TlsContextSource;  // net/tls_context_source.hpp

// Creates the broker's side of a new connection (Broker::accept in the real process).
using HandlerFactory = std::function<std::shared_ptr<broker::ConnectionHandler>(
    asio::any_io_executor, std::shared_ptr<broker::ClientLink>)>;

struct ConnectionOptions {
  // A write that makes no progress for this long means a dead or stuck peer: close.
  std::chrono::milliseconds write_timeout{30'000};
  // After a close-after-flush, how long to wait for the peer to close its side before the
  // socket is closed anyway (closing at once could reset data the peer has not read yet).
  std::chrono::milliseconds close_linger{2'000};
};

struct ListenerStats {
  ActiveConnections active;  // also counts against net.max_connections
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};  // over this listener's or the process's limit
  std::atomic<std::uint64_t> write_timeouts{0};
};

struct ListenerState {
  std::string name;  // "tcp:default": kind and name, as in listener.<kind>.<name>.*
  std::size_t max_connections = 0;
  ConnectionOptions options;
  HandlerFactory handler_factory;
  ListenerStats stats;
  // ssl and wss: the certificate and key new connections get (reloadable on SIGHUP).
  std::shared_ptr<TlsContextSource> tls;
  // The verified client certificate's CN is the connection's certificate_identity().
  bool use_identity_as_username = false;
};

}  // namespace dynamq::net
