#include "app/broker_config.hpp"

#include <unistd.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <functional>
#include <map>
#include <span>

namespace dynamq::app {
namespace {

using config::Entry;
using config::KvFile;

using Setter = std::function<void(const KvFile&, const Entry&, ServerConfig&)>;

std::uint64_t duration_in(const KvFile& file, const Entry& e, std::uint64_t min_s,
                          std::uint64_t max_s) {
  const auto s = static_cast<std::uint64_t>(config::parse_duration(file, e).count());
  if (s < min_s || s > max_s) {
    throw file.error(e, "`" + e.key + "` must be between " + std::to_string(min_s) + "s and " +
                            std::to_string(max_s) + "s, found " + e.value);
  }
  return s;
}

std::string plain_word(const KvFile& file, const Entry& e) {
  if (e.value.empty() || e.value.find_first_of(" \t") != std::string::npos) {
    throw file.error(e, "`" + e.key + "` must be one word without spaces, found `" + e.value + "`");
  }
  return e.value;
}

// The keys outside listener blocks, in the order etc/dynamq.conf documents them.
const std::vector<std::pair<std::string_view, Setter>>& setters() {
  static const std::vector<std::pair<std::string_view, Setter>> table = {
      {"node.name", [](const KvFile& f, const Entry& e,
                       ServerConfig& c) { c.broker.node_name = plain_word(f, e); }},
      {"node.id",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.node_id = static_cast<std::uint16_t>(config::parse_uint(f, e, 0, 65535));
       }},
      {"io_threads", [](const KvFile& f, const Entry& e,
                        ServerConfig& c) { c.io_threads = config::parse_uint(f, e, 0, 1024); }},
      {"mqtt.max_packet_size",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         // 268,435,460: the largest packet the remaining-length encoding can describe.
         c.broker.max_packet_size =
             static_cast<std::uint32_t>(config::parse_size(f, e, 64, 268'435'460));
       }},
      {"mqtt.max_inflight",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.max_inflight = static_cast<std::uint16_t>(config::parse_uint(f, e, 1, 65535));
       }},
      {"mqtt.max_queued_messages",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.max_queued_messages = config::parse_uint(f, e, 0, 100'000'000);
       }},
      {"mqtt.max_pending_bytes",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.max_pending_bytes = config::parse_size(f, e, 4096, 1ULL << 34);
       }},
      {"mqtt.session_expiry_max",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.session_expiry_max =
             static_cast<std::uint32_t>(duration_in(f, e, 0, 4'294'967'295ULL));
       }},
      {"mqtt.connect_timeout",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.connect_timeout = std::chrono::seconds(duration_in(f, e, 1, 3600));
       }},
      {"mqtt.keepalive_max",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.keep_alive_max = static_cast<std::uint16_t>(duration_in(f, e, 0, 65535));
       }},
      {"mqtt.keepalive_default",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.keep_alive_default = static_cast<std::uint16_t>(duration_in(f, e, 0, 65535));
       }},
      {"mqtt.topic_alias_max",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.topic_alias_maximum =
             static_cast<std::uint16_t>(config::parse_uint(f, e, 0, 65535));
       }},
      {"mqtt.retain_available",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.retain_available = config::parse_bool(f, e);
       }},
      {"mqtt.max_qos",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.max_qos = static_cast<std::uint8_t>(config::parse_uint(f, e, 0, 2));
       }},
      {"mqtt.wildcard_subscription_available",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.wildcard_subscription_available = config::parse_bool(f, e);
       }},
      {"mqtt.subscription_identifiers_available",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.subscription_identifiers_available = config::parse_bool(f, e);
       }},
      {"mqtt.shared_subscription_available",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.broker.shared_subscription_available = config::parse_bool(f, e);
       }},
      {"mqtt.max_client_id_length",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         // 23 is what MQTT 3.1 requires every server to accept [MQTT-3.1.3-5].
         c.broker.max_client_id_length = config::parse_uint(f, e, 23, 65535);
       }},
      {"net.write_timeout",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.connection.write_timeout = std::chrono::seconds(duration_in(f, e, 1, 3600));
       }},
      {"net.close_linger",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.connection.close_linger = std::chrono::seconds(duration_in(f, e, 0, 60));
       }},
      {"net.max_connections",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.max_connections = config::parse_uint(f, e, 0, 100'000'000);
       }},
      {"net.shutdown_timeout",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         c.shutdown_timeout = std::chrono::seconds(duration_in(f, e, 0, 300));
       }},
      {"log.level",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         static constexpr std::string_view levels[] = {"trace", "debug",    "info", "warn",
                                                       "error", "critical", "off"};
         for (const auto level : levels) {
           if (e.value == level) {
             c.log_level = e.value;
             return;
           }
         }
         throw f.error(e,
                       "`log.level` must be one of trace, debug, info, warn, error, critical, "
                       "off, found `" +
                           e.value + "`");
       }},
      {"log.file",
       [](const KvFile& f, const Entry& e, ServerConfig& c) {
         if (e.value.empty()) {
           throw f.error(e, "`log.file` must be a path (leave the key out to log to stderr)");
         }
         c.log_file = e.value;
         c.log_file_origin = f.path + ":" + std::to_string(e.line);
       }},
  };
  return table;
}

