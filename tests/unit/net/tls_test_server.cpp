#include "tls_test_server.hpp"

#include <openssl/x509.h>

namespace dynamq::net::test {

TlsTestServer::TlsTestServer(TlsOptions options, bool use_identity_as_username,
                             std::shared_ptr<ConnectionBudget> budget)
    : source(std::make_shared<TlsContextSource>(std::move(options))) {
  ListenerConfig config;
  config.kind = "ssl";
  config.name = "test";
  config.endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
  config.options.close_linger = std::chrono::seconds(5);
  config.tls = source;
  config.use_identity_as_username = use_identity_as_username;
  config.budget = std::move(budget);
  listener = std::make_unique<Listener>(
      pool, config,
      [this](asio::any_io_executor ex, std::shared_ptr<broker::ClientLink> link) {
        auto h = make_echo_handler(std::move(ex), std::move(link));
        std::lock_guard lock(mutex_);
        handlers_.push_back(h);
        return h;
      },
      // The transport's own context is the source's first one, as in serve_command.cpp.
      tls_transport(source->current(), source->options().handshake_timeout));
  endpoint = listener->bind();
  listener->start();
  pool.start();
}

TlsTestServer::~TlsTestServer() {
  listener->stop();
  pool.stop();
}

std::shared_ptr<RecordingHandler> TlsTestServer::handler(std::size_t i) {
  std::lock_guard lock(mutex_);
  return i < handlers_.size() ? handlers_[i] : nullptr;
}

std::size_t TlsTestServer::handler_count() {
  std::lock_guard lock(mutex_);
  return handlers_.size();
}

TlsTestClient::TlsTestClient(const tcp::endpoint& endpoint, const std::string& ca,
                             const std::string& cert, const std::string& key) {
  ssl.load_verify_file(ca);
  ssl.set_verify_mode(asio::ssl::verify_peer);
  if (!cert.empty()) {
    ssl.use_certificate_chain_file(cert);
    ssl.use_private_key_file(key, asio::ssl::context::pem);
  }
  stream = std::make_unique<asio::ssl::stream<tcp::socket>>(context, ssl);
  stream->next_layer().connect(endpoint);
}

error_code TlsTestClient::handshake() {
  error_code ec;
  stream->handshake(asio::ssl::stream_base::client, ec);
  return ec;
}

std::string TlsTestClient::server_cn() {
  X509* cert = SSL_get0_peer_certificate(stream->native_handle());
  if (cert == nullptr) {
    return {};
  }
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return cn;
}

}  // namespace dynamq::net::test
