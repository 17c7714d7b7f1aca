#include "net/listener.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "net/tcp_connection.hpp"
#include "net/tls_context_source.hpp"

namespace dynamq::net {

std::string to_string(const tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  std::string out;
  if (address.is_v6()) {
    out.append(1, '[').append(address.to_string()).append(1, ']');
  } else {
    out.append(address.to_string());
  }
  out.append(1, ':').append(std::to_string(endpoint.port()));
  return out;
}

TransportStarter tcp_transport() {
  return [](AcceptedSocket socket, Loop& loop, std::shared_ptr<ListenerState> state,
            const tcp::endpoint& remote) {
    start_tcp_connection(std::move(socket), loop, std::move(state), remote);
  };
}

Listener::Listener(IoPool& pool, ListenerConfig config, HandlerFactory factory,
                   TransportStarter transport)
    : pool_(pool),
      config_(std::move(config)),
      transport_(std::move(transport)),
      state_(std::make_shared<ListenerState>()),
      home_(pool.next()),
      acceptor_(home_.context()) {
  state_->name = config_.kind + ":" + config_.name;
  state_->max_connections = config_.max_connections;
  state_->options = config_.options;
  state_->handler_factory = std::move(factory);
  state_->stats.active.attach(config_.budget);
  state_->tls = config_.tls;
  state_->use_identity_as_username = config_.use_identity_as_username;
}

Listener::~Listener() {
  error_code ec;
  acceptor_.close(ec);
}

tcp::endpoint Listener::bind() {
  acceptor_.open(config_.endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(config_.endpoint);
  acceptor_.listen(asio::socket_base::max_listen_connections);
  acceptor_.native_non_blocking(true);  // accept4 until EAGAIN (accept_pending)
  local_ = acceptor_.local_endpoint();
  return local_;
}

void Listener::start() {
  asio::co_spawn(home_.context(), accept_loop(), asio::detached);
}

void Listener::stop() {
  asio::post(home_.context(), [this] {
    error_code ec;
    acceptor_.close(ec);
  });
}

// The acceptor waits for readiness and accepts with accept4 itself, so an accepted socket is
// a bare descriptor: plain TCP connections never get Asio reactor state (poller.hpp), and
// the others get it on their own loop.
awaitable<void> Listener::accept_loop() {
  asio::steady_timer backoff(home_.context());
  while (acceptor_.is_open()) {
    auto [ec] = co_await acceptor_.async_wait(tcp::acceptor::wait_read, use_awaitable_tuple);
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) {
      break;
    }
    if (!ec) {
      accept_pending();
    }
    if (ec || accept_failed_) {
      // Out of file descriptors and the like: back off instead of spinning on the error.
      if (ec) {
        spdlog::error("{}: accept failed: {}", state_->name, ec.message());
      }
      accept_failed_ = false;
      backoff.expires_after(std::chrono::milliseconds(100));
      co_await backoff.async_wait(use_awaitable_tuple);
    }
  }
  spdlog::debug("{}: no longer accepting", state_->name);
}

void Listener::accept_pending() {
  // A bounded batch: under a connect storm the re-armed wait completes at once, and the
  // acceptor's loop runs its connections in between.
  constexpr int kBatch = 64;
  for (int i = 0; i < kBatch; ++i) {
    sockaddr_storage peer_address{};
    socklen_t length = sizeof peer_address;
    const int fd = ::accept4(acceptor_.native_handle(), reinterpret_cast<sockaddr*>(&peer_address),
                             &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const int error = errno;
      if (error == EAGAIN || error == EWOULDBLOCK) {
        return;
      }
      if (error == EINTR || error == ECONNABORTED || error == EPROTO) {
        continue;  // that one is gone; the next may be fine
      }
      spdlog::error("{}: accept failed: {}", state_->name,
                    error_code(error, boost::system::system_category()).message());
      accept_failed_ = true;
      return;
    }
    tcp::endpoint peer;
    std::memcpy(peer.data(), &peer_address, std::min<std::size_t>(length, peer.capacity()));
    peer.resize(std::min<std::size_t>(length, peer.capacity()));
    AcceptedSocket socket(fd, peer.protocol());
    if (const auto admission = state_->stats.active.try_admit(state_->max_connections);
        admission != Admission::admitted) {
      refuse(std::move(socket), peer, admission);
      continue;
    }
    state_->stats.accepted.fetch_add(1, std::memory_order_relaxed);
    Loop& loop = pool_.next();
    asio::post(loop.context(),
               [transport = transport_, s = std::move(socket), &loop, state = state_,
                peer]() mutable { transport(std::move(s), loop, std::move(state), peer); });
  }
}

bool Listener::reload_certificates() {
  if (!state_->tls) {
    return true;
  }
  try {
    state_->tls->reload();
  } catch (const TlsSetupError& e) {
    spdlog::error("listener {}: certificate reload failed: {}: {}", state_->name,
                  state_->tls->file_of(e.option()), e.what());
    return false;
  }
  const auto cert = state_->tls->certificate();
  spdlog::info("listener {}: certificate reloaded: subject {}, expires {}{}", state_->name,
               cert.subject, cert.not_after, cert.expired ? " (ALREADY EXPIRED)" : "");
  return true;
}

// Like mosquitto, a connection past a limit is closed before a byte is read: answering it
// (CONNACK 0x97 / 0x03) would mean reading its CONNECT, spending on it what the limit is
// there to protect.
void Listener::refuse(AcceptedSocket socket, const tcp::endpoint& remote, Admission why) {
  state_->stats.refused.fetch_add(1, std::memory_order_relaxed);
  socket.reset();
  // At most one line a second, however hard we are hammered.
  ++refusals_since_log_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_refusal_log_ >= std::chrono::seconds(1)) {
    const bool process = why == Admission::process_full;
    spdlog::warn("{}: refused {} ({} {} reached; {} refused since last report, {} in total)",
                 state_->name, to_string(remote),
                 process ? "net.max_connections" : "max_connections",
                 process ? config_.budget->max() : state_->max_connections, refusals_since_log_,
                 state_->stats.refused.load(std::memory_order_relaxed));
    last_refusal_log_ = now;
    refusals_since_log_ = 0;
  }
}

}  // namespace dynamq::net
