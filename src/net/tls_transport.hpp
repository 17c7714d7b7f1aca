// The TLS transport (listener kind `ssl`): a TLS 1.2/1.3 handshake with a deadline, then the
// same StreamConnection as plain TCP over an ssl::stream.
#pragma once

#include <boost/asio/ssl.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "net/listener.hpp"

namespace dynamq::net {

struct TlsOptions {
  std::string certfile;      // PEM certificate chain (leaf first)
  std::string keyfile;       // PEM private key
  std::string cacertfile;    // PEM CA bundle for client certificates (optional)
  bool verify_peer = false;  // require and verify a client certificate
  std::string ciphers;       // OpenSSL cipher list for TLS 1.2 (empty: OpenSSL's default)
  std::chrono::milliseconds handshake_timeout{10'000};
};

// What went wrong loading one of the files, naming which option it was.
class TlsSetupError : public std::runtime_error {
 public:
  TlsSetupError(std::string option, const std::string& what)
      : std::runtime_error(what), option_(std::move(option)) {}
  [[nodiscard]] const std::string& option() const { return option_; }

 private:
  std::string option_;
};

// A server context with TLS 1.2 and 1.3 only; throws TlsSetupError.
std::shared_ptr<asio::ssl::context> make_tls_context(const TlsOptions& options);

using TlsStream = asio::ssl::stream<tcp::socket>;

// What runs on a stream once its TLS handshake succeeded (e.g. a WebSocket upgrade for wss).
using TlsNext = std::function<void(TlsStream stream, Loop& loop,
                                   std::shared_ptr<ListenerState> state, std::string remote)>;

// TLS, then `next` (by default a StreamConnection over the TLS stream). A listener with a
// TlsContextSource (ListenerState::tls) hands out that source's current context instead of
// `context`, so certificates can be reloaded.
TransportStarter tls_transport(std::shared_ptr<asio::ssl::context> context,
                               std::chrono::milliseconds handshake_timeout, TlsNext next = {});

}  // namespace dynamq::net
