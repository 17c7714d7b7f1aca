// PUBLISH to the client (spec 4.3, 4.9): the inflight window (the client's Receive Maximum),
// packet ids, encode-once fan-out with per-subscriber patching, topic aliases towards the
// client, message expiry, Maximum Packet Size, acknowledgements and resend with DUP.
#include <algorithm>

#include "broker/backpressure.hpp"
#include "broker/connection.hpp"
#include "mqtt/encode.hpp"

namespace dynamq::broker {

using mqtt::ReasonCode;

bool Connection::needs_own_encoding(const Delivery& delivery) const {
  // Per-subscriber properties (MQTT 5 only) rule out the shared encoding.
  return v5() && (!delivery.subscription_ids.empty() ||
                  delivery.message->properties->message_expiry_interval.has_value() ||
                  client_topic_alias_maximum_ != 0);
}

void Connection::write_batch(std::vector<std::uint8_t>& batch) {
  if (!batch.empty()) {
    emit_pending();  // packets gathered earlier in this batch go first
    link_->write(std::make_shared<const std::vector<std::uint8_t>>(std::move(batch)));
    batch = {};
  }
}

bool Connection::send_publish(const Delivery& delivery, std::uint16_t packet_id, bool dup,
                              std::vector<std::uint8_t>& batch) {
  const Message& message = *delivery.message;
  const std::uint32_t limit = client_maximum_packet_size_;
  if (needs_own_encoding(delivery)) {
    mqtt::Publish publish;
    publish.topic = message.topic;
    publish.payload = message.payload;
    publish.qos = static_cast<mqtt::QoS>(delivery.qos);
    publish.retain = delivery.retain;
    publish.dup = dup;
    publish.packet_id = packet_id;
    publish.properties = *message.properties;
    publish.properties.subscription_identifiers = delivery.subscription_ids.to_vector();
    if (message.properties->message_expiry_interval) {
      // [MQTT-3.3.2-6] the remaining lifetime, not the original interval.
      publish.properties.message_expiry_interval = std::max<std::uint32_t>(
          1, message.remaining_expiry(std::chrono::steady_clock::now()).value_or(1));
    }
    std::optional<std::uint16_t> new_alias;
    if (client_topic_alias_maximum_ != 0) {
      auto& table = aliases();
      if (const auto it = table.outbound.find(message.topic); it != table.outbound.end()) {
        publish.properties.topic_alias = it->second;
        publish.topic.clear();
      } else if (table.next_outbound <= client_topic_alias_maximum_) {
        new_alias = table.next_outbound;
        publish.properties.topic_alias = *new_alias;
      }
    }
    // [MQTT-3.1.2-24] never send more than the client's Maximum Packet Size: drop it.
    if (limit != 0 && mqtt::encoded_size(publish, version_) > limit) {
      bump(core_->counters.dropped_too_large);
      return false;
    }
    if (new_alias) {
      auto& table = aliases();
      table.outbound.emplace(message.topic, *new_alias);
      ++table.next_outbound;
    }
    mqtt::encode(mqtt::Packet(std::move(publish)), version_, batch);
    return true;
  }

  const bool v5_layout = v5();
  const auto encoded =
      message.encoded.get(EncodedCache::slot(v5_layout, delivery.qos, delivery.retain), [&] {
        mqtt::Publish publish;
        publish.topic = message.topic;
        publish.payload = message.payload;
        publish.qos = static_cast<mqtt::QoS>(delivery.qos);
        publish.retain = delivery.retain;
        publish.packet_id = delivery.qos == 0 ? 0 : 1;  // patched per delivery
        if (v5_layout) {
          publish.properties = *message.properties;
        }
        auto bytes = std::make_shared<std::vector<std::uint8_t>>();
        const auto layout = mqtt::encode_publish(
            publish, v5_layout ? mqtt::Version::v5 : mqtt::Version::v3_1_1, *bytes);
        return EncodedPublish{std::move(bytes), layout.packet_id_offset};
      });
  if (limit != 0 && encoded.bytes->size() > limit) {
    bump(core_->counters.dropped_too_large);
    return false;
  }
  if (delivery.qos == 0) {
    write_batch(batch);  // keep the order of what is already batched
    emit_pending();
    link_->write(encoded.bytes);
    return true;
  }
  // QoS > 0: a copy with this subscriber's packet id (and DUP on resend).
  const std::size_t start = batch.size();
  batch.insert(batch.end(), encoded.bytes->begin(), encoded.bytes->end());
  batch[start + encoded.packet_id_offset] = static_cast<std::uint8_t>(packet_id >> 8);
  batch[start + encoded.packet_id_offset + 1] = static_cast<std::uint8_t>(packet_id & 0xFF);
  if (dup) {
    batch[start] |= 0x08;
  }
  return true;
}

void Connection::flush() {
  if (state_ != State::connected || !session_) {
    return;
  }
  const auto& settings = core_->settings;
  const bool observe = core_->hooks.any();
  std::vector<std::pair<MessagePtr, std::uint8_t>> delivered;
  std::vector<std::uint8_t> batch;
  std::uint64_t sent = 0;
  std::vector<std::weak_ptr<Connection>> waiters;  // publishers to resume
  bool own_backlog = false;
  {
    std::lock_guard lock(session_->mutex);
    session_->flush_scheduled = false;
    if (session_->attached != this) {
      return;
    }
    auto& queue = session_->queue;
    auto& inflight = session_->inflight;
    const std::size_t window = std::max<std::size_t>(
        1, std::min<std::size_t>(client_receive_maximum_, settings.max_inflight));
    const auto now = std::chrono::steady_clock::now();
    while (!queue.empty()) {
      Delivery& d = queue.front();
      if (d.message->properties->message_expiry_interval &&
          d.message->remaining_expiry(now) == std::uint32_t{0}) {
        bump(core_->counters.dropped_expired);  // [MQTT-3.3.2-5]
        queue.pop_front();
        continue;
      }
      if (d.qos == 0) {
        if (link_->pending_bytes() > settings.max_pending_bytes) {
          bump(core_->counters.dropped_qos0_slow);  // slow consumer: QoS 0 is dropped
        } else if (send_publish(d, 0, false, batch)) {
          ++sent;
          if (observe) {
            delivered.emplace_back(d.message, 0);
          }
        }
        queue.pop_front();
        continue;
      }
      if (inflight.size() >= window) {
        break;  // the rest waits for acknowledgements ([MQTT-4.9.0-2])
      }
      const std::uint16_t packet_id = session_->next_packet_id();
      if (send_publish(d, packet_id, false, batch)) {
        ++sent;
        if (observe) {
          delivered.emplace_back(d.message, d.qos);
        }
        inflight.push_back(Outgoing{std::move(d), packet_id, Outgoing::State::awaiting_ack});
      }
      queue.pop_front();
    }
    write_batch(batch);
    waiters = backpressure::take_waiters(*session_, settings);
    own_backlog = !queue.empty();
  }
  if (!in_batch_) {
    link_->flush_now();  // a posted flush: this batch is complete (in a batch: at its end)
  }
  wake(std::move(waiters));
  if (paused_ && own_backlog) {
    resume_reading();  // our own queue waits for PUBACKs: read them
  }
  if (sent != 0) {
    bump(core_->counters.messages_delivered, sent);
  }
  if (observe && !delivered.empty()) {
    const auto list = core_->hooks.snapshot();
    for (const auto& [message, qos] : delivered) {
      for (const auto& h : *list) {
        h->on_message_delivered(*info_, message, qos);
      }
    }
  }
}

void Connection::request_flush() {
  if (in_batch_) {
    flush_wanted_ = true;  // once, at the end of the batch
  } else {
    flush();
  }
}

void Connection::resend_inflight() {
  // [MQTT-4.4.0-1] on a resumed session, unacknowledged PUBLISH packets are sent again
  // with DUP set, PUBRELs are sent again, in their original order.
  std::vector<std::uint8_t> batch;
  std::lock_guard lock(session_->mutex);
  for (auto& out : session_->inflight) {
    if (out.state == Outgoing::State::awaiting_ack) {
      send_publish(out.delivery, out.packet_id, true, batch);
    } else {
      mqtt::encode(mqtt::Packet(mqtt::Pubrel{out.packet_id, ReasonCode::Success, {}}), version_,
                   batch);
    }
  }
  write_batch(batch);
}

void Connection::on_puback(const mqtt::Puback& puback) {
  MessagePtr acked;
  {
    std::lock_guard lock(session_->mutex);
    auto& inflight = session_->inflight;
    const auto it = std::find_if(inflight.begin(), inflight.end(), [&](const Outgoing& o) {
      return o.packet_id == puback.packet_id && o.delivery.qos == 1;
    });
    if (it == inflight.end()) {
      return;  // unknown or duplicate: nothing to release
    }
    acked = std::move(it->delivery.message);
    inflight.erase(it);
  }
  if (core_->hooks.any()) {
    const auto list = core_->hooks.snapshot();
    for (const auto& h : *list) {
      h->on_message_acked(*info_, acked, 1);
    }
  }
  request_flush();
}

void Connection::on_pubrec(const mqtt::Pubrec& pubrec) {
  bool found = false;
  bool released = false;
  {
    std::lock_guard lock(session_->mutex);
    auto& inflight = session_->inflight;
    const auto it = std::find_if(inflight.begin(), inflight.end(), [&](const Outgoing& o) {
      return o.packet_id == pubrec.packet_id && o.delivery.qos == 2;
    });
    if (it != inflight.end()) {
      found = true;
      if (it->state == Outgoing::State::awaiting_ack && v5() &&
          mqtt::is_error(pubrec.reason_code)) {
        inflight.erase(it);  // the client refused it: the exchange ends here
        released = true;
      } else {
        it->state = Outgoing::State::awaiting_pubcomp;
      }
    }
  }
  if (released) {
    request_flush();
    return;
  }
  write(mqtt::Pubrel{
      pubrec.packet_id, found ? ReasonCode::Success : ReasonCode::PacketIdentifierNotFound, {}});
}

void Connection::on_pubcomp(const mqtt::Pubcomp& pubcomp) {
  MessagePtr acked;
  {
    std::lock_guard lock(session_->mutex);
    auto& inflight = session_->inflight;
    const auto it = std::find_if(inflight.begin(), inflight.end(), [&](const Outgoing& o) {
      return o.packet_id == pubcomp.packet_id && o.state == Outgoing::State::awaiting_pubcomp;
    });
    if (it == inflight.end()) {
      return;
    }
    acked = std::move(it->delivery.message);
    inflight.erase(it);
  }
  if (core_->hooks.any()) {
    const auto list = core_->hooks.snapshot();
    for (const auto& h : *list) {
      h->on_message_acked(*info_, acked, 2);
    }
  }
  request_flush();
}

}  // namespace dynamq::broker
