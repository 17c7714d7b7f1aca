// The TLS context of one ssl or wss listener, replaceable while the broker runs: SIGHUP
// re-reads the certificate, key and CA files into a new context that connections accepted
// afterwards use. Connections already open keep the context they were made with (OpenSSL
// reference-counts it), so a reload never disturbs them.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "net/tls_transport.hpp"

namespace dynamq::net {

// What the logs say about a certificate.
struct CertificateSummary {
  std::string subject;    // RFC 2253: "CN=broker.example,O=Example"
  std::string not_after;  // "2027-11-27T06:52:44Z"
  bool expired = false;
};

// The leaf certificate a context presents ({} when it has none).
CertificateSummary describe_certificate(asio::ssl::context& context);

class TlsContextSource {
 public:
  // Loads the files; throws TlsSetupError.
  explicit TlsContextSource(TlsOptions options);

  // The context for a new connection. Thread-safe.
  [[nodiscard]] std::shared_ptr<asio::ssl::context> current() const;
  // Re-reads the files into a new context and makes it current. On failure (a file gone, a
  // key that does not match) throws TlsSetupError and the current context stays. Thread-safe.
  void reload();
  // The current certificate, for logs.
  [[nodiscard]] CertificateSummary certificate() const;
  // The file behind an option a TlsSetupError names (`ciphers` names no file: itself).
  [[nodiscard]] std::string file_of(const std::string& option) const;
  [[nodiscard]] const TlsOptions& options() const { return options_; }

 private:
  const TlsOptions options_;
  mutable std::mutex mutex_;
  std::shared_ptr<asio::ssl::context> current_;
};

}  // namespace dynamq::net
