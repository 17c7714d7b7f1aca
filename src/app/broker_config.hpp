// etc/dynamq.conf → everything `dynamq` needs to run: broker limits, listeners, io threads,
// logging. Unknown keys are rejected with a "did you mean"; every bad value throws a
// config::ConfigError whose what() is the one line `file:line: what is wrong`.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "broker/broker_settings.hpp"
#include "config/kv_file.hpp"
#include "net/listener_state.hpp"

namespace dynamq::app {

// One `listener.<kind>.<name>.*` block.
struct ListenerSettings {
  std::string kind;  // "tcp", "ssl", "ws" or "wss"
  std::string name;  // "default"
  std::string address = "0.0.0.0";
  std::uint16_t port = 1883;  // the kind's default: tcp 1883, ssl 8883, ws 8083, wss 8084
  std::size_t max_connections = 100'000;  // 0 = no limit
  // ws and wss: the HTTP path of the upgrade
  std::string path = "/mqtt";
  // ssl and wss
  std::string certfile;
  std::string keyfile;
  std::string cacertfile;
  bool verify_peer = false;
  bool use_identity_as_username = false;  // needs verify_peer
  std::string ciphers;
  std::chrono::milliseconds handshake_timeout{10'000};
  // "file:line" of each key that was set, for errors found later (e.g. an unreadable
  // certificate); `origin` is where the block was first mentioned.
  std::string origin;
  std::map<std::string, std::string> key_origins;
  [[nodiscard]] std::string origin_of(const std::string& key) const {
    const auto it = key_origins.find(key);
    return it == key_origins.end() ? origin : it->second;
  }
};

struct ServerConfig {
  broker::BrokerSettings broker;
  std::size_t io_threads = 0;  // 0 = one per hardware thread
  std::vector<ListenerSettings> listeners;
  net::ConnectionOptions connection;
  std::size_t max_connections = 0;  // net.max_connections: all listeners together; 0 = no limit
  std::chrono::milliseconds shutdown_timeout{5'000};
  std::string log_level = "info";
  std::string log_file;         // empty = stderr
  std::string log_file_origin;  // "file:line" of log.file, for errors opening it
};

// Reads `path`, then applies each "key=value" of `overrides` (from --set; reported as
// "--set:N"). Throws config::ConfigError.
ServerConfig load_server_config(const std::string& path, const std::vector<std::string>& overrides);
// The same from already-parsed sources; later sources override earlier ones key by key.
ServerConfig build_server_config(const std::vector<config::KvFile>& sources);
// Turns --set arguments into a source ("--set:N: ..." errors).
config::KvFile parse_overrides(const std::vector<std::string>& overrides);

// Every key accepted outside listener blocks, and every key of a listener block.
std::vector<std::string_view> known_keys();
std::vector<std::string_view> known_listener_keys();

}  // namespace dynamq::app
