// The WebSocket transports (listener kinds `ws` and `wss`, RFC 6455): an HTTP upgrade on
// `path` that must offer the `mqtt` (or `mqttv3.1`) subprotocol, then binary frames carrying
// MQTT bytes split or packed anyhow, through the same StreamConnection as TCP.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "net/listener.hpp"
#include "net/tls_transport.hpp"

namespace dynamq::net {

struct WsOptions {
  std::string path = "/mqtt";
  std::chrono::milliseconds handshake_timeout{10'000};
};

TransportStarter ws_transport(WsOptions options);
// TLS (handshake deadline from `options`), then the WebSocket upgrade.
TransportStarter wss_transport(std::shared_ptr<asio::ssl::context> context, WsOptions options);

// The subprotocol to answer for a Sec-WebSocket-Protocol request header ("" = none usable).
std::string choose_mqtt_subprotocol(std::string_view offered);

}  // namespace dynamq::net
