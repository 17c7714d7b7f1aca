#include "options.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <map>

#include "mqtt/topic.hpp"

namespace dynamq::bench {

std::string Options::publisher_topic(int index) const {
  return topic_prefix + "/" + (shared_topic ? std::string("shared") : std::to_string(index));
}

std::string Options::subscriber_filter(int index) const {
  if (sub_filter.empty()) return topic_prefix + "/#";
  if (sub_filter == "own") return publisher_topic(publishers > 0 ? index % publishers : 0);
  return sub_filter;
}

int parse_options(int argc, char** argv, Options& o) {
  CLI::App app{
      "dynamq loadgen: MQTT publish->subscribe throughput and latency against any broker.\n"
      "Stops by itself: after --warmup + --duration (or --count messages) plus at most "
      "--drain, and never later than --timeout."};
  std::string version = "3.1.1";
  app.add_option("--host", o.host, "broker address")->capture_default_str();
  app.add_option("-p,--port", o.port, "broker port")->required();
  app.add_option("-V,--mqtt-version", version, "3.1, 3.1.1 or 5")
      ->check(CLI::IsMember({"3.1", "3.1.1", "5", "5.0"}))
      ->capture_default_str();
  app.add_option("-P,--publishers", o.publishers, "publishing connections")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("-S,--subscribers", o.subscribers, "subscribing connections")
      ->check(CLI::Range(0, 100000))
      ->capture_default_str();
  app.add_option("--topic-prefix", o.topic_prefix,
                 "topics are <prefix>/<publisher> (default bench/<client prefix>: a broker still "
                 "working through an earlier run's backlog cannot mix it into this one)");
  app.add_flag("--shared-topic", o.shared_topic,
               "all publishers publish to <prefix>/shared instead of their own topic");
  app.add_option("--sub-filter", o.sub_filter,
                 "subscription filter (default <prefix>/#); 'own': subscriber j takes the topic "
                 "of publisher j % publishers");
  app.add_option("-s,--payload", o.payload_size, "payload bytes (>= 16: stamp + ids)")
      ->check(CLI::Range(16, 16 * 1024 * 1024))
      ->capture_default_str();
  app.add_option("-q,--qos", o.qos, "QoS of publishes and subscriptions")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  app.add_option("--inflight", o.inflight, "QoS 1 window per publisher")
      ->check(CLI::Range(1, 65535))
      ->capture_default_str();
  app.add_option("-r,--rate", o.rate, "messages/s per publisher; 0 = unlimited")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  app.add_option("-d,--duration", o.duration_s, "measured seconds")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("-w,--warmup", o.warmup_s, "warm-up seconds, not measured")
      ->check(CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("-n,--count", o.count,
                 "messages per publisher instead of --duration (no warm-up)");
  app.add_option("--drain", o.drain_s, "max seconds to wait for deliveries after publishing")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  app.add_option("--timeout", o.timeout_s, "hard limit on the whole run in seconds")
      ->check(CLI::Range(1.0, 86400.0))
      ->capture_default_str();
  app.add_option("--tick-us", o.tick_us, "rated publishers wake at most every this many us")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  app.add_option("--idle", o.idle_connections,
                 "idle mode: open this many connections, CONNECT, hold them --hold seconds")
      ->check(CLI::Range(0, 1000000));
  app.add_option("--hold", o.hold_s, "idle mode: seconds to hold the connections")
      ->check(CLI::Range(0.0, 86400.0))
      ->capture_default_str();
  app.add_option("-t,--threads", o.threads, "io threads (one io_context each)")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  app.add_option("-k,--keepalive", o.keepalive_s, "CONNECT keep alive seconds (0 = off)")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  app.add_option("--connect-concurrency", o.connect_concurrency, "connections being set up at once")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  app.add_option("--connect-timeout", o.connect_timeout_s, "seconds for TCP + CONNACK/SUBACK")
      ->check(CLI::Range(0.1, 600.0))
      ->capture_default_str();
  app.add_option("--client-prefix", o.client_prefix, "client id prefix (default lg<pid>)");
  app.add_flag("--json", o.json, "print one JSON object instead of the human line");
  app.add_flag("--quiet", o.quiet, "no progress lines on stderr");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  static const std::map<std::string, mqtt::Version> versions = {{"3.1", mqtt::Version::v3_1},
                                                                {"3.1.1", mqtt::Version::v3_1_1},
                                                                {"5", mqtt::Version::v5},
                                                                {"5.0", mqtt::Version::v5}};
  o.version = versions.at(version);
  if (o.client_prefix.empty()) o.client_prefix = "lg" + std::to_string(::getpid());
  if (o.topic_prefix.empty()) o.topic_prefix = "bench/" + o.client_prefix;
  if (!o.idle_mode()) {
    if (o.publishers == 0 || o.subscribers == 0) {
      std::fprintf(stderr, "loadgen: need at least one publisher and one subscriber\n");
      return 2;
    }
    for (int j = 0; j < o.subscribers; ++j) {
      if (!mqtt::is_valid_topic_filter(o.subscriber_filter(j))) {
        std::fprintf(stderr, "loadgen: invalid subscription filter '%s'\n",
                     o.subscriber_filter(j).c_str());
        return 2;
      }
    }
    if (!mqtt::is_valid_topic_name(o.publisher_topic(0))) {
      std::fprintf(stderr, "loadgen: invalid topic prefix '%s'\n", o.topic_prefix.c_str());
      return 2;
    }
  }
  return -1;
}

}  // namespace dynamq::bench
