// What one loadgen run does: the command line, parsed and checked.
#pragma once

#include <cstdint>
#include <string>

#include "mqtt/version.hpp"

namespace dynamq::bench {

struct Options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 1883;
  mqtt::Version version = mqtt::Version::v3_1_1;

  // Load topology. Publisher i publishes to "<prefix>/<i>" (own) or "<prefix>/shared".
  // Every subscriber subscribes to `sub_filter`; the special value "own" gives subscriber j
  // the topic of publisher j % publishers.
  int publishers = 1;
  int subscribers = 1;
  std::string topic_prefix;  // empty: "bench/<client prefix>", so runs never see each other
  bool shared_topic = false;
  std::string sub_filter;  // empty: "<prefix>/#"
  std::size_t payload_size = 64;
  int qos = 0;
  int inflight = 16;  // QoS 1 publisher window (capped by the server's Receive Maximum)

  // Offered load and duration.
  double rate = 0;          // messages/s per publisher; 0 = as fast as the broker takes them
  double duration_s = 10;   // measured phase
  double warmup_s = 2;      // before the measured phase; its deliveries are not counted
  std::uint64_t count = 0;  // messages per publisher instead of a duration (no warm-up)
  double drain_s = 5;       // after the last publish: wait this long at most for deliveries
  double timeout_s = 300;   // hard bound on the whole run, whatever happens
  int tick_us = 1000;       // rated publishers wake at most this often (sends are batched)

  // Idle-connection mode: open this many connections, CONNECT, then hold them.
  int idle_connections = 0;
  double hold_s = 10;

  int threads = 2;  // >= 2: subscribers and publishers on separate loops
  int keepalive_s = 60;
  int connect_concurrency = 64;
  double connect_timeout_s = 10;
  std::string client_prefix;  // empty: "lg<pid>"
  bool json = false;
  bool quiet = false;  // no progress lines on stderr

  [[nodiscard]] bool idle_mode() const noexcept { return idle_connections > 0; }
  [[nodiscard]] bool count_mode() const noexcept { return count > 0; }
  [[nodiscard]] std::string publisher_topic(int index) const;
  [[nodiscard]] std::string subscriber_filter(int index) const;
};

// Parses argv. Returns the exit code to stop with (help printed, bad argument) or -1 to run.
int parse_options(int argc, char** argv, Options& options);

}  // namespace dynamq::bench
