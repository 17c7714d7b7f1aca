// A TLS listener on loopback built the way `dynamq serve` builds one (a reloadable
// TlsContextSource), with recording handlers, and a blocking TLS client.
#pragma once

#include <boost/asio/ssl.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/tls_context_source.hpp"
#include "net_test_support.hpp"

namespace dynamq::net::test {

struct TlsTestServer {
  explicit TlsTestServer(TlsOptions options, bool use_identity_as_username = false,
                         std::shared_ptr<ConnectionBudget> budget = nullptr);
  ~TlsTestServer();

  std::shared_ptr<RecordingHandler> handler(std::size_t i);
  std::size_t handler_count();

  std::shared_ptr<TlsContextSource> source;
  IoPool pool{1};
  std::unique_ptr<Listener> listener;
  tcp::endpoint endpoint;

 private:
  std::mutex mutex_;
  std::vector<std::shared_ptr<RecordingHandler>> handlers_;
};

// A TLS client that trusts `ca` and, when given, presents `cert`/`key`.
struct TlsTestClient {
  TlsTestClient(const tcp::endpoint& endpoint, const std::string& ca, const std::string& cert = "",
                const std::string& key = "");
  // Completes the handshake; returns its error (none on success).
  error_code handshake();
  // The subject CN of the certificate the server presented.
  std::string server_cn();

  asio::io_context context;
  asio::ssl::context ssl{asio::ssl::context::tls_client};
  std::unique_ptr<asio::ssl::stream<tcp::socket>> stream;
};

}  // namespace dynamq::net::test
