#include "net/ws_transport.hpp"

#include <spdlog/spdlog.h>

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "net/stream_connection.hpp"
#include "net/ws_stream.hpp"

namespace dynamq::net {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;

std::string choose_mqtt_subprotocol(std::string_view offered) {
  bool v31 = false;
  while (!offered.empty()) {
    const auto comma = offered.find(',');
    auto token = offered.substr(0, comma);
    offered = comma == std::string_view::npos ? std::string_view{} : offered.substr(comma + 1);
    while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) {
      token.remove_prefix(1);
    }
    while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) {
      token.remove_suffix(1);
    }
    if (token == "mqtt") {
      return "mqtt";
    }
    v31 = v31 || token == "mqttv3.1";
  }
  return v31 ? "mqttv3.1" : "";
}

namespace {

template <class Next>
awaitable<void> refuse(Next& stream, http::status status, std::string why,
                       const http::request<http::string_body>& req) {
  http::response<http::string_body> res{status, req.version()};
  res.set(http::field::server, "dynamq");
  res.set(http::field::content_type, "text/plain");
  res.keep_alive(false);
  res.body() = std::move(why) + "\n";
  res.prepare_payload();
  co_await http::async_write(stream, res, use_awaitable_tuple);
}

template <class Next>
awaitable<void> upgrade(Next stream, Loop& loop, std::shared_ptr<ListenerState> state,
                        std::string remote, WsOptions options) {
  // A client that never completes the upgrade is closed at the deadline. The timer's
  // handler may run after this coroutine has ended: it shares `guard`, not the frame.
  struct Guard {
    tcp::socket* socket;  // moves into the websocket stream below
    bool done = false;
    bool timed_out = false;
  };
  auto guard = std::make_shared<Guard>(Guard{&beast::get_lowest_layer(stream)});
  asio::steady_timer deadline(loop.context());
  deadline.expires_after(options.handshake_timeout);
  deadline.async_wait([guard](error_code ec) {
    if (!ec && !guard->done) {
      guard->timed_out = true;
      error_code ignored;
      guard->socket->close(ignored);
    }
  });
  const auto fail = [&](std::string_view what) {
    if (guard->timed_out) {
      spdlog::info(
          "{} {}: WebSocket upgrade refused: not completed within handshake_timeout ({} ms)",
          state->name, remote, options.handshake_timeout.count());
    } else {
      spdlog::info("{} {}: WebSocket upgrade refused: {}", state->name, remote, what);
    }
    state->stats.active.fetch_sub(1, std::memory_order_relaxed);
    guard->done = true;
    deadline.cancel();
    error_code ignored;
    guard->socket->close(ignored);
  };

  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::request_parser<http::string_body> parser;
  parser.header_limit(8 * 1024);
  parser.body_limit(0);
  auto [read_ec, n] = co_await http::async_read(stream, buffer, parser, use_awaitable_tuple);
  (void)n;
  if (read_ec) {
    fail(read_ec.message());
    co_return;
  }
  req = parser.release();
  if (!websocket::is_upgrade(req)) {
    co_await refuse(stream, http::status::bad_request, "WebSocket upgrade expected", req);
    fail("not a WebSocket upgrade");
    co_return;
  }
  if (req.target() != options.path) {
    co_await refuse(stream, http::status::not_found, "MQTT is served on " + options.path, req);
    fail("path " + std::string(req.target()));
    co_return;
  }
  const auto subprotocol = choose_mqtt_subprotocol(req[http::field::sec_websocket_protocol]);
  if (subprotocol.empty()) {
    co_await refuse(stream, http::status::bad_request, "Sec-WebSocket-Protocol must offer mqtt",
                    req);
    fail("no mqtt subprotocol offered");
    co_return;
  }

  auto ws = std::make_shared<websocket::stream<Next>>(std::move(stream));
  guard->socket = &beast::get_lowest_layer(*ws);
  ws->set_option(websocket::stream_base::decorator([subprotocol](websocket::response_type& res) {
    res.set(http::field::server, "dynamq");
    res.set(http::field::sec_websocket_protocol, subprotocol);
  }));
  ws->binary(true);
  // Bounds the opening handshake and, as beast applies it to closing too, the wait for the
  // peer's close frame; an open connection has no idle timeout here (MQTT keep alive is).
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = options.handshake_timeout;
  timeouts.idle_timeout = websocket::stream_base::none();
  timeouts.keep_alive_pings = false;
  ws->set_option(timeouts);
  auto [accept_ec] = co_await ws->async_accept(req, use_awaitable_tuple);
  if (accept_ec) {
    fail(accept_ec.message());
    co_return;
  }
  guard->done = true;
  deadline.cancel();
  auto label = state->name + " " + remote;
  std::make_shared<StreamConnection<WsStream<Next>>>(
      WsStream<Next>(std::move(*ws), std::move(label), options.handshake_timeout), loop,
      std::move(state), std::move(remote))
      ->start();
}

}  // namespace

TransportStarter ws_transport(WsOptions options) {
  return [options](AcceptedSocket accepted, Loop& loop, std::shared_ptr<ListenerState> state,
                   const tcp::endpoint& peer) {
    error_code ec;
    auto socket = accepted.into_socket(loop.context(), ec);
    if (ec) {
      state->stats.active.fetch_sub(1, std::memory_order_relaxed);
      return;
    }
    std::string remote = to_string(peer);
    socket.set_option(tcp::no_delay(true), ec);
    asio::co_spawn(
        loop.context(),
        upgrade(tcp::socket(std::move(socket)), loop, std::move(state), std::move(remote), options),
        asio::detached);
  };
}

TransportStarter wss_transport(std::shared_ptr<asio::ssl::context> context, WsOptions options) {
  return tls_transport(std::move(context), options.handshake_timeout,
                       [options](TlsStream stream, Loop& loop, std::shared_ptr<ListenerState> state,
                                 std::string remote) {
                         asio::co_spawn(loop.context(),
                                        upgrade(std::move(stream), loop, std::move(state),
                                                std::move(remote), options),
                                        asio::detached);
                       });
}

}  // namespace dynamq::net
