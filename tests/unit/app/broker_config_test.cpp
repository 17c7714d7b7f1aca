// etc/dynamq.conf → ServerConfig: every key maps to its setting, every bad value is one
// exact `file:line: what` line, the shipped file documents every key.
#include "app/broker_config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

namespace dynamq::app {
namespace {

ServerConfig from_text(const std::string& text, std::vector<std::string> overrides = {}) {
  return build_server_config({config::parse_kv_text(text, "t.conf"), parse_overrides(overrides)});
}

std::string error_of(const std::string& text, std::vector<std::string> overrides = {}) {
  try {
    from_text(text, std::move(overrides));
  } catch (const config::ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BrokerConfig, EveryKeyMapsToItsSetting) {
  using Check = std::function<void(const ServerConfig&)>;
  const std::map<std::string, std::pair<std::string, Check>> cases = {
      {"node.name", {"n7", [](auto& c) { EXPECT_EQ(c.broker.node_name, "n7"); }}},
      {"node.id", {"513", [](auto& c) { EXPECT_EQ(c.broker.node_id, 513); }}},
      {"io_threads", {"3", [](auto& c) { EXPECT_EQ(c.io_threads, 3U); }}},
      {"mqtt.max_packet_size",
       {"64KB", [](auto& c) { EXPECT_EQ(c.broker.max_packet_size, 65536U); }}},
      {"mqtt.max_inflight", {"7", [](auto& c) { EXPECT_EQ(c.broker.max_inflight, 7); }}},
      {"mqtt.max_queued_messages",
       {"55", [](auto& c) { EXPECT_EQ(c.broker.max_queued_messages, 55U); }}},
      {"mqtt.max_pending_bytes",
       {"2MB", [](auto& c) { EXPECT_EQ(c.broker.max_pending_bytes, 2U << 20); }}},
      {"mqtt.session_expiry_max",
       {"1d", [](auto& c) { EXPECT_EQ(c.broker.session_expiry_max, 86400U); }}},
      {"mqtt.connect_timeout",
       {"3s", [](auto& c) { EXPECT_EQ(c.broker.connect_timeout, std::chrono::seconds(3)); }}},
      {"mqtt.keepalive_max", {"10m", [](auto& c) { EXPECT_EQ(c.broker.keep_alive_max, 600); }}},
      {"mqtt.keepalive_default",
       {"30", [](auto& c) { EXPECT_EQ(c.broker.keep_alive_default, 30); }}},
      {"mqtt.topic_alias_max", {"9", [](auto& c) { EXPECT_EQ(c.broker.topic_alias_maximum, 9); }}},
      {"mqtt.retain_available",
       {"false", [](auto& c) { EXPECT_FALSE(c.broker.retain_available); }}},
      {"mqtt.max_qos", {"1", [](auto& c) { EXPECT_EQ(c.broker.max_qos, 1); }}},
      {"mqtt.wildcard_subscription_available",
       {"no", [](auto& c) { EXPECT_FALSE(c.broker.wildcard_subscription_available); }}},
      {"mqtt.subscription_identifiers_available",
       {"off", [](auto& c) { EXPECT_FALSE(c.broker.subscription_identifiers_available); }}},
      {"mqtt.shared_subscription_available",
       {"0", [](auto& c) { EXPECT_FALSE(c.broker.shared_subscription_available); }}},
      {"mqtt.max_client_id_length",
       {"23", [](auto& c) { EXPECT_EQ(c.broker.max_client_id_length, 23U); }}},
      {"net.write_timeout",
       {"2m", [](auto& c) { EXPECT_EQ(c.connection.write_timeout, std::chrono::minutes(2)); }}},
      {"net.close_linger",
       {"0", [](auto& c) { EXPECT_EQ(c.connection.close_linger, std::chrono::seconds(0)); }}},
      {"net.max_connections", {"5000", [](auto& c) { EXPECT_EQ(c.max_connections, 5000U); }}},
      {"net.shutdown_timeout",
       {"7s", [](auto& c) { EXPECT_EQ(c.shutdown_timeout, std::chrono::seconds(7)); }}},
      {"log.level", {"debug", [](auto& c) { EXPECT_EQ(c.log_level, "debug"); }}},
      {"log.file",
       {"/tmp/x.log",
        [](auto& c) {
          EXPECT_EQ(c.log_file, "/tmp/x.log");
          EXPECT_EQ(c.log_file_origin, "t.conf:1");
        }}},
  };
  std::set<std::string> known;
  for (const auto k : known_keys()) {
    known.emplace(k);
    EXPECT_TRUE(cases.count(std::string(k))) << "no test for key " << k;
  }
  for (const auto& [key, value_check] : cases) {
    SCOPED_TRACE(key);
    EXPECT_TRUE(known.count(key));
    const auto config = from_text(key + " = " + value_check.first + "\n");
    value_check.second(config);
  }
}

TEST(BrokerConfig, DefaultsWithoutAFile) {
  const auto c = from_text("");
  ASSERT_EQ(c.listeners.size(), 1U);
  EXPECT_EQ(c.listeners[0].kind, "tcp");
  EXPECT_EQ(c.listeners[0].name, "default");
  EXPECT_EQ(c.listeners[0].address, "0.0.0.0");
  EXPECT_EQ(c.listeners[0].port, 1883);
  EXPECT_EQ(c.io_threads, 0U);
  EXPECT_EQ(c.log_level, "info");
  EXPECT_TRUE(c.log_file.empty());
  EXPECT_EQ(c.broker.node_name.rfind("dynamq@", 0), 0U);
}

TEST(BrokerConfig, ListenersAreDeclaredByKindAndName) {
  const auto c = from_text(
      "listener.tcp.default.bind = 127.0.0.1:0\n"
      "listener.tcp.v6.bind = [::1]:1884\n"
      "listener.tcp.v6.max_connections = 5\n"
      "listener.tcp.limited.max_connections = 0\n");
  ASSERT_EQ(c.listeners.size(), 3U);
  EXPECT_EQ(c.listeners[0].name, "default");
  EXPECT_EQ(c.listeners[0].address, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].port, 0);
  EXPECT_EQ(c.listeners[1].name, "v6");
  EXPECT_EQ(c.listeners[1].address, "::1");
  EXPECT_EQ(c.listeners[1].port, 1884);
  EXPECT_EQ(c.listeners[1].max_connections, 5U);
  EXPECT_EQ(c.listeners[2].name, "limited");
  EXPECT_EQ(c.listeners[2].address, "0.0.0.0");  // kind's default bind
  EXPECT_EQ(c.listeners[2].max_connections, 0U);
}

TEST(BrokerConfig, TlsAndWebSocketListeners) {
  const auto c = from_text(
      "listener.ssl.s.certfile = /c.pem\n"
      "listener.ssl.s.keyfile = /k.pem\n"
      "listener.ssl.s.cacertfile = /ca.pem\n"
      "listener.ssl.s.verify_peer = true\n"
      "listener.ssl.s.ciphers = ECDHE+AESGCM\n"
      "listener.ssl.s.handshake_timeout = 3s\n"
      "listener.ws.w.path = /ws\n"
      "listener.wss.x.certfile = /c.pem\n"
      "listener.wss.x.keyfile = /k.pem\n");
  ASSERT_EQ(c.listeners.size(), 3U);
  const auto& s = c.listeners[0];
  EXPECT_EQ(s.kind, "ssl");
  EXPECT_EQ(s.port, 8883);
  EXPECT_EQ(s.certfile, "/c.pem");
  EXPECT_EQ(s.keyfile, "/k.pem");
  EXPECT_EQ(s.cacertfile, "/ca.pem");
  EXPECT_TRUE(s.verify_peer);
  EXPECT_EQ(s.ciphers, "ECDHE+AESGCM");
  EXPECT_EQ(s.handshake_timeout, std::chrono::seconds(3));
  EXPECT_EQ(s.origin_of("keyfile"), "t.conf:2");
  EXPECT_EQ(c.listeners[1].kind, "ws");
  EXPECT_EQ(c.listeners[1].port, 8083);
  EXPECT_EQ(c.listeners[1].path, "/ws");
  EXPECT_EQ(c.listeners[2].kind, "wss");
  EXPECT_EQ(c.listeners[2].port, 8084);
  EXPECT_EQ(c.listeners[2].path, "/mqtt");

  EXPECT_EQ(error_of("\nlistener.ssl.s.keyfile = /k.pem\n"),
            "t.conf:2: ssl listener `s` needs listener.ssl.s.certfile");
  EXPECT_EQ(
      error_of("listener.tcp.t.certfile = /c.pem\n"),
      "t.conf:1: `listener.tcp.t.certfile`: `certfile` applies to ssl and wss listeners only");
  EXPECT_EQ(error_of("listener.ssl.s.certfile = /c\nlistener.ssl.s.keyfile = /k\n"
                     "listener.ssl.s.verify_peer = yes\n"),
            "t.conf:3: verify_peer needs listener.ssl.s.cacertfile to check client certificates "
            "against");
  EXPECT_EQ(error_of("listener.ws.w.path = mqtt\n"),
            "t.conf:1: `listener.ws.w.path` must be an HTTP path starting with /, found `mqtt`");
}

TEST(BrokerConfig, UseIdentityAsUsernameNeedsVerifyPeer) {
  const auto c = from_text(
      "listener.wss.x.certfile = /c.pem\n"
      "listener.wss.x.keyfile = /k.pem\n"
      "listener.wss.x.cacertfile = /ca.pem\n"
      "listener.wss.x.verify_peer = true\n"
      "listener.wss.x.use_identity_as_username = true\n");
  ASSERT_EQ(c.listeners.size(), 1U);
  EXPECT_TRUE(c.listeners[0].use_identity_as_username);
  EXPECT_FALSE(from_text("").listeners[0].use_identity_as_username);
  EXPECT_EQ(from_text("").max_connections, 0U);  // no process-wide limit by default
  EXPECT_EQ(error_of("listener.ssl.s.certfile = /c\nlistener.ssl.s.keyfile = /k\n"
                     "listener.ssl.s.use_identity_as_username = true\n"),
            "t.conf:3: use_identity_as_username needs listener.ssl.s.verify_peer = true (only a "
            "verified certificate names a user)");
  EXPECT_EQ(error_of("listener.tcp.t.use_identity_as_username = true\n"),
            "t.conf:1: `listener.tcp.t.use_identity_as_username`: `use_identity_as_username` "
            "applies to ssl and wss listeners only");
}

TEST(BrokerConfig, OverridesWinOverTheFile) {
  const auto c = from_text("mqtt.max_qos = 1\nlistener.tcp.default.bind = 0.0.0.0:1883\n",
                           {"mqtt.max_qos=2", "listener.tcp.default.bind = 127.0.0.1:0"});
  EXPECT_EQ(c.broker.max_qos, 2);
  ASSERT_EQ(c.listeners.size(), 1U);
  EXPECT_EQ(c.listeners[0].address, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].port, 0);
}

TEST(BrokerConfig, ErrorsAreOneExactLineWithFileAndLine) {
  EXPECT_EQ(error_of("# comment\n\nmqtt.max_inflgiht = 3\n"),
            "t.conf:3: unknown key `mqtt.max_inflgiht` (did you mean `mqtt.max_inflight`?)");
  EXPECT_EQ(error_of("zzzz = 1\n"), "t.conf:1: unknown key `zzzz`");
  EXPECT_EQ(error_of("mqtt.max_qos = 3\n"),
            "t.conf:1: `mqtt.max_qos` must be between 0 and 2, found 3");
  EXPECT_EQ(error_of("mqtt.max_inflight = many\n"),
            "t.conf:1: `mqtt.max_inflight` must be a whole number, found `many`");
  EXPECT_EQ(error_of("mqtt.retain_available = maybe\n"),
            "t.conf:1: `mqtt.retain_available` must be true or false, found `maybe`");
  EXPECT_EQ(error_of("mqtt.connect_timeout = 2h\n"),
            "t.conf:1: `mqtt.connect_timeout` must be between 1s and 3600s, found 2h");
  EXPECT_EQ(error_of("mqtt.keepalive_max = 1d\n"),
            "t.conf:1: `mqtt.keepalive_max` must be between 0s and 65535s, found 1d");
  EXPECT_EQ(error_of("mqtt.max_packet_size = 1TB\n"),
            "t.conf:1: `mqtt.max_packet_size` must be a size like 1024, 64KB or 1MB, found `1TB`");
  EXPECT_EQ(error_of("log.level = loud\n"),
            "t.conf:1: `log.level` must be one of trace, debug, info, warn, error, critical, off, "
            "found `loud`");
  EXPECT_EQ(error_of("node.name = a b\n"),
            "t.conf:1: `node.name` must be one word without spaces, found `a b`");
}

TEST(BrokerConfig, ListenerErrors) {
  EXPECT_EQ(error_of("\nlistener.tcp.default.bind = 0.0.0.0\n"),
            "t.conf:2: `listener.tcp.default.bind` must be address:port such as 0.0.0.0:1883 or "
            "[::]:1883 (no port), found `0.0.0.0`");
  EXPECT_EQ(error_of("listener.tcp.default.bind = localhost:1883\n"),
            "t.conf:1: `listener.tcp.default.bind` must be address:port such as 0.0.0.0:1883 or "
            "[::]:1883 (`localhost` is not an IP address), found `localhost:1883`");
  EXPECT_EQ(error_of("listener.tcp.default.bind = 0.0.0.0:65536\n"),
            "t.conf:1: `listener.tcp.default.bind` must be address:port such as 0.0.0.0:1883 or "
            "[::]:1883 (the port must be 0-65535), found `0.0.0.0:65536`");
  EXPECT_EQ(error_of("listener.tcp.default.bind = ::1:1883\n"),
            "t.conf:1: `listener.tcp.default.bind` must be address:port such as 0.0.0.0:1883 or "
            "[::]:1883 (IPv6 addresses go in brackets), found `::1:1883`")
      << "an unbracketed IPv6 address is ambiguous";
  EXPECT_EQ(error_of("listener.tpc.default.bind = 0.0.0.0:1883\n"),
            "t.conf:1: `listener.tpc.default.bind`: unknown listener kind `tpc` (supported: tcp, "
            "ssl, ws, wss) "
            "(did you mean `tcp`?)");
  EXPECT_EQ(error_of("listener.tcp.default.bnd = 0.0.0.0:1883\n"),
            "t.conf:1: unknown listener key `bnd` in `listener.tcp.default.bnd` (did you mean "
            "`bind`?)");
  EXPECT_EQ(error_of("listener.tcp.bind = 0.0.0.0:1883\n"),
            "t.conf:1: `listener.tcp.bind`: listener keys are listener.<kind>.<name>.<key>, e.g. "
            "listener.tcp.default.bind");
  EXPECT_EQ(error_of("listener.tcp.a.b.bind = 0.0.0.0:1883\n"),
            "t.conf:1: `listener.tcp.a.b.bind`: a listener name is letters, digits, `_` and `-`, "
            "found `a.b`");
  EXPECT_EQ(error_of("listener.tcp.x.max_connections = -1\n"),
            "t.conf:1: `listener.tcp.x.max_connections` must be a whole number, found `-1`");
}

TEST(BrokerConfig, OverrideErrorsNameTheSetArgument) {
  EXPECT_EQ(error_of("", {"mqtt.max_qos=1", "mqtt.max_qos"}),
            "--set:2: expected --set key=value, found `mqtt.max_qos`");
  EXPECT_EQ(error_of("mqtt.max_qos = 1\n", {"mqtt.max_qos=9"}),
            "--set:1: `mqtt.max_qos` must be between 0 and 2, found 9");
}

TEST(BrokerConfig, MissingFileIsAConfigError) {
  try {
    load_server_config("/nonexistent/dynamq.conf", {});
    FAIL() << "no error";
  } catch (const config::ConfigError& e) {
    EXPECT_STREQ(e.what(), "/nonexistent/dynamq.conf:0: cannot open the file");
  }
}

TEST(BrokerConfig, ShippedFileLoadsAndDocumentsEveryKey) {
  const std::string path = std::string(DYNAMQ_SOURCE_DIR) + "/etc/dynamq.conf";
  const auto shipped = load_server_config(path, {});
  const auto defaults = from_text("");
  // The shipped file shows the defaults.
  EXPECT_EQ(shipped.io_threads, defaults.io_threads);
  EXPECT_EQ(shipped.broker.max_packet_size, defaults.broker.max_packet_size);
  EXPECT_EQ(shipped.broker.max_inflight, defaults.broker.max_inflight);
  EXPECT_EQ(shipped.broker.max_queued_messages, defaults.broker.max_queued_messages);
  EXPECT_EQ(shipped.broker.max_pending_bytes, defaults.broker.max_pending_bytes);
  EXPECT_EQ(shipped.broker.session_expiry_max, defaults.broker.session_expiry_max);
  EXPECT_EQ(shipped.broker.connect_timeout, defaults.broker.connect_timeout);
  EXPECT_EQ(shipped.broker.keep_alive_max, defaults.broker.keep_alive_max);
  EXPECT_EQ(shipped.broker.keep_alive_default, defaults.broker.keep_alive_default);
  EXPECT_EQ(shipped.broker.topic_alias_maximum, defaults.broker.topic_alias_maximum);
  EXPECT_EQ(shipped.broker.max_qos, defaults.broker.max_qos);
  EXPECT_EQ(shipped.broker.max_client_id_length, defaults.broker.max_client_id_length);
  EXPECT_EQ(shipped.connection.write_timeout, defaults.connection.write_timeout);
  EXPECT_EQ(shipped.connection.close_linger, defaults.connection.close_linger);
  EXPECT_EQ(shipped.shutdown_timeout, defaults.shutdown_timeout);
  ASSERT_EQ(shipped.listeners.size(), 1U);
  EXPECT_EQ(shipped.listeners[0].port, 1883);
  EXPECT_EQ(shipped.listeners[0].max_connections, defaults.listeners[0].max_connections);

  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  for (const auto key : known_keys()) {
    const std::string k(key);
    EXPECT_TRUE(text.str().find("\n" + k + " = ") != std::string::npos ||
                text.str().find("\n#" + k + " = ") != std::string::npos)
        << k << " is not documented in etc/dynamq.conf";
  }
  for (const auto key : known_listener_keys()) {
    EXPECT_NE(text.str().find(".default." + std::string(key) + " = "), std::string::npos)
        << "listener key " << key << " is not documented in etc/dynamq.conf";
  }
}

}  // namespace
}  // namespace dynamq::app
