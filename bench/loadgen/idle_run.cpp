// --idle: many connections that CONNECT and then only keep alive; for measuring a broker's
// memory per connection.
#include <atomic>
#include <csignal>
#include <cstdio>
#include <thread>

#include "io_threads.hpp"
#include "load_run.hpp"
#include "mqtt_connection.hpp"
#include "spawn.hpp"

namespace dynamq::bench {
namespace {

using namespace std::chrono_literals;

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) {
  g_interrupted.store(true);
}

}  // namespace

int run_idle(const Options& options) {
  asio::io_context resolver_io;
  tcp::resolver resolver(resolver_io);
  const tcp::endpoint endpoint =
      *resolver.resolve(options.host, std::to_string(options.port)).begin();
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);

  IoThreads io(options.threads);
  const auto timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(options.connect_timeout_s));
  std::vector<std::shared_ptr<MqttConnection>> connections;
  connections.reserve(static_cast<std::size_t>(options.idle_connections));
  std::atomic<int> done{0};
  std::atomic<int> failed{0};
  std::string first_error;
  std::atomic<bool> error_taken{false};

  const auto started = std::chrono::steady_clock::now();
  const auto deadline = started + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                      std::chrono::duration<double>(options.timeout_s));
  int spawned = 0;
  const int total = options.idle_connections;
  while (done.load() < total && !g_interrupted.load()) {
    if (std::chrono::steady_clock::now() > deadline) break;
    while (spawned < total && spawned - done.load() < options.connect_concurrency) {
      // A small read buffer: idle clients only ever read a CONNACK or a PINGRESP.
      auto conn = std::make_shared<MqttConnection>(io.at(spawned), options.version, 256);
      connections.push_back(conn);
      const std::string id = options.client_prefix + "-i" + std::to_string(spawned);
      auto& ctx = io.at(spawned);
      spawn(ctx, [&, conn, id]() -> awaitable<void> {
        auto error =
            co_await conn->open(endpoint, id, static_cast<std::uint16_t>(options.keepalive_s),
                                std::nullopt, 0, timeout);
        if (!error.empty()) {
          if (!error_taken.exchange(true)) first_error = id + ": " + error;
          failed.fetch_add(1);
        } else {
          spawn(ctx, [conn, &options]() {
            return conn->keep_alive(static_cast<std::uint16_t>(options.keepalive_s));
          });
          // Read (and ignore PINGRESPs) so a server-side close is noticed.
          spawn(ctx, [conn]() -> awaitable<void> {
            while (co_await conn->read_more()) conn->decode_buffered([](mqtt::Packet&) {});
          });
        }
        done.fetch_add(1);
      });
      ++spawned;
    }
    std::this_thread::sleep_for(1ms);
  }
  const double connect_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const int connected = done.load() - failed.load();
  std::printf(
      "{\"mode\":\"idle\",\"requested\":%d,\"connected\":%d,\"failed\":%d,"
      "\"connect_seconds\":%.3f%s%s%s}\n",
      total, connected, failed.load(), connect_s, failed.load() ? ",\"first_error\":\"" : "",
      failed.load() ? first_error.c_str() : "", failed.load() ? "\"" : "");
  std::fflush(stdout);

  const auto hold_until = std::chrono::steady_clock::now() +
                          std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                              std::chrono::duration<double>(options.hold_s));
  while (!g_interrupted.load() && std::chrono::steady_clock::now() < hold_until) {
    std::this_thread::sleep_for(10ms);
  }
  int dropped = 0;
  for (std::size_t i = 0; i < connections.size(); ++i) {
    auto c = connections[i];
    asio::post(io.at(static_cast<int>(i)), [c] { c->disconnect(); });
  }
  std::this_thread::sleep_for(200ms);
  io.stop();
  for (const auto& c : connections) dropped += c->error().empty() ? 0 : 1;
  if (!options.quiet) {
    std::fprintf(stderr, "loadgen: idle run over, %d connection(s) had failed or dropped\n",
                 dropped);
  }
  return failed.load() == 0 && connected == total ? 0 : 1;
}

}  // namespace dynamq::bench
