// Certificate reload (SIGHUP in the broker): new connections get the new certificate, open
// ones keep working, a reload that fails keeps the old certificate. And the graceful TLS
// close: the broker's close() ends with close_notify, not a bare FIN.
#include <gtest/gtest.h>

#include <filesystem>

#include "test_certificates.hpp"
#include "tls_test_server.hpp"

namespace dynamq::net::test {
namespace {

namespace fs = std::filesystem;

struct Reload : ::testing::Test {
  Reload() {
    ca = pki.make_ca("ca", "Test CA");
    a = pki.issue("ca", "a", "server-a");
    b = pki.issue("ca", "b", "server-b");
    install(a);
    options.certfile = live.cert;
    options.keyfile = live.key;
  }
  // Puts a certificate and key where the listener reads them.
  void install(const PemFiles& files) {
    fs::copy_file(files.cert, live.cert, fs::copy_options::overwrite_existing);
    fs::copy_file(files.key, live.key, fs::copy_options::overwrite_existing);
  }
  std::string cn_seen_by_new_client(const tcp::endpoint& endpoint) {
    TlsTestClient client(endpoint, ca.cert);
    const auto ec = client.handshake();
    EXPECT_FALSE(ec) << ec.message();
    return client.server_cn();
  }
  static void expect_echo(TlsTestClient& client, const std::string& text) {
    asio::write(*client.stream, asio::buffer(text));
    std::string back(text.size(), '\0');
    asio::read(*client.stream, asio::buffer(back));
    EXPECT_EQ(back, text);
  }

  TestPki pki;
  PemFiles ca, a, b;
  PemFiles live{(pki.dir() / "live.pem").string(), (pki.dir() / "live.key").string()};
  TlsOptions options;
};

TEST_F(Reload, NewConnectionsGetTheNewCertificateAndOpenOnesKeepWorking) {
  TlsTestServer server(options);
  TlsTestClient old_client(server.endpoint, ca.cert);
  ASSERT_FALSE(old_client.handshake());
  EXPECT_EQ(old_client.server_cn(), "server-a");
  expect_echo(old_client, "before");

  install(b);
  EXPECT_TRUE(server.listener->reload_certificates());
  EXPECT_EQ(cn_seen_by_new_client(server.endpoint), "server-b");
  EXPECT_EQ(server.source->certificate().subject, "CN=server-b,O=dynamq tests");
  expect_echo(old_client, "after the reload");
}

TEST_F(Reload, AKeyThatDoesNotMatchKeepsTheOldCertificate) {
  TlsTestServer server(options);
  fs::copy_file(b.key, live.key, fs::copy_options::overwrite_existing);  // a's cert, b's key
  try {
    server.source->reload();
    FAIL() << "a mismatched key was accepted";
  } catch (const TlsSetupError& e) {
    EXPECT_EQ(e.option(), "keyfile");
    EXPECT_EQ(server.source->file_of(e.option()), live.key);
  }
  EXPECT_FALSE(server.listener->reload_certificates());
  EXPECT_EQ(cn_seen_by_new_client(server.endpoint), "server-a");
}

TEST_F(Reload, AMissingFileKeepsTheOldCertificate) {
  TlsTestServer server(options);
  fs::remove(live.cert);
  EXPECT_FALSE(server.listener->reload_certificates());
  EXPECT_EQ(cn_seen_by_new_client(server.endpoint), "server-a");
  install(b);  // fixed: the next reload works
  EXPECT_TRUE(server.listener->reload_certificates());
  EXPECT_EQ(cn_seen_by_new_client(server.endpoint), "server-b");
}

TEST_F(Reload, DescribesTheCertificateForTheLogs) {
  TlsContextSource source(options);
  const auto summary = source.certificate();
  EXPECT_EQ(summary.subject, "CN=server-a,O=dynamq tests");
  EXPECT_FALSE(summary.expired);
  // An hour from now, as TestPki makes it: "YYYY-MM-DDTHH:MM:SSZ".
  ASSERT_EQ(summary.not_after.size(), 20U) << summary.not_after;
  EXPECT_EQ(summary.not_after.back(), 'Z');
}

TEST_F(Reload, BrokerCloseSendsCloseNotify) {
  TlsTestServer server(options);
  TlsTestClient client(server.endpoint, ca.cert);
  ASSERT_FALSE(client.handshake());
  expect_echo(client, "x");
  ASSERT_TRUE(Server::wait_for([&] { return server.handler_count() == 1; }));
  server.handler(0)->run([](broker::ClientLink& link) {
    link.write(std::make_shared<const std::vector<std::uint8_t>>(3, std::uint8_t{'z'}));
    link.close();
  });
  std::string last(3, '\0');
  asio::read(*client.stream, asio::buffer(last));
  EXPECT_EQ(last, "zzz");  // queued bytes go out before the close
  char more = 0;
  error_code ec;
  client.stream->read_some(asio::buffer(&more, 1), ec);
  // A clean close_notify reads as eof; a bare TCP FIN would be ssl::error::stream_truncated.
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
  client.stream->shutdown(ec);  // our close_notify answers theirs
  EXPECT_TRUE(Server::wait_for([&] { return server.handler(0)->closed_count() == 1; }));
  EXPECT_TRUE(Server::wait_for([&] { return server.listener->stats().active.load() == 0; }));
}

}  // namespace
}  // namespace dynamq::net::test
