#include "app/plugins.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <mutex>

#include "admin/admin_server.hpp"
#include "app/broker_config.hpp"
#include "config/kv_file.hpp"
#include "storage/storage_plugin.hpp"

namespace dynamq::app {

namespace json = boost::json;

namespace {

struct PluginSettings {
  bool dynamo = false;
  std::string dynamo_config = "etc/plugins/dynamo.conf";
  std::string admin_bind = "127.0.0.1:18083";
  bool admin_explicit = false;
  std::string admin_origin;
};

PluginSettings read_settings(const std::string& path, const std::vector<std::string>& overrides) {
  std::vector<config::KvFile> sources;
  sources.push_back(config::read_kv_file(path));
  sources.push_back(parse_overrides(overrides));
  PluginSettings s;
  for (const auto& file : sources) {
    for (const auto& e : file.entries) {
      if (e.key == "plugins.dynamo") {
        s.dynamo = config::parse_bool(file, e);
      } else if (e.key == "plugins.dynamo.config") {
        if (e.value.empty()) throw file.error(e, "`plugins.dynamo.config` is empty");
        s.dynamo_config = e.value;
      } else if (e.key == "admin.bind") {
        s.admin_bind = e.value;
        s.admin_explicit = true;
        s.admin_origin = file.path + ":" + std::to_string(e.line);
        if (e.value != "off") {
          try {
            (void)admin::parse_loopback_endpoint(e.value);
          } catch (const std::invalid_argument& why) {
            throw file.error(e, "`admin.bind`: " + std::string(why.what()));
          }
        }
      } else if (e.key.rfind("plugins.", 0) == 0 || e.key.rfind("admin.", 0) == 0) {
        throw file.error(e, "unknown key `" + e.key +
                                "` (known: plugins.dynamo, plugins.dynamo.config, admin.bind)");
      }
    }
  }
  return s;
}

json::object error_body(const std::string& text) {
  return json::object{{"error", text}};
}

}  // namespace

// Loaded plugins by name; load/unload are serialized (the admin thread, or start-up).
class PluginHost {
 public:
  PluginHost(broker::Broker& broker, PluginSettings settings)
      : broker_(broker), settings_(std::move(settings)) {}
  ~PluginHost() {
    admin_.reset();  // no more requests
    std::string ignored;
    unload("dynamo", ignored);
  }

  static bool known(const std::string& name) {
    return name == "dynamo" || name == "emqx_backend_dynamo";  // the seed's name works too
  }

  bool load(const std::string& name, std::string& message) {
    std::lock_guard lock(mutex_);
    if (!known(name)) {
      message = "unknown plugin `" + name + "` (known: dynamo)";
      return false;
    }
    if (dynamo_) {
      message = "plugin dynamo is already loaded";
      return false;
    }
    storage::BackendConfig config;
    try {
      config = storage::load_backend_config(settings_.dynamo_config);
      dynamo_ = storage::StoragePlugin::create(broker_, std::move(config));
    } catch (const std::exception& e) {
      message = e.what();
      return false;
    }
    broker_.hooks().add(dynamo_);
    const auto& c = dynamo_->config();
    spdlog::info("plugin dynamo loaded from {} ({} rules, {} pool(s), write_mode {})", c.path,
                 c.rules.size(), c.pools.size(),
                 c.write_mode == storage::WriteMode::sync ? "sync" : "async");
    message = "Plugin dynamo loaded successfully.";
    return true;
  }

  bool unload(const std::string& name, std::string& message) {
    std::lock_guard lock(mutex_);
    if (!known(name)) {
      message = "unknown plugin `" + name + "` (known: dynamo)";
      return false;
    }
    if (!dynamo_) {
      message = "plugin dynamo is not loaded";
      return false;
    }
    broker_.hooks().remove(dynamo_);
    const auto pending = dynamo_->pending_writes();
    dynamo_->stop(std::chrono::seconds(30));  // flushes pending writes first
    const auto dropped = dynamo_->stats().dropped.load();
    spdlog::info("plugin dynamo unloaded ({} pending writes flushed, {} dropped)", pending,
                 dropped);
    last_stats_ = dynamo_->stats().snapshot();
    dynamo_.reset();
    message = "Plugin dynamo unloaded successfully.";
    return true;
  }

