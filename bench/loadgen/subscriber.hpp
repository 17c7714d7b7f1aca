// A subscribing connection: one filter, counts and times every stamped PUBLISH it gets,
// tracks each publisher's sequence to find gaps (losses), duplicates and reordering, and
// acknowledges QoS 1 deliveries in one write per read.
#pragma once

#include <memory>
#include <vector>

#include "mqtt_connection.hpp"
#include "options.hpp"
#include "run_stats.hpp"
#include "wire.hpp"

namespace dynamq::bench {

class Subscriber : public std::enable_shared_from_this<Subscriber> {
 public:
  Subscriber(asio::io_context& io, const Options& options, int index, ThreadStats& stats);

  awaitable<std::string> open(tcp::endpoint endpoint);
  // Spawns the reader (and keep alive) on the connection's io_context.
  void start();
  // On the subscriber's thread, before publishing starts: what counts as measured.
  void set_timeline(const Timeline& timeline) { timeline_ = timeline; }
  std::shared_ptr<MqttConnection> connection() const { return connection_; }
  [[nodiscard]] const std::string& filter() const noexcept { return filter_; }

  // Valid after the io threads stopped. next_sequence(p): one past the highest in-order
  // sequence number seen from publisher p.
  [[nodiscard]] std::uint32_t next_sequence(int publisher) const {
    return next_sequence_[publisher];
  }
  [[nodiscard]] std::uint64_t gaps() const noexcept { return gaps_; }
  [[nodiscard]] std::uint64_t duplicates_or_reordered() const noexcept { return behind_; }

 private:
  awaitable<void> read_loop();
  void on_publish(const mqtt::Publish& publish, std::uint64_t now);

  asio::io_context& io_;
  const Options& options_;
  int index_;
  ThreadStats& stats_;
  Timeline timeline_;  // until set: nothing is inside the window
  std::string filter_;
  std::shared_ptr<MqttConnection> connection_;
  PubackTemplate puback_;
  std::vector<std::uint32_t> next_sequence_;
  std::uint64_t gaps_ = 0;
  std::uint64_t behind_ = 0;
};

}  // namespace dynamq::bench
