// `dynamq [--config FILE] [--set key=value]… [--ports-file PATH]`: runs the broker until
// SIGINT/SIGTERM; SIGHUP reloads the TLS certificates. Exit codes: 0 clean shutdown, 2 config
// error, 1 any other fatal error.
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/broker_config.hpp"
#include "app/command.hpp"
#include "app/plugins.hpp"
#include "broker/broker.hpp"
#include "config/kv_file.hpp"
#include "net/io_pool.hpp"
#include "net/listener.hpp"
#include "net/tls_context_source.hpp"
#include "net/tls_transport.hpp"
#include "net/ws_transport.hpp"

namespace dynamq::app {
namespace {

struct ServeOptions {
  std::string config_path = "etc/dynamq.conf";
  std::vector<std::string> overrides;
  std::string ports_file;
};

// Logging goes to stderr unless log.file is set. Throws ConfigError when the file cannot be
// opened (it is the config that names it).
void setup_logging(const ServerConfig& config) {
  std::shared_ptr<spdlog::logger> logger;
  if (config.log_file.empty()) {
    logger = spdlog::stderr_color_mt("dynamq");
  } else {
    try {
      logger = spdlog::basic_logger_mt("dynamq", config.log_file);
    } catch (const spdlog::spdlog_ex& e) {
      throw config::ConfigError(config.log_file_origin + ": cannot open log file `" +
                                config.log_file + "`: " + e.what());
    }
    spdlog::flush_every(std::chrono::seconds(1));
  }
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  logger->set_level(spdlog::level::from_str(config.log_level));
  logger->flush_on(spdlog::level::info);  // start-up and shutdown lines must not wait
  spdlog::set_default_logger(logger);
}

// "tcp default 127.0.0.1 41883" per line; written to a temporary file and renamed so a
// reader never sees half of it.
void write_ports_file(const std::string& path,
                      const std::vector<std::unique_ptr<net::Listener>>& listeners) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    for (const auto& l : listeners) {
      out << l->config().kind << ' ' << l->config().name << ' '
          << l->local_endpoint().address().to_string() << ' ' << l->local_endpoint().port() << '\n';
    }
    if (!out.flush()) {
      throw std::runtime_error("cannot write the ports file " + tmp);
    }
  }
  std::filesystem::rename(tmp, path);
}

// The transport of a listener kind; throws ConfigError (naming the key's line) when a TLS
// certificate or key cannot be used. `tls_source` gets the reloadable context of ssl and wss.
net::TransportStarter make_transport(const ListenerSettings& l,
                                     std::shared_ptr<net::TlsContextSource>& tls_source) {
  std::shared_ptr<net::asio::ssl::context> tls_context;
  if (l.kind == "ssl" || l.kind == "wss") {
    net::TlsOptions tls;
    tls.certfile = l.certfile;
    tls.keyfile = l.keyfile;
    tls.cacertfile = l.cacertfile;
    tls.verify_peer = l.verify_peer;
    tls.ciphers = l.ciphers;
    try {
      tls_source = std::make_shared<net::TlsContextSource>(tls);
      tls_context = tls_source->current();
    } catch (const net::TlsSetupError& e) {
      throw config::ConfigError(l.origin_of(e.option()) + ": " + e.what());
    }
  }
  net::WsOptions ws;
  ws.path = l.path;
  ws.handshake_timeout = l.handshake_timeout;
  if (l.kind == "ssl") {
    return net::tls_transport(std::move(tls_context), l.handshake_timeout);
  }
  if (l.kind == "ws") {
    return net::ws_transport(ws);
  }
  if (l.kind == "wss") {
    return net::wss_transport(std::move(tls_context), ws);
  }
  return net::tcp_transport();
}

std::size_t active_connections(const std::vector<std::unique_ptr<net::Listener>>& listeners) {
  std::size_t n = 0;
  for (const auto& l : listeners) {
    n += l->stats().active.load();
  }
  return n;
}

