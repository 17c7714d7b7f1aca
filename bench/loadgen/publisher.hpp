// A publishing connection: sends stamped PUBLISH packets to its topic at the offered rate
// (or as fast as the socket drains), and at QoS 1 keeps at most `window` unacknowledged.
#pragma once

#include <atomic>
#include <memory>
#include <vector>

#include "mqtt_connection.hpp"
#include "options.hpp"
#include "run_stats.hpp"
#include "wire.hpp"

namespace dynamq::bench {

class Publisher : public std::enable_shared_from_this<Publisher> {
 public:
  Publisher(asio::io_context& io, const Options& options, int index, ThreadStats& stats);

  awaitable<std::string> open(tcp::endpoint endpoint);
  // Spawns the publishing loop and the PUBACK reader on the connection's io_context.
  void start(const Timeline& timeline);
  std::shared_ptr<MqttConnection> connection() const { return connection_; }

  // Read by the main thread while running.
  [[nodiscard]] std::uint64_t sent() const noexcept { return sent_.get(); }
  [[nodiscard]] std::uint64_t acked() const noexcept { return acked_.get(); }
  [[nodiscard]] bool done() const noexcept { return done_.load(std::memory_order_acquire); }

 private:
  awaitable<void> publish_loop(Timeline timeline);
  awaitable<void> read_loop();
  std::uint16_t next_packet_id();

  asio::io_context& io_;
  const Options& options_;
  int index_;
  ThreadStats& stats_;
  std::shared_ptr<MqttConnection> connection_;
  PublishTemplate template_;
  std::vector<bool> id_in_use_;
  std::uint16_t last_id_ = 0;
  int inflight_ = 0;
  int window_ = 1;
  OwnedCounter sent_;
  OwnedCounter acked_;
  std::atomic<bool> done_{false};
};

}  // namespace dynamq::bench
