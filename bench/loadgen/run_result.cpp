#include "run_result.hpp"

#include <boost/json.hpp>
#include <cstdio>

namespace dynamq::bench {
namespace {

std::string version_name(mqtt::Version v) {
  return v == mqtt::Version::v5 ? "5" : v == mqtt::Version::v3_1 ? "3.1" : "3.1.1";
}

double us(std::uint64_t ns) {
  return static_cast<double>(ns) / 1000.0;
}

}  // namespace

std::string human_line(const Options& o, const RunResult& r) {
  char rate[64];
  if (o.rate > 0) {
    std::snprintf(rate, sizeof rate, "%.0f/s per pub", o.rate);
  } else {
    std::snprintf(rate, sizeof rate, "unlimited");
  }
  const auto& h = r.latency;
  char line[1024];
  std::snprintf(
      line, sizeof line,
      "mqtt %s qos %d, %d pub -> %d sub, %zu B, offered %s: delivered %.0f msg/s "
      "(published %.0f msg/s); latency us p50 %.0f p90 %.0f p99 %.0f max %.0f; "
      "published %llu delivered %llu expected %llu lost %llu undelivered-at-end %llu dup/reordered "
      "%llu%s%s%s",
      version_name(o.version).c_str(), o.qos, o.publishers, o.subscribers, o.payload_size, rate,
      r.delivered_per_s, r.published_per_s, us(h.percentile(0.50)), us(h.percentile(0.90)),
      us(h.percentile(0.99)), us(h.max()), static_cast<unsigned long long>(r.published),
      static_cast<unsigned long long>(r.delivered), static_cast<unsigned long long>(r.expected),
      static_cast<unsigned long long>(r.lost), static_cast<unsigned long long>(r.undelivered),
      static_cast<unsigned long long>(r.duplicates_or_reordered),
      r.skipped ? "; skipped (socket backed up) " : "",
      r.skipped ? std::to_string(r.skipped).c_str() : "",
      r.errors ? ("; ERRORS " + std::to_string(r.errors) + ": " + r.first_error).c_str() : "");
  std::string out = line;
  if (o.qos > 0 && (r.lost > 0 || r.undelivered > 0 || r.duplicates_or_reordered > 0)) {
    out += "; QoS 1 DELIVERY VIOLATED";
  }
  return out;
}

std::string json_object(const Options& o, const RunResult& r) {
  namespace json = boost::json;
  const auto& h = r.latency;
  json::object latency{{"count", h.count()},
                       {"p50", us(h.percentile(0.50))},
                       {"p90", us(h.percentile(0.90))},
                       {"p99", us(h.percentile(0.99))},
                       {"p999", us(h.percentile(0.999))},
                       {"max", us(h.max())},
                       {"mean", h.mean() / 1000.0}};
  json::object obj{{"mode", "load"},
                   {"mqtt_version", version_name(o.version)},
                   {"qos", o.qos},
                   {"publishers", o.publishers},
                   {"subscribers", o.subscribers},
                   {"payload_bytes", o.payload_size},
                   {"rate_per_publisher", o.rate},
                   {"duration_s", r.measured_s},
                   {"warmup_s", o.count_mode() ? 0.0 : o.warmup_s},
                   {"published", r.published},
                   {"acked", r.acked},
                   {"delivered", r.delivered},
                   {"expected", r.expected},
                   {"lost", r.lost},
                   {"undelivered", r.undelivered},
                   {"duplicates_or_reordered", r.duplicates_or_reordered},
                   {"foreign", r.foreign},
                   {"skipped", r.skipped},
                   {"unexpected_acks", r.unexpected_acks},
                   {"published_per_s", r.published_per_s},
                   {"delivered_per_s", r.delivered_per_s},
                   {"latency_us", std::move(latency)},
                   {"errors", r.errors},
                   {"first_error", r.first_error},
                   {"ok", r.ok(o)}};
  return json::serialize(obj);
}

}  // namespace dynamq::bench
