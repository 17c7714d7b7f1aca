// Client certificates on a verify_peer listener: the verified CN becomes the link's
// certificate_identity() when use_identity_as_username is on; certificates that do not
// verify (none, another CA) and CN-less ones under use_identity_as_username are refused.
#include "net/peer_identity.hpp"

#include <gtest/gtest.h>

#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "test_certificates.hpp"
#include "tls_test_server.hpp"

namespace dynamq::net::test {
namespace {

struct Identity : ::testing::Test {
  Identity() {
    ca = pki.make_ca("ca", "Test CA");
    other_ca = pki.make_ca("other-ca", "Other CA");
    server_cert = pki.issue("ca", "server", "localhost");
    options.certfile = server_cert.cert;
    options.keyfile = server_cert.key;
    options.cacertfile = ca.cert;
    options.verify_peer = true;
  }
  // The identity the server's link reports for a client presenting `cert`.
  static std::string identity_of(TlsTestServer& server, std::size_t i) {
    std::string out = "<not run>";
    server.handler(i)->run([&](broker::ClientLink& link) { out = link.certificate_identity(); });
    return out;
  }
  // True when the server closed the connection without creating a handler (TLS 1.3 clients
  // finish their handshake before the server has checked their certificate, so the refusal
  // shows on the first read).
  static bool refused(TlsTestServer& server, TlsTestClient& client) {
    error_code ec = client.handshake();
    if (!ec) {
      char byte = 0;
      asio::write(*client.stream, asio::buffer("x", 1), ec);
      client.stream->read_some(asio::buffer(&byte, 1), ec);
    }
    return ec && server.handler_count() == 0 &&
           Server::wait_for([&] { return server.listener->stats().active.load() == 0; });
  }

  TestPki pki;
  PemFiles ca, other_ca, server_cert;
  TlsOptions options;
};

TEST_F(Identity, TheVerifiedCnBecomesTheIdentity) {
  const auto alice = pki.issue("ca", "alice", "alice");
  TlsTestServer server(options, /*use_identity_as_username=*/true);
  TlsTestClient client(server.endpoint, ca.cert, alice.cert, alice.key);
  ASSERT_FALSE(client.handshake());
  asio::write(*client.stream, asio::buffer("hi", 2));  // the server side exists once it echoes
  char back[2];
  asio::read(*client.stream, asio::buffer(back));
  ASSERT_EQ(server.handler_count(), 1U);
  EXPECT_EQ(identity_of(server, 0), "alice");
}

TEST_F(Identity, NoIdentityWithoutTheOption) {
  const auto alice = pki.issue("ca", "alice", "alice");
  TlsTestServer server(options, /*use_identity_as_username=*/false);
  TlsTestClient client(server.endpoint, ca.cert, alice.cert, alice.key);
  ASSERT_FALSE(client.handshake());
  asio::write(*client.stream, asio::buffer("hi", 2));
  char back[2];
  asio::read(*client.stream, asio::buffer(back));
  ASSERT_EQ(server.handler_count(), 1U);
  EXPECT_EQ(identity_of(server, 0), "");
}

TEST_F(Identity, ACertificateWithoutCnIsRefusedUnderUseIdentity) {
  const auto nameless = pki.issue("ca", "nameless", "");
  TlsTestServer server(options, /*use_identity_as_username=*/true);
  TlsTestClient client(server.endpoint, ca.cert, nameless.cert, nameless.key);
  EXPECT_TRUE(refused(server, client));
}

TEST_F(Identity, AClientWithoutCertificateIsRefused) {
  TlsTestServer server(options, true);
  TlsTestClient client(server.endpoint, ca.cert);
  EXPECT_TRUE(refused(server, client));
}

TEST_F(Identity, ACertificateFromAnotherCaIsRefused) {
  const auto mallory = pki.issue("other-ca", "mallory", "alice");
  TlsTestServer server(options, true);
  TlsTestClient client(server.endpoint, ca.cert, mallory.cert, mallory.key);
  EXPECT_TRUE(refused(server, client));
}

TEST(PeerIdentity, FindsTheTlsSessionUnderAWebSocket) {
  // wss connections are StreamConnection<websocket::stream<TlsStream>>: their identity comes
  // from the TLS layer below the WebSocket one.
  asio::io_context ctx;
  asio::ssl::context tls(asio::ssl::context::tls_server);
  boost::beast::websocket::stream<asio::ssl::stream<tcp::socket>> wss(ctx, tls);
  ASSERT_NE(wss.next_layer().native_handle(), nullptr);
  EXPECT_EQ(tls_session_of(wss), wss.next_layer().native_handle());
  EXPECT_EQ(tls_session_of(wss.next_layer()), wss.next_layer().native_handle());
  EXPECT_EQ(verified_peer_common_name(tls_session_of(wss)), "");  // no handshake, no peer
}

TEST(PeerIdentity, StreamsWithoutTlsHaveNoSession) {
  asio::io_context ctx;
  tcp::socket socket(ctx);
  EXPECT_EQ(tls_session_of(socket), nullptr);
  EXPECT_EQ(verified_peer_common_name(nullptr), "");
}

}  // namespace
}  // namespace dynamq::net::test