int serve(const ServeOptions& options) {
  // Signals first: a test may send SIGTERM the moment the ports file appears.
  net::asio::io_context signal_context(1);
  net::asio::signal_set signals(signal_context, SIGINT, SIGTERM, SIGHUP);
  std::signal(SIGPIPE, SIG_IGN);  // a peer gone mid-write is an error code, not a death

  ServerConfig config;
  try {
    config = load_server_config(options.config_path, options.overrides);
    setup_logging(config);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << '\n';
    return 2;
  }

  // TLS certificates are checked before anything starts: a bad one is a config error.
  std::vector<net::TransportStarter> transports;
  std::vector<std::shared_ptr<net::TlsContextSource>> tls_sources(config.listeners.size());
  try {
    for (std::size_t i = 0; i < config.listeners.size(); ++i) {
      transports.push_back(make_transport(config.listeners[i], tls_sources[i]));
    }
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << '\n';
    return 2;
  }
  net::IoPool pool(config.io_threads);  // outlives the broker: its timers live on these loops
  broker::Broker broker(config.broker);
  std::shared_ptr<PluginHost> plugins;  // destroyed before the broker (plugins.hpp)
  try {
    plugins = start_plugins(broker, options.config_path, options.overrides);
  } catch (const config::ConfigError& e) {
    std::cerr << e.what() << '\n';
    return 2;
  }
  std::vector<std::unique_ptr<net::Listener>> listeners;
  const auto budget = std::make_shared<net::ConnectionBudget>(config.max_connections);
  const net::HandlerFactory factory = [&broker](net::asio::any_io_executor executor,
                                                std::shared_ptr<broker::ClientLink> link) {
    return broker.accept(std::move(executor), std::move(link));
  };
  for (std::size_t i = 0; i < config.listeners.size(); ++i) {
    const auto& l = config.listeners[i];
    net::ListenerConfig lc;
    lc.kind = l.kind;
    lc.name = l.name;
    lc.endpoint = net::tcp::endpoint(net::asio::ip::make_address(l.address), l.port);
    lc.max_connections = l.max_connections;
    lc.options = config.connection;
    lc.budget = budget;
    lc.tls = tls_sources[i];
    lc.use_identity_as_username = l.use_identity_as_username;
    if (const auto& tls = tls_sources[i]) {
      const auto cert = tls->certificate();
      if (cert.expired) {
        spdlog::warn("listener {}:{}: certificate {} expired on {}; clients will refuse it", l.kind,
                     l.name, cert.subject, cert.not_after);
      } else {
        spdlog::info("listener {}:{}: certificate subject {}, expires {}", l.kind, l.name,
                     cert.subject, cert.not_after);
      }
    }
    auto listener = std::make_unique<net::Listener>(pool, lc, factory, transports[i]);
    try {
      listener->bind();
    } catch (const boost::system::system_error& e) {
      spdlog::critical("cannot listen on {} {}: {}", l.kind, net::to_string(lc.endpoint),
                       e.code().message());
      return 1;
    }
    listeners.push_back(std::move(listener));
  }

  pool.start();
  std::string where;
  for (const auto& l : listeners) {
    where +=
        (where.empty() ? "" : ", ") + l->config().kind + " " + net::to_string(l->local_endpoint());
    l->start();
  }
  spdlog::info("dynamq {} listening on {} (node {}, {} io threads)", DYNAMQ_VERSION, where,
               config.broker.node_name, pool.size());
  if (!options.ports_file.empty()) {
    write_ports_file(options.ports_file, listeners);
  }

  int signal_number = 0;
  // SIGHUP reloads every TLS listener's certificate and waits again; the others stop.
  std::function<void()> wait_for_signal = [&] {
    signals.async_wait([&](const net::error_code& ec, int n) {
      if (ec) {
        return;
      }
      if (n != SIGHUP) {
        signal_number = n;
        return;
      }
      std::size_t reloaded = 0;
      std::size_t failed = 0;
      for (const auto& l : listeners) {
        if (l->config().tls) {
          (l->reload_certificates() ? reloaded : failed) += 1;
        }
      }
      spdlog::info("received SIGHUP: {} TLS listener(s) reloaded, {} failed", reloaded, failed);
      wait_for_signal();
    });
  };
  wait_for_signal();
  signal_context.run();
  spdlog::info("received {}, shutting down", signal_number == SIGINT ? "SIGINT" : "SIGTERM");

  // Stop accepting, let the broker say goodbye (DISCONNECT 0x8B for MQTT 5) and let the
  // links flush for a bounded time; a second signal cuts the wait short.
  for (const auto& l : listeners) {
    l->stop();
  }
  broker.shutdown();
  bool hurry = false;
  signal_context.restart();
  std::function<void()> wait_for_hurry = [&] {
    signals.async_wait([&](const net::error_code& ec, int n) {
      if (!ec && n == SIGHUP) {
        wait_for_hurry();  // no reload while shutting down; keep waiting for INT/TERM
        return;
      }
      hurry = !ec;
    });
  };
  wait_for_hurry();
  const auto deadline = std::chrono::steady_clock::now() + config.shutdown_timeout;
  while (!hurry && active_connections(listeners) > 0 &&
         std::chrono::steady_clock::now() < deadline) {
    signal_context.run_for(std::chrono::milliseconds(10));
  }
  if (const auto left = active_connections(listeners); left > 0) {
    spdlog::warn("{} connections still open after the shutdown timeout; closing them", left);
    pool.run_on_each([](net::Loop& loop) { loop.connections().abort_all(); });
    const auto abort_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    while (active_connections(listeners) > 0 && std::chrono::steady_clock::now() < abort_deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  pool.stop();
  spdlog::info("dynamq stopped");
  spdlog::shutdown();
  return 0;
}

}  // namespace

CommandRun add_broker_options(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  app.add_option("-c,--config", options->config_path, "broker config file (key = value)")
      ->capture_default_str();
  app.add_option("--set", options->overrides,
                 "override a config key, e.g. --set listener.tcp.default.bind=127.0.0.1:0 "
                 "(repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--ports-file", options->ports_file,
                 "once listening, write `kind name address port` per listener to this file");
  return [options] {
    try {
      return serve(*options);
    } catch (const std::exception& e) {
      std::cerr << "dynamq: fatal: " << e.what() << '\n';
      return 1;
    }
  };
}

}  // namespace dynamq::app