constexpr std::string_view kListenerKinds[] = {"tcp", "ssl", "ws", "wss"};
constexpr std::string_view kListenerKeys[] = {
    "bind",        "max_connections", "certfile", "keyfile",           "cacertfile",
    "verify_peer", "ciphers",         "path",     "handshake_timeout", "use_identity_as_username"};
// Keys only a TLS listener has.
constexpr std::string_view kTlsKeys[] = {"certfile",
                                         "keyfile",
                                         "cacertfile",
                                         "verify_peer",
                                         "ciphers",
                                         "handshake_timeout",
                                         "use_identity_as_username"};

// "0.0.0.0:1883", "[::]:1883", "127.0.0.1:0"; IP literals only (no DNS at start-up).
void parse_bind(const KvFile& f, const Entry& e, ListenerSettings& l) {
  const std::string& v = e.value;
  const auto bad = [&](std::string_view why) {
    return f.error(e, "`" + e.key + "` must be address:port such as 0.0.0.0:1883 or [::]:1883 (" +
                          std::string(why) + "), found `" + v + "`");
  };
  std::string host;
  std::string port;
  if (!v.empty() && v.front() == '[') {
    const auto close = v.find(']');
    if (close == std::string::npos || close + 1 >= v.size() || v[close + 1] != ':') {
      throw bad("IPv6 addresses go in brackets");
    }
    host = v.substr(1, close - 1);
    port = v.substr(close + 2);
  } else {
    const auto colon = v.rfind(':');
    if (colon == std::string::npos) {
      throw bad("no port");
    }
    host = v.substr(0, colon);
    port = v.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      throw bad("IPv6 addresses go in brackets");
    }
  }
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) {
    throw bad("`" + host + "` is not an IP address");
  }
  const Entry port_entry{e.key, port, e.line};
  std::uint64_t p = 0;
  try {
    p = config::parse_uint(f, port_entry, 0, 65535);
  } catch (const config::ConfigError&) {
    throw bad("the port must be 0-65535");
  }
  l.address = address.to_string();
  l.port = static_cast<std::uint16_t>(p);
}

