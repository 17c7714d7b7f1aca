// The TLS transport over loopback: a handshake then the same ClientLink behaviour; TLS 1.2+
// only; a client that never handshakes is closed at the deadline; bad files are named.
#include "net/tls_transport.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <filesystem>
#include <future>

#include "net_test_support.hpp"

namespace dynamq::net::test {
namespace {

namespace fs = std::filesystem;

// A fresh self-signed certificate for CN=localhost, written as PEM files (never committed).
struct TestCertificate {
  TestCertificate() {
    dir = fs::temp_directory_path() /
          ("dynamq-tls-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir);
    EVP_PKEY* key = EVP_EC_gen("P-256");
    X509* cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    X509_NAME* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(cert, name);
    X509_sign(cert, key, EVP_sha256());
    FILE* f = std::fopen((dir / "cert.pem").c_str(), "w");
    PEM_write_X509(f, cert);
    std::fclose(f);
    f = std::fopen((dir / "key.pem").c_str(), "w");
    PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(f);
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  ~TestCertificate() { fs::remove_all(dir); }
  [[nodiscard]] std::string cert() const { return (dir / "cert.pem").string(); }
  [[nodiscard]] std::string key() const { return (dir / "key.pem").string(); }

  fs::path dir;
  static inline int counter = 0;
};

struct TlsServer {
  explicit TlsServer(const TestCertificate& c,
                     std::chrono::milliseconds handshake_timeout = std::chrono::seconds(10))
      : pool(1) {
    TlsOptions options;
    options.certfile = c.cert();
    options.keyfile = c.key();
    ListenerConfig config;
    config.kind = "ssl";
    config.name = "test";
    config.endpoint = tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0);
    listener = std::make_unique<Listener>(
        pool, config,
        [this](asio::any_io_executor ex, std::shared_ptr<broker::ClientLink> link) {
          auto h = make_echo_handler(std::move(ex), std::move(link));
          std::lock_guard lock(mutex);
          handlers.push_back(h);
          return h;
        },
        tls_transport(make_tls_context(options), handshake_timeout));
    endpoint = listener->bind();
    listener->start();
    pool.start();
  }
  ~TlsServer() {
    listener->stop();
    pool.stop();
  }
  std::size_t handler_count() {
    std::lock_guard lock(mutex);
    return handlers.size();
  }

  IoPool pool;
  std::unique_ptr<Listener> listener;
  tcp::endpoint endpoint;
  std::mutex mutex;
  std::vector<std::shared_ptr<RecordingHandler>> handlers;
};

using TlsClient = asio::ssl::stream<tcp::socket>;

TEST(TlsTransport, HandshakesVerifiesAndEchoesThroughTheLink) {
  TestCertificate cert;
  TlsServer server(cert);
  asio::io_context ctx;
  asio::ssl::context client_ctx(asio::ssl::context::tls_client);
  client_ctx.load_verify_file(cert.cert());
  client_ctx.set_verify_mode(asio::ssl::verify_peer);
  TlsClient client(ctx, client_ctx);
  client.next_layer().connect(server.endpoint);
  client.handshake(asio::ssl::stream_base::client);
  EXPECT_GE(SSL_version(client.native_handle()), TLS1_2_VERSION);

  std::vector<std::uint8_t> data(100'000);
  for (std::size_t i = 0; i < data.size(); ++i) {
    data[i] = static_cast<std::uint8_t>(i * 7);
  }
  asio::write(client, asio::buffer(data));
  std::vector<std::uint8_t> back(data.size());
  asio::read(client, asio::buffer(back));
  EXPECT_EQ(back, data);
}

TEST(TlsTransport, RefusesTls11) {
  TestCertificate cert;
  TlsServer server(cert);
  asio::io_context ctx;
  asio::ssl::context client_ctx(asio::ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(client_ctx.native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(client_ctx.native_handle(), TLS1_1_VERSION);
  SSL_CTX_set_security_level(client_ctx.native_handle(), 0);
  TlsClient client(ctx, client_ctx);
  client.next_layer().connect(server.endpoint);
  error_code ec;
  client.handshake(asio::ssl::stream_base::client, ec);
  EXPECT_TRUE(ec) << "a TLS 1.1 handshake succeeded";
  EXPECT_EQ(server.handler_count(), 0U);
  EXPECT_TRUE(Server::wait_for([&] { return server.listener->stats().active.load() == 0; }));
}

TEST(TlsTransport, ClosesAClientThatNeverHandshakes) {
  TestCertificate cert;
  TlsServer server(cert, std::chrono::milliseconds(200));
  Client silent(server.endpoint);  // plain TCP, sends nothing
  EXPECT_TRUE(silent.read_to_eof().empty());
  EXPECT_EQ(server.handler_count(), 0U);
  EXPECT_TRUE(Server::wait_for([&] { return server.listener->stats().active.load() == 0; }));
}

TEST(TlsTransport, BadFilesNameTheOption) {
  TestCertificate cert;
  TlsOptions options;
  options.certfile = cert.cert();
  options.keyfile = (cert.dir / "missing.pem").string();
  try {
    make_tls_context(options);
    FAIL() << "no error";
  } catch (const TlsSetupError& e) {
    EXPECT_EQ(e.option(), "keyfile");
    EXPECT_NE(std::string(e.what()).find("missing.pem"), std::string::npos) << e.what();
  }
  TestCertificate other;
  options.keyfile = other.key();  // a key that does not belong to the certificate
  try {
    make_tls_context(options);
    FAIL() << "no error";
  } catch (const TlsSetupError& e) {
    EXPECT_EQ(e.option(), "keyfile");
  }
}

}  // namespace
}  // namespace dynamq::net::test
