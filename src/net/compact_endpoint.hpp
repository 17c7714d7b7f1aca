// A peer's address and port in 20 bytes, for the connection's whole life, instead of the
// 32-byte "address:port" std::string (plus a heap block for IPv6): the text is only needed
// when the broker asks for it (once per connection, ClientLink::remote_endpoint).
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "net/asio.hpp"

namespace dynamq::net {

std::string to_string(const tcp::endpoint& endpoint);  // net/listener.hpp

class CompactEndpoint {
 public:
  CompactEndpoint() = default;
  explicit CompactEndpoint(const tcp::endpoint& endpoint) : port_(endpoint.port()) {
    const auto address = endpoint.address();
    if (address.is_v6()) {
      v6_ = true;
      const auto bytes = address.to_v6().to_bytes();  // the scope id (link-local) is dropped
      std::memcpy(bytes_.data(), bytes.data(), bytes.size());
    } else {
      const auto bytes = address.to_v4().to_bytes();
      std::memcpy(bytes_.data(), bytes.data(), bytes.size());
    }
  }

  [[nodiscard]] tcp::endpoint endpoint() const {
    if (v6_) {
      asio::ip::address_v6::bytes_type bytes{};
      std::memcpy(bytes.data(), bytes_.data(), bytes.size());
      return {asio::ip::address_v6(bytes), port_};
    }
    asio::ip::address_v4::bytes_type bytes{};
    std::memcpy(bytes.data(), bytes_.data(), bytes.size());
    return {asio::ip::address_v4(bytes), port_};
  }
  [[nodiscard]] std::string to_string() const { return net::to_string(endpoint()); }

 private:
  std::array<std::uint8_t, 16> bytes_{};
  std::uint16_t port_ = 0;
  bool v6_ = false;
};

}  // namespace dynamq::net
