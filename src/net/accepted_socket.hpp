// A socket the listener accepted itself (accept4), owned as a bare file descriptor until a
// transport takes it. Plain TCP keeps the descriptor (tcp_connection.hpp: registered with the
// loop's own epoll, no Asio reactor state per connection); TLS and WebSocket turn it into an
// Asio socket on their loop (into_socket).
#pragma once

#include <unistd.h>

#include <utility>

#include "net/asio.hpp"

namespace dynamq::net {

class AcceptedSocket {
 public:
  AcceptedSocket() = default;
  // Takes ownership of `fd` (connected, non-blocking, close-on-exec).
  AcceptedSocket(int fd, tcp protocol) : fd_(fd), protocol_(protocol) {}
  ~AcceptedSocket() { reset(); }
  AcceptedSocket(AcceptedSocket&& other) noexcept
      : fd_(std::exchange(other.fd_, -1)), protocol_(other.protocol_) {}
  AcceptedSocket& operator=(AcceptedSocket&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
      protocol_ = other.protocol_;
    }
    return *this;
  }
  AcceptedSocket(const AcceptedSocket&) = delete;
  AcceptedSocket& operator=(const AcceptedSocket&) = delete;

  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] tcp protocol() const { return protocol_; }
  // Gives up ownership: the caller closes the descriptor.
  int release() { return std::exchange(fd_, -1); }
  void reset() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  // An Asio socket on `context` owning the descriptor (TLS and WebSocket transports).
  TcpSocket into_socket(asio::io_context& context, error_code& ec) {
    TcpSocket socket(context);
    socket.assign(protocol_, fd_, ec);
    if (!ec) {
      fd_ = -1;
    }
    return socket;
  }

 private:
  int fd_ = -1;
  tcp protocol_ = tcp::v4();
};

}  // namespace dynamq::net
