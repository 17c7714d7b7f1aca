// A WebSocket stream as StreamConnection sees it (RFC 6455 plus chapter 6 of MQTT 3.1.1 and
// 5.0): reads return the bytes of binary messages whatever their framing (split across
// frames, fragmented with continuation frames, several packets in one frame); beast answers
// pings and the peer's close. What MQTT adds on top lives here:
// - a text message is refused [MQTT-6.0.0-1]: close frame 1003 (unsupported data), then
//   the read fails once the close handshake is over;
// - the broker's close (after a DISCONNECT, a protocol violation, a takeover) sends a close
//   frame 1000 and waits for the peer's, instead of a bare TCP FIN;
// - nothing is written after our close frame (RFC 6455 §5.5.1).
// The close handshake is bounded: ours by the stream's websocket::stream_base::timeout
// (beast applies handshake_timeout to closing), the peer's by `close_timeout` below.
#pragma once

#include <spdlog/spdlog.h>

#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "net/asio.hpp"
#include "net/stream_connection.hpp"

namespace dynamq::net {

template <class Next>
class WsStream {
 public:
  using Ws = boost::beast::websocket::stream<Next>;
  using executor_type = typename Ws::executor_type;
  using next_layer_type = Next;

  // `label` ("ws:default 1.2.3.4:5678") names the connection in log lines; `close_timeout`
  // bounds the close handshake when the peer starts it.
  WsStream(Ws ws, std::string label, std::chrono::milliseconds close_timeout)
      : ws_(std::move(ws)), label_(std::move(label)), close_timeout_(close_timeout) {}
  WsStream(WsStream&&) = default;
  WsStream& operator=(WsStream&&) = delete;
  WsStream(const WsStream&) = delete;
  WsStream& operator=(const WsStream&) = delete;
  ~WsStream() {
    if (alive_) {
      *alive_ = false;
    }
  }

  executor_type get_executor() { return ws_.get_executor(); }
  // For beast::get_lowest_layer (the socket StreamConnection closes).
  Next& next_layer() { return ws_.next_layer(); }
  const Next& next_layer() const { return ws_.next_layer(); }
  Ws& ws() { return ws_; }

  template <class Buffers, class Token>
  auto async_read_some(const Buffers& buffers, Token&& token) {
    if (!alive_) {
      watch_peer_close();  // here, not in the constructor: the stream has its final address
    }
    return asio::async_compose<Token, void(error_code, std::size_t)>(ReadOp<Buffers>{this, buffers},
                                                                     token, ws_);
  }

 private:
  // After the peer's close frame beast answers it and, as the server, waits for the peer to
  // close TCP before the pending read completes: a peer that never does would hold the
  // connection (and delay its will) forever. The wait is bounded by close_timeout.
  void watch_peer_close() {
    alive_ = std::make_shared<bool>(true);
    ws_.control_callback([this](boost::beast::websocket::frame_type kind, auto /*payload*/) {
      if (kind != boost::beast::websocket::frame_type::close || close_timer_) {
        return;
      }
      close_timer_.emplace(ws_.get_executor());
      close_timer_->expires_after(close_timeout_);
      auto* socket = &boost::beast::get_lowest_layer(ws_);
      close_timer_->async_wait([alive = alive_, socket](error_code ec) {
        if (!ec && *alive) {
          error_code ignored;
          socket->close(ignored);  // the pending read completes and ends the connection
        }
      });
    });
  }

  template <class Buffers>
  struct ReadOp {
    WsStream* stream;
    Buffers buffers;

    // Start: read what the next frames carry.
    template <class Op>
    void operator()(Op& op) {
      stream->ws_.async_read_some(buffers, std::move(op));
    }

    // The read completed.
    template <class Op>
    void operator()(Op& op, error_code ec, std::size_t n) {
      if (ec || !stream->ws_.got_text()) {
        op.complete(ec, n);
        return;
      }
      // [MQTT-6.0.0-1] MQTT travels in binary frames; any other data frame closes.
      spdlog::info(
          "{}: WebSocket text frame refused (MQTT needs binary frames "
          "[MQTT-6.0.0-1]); closing with 1003",
          stream->label_);
      stream->ws_.async_close(
          boost::beast::websocket::close_reason(boost::beast::websocket::close_code::unknown_data,
                                                "MQTT needs binary frames"),
          std::move(op));
    }

    // Our close handshake (after a text frame) is over: the read fails, the bytes are dropped.
    template <class Op>
    void operator()(Op& op, error_code ec) {
      op.complete(ec ? ec : error_code(boost::beast::websocket::error::closed), 0);
    }
  };

  Ws ws_;
  std::string label_;
  std::chrono::milliseconds close_timeout_;
  std::optional<asio::steady_timer> close_timer_;
  std::shared_ptr<bool> alive_;  // false once destroyed: read by a timer handler run late
};

// One binary WebSocket message per batch; beast gathers header and buffers itself.
template <class Next>
struct StreamWriteTraits<WsStream<Next>> {
  // Over TLS every buffer would become its own record: hand beast one buffer instead.
  static constexpr bool linearize = !std::is_same_v<Next, tcp::socket>;
  template <class Buffers, class Handler>
  static void async_write(WsStream<Next>& stream, const Buffers& buffers, Handler&& handler) {
    if (!stream.ws().is_open()) {
      // A close frame went out (ours or the answer to the peer's): no data may follow it
      // (RFC 6455 §5.5.1). The connection is going away; the bytes are dropped.
      asio::post(stream.get_executor(),
                 [h = std::forward<Handler>(handler)]() mutable { h(error_code{}, 0); });
      return;
    }
    stream.ws().async_write(buffers, std::forward<Handler>(handler));
  }
};

template <class Next>
struct StreamCloseTraits<WsStream<Next>> {
  template <class KeepAlive>
  static void begin_close(WsStream<Next>& stream, KeepAlive keep_alive, error_code& ec) {
    ec = {};
    if (!stream.ws().is_open()) {
      return;  // a close handshake is already under way; it ends the read loop
    }
    // The read loop keeps reading: it sees the peer's close frame and ends with
    // websocket::error::closed once beast has torn the connection down.
    stream.ws().async_close(boost::beast::websocket::close_code::normal,
                            [keep_alive = std::move(keep_alive)](error_code) {});
  }
};

}  // namespace dynamq::net
