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

namespace dynamq::net {

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
  std::atomic<std::size_t> active{0};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> refused{0};  // over max_connections
  std::atomic<std::uint64_t> write_timeouts{0};
};

struct ListenerState {
  std::string name;  // "tcp:default": kind and name, as in listener.<kind>.<name>.*
  std::size_t max_connections = 0;
  ConnectionOptions options;
  HandlerFactory handler_factory;
  ListenerStats stats;
};

}  // namespace dynamq::net