bool valid_listener_name(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (const char ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                    (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
    if (!ok) {
      return false;
    }
  }
  return true;
}

ListenerSettings& listener_for(ServerConfig& c, std::string_view kind, std::string_view name,
                               const std::string& origin) {
  for (auto& l : c.listeners) {
    if (l.kind == kind && l.name == name) {
      return l;
    }
  }
  ListenerSettings fresh;
  fresh.kind = kind;
  fresh.name = name;
  // The ports MQTT brokers conventionally use for each kind.
  fresh.port = kind == "ssl" ? 8883 : kind == "ws" ? 8083 : kind == "wss" ? 8084 : 1883;
  fresh.origin = origin;
  return c.listeners.emplace_back(std::move(fresh));
}

std::string did_you_mean(std::string_view word, std::span<const std::string_view> candidates) {
  const auto best = config::closest_match(word, candidates);
  return best.empty() ? std::string() : " (did you mean `" + best + "`?)";
}

// listener.<kind>.<name>.<key>
void apply_listener_key(const KvFile& f, const Entry& e, ServerConfig& c) {
  const std::string_view key = e.key;
  const auto first = key.find('.');
  const auto last = key.rfind('.');
  const auto second = key.find('.', first + 1);
  if (second == std::string_view::npos || second == last) {
    throw f.error(e, "`" + e.key +
                         "`: listener keys are listener.<kind>.<name>.<key>, e.g. "
                         "listener.tcp.default.bind");
  }
  const auto kind = key.substr(first + 1, second - first - 1);
  const auto name = key.substr(second + 1, last - second - 1);
  const auto what = key.substr(last + 1);
  if (std::find(std::begin(kListenerKinds), std::end(kListenerKinds), kind) ==
      std::end(kListenerKinds)) {
    throw f.error(e, "`" + e.key + "`: unknown listener kind `" + std::string(kind) +
                         "` (supported: tcp, ssl, ws, wss)" + did_you_mean(kind, kListenerKinds));
  }
  if (!valid_listener_name(name)) {
    throw f.error(e, "`" + e.key + "`: a listener name is letters, digits, `_` and `-`, found `" +
                         std::string(name) + "`");
  }
  const std::string origin = f.path + ":" + std::to_string(e.line);
  ListenerSettings& l = listener_for(c, kind, name, origin);
  const bool tls_key =
      std::find(std::begin(kTlsKeys), std::end(kTlsKeys), what) != std::end(kTlsKeys);
  const bool tls_kind = kind == "ssl" || kind == "wss";
  if (tls_key && what != "handshake_timeout" && !tls_kind) {
    throw f.error(
        e, "`" + e.key + "`: `" + std::string(what) + "` applies to ssl and wss listeners only");
  }
  if (what == "handshake_timeout" && kind == "tcp") {
    throw f.error(e, "`" + e.key + "`: tcp listeners have no handshake");
  }
  if (what == "path" && kind != "ws" && kind != "wss") {
    throw f.error(e, "`" + e.key + "`: `path` applies to ws and wss listeners only");
  }
  l.key_origins[std::string(what)] = origin;
  const auto path = [&] {
    if (e.value.empty()) {
      throw f.error(e, "`" + e.key + "` must be a file path");
    }
    return e.value;
  };
  if (what == "bind") {
    parse_bind(f, e, l);
  } else if (what == "max_connections") {
    l.max_connections = config::parse_uint(f, e, 0, 100'000'000);
  } else if (what == "certfile") {
    l.certfile = path();
  } else if (what == "keyfile") {
    l.keyfile = path();
  } else if (what == "cacertfile") {
    l.cacertfile = path();
  } else if (what == "verify_peer") {
    l.verify_peer = config::parse_bool(f, e);
  } else if (what == "use_identity_as_username") {
    l.use_identity_as_username = config::parse_bool(f, e);
  } else if (what == "ciphers") {
    l.ciphers = e.value;
  } else if (what == "path") {
    if (e.value.empty() || e.value.front() != '/') {
      throw f.error(
          e, "`" + e.key + "` must be an HTTP path starting with /, found `" + e.value + "`");
    }
    l.path = e.value;
  } else if (what == "handshake_timeout") {
    l.handshake_timeout = std::chrono::seconds(duration_in(f, e, 1, 300));
  } else {
    throw f.error(e, "unknown listener key `" + std::string(what) + "` in `" + e.key + "`" +
                         did_you_mean(what, kListenerKeys));
  }
}

// Checks that need the whole block (a TLS listener needs its certificate and key).
void check_listener(const ListenerSettings& l) {
  if (l.kind != "ssl" && l.kind != "wss") {
    return;
  }
  const auto missing = [&](const char* what) {
    return config::ConfigError(l.origin + ": " + l.kind + " listener `" + l.name +
                               "` needs listener." + l.kind + "." + l.name + "." + what);
  };
  if (l.certfile.empty()) {
    throw missing("certfile");
  }
  if (l.keyfile.empty()) {
    throw missing("keyfile");
  }
  if (l.verify_peer && l.cacertfile.empty()) {
    throw config::ConfigError(l.origin_of("verify_peer") + ": verify_peer needs listener." +
                              l.kind + "." + l.name +
                              ".cacertfile to check client certificates against");
  }
  if (l.use_identity_as_username && !l.verify_peer) {
    throw config::ConfigError(l.origin_of("use_identity_as_username") +
                              ": use_identity_as_username needs listener." + l.kind + "." + l.name +
                              ".verify_peer = true (only a verified certificate names "
                              "a user)");
  }
}

}  // namespace

