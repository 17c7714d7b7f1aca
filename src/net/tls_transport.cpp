#include "net/tls_transport.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "net/peer_identity.hpp"
#include "net/stream_connection.hpp"
#include "net/tls_context_source.hpp"

namespace dynamq::net {

// asio's ssl::stream encrypts only the first buffer of a sequence per write_some: hand it
// the whole batch as one buffer so a batch becomes one TLS record (up to 16 KB each).
template <>
struct StreamWriteTraits<TlsStream> {
  static constexpr bool linearize = true;
  template <class Buffers, class Handler>
  static void async_write(TlsStream& stream, const Buffers& buffers, Handler&& handler) {
    asio::async_write(stream, buffers, std::forward<Handler>(handler));
  }
};

namespace {

std::string reason(const boost::system::system_error& e) {
  // Asio's message for OpenSSL errors is the library's reason string; that is what a user
  // needs ("no such file", "key values mismatch"). Asio reads one error off OpenSSL's
  // per-thread queue; the rest must not linger into the next TLS call on this thread.
  ERR_clear_error();
  return e.code().message();
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const TlsOptions& o) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
  try {
    ctx->use_certificate_chain_file(o.certfile);
  } catch (const boost::system::system_error& e) {
    throw TlsSetupError("certfile",
                        "cannot load certificate chain `" + o.certfile + "`: " + reason(e));
  }
  try {
    ctx->use_private_key_file(o.keyfile, asio::ssl::context::pem);
  } catch (const boost::system::system_error& e) {
    throw TlsSetupError("keyfile", "cannot load private key `" + o.keyfile + "`: " + reason(e));
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    ERR_clear_error();
    throw TlsSetupError("keyfile", "private key `" + o.keyfile + "` does not match certificate `" +
                                       o.certfile + "`");
  }
  if (!o.cacertfile.empty()) {
    try {
      ctx->load_verify_file(o.cacertfile);
    } catch (const boost::system::system_error& e) {
      throw TlsSetupError("cacertfile", "cannot load CA file `" + o.cacertfile + "`: " + reason(e));
    }
  }
  if (o.verify_peer) {
    ctx->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  } else {
    ctx->set_verify_mode(asio::ssl::verify_none);
  }
  if (!o.ciphers.empty() && SSL_CTX_set_cipher_list(ctx->native_handle(), o.ciphers.c_str()) != 1) {
    ERR_clear_error();
    throw TlsSetupError("ciphers", "no usable cipher in `" + o.ciphers + "`");
  }
  return ctx;
}

namespace {

awaitable<void> handshake(std::shared_ptr<TlsStream> stream, Loop& loop,
                          std::shared_ptr<ListenerState> state, std::string remote,
                          std::chrono::milliseconds timeout, TlsNext next) {
  // A client that connects and never completes the handshake is closed at the deadline.
  asio::steady_timer deadline(loop.context());
  deadline.expires_after(timeout);
  // The handler may run after this coroutine ended (it fired just as the handshake
  // finished), so it owns what it touches.
  auto timed_out = std::make_shared<bool>(false);
  deadline.async_wait([stream, timed_out](error_code ec) {
    if (!ec) {
      *timed_out = true;
      error_code ignored;
      stream->lowest_layer().close(ignored);
    }
  });
  auto [ec] = co_await stream->async_handshake(asio::ssl::stream_base::server, use_awaitable_tuple);
  deadline.cancel();
  const auto fail = [&](const std::string& why) {
    spdlog::info("{} {}: TLS handshake failed: {}", state->name, remote, why);
    state->stats.active.fetch_sub(1, std::memory_order_relaxed);
    error_code ignored;
    stream->lowest_layer().close(ignored);
  };
  if (ec) {
    fail(*timed_out ? "no handshake within " + std::to_string(timeout.count()) + " ms"
                    : ec.message());
    co_return;
  }
  if (state->use_identity_as_username) {
    // The certificate is the credential: without a usable CN there is no username to vouch
    // for, and falling back to the CONNECT's own username would defeat the option.
    const auto cn = verified_peer_common_name(stream->native_handle());
    if (cn.empty()) {
      fail("the client certificate has no usable CN (use_identity_as_username)");
      co_return;
    }
    spdlog::info("{} {}: client certificate verified, identity `{}`", state->name, remote, cn);
  }
  if (next) {
    next(std::move(*stream), loop, std::move(state), std::move(remote));
    co_return;
  }
  std::make_shared<StreamConnection<TlsStream>>(std::move(*stream), loop, std::move(state),
                                                std::move(remote))
      ->start();
}

}  // namespace

TransportStarter tls_transport(std::shared_ptr<asio::ssl::context> context,
                               std::chrono::milliseconds handshake_timeout, TlsNext next) {
  return [context = std::move(context), handshake_timeout, next = std::move(next)](
             AcceptedSocket accepted, Loop& loop, std::shared_ptr<ListenerState> state,
             const tcp::endpoint& peer) {
    error_code ec;
    auto socket = accepted.into_socket(loop.context(), ec);
    if (ec) {
      state->stats.active.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    std::string remote = to_string(peer);
    socket.set_option(tcp::no_delay(true), ec);
    // The listener's current (possibly reloaded) context; the SSL object keeps it alive.
    const auto current = state->tls ? state->tls->current() : context;
    auto stream = std::make_shared<TlsStream>(tcp::socket(std::move(socket)), *current);
    asio::co_spawn(loop.context(),
                   handshake(std::move(stream), loop, std::move(state), std::move(remote),
                             handshake_timeout, next),
                   asio::detached);
  };
}

}  // namespace dynamq::net
