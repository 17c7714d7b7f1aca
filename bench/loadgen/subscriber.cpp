#include "subscriber.hpp"

#include "payload_stamp.hpp"
#include "spawn.hpp"

namespace dynamq::bench {

Subscriber::Subscriber(asio::io_context& io, const Options& options, int index, ThreadStats& stats)
    : io_(io),
      options_(options),
      index_(index),
      stats_(stats),
      filter_(options.subscriber_filter(index)),
      connection_(std::make_shared<MqttConnection>(io, options.version, 64 * 1024)),
      puback_(options.version),
      next_sequence_(static_cast<std::size_t>(options.publishers), 0) {}

awaitable<std::string> Subscriber::open(tcp::endpoint endpoint) {
  auto self = shared_from_this();
  co_return co_await connection_->open(
      endpoint, options_.client_prefix + "-s" + std::to_string(index_),
      static_cast<std::uint16_t>(options_.keepalive_s), filter_, options_.qos,
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(options_.connect_timeout_s)));
}

void Subscriber::start() {
  auto self = shared_from_this();
  spawn(io_, [self]() { return self->read_loop(); });
  spawn(io_, [self]() {
    return self->connection_->keep_alive(static_cast<std::uint16_t>(self->options_.keepalive_s));
  });
}

void Subscriber::on_publish(const mqtt::Publish& publish, std::uint64_t now) {
  if (publish.qos == mqtt::QoS::at_least_once) {
    puback_.append(connection_->queue_bytes(), publish.packet_id);
  }
  const auto stamp = read_stamp(publish.payload.view());
  if (!stamp || stamp->publisher >= next_sequence_.size() || stamp->sent_ns > now) {
    ++stats_.foreign;
    return;
  }
  stats_.delivered.add();
  stats_.last_delivery_ns = now;
  if (timeline_.in_window(now)) {
    ++stats_.delivered_in_window;
    stats_.latency.record(now - stamp->sent_ns);
  }
  // Per-topic order [MQTT-4.6.0-6]: from one publisher, sequences only go up by one.
  auto& next = next_sequence_[stamp->publisher];
  if (stamp->sequence == next) {
    ++next;
  } else if (stamp->sequence > next) {
    gaps_ += stamp->sequence - next;
    next = stamp->sequence + 1;
  } else {
    ++behind_;
  }
}

awaitable<void> Subscriber::read_loop() {
  auto self = shared_from_this();
  auto& conn = *connection_;
  while (co_await conn.read_more()) {
    // One clock read per read: everything in it arrived at the same moment for us.
    const std::uint64_t now = now_ns();
    const bool ok = conn.decode_buffered([&](mqtt::Packet& packet) {
      if (const auto* publish = std::get_if<mqtt::Publish>(&packet)) {
        on_publish(*publish, now);
      } else if (const auto* disconnect = std::get_if<mqtt::Disconnect>(&packet)) {
        stats_.error("server sent DISCONNECT " +
                     std::string(mqtt::to_string(disconnect->reason_code)));
      }
    });
    conn.flush();  // the PUBACKs of everything this read brought, in one write
    if (!ok) break;
  }
}

}  // namespace dynamq::bench