std::vector<std::string_view> known_keys() {
  std::vector<std::string_view> keys;
  for (const auto& [key, setter] : setters()) {
    keys.push_back(key);
  }
  return keys;
}

std::vector<std::string_view> known_listener_keys() {
  return {std::begin(kListenerKeys), std::end(kListenerKeys)};
}

KvFile parse_overrides(const std::vector<std::string>& overrides) {
  KvFile file{"--set", {}};
  int n = 0;
  for (const auto& text : overrides) {
    ++n;
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw file.error(n, "expected --set key=value, found `" + text + "`");
    }
    const auto trim = [](std::string s) {
      const auto b = s.find_first_not_of(" \t");
      const auto e = s.find_last_not_of(" \t");
      return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
    };
    file.entries.push_back({trim(text.substr(0, eq)), trim(text.substr(eq + 1)), n});
  }
  return file;
}

ServerConfig build_server_config(const std::vector<KvFile>& sources) {
  // Later sources win key by key; errors still name the source and line that set the value.
  std::map<std::string, std::pair<const KvFile*, const Entry*>> effective;
  std::vector<std::string> order;
  for (const auto& file : sources) {
    for (const auto& entry : file.entries) {
      if (effective.find(entry.key) == effective.end()) {
        order.push_back(entry.key);
      }
      effective[entry.key] = {&file, &entry};
    }
  }

  ServerConfig c;
  const auto keys = known_keys();
  for (const auto& key : order) {
    const auto [file, entry] = effective[key];
    if (key.rfind("plugins.", 0) == 0 || key.rfind("admin.", 0) == 0) {
      continue;  // plugin and admin endpoint keys: read by app/plugins.cpp
    }
    if (key.rfind("listener.", 0) == 0) {
      apply_listener_key(*file, *entry, c);
      continue;
    }
    const auto it = std::find_if(setters().begin(), setters().end(),
                                 [&](const auto& s) { return s.first == key; });
    if (it == setters().end()) {
      throw file->error(*entry, "unknown key `" + key + "`" + did_you_mean(key, keys));
    }
    it->second(*file, *entry, c);
  }
  if (c.listeners.empty()) {
    c.listeners.push_back(ListenerSettings{"tcp", "default"});
  }
  for (const auto& l : c.listeners) {
    check_listener(l);
  }
  if (c.broker.node_name == broker::BrokerSettings{}.node_name &&
      effective.find("node.name") == effective.end()) {
    char host[256] = {};
    if (gethostname(host, sizeof host - 1) == 0 && host[0] != '\0') {
      c.broker.node_name = std::string("dynamq@") + host;
    }
  }
  return c;
}

ServerConfig load_server_config(const std::string& path,
                                const std::vector<std::string>& overrides) {
  std::vector<KvFile> sources;
  sources.push_back(config::read_kv_file(path));
  sources.push_back(parse_overrides(overrides));
  return build_server_config(sources);
}

}  // namespace dynamq::app
