// Accepts connections on one address and hands each to a transport, which turns the socket
// into a ClientLink on one of the io loops (round robin). The listener itself knows nothing
// of TCP vs TLS vs WebSocket: the transport (a TransportStarter) does the handshake, if any.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "net/accepted_socket.hpp"
#include "net/asio.hpp"
#include "net/io_pool.hpp"
#include "net/listener_state.hpp"

namespace dynamq::net {

// Runs on the socket's loop; takes the accepted socket (a bare non-blocking descriptor) and
// starts a connection on it. `remote` is the peer. Transports that need an Asio socket make
// one on the loop (AcceptedSocket::into_socket).
using TransportStarter =
    std::function<void(AcceptedSocket socket, Loop& loop, std::shared_ptr<ListenerState> state,
                       const tcp::endpoint& remote)>;

// The plain TCP transport: TCP_NODELAY, a TcpConnection on the loop's own epoll
// (tcp_connection.hpp).
TransportStarter tcp_transport();

struct ListenerConfig {
  std::string kind;  // "tcp" ("ssl", "ws", "wss" later)
  std::string name;  // "default"
  tcp::endpoint endpoint;
  std::size_t max_connections = 0;  // 0 = no limit
  ConnectionOptions options;
  // The process-wide limit shared by every listener (net.max_connections); null = none.
  std::shared_ptr<ConnectionBudget> budget;
  // ssl and wss: the reloadable certificate source (the transport falls back to its own
  // context when null).
  std::shared_ptr<TlsContextSource> tls;
  bool use_identity_as_username = false;
};

class Listener {
 public:
  Listener(IoPool& pool, ListenerConfig config, HandlerFactory factory, TransportStarter transport);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  // Opens, binds and listens; throws boost::system::system_error (e.g. address in use).
  // Returns the bound endpoint: with port 0 the kernel's choice.
  tcp::endpoint bind();
  // Starts accepting (after bind()).
  void start();
  // Stops accepting; connections already accepted stay. Thread-safe, idempotent.
  void stop();
  // ssl and wss: re-reads certfile, keyfile and cacertfile for the connections accepted from
  // now on (open ones keep theirs). Logs the outcome; on failure the old certificate stays
  // and false is returned. True without doing anything for listeners without TLS.
  bool reload_certificates();

  [[nodiscard]] const ListenerConfig& config() const { return config_; }
  [[nodiscard]] const std::string& name() const { return state_->name; }
  [[nodiscard]] tcp::endpoint local_endpoint() const { return local_; }
  [[nodiscard]] const ListenerStats& stats() const { return state_->stats; }

 private:
  awaitable<void> accept_loop();
  // Accepts what is pending (up to a batch) and hands each socket to a loop.
  void accept_pending();
  void refuse(AcceptedSocket socket, const tcp::endpoint& remote, Admission why);

  IoPool& pool_;
  ListenerConfig config_;
  TransportStarter transport_;
  std::shared_ptr<ListenerState> state_;
  Loop& home_;  // the loop the acceptor runs on
  tcp::acceptor acceptor_;
  tcp::endpoint local_;
  bool accept_failed_ = false;  // the last accept4 failed for lack of resources: back off
  std::chrono::steady_clock::time_point last_refusal_log_{};
  std::uint64_t refusals_since_log_ = 0;
};

// "1.2.3.4:1883" or "[::1]:1883".
std::string to_string(const tcp::endpoint& endpoint);

}  // namespace dynamq::net
