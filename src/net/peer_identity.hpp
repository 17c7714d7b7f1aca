// Who a TLS client proved to be: the CN of its verified certificate. Used for
// use_identity_as_username (the broker takes it through ClientLink::certificate_identity()).
#pragma once

#include <concepts>
#include <string>

struct ssl_st;  // OpenSSL's SSL, without pulling <openssl/ssl.h> into every connection header

namespace dynamq::net {

// The subject CN (first one, UTF-8) of the peer certificate of a handshaken TLS session,
// when OpenSSL verified it; "" when there is no certificate, it did not verify, it has no CN
// or the CN holds a NUL byte (which could make "admin\0.evil" read as "admin").
std::string verified_peer_common_name(ssl_st* ssl);

// The TLS session under a stream of layers (ssl::stream, or a websocket::stream over one);
// nullptr for streams without TLS.
template <class Stream>
ssl_st* tls_session_of(Stream& stream) {
  if constexpr (requires {
                  { stream.native_handle() } -> std::same_as<ssl_st*>;
                }) {
    return stream.native_handle();
  } else if constexpr (requires { stream.next_layer(); }) {
    return tls_session_of(stream.next_layer());
  } else {
    return nullptr;
  }
}

}  // namespace dynamq::net