  admin::Response handle(const admin::Request& req) {
    const std::string& t = req.target;
    if (req.method == "GET" && t == "/plugins") {
      std::lock_guard lock(mutex_);
      json::array list;
      list.push_back(json::object{{"name", "dynamo"},
                                  {"loaded", dynamo_ != nullptr},
                                  {"config", settings_.dynamo_config},
                                  {"description", "message storage in Amazon DynamoDB"}});
      return {200, json::serialize(json::object{{"plugins", list}})};
    }
    if (req.method == "GET" && t == "/stats") return {200, json::serialize(stats())};
    const std::string prefix = "/plugins/";
    if (req.method == "POST" && t.rfind(prefix, 0) == 0) {
      const auto rest = t.substr(prefix.size());
      const auto slash = rest.find('/');
      if (slash != std::string::npos) {
        const auto name = rest.substr(0, slash);
        const auto action = rest.substr(slash + 1);
        std::string message;
        if (action == "load" || action == "unload") {
          const bool ok = action == "load" ? load(name, message) : unload(name, message);
          if (ok) return {200, json::serialize(json::object{{"message", message}})};
          return {known(name) ? 409U : 404U, json::serialize(error_body(message))};
        }
      }
    }
    return {404, json::serialize(error_body("no such admin request: " + req.method + " " + t))};
  }

  void start_admin() {
    if (settings_.admin_bind == "off") return;
    const auto endpoint = admin::parse_loopback_endpoint(settings_.admin_bind);
    try {
      admin_ = std::make_unique<admin::AdminServer>(
          endpoint, [this](const admin::Request& r) { return handle(r); });
      spdlog::info("admin endpoint on {}:{} (dynamq ctl --admin {}:{})", endpoint.address,
                   admin_->port(), endpoint.address, admin_->port());
    } catch (const boost::system::system_error& e) {
      if (settings_.admin_explicit) {
        throw std::runtime_error(settings_.admin_origin + ": admin.bind: cannot listen on " +
                                 settings_.admin_bind + ": " + e.code().message());
      }
      spdlog::warn("admin endpoint: cannot listen on {} ({}); running without it (set admin.bind)",
                   settings_.admin_bind, e.code().message());
    }
  }

  const PluginSettings& settings() const { return settings_; }

 private:
  json::object stats() {
    std::lock_guard lock(mutex_);
    json::object storage;
    storage["loaded"] = dynamo_ != nullptr;
    const auto counters = dynamo_ ? dynamo_->stats().snapshot() : last_stats_;
    for (const auto& [name, value] : counters) storage[name] = value;
    if (dynamo_) {
      storage["pending_writes"] = dynamo_->pending_writes();
      storage["dynamo_requests"] = dynamo_->dynamo_requests();
    }
    const auto b = broker_.stats();
    json::object broker{{"connections_current", b.connections_current},
                        {"messages_received", b.messages_received},
                        {"messages_delivered", b.messages_delivered},
                        {"retained_current", b.retained_current},
                        {"auth_failures", b.auth_failures},
                        {"denied_publish", b.denied_publish},
                        {"denied_subscribe", b.denied_subscribe},
                        {"denied_delivery", b.denied_delivery},
                        {"rate_limited", b.rate_limited}};
    return json::object{{"storage", storage}, {"broker", broker}};
  }

  broker::Broker& broker_;
  PluginSettings settings_;
  std::mutex mutex_;
  std::shared_ptr<storage::StoragePlugin> dynamo_;
  std::vector<std::pair<std::string, std::uint64_t>> last_stats_;
  std::unique_ptr<admin::AdminServer> admin_;
};

std::shared_ptr<PluginHost> start_plugins(broker::Broker& broker, const std::string& path,
                                          const std::vector<std::string>& overrides) {
  auto host = std::make_shared<PluginHost>(broker, read_settings(path, overrides));
  if (host->settings().dynamo) {
    std::string message;
    if (!host->load("dynamo", message)) {
      throw std::runtime_error("plugins.dynamo = on: cannot load: " + message);
    }
  }
  host->start_admin();
  return host;
}

}  // namespace dynamq::app
