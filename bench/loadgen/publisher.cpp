#include "publisher.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "payload_stamp.hpp"
#include "spawn.hpp"

namespace dynamq::bench {
namespace {

// Unlimited publishers keep this much queued behind the write in flight: enough to fill the
// next write, little enough that stamps are not taken long before the bytes leave.
constexpr std::size_t kHighWater = 64 * 1024;
// A rated publisher whose socket is this far behind stops queueing (counted as skipped):
// the broker is not taking the offered load, and memory must stay bounded.
constexpr std::size_t kRatedBacklogCap = 4 * 1024 * 1024;

std::chrono::steady_clock::time_point at_ns(std::uint64_t ns) {
  return std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
}

}  // namespace

Publisher::Publisher(asio::io_context& io, const Options& options, int index, ThreadStats& stats)
    : io_(io),
      options_(options),
      index_(index),
      stats_(stats),
      connection_(std::make_shared<MqttConnection>(io, options.version, 16 * 1024)),
      template_(options.version, options.publisher_topic(index), options.qos, options.payload_size),
      id_in_use_(options.qos > 0 ? 65536 : 0) {}

awaitable<std::string> Publisher::open(tcp::endpoint endpoint) {
  auto self = shared_from_this();
  auto error = co_await connection_->open(
      endpoint, options_.client_prefix + "-p" + std::to_string(index_),
      static_cast<std::uint16_t>(options_.keepalive_s), std::nullopt, options_.qos,
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::duration<double>(options_.connect_timeout_s)));
  window_ = std::min<int>(options_.inflight, connection_->server_receive_maximum());
  co_return error;
}

void Publisher::start(const Timeline& timeline) {
  auto self = shared_from_this();
  spawn(io_, [self]() { return self->read_loop(); });
  spawn(io_, [self, timeline]() { return self->publish_loop(timeline); });
  spawn(io_, [self]() {
    return self->connection_->keep_alive(static_cast<std::uint16_t>(self->options_.keepalive_s));
  });
}

std::uint16_t Publisher::next_packet_id() {
  do {
    last_id_ = last_id_ == 65535 ? 1 : static_cast<std::uint16_t>(last_id_ + 1);
  } while (id_in_use_[last_id_]);
  id_in_use_[last_id_] = true;
  return last_id_;
}

awaitable<void> Publisher::publish_loop(Timeline timeline) {
  auto self = shared_from_this();
  auto& conn = *connection_;
  const bool rated = options_.rate > 0;
  const bool qos1 = options_.qos > 0;
  const std::uint64_t limit = options_.count_mode() ? options_.count : UINT64_MAX;
  const std::uint64_t tick_ns = static_cast<std::uint64_t>(options_.tick_us) * 1000;
  std::uint64_t sent = 0;
  std::uint64_t skipped = 0;
  std::array<std::uint8_t, kStampSize> stamp_bytes{};

  while (now_ns() < timeline.start_ns && !conn.closed())
    co_await conn.wait(at_ns(timeline.start_ns));

  for (;;) {
    std::uint64_t now = now_ns();
    if (conn.closed() || now >= timeline.publish_end_ns || sent >= limit) break;
    std::uint64_t want = limit - sent;
    if (rated) {
      // Messages due by now on an exact schedule from start; late ones are caught up.
      const double elapsed_s = static_cast<double>(now - timeline.start_ns) / 1e9;
      const auto due = static_cast<std::uint64_t>(std::floor(elapsed_s * options_.rate)) + 1;
      want = std::min(want, due > sent + skipped ? due - sent - skipped : 0);
      if (want > 0 && conn.unwritten_bytes() > kRatedBacklogCap) {
        skipped += want;
        stats_.skipped += want;
        want = 0;
      }
    }
    if (qos1) want = std::min<std::uint64_t>(want, static_cast<std::uint64_t>(window_ - inflight_));
    // One clock read per batch: the batch leaves in one write.
    for (std::uint64_t k = 0; k < want; ++k) {
      if (!rated && conn.unwritten_bytes() >= kHighWater) break;
      write_stamp(stamp_bytes.data(),
                  Stamp{now, static_cast<std::uint32_t>(index_), static_cast<std::uint32_t>(sent)});
      std::uint16_t id = 0;
      if (qos1) {
        id = next_packet_id();
        ++inflight_;
      }
      template_.append(conn.queue_bytes(), stamp_bytes, id);
      ++sent;
      sent_.add();
      stats_.published.add();
      if (timeline.in_window(now)) ++stats_.published_in_window;
    }
    conn.flush();

    // Sleep until the next message is due (rated), a write completes or a PUBACK arrives.
    std::uint64_t wake_ns = timeline.publish_end_ns;
    if (rated) {
      const auto next_due =
          timeline.start_ns +
          static_cast<std::uint64_t>(static_cast<double>(sent + skipped) / options_.rate * 1e9);
      wake_ns = std::min(wake_ns, std::max(next_due, now_ns() + tick_ns));
      if (qos1 && inflight_ >= window_) wake_ns = timeline.publish_end_ns;
    }
    co_await conn.wait(at_ns(wake_ns));
  }
  // QoS 1: the run counts a message as published once acknowledged; wait for the rest.
  while (qos1 && inflight_ > 0 && !conn.closed() && now_ns() < timeline.drain_deadline_ns) {
    co_await conn.wait(at_ns(timeline.drain_deadline_ns));
  }
  done_.store(true, std::memory_order_release);
}

awaitable<void> Publisher::read_loop() {
  auto self = shared_from_this();
  auto& conn = *connection_;
  while (co_await conn.read_more()) {
    const bool ok = conn.decode_buffered([&](mqtt::Packet& packet) {
      if (const auto* ack = std::get_if<mqtt::Puback>(&packet)) {
        if (id_in_use_.empty() || !id_in_use_[ack->packet_id]) {
          ++stats_.unexpected_acks;
          return;
        }
        if (mqtt::is_error(ack->reason_code)) {
          stats_.error("PUBACK with " + std::string(mqtt::to_string(ack->reason_code)));
        }
        id_in_use_[ack->packet_id] = false;
        --inflight_;
        acked_.add();
        stats_.acked.add();
        conn.wake();
      } else if (const auto* disconnect = std::get_if<mqtt::Disconnect>(&packet)) {
        stats_.error("server sent DISCONNECT " +
                     std::string(mqtt::to_string(disconnect->reason_code)));
      }
    });
    if (!ok) break;
  }
  conn.wake();
}

}  // namespace dynamq::bench
