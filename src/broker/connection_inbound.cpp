// PUBLISH from the client (spec 3.3, 4.3): validation, topic aliases, QoS 1/2 receipt,
// message.publish hooks that may hold the ack, routing, PUBACK/PUBREC/PUBCOMP.
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "broker/connection.hpp"
#include "mqtt/topic.hpp"

namespace dynamq::broker {

using mqtt::ReasonCode;

namespace {

// Several hooks holding one ack: it completes when all succeed, or at the first failure.
std::shared_ptr<PendingAck> combine(std::vector<std::shared_ptr<PendingAck>> pending) {
  if (pending.size() == 1) {
    return std::move(pending.front());
  }
  auto combined = PendingAck::create();
  auto remaining = std::make_shared<std::atomic<std::size_t>>(pending.size());
  for (auto& p : pending) {
    p->on_complete([combined, remaining](const PendingAck::Result& result) {
      if (!result.ok()) {
        combined->complete(result);
      } else if (remaining->fetch_sub(1) == 1) {
        combined->succeed();
      }
    });
  }
  return combined;
}

}  // namespace

void Connection::on_publish(mqtt::Publish& publish) {
  const auto& settings = core_->settings;
  if (!within_publish_rate()) {
    // MQTT 5 has a reason code for exactly this; before 5.0 the connection is just closed.
    bump(core_->counters.rate_limited);
    spdlog::info("client '{}' {}: more than {} PUBLISH/s, disconnecting (0x96)", info_->client_id,
                 info_->remote_endpoint, settings.max_publish_rate);
    disconnect(ReasonCode::MessageRateTooHigh, "message rate too high");
    return;
  }
  const auto qos = static_cast<std::uint8_t>(publish.qos);
  if (qos > settings.max_qos) {
    protocol_error(ReasonCode::QoSNotSupported, "PUBLISH above Maximum QoS [MQTT-3.2.2-11]");
    return;
  }
  if (publish.retain && !settings.retain_available) {
    protocol_error(ReasonCode::RetainNotSupported,
                   "retained PUBLISH not supported [MQTT-3.2.2-14]");
    return;
  }
  if (!publish.properties.subscription_identifiers.empty()) {
    protocol_error(ReasonCode::ProtocolError,
                   "PUBLISH from a client with a Subscription Identifier [MQTT-3.3.4-6]");
    return;
  }
  if (publish.properties.topic_alias) {
    const std::uint16_t alias = *publish.properties.topic_alias;
    if (alias == 0 || alias > settings.topic_alias_maximum) {
      protocol_error(ReasonCode::TopicAliasInvalid, "topic alias out of range [MQTT-3.3.2-9]");
      return;
    }
    auto& table = aliases().inbound;
    if (publish.topic.empty()) {
      if (alias >= table.size() || table[alias].empty()) {
        protocol_error(ReasonCode::ProtocolError, "unknown topic alias [MQTT-3.3.4-?]");
        return;
      }
      publish.topic = table[alias];
    } else {
      if (alias >= table.size()) {
        table.resize(alias + std::size_t{1});
      }
      table[alias] = publish.topic;
    }
    publish.properties.topic_alias.reset();
  }
  if (!mqtt::is_valid_topic_name(publish.topic)) {
    protocol_error(ReasonCode::TopicNameInvalid, "invalid topic name [MQTT-3.3.2-2]");
    return;
  }
  if (!publish_authorized(publish.topic)) {
    bump(core_->counters.denied_publish);
    spdlog::info("client '{}' user '{}' {}: PUBLISH to '{}' denied", info_->client_id,
                 info_->username, info_->remote_endpoint, publish.topic);
    InboundPublish entry;  // never routed; acknowledged in order with the others
    entry.packet_id = publish.packet_id;
    entry.qos = qos;
    entry.done = true;
    entry.denied = true;
    entry.result = {static_cast<std::uint8_t>(ReasonCode::NotAuthorized), "not authorized"};
    if (inbound_.empty()) {
      complete_inbound(entry);
    } else {
      entry.seq = ++inbound_seq_;
      inbound_qos1_pending_ += qos == 1 ? 1 : 0;
      inbound_.push_back(std::move(entry));
    }
    return;
  }
  if (qos == 2) {
    bool duplicate = false;
    std::size_t unacked = inbound_qos1_pending_;
    {
      std::lock_guard lock(session_->mutex);
      duplicate = !session_->inbound_qos2_insert(publish.packet_id);
      unacked += session_->inbound_qos2_size();
    }
    if (duplicate) {
      // Already received: acknowledge again (unless its PUBREC still waits on a hook), but
      // never route it twice ([MQTT-4.3.3-10]).
      for (const auto& entry : inbound_) {
        if (entry.qos == 2 && entry.packet_id == publish.packet_id) {
          return;
        }
      }
      write(mqtt::Pubrec{publish.packet_id, ReasonCode::Success, {}});
      return;
    }
    if (v5() && unacked > settings.max_inflight) {
      protocol_error(ReasonCode::ReceiveMaximumExceeded, "Receive Maximum exceeded [MQTT-3.3.4-9]");
      return;
    }
  } else if (qos == 1 && v5() && !inbound_.empty()) {
    std::size_t unacked = inbound_qos1_pending_ + 1;
    {
      std::lock_guard lock(session_->mutex);
      unacked += session_->inbound_qos2_size();
    }
    if (unacked > settings.max_inflight) {
      protocol_error(ReasonCode::ReceiveMaximumExceeded, "Receive Maximum exceeded [MQTT-3.3.4-9]");
      return;
    }
  }

  auto message = std::make_shared<Message>();
  message->id = core_->ids.next();
  message->topic = std::move(publish.topic);
  message->payload = std::move(publish.payload);
  message->qos = qos;
  message->retain = publish.retain;
  message->properties = std::move(publish.properties);
  message->sender_client_id = info_->client_id;
  message->sender_username = info_->username;
  bump(core_->counters.messages_received);

  std::shared_ptr<PendingAck> pending;
  if (core_->hooks.any()) {
    std::vector<std::shared_ptr<PendingAck>> held;
    const auto list = core_->hooks.snapshot();
    for (const auto& h : *list) {
      if (auto decision = h->on_message_publish(*info_, message)) {
        held.push_back(std::move(decision));
      }
    }
    if (!held.empty()) {
      pending = combine(std::move(held));
    }
  }
  InboundPublish entry;
  entry.message = std::move(message);
  entry.packet_id = publish.packet_id;
  entry.qos = qos;
  if (!pending && inbound_.empty()) {
    entry.done = true;
    complete_inbound(entry);  // the common case: nothing held, nothing ahead
    return;
  }
  // Held, or behind a held one: acks and routing keep the client's order.
  entry.seq = ++inbound_seq_;
  entry.done = !pending;
  if (qos == 1) {
    ++inbound_qos1_pending_;
  }
  inbound_.push_back(std::move(entry));
  if (pending) {
    const std::uint64_t seq = inbound_seq_;
    pending->on_complete(
        [weak = weak_from_this(), executor = executor(), seq](const PendingAck::Result& result) {
          boost::asio::post(executor, [weak, seq, result] {
            if (auto self = weak.lock()) {
              self->on_hook_result(seq, result);
            }
          });
        });
  }
}

void Connection::on_hook_result(std::uint64_t seq, PendingAck::Result result) {
  for (auto& entry : inbound_) {
    if (entry.seq == seq) {
      entry.done = true;
      entry.result = std::move(result);
      break;
    }
  }
  drain_inbound();
}

void Connection::drain_inbound() {
  while (state_ == State::connected && !inbound_.empty() && inbound_.front().done) {
    InboundPublish entry = std::move(inbound_.front());
    inbound_.pop_front();
    if (entry.qos == 1) {
      --inbound_qos1_pending_;
    }
    complete_inbound(entry);
  }
}

void Connection::complete_inbound(const InboundPublish& entry) {
  const bool ok = entry.result.ok();
  if (ok) {
    core_->route(entry.message, session_.get(), in_batch_ ? &congested_sessions() : nullptr);
  } else if (!entry.denied) {
    spdlog::info("client '{}' {}: message {} on '{}' refused by a hook: 0x{:02x} {}",
                 info_->client_id, info_->remote_endpoint, entry.message->id.decimal(),
                 entry.message->topic, entry.result.reason_code, entry.result.reason_string);
    if (!v5() && entry.qos > 0) {
      // MQTT 3.1.1 has no negative ack: close rather than acknowledge falsely.
      close_link();
      return;
    }
  }
  if (entry.qos == 0) {
    return;
  }
  // [MQTT-3.3.5-2] 3.1.1 has no negative ack: a PUBLISH the policy refused is acknowledged
  // positively and dropped (as mosquitto does), so the client does not resend it forever.
  const bool positive = ok || (entry.denied && !v5());
  const auto code =
      positive ? ReasonCode::Success : static_cast<ReasonCode>(entry.result.reason_code);
  mqtt::Properties properties;
  if (!positive && v5() && request_problem_information_ && !entry.result.reason_string.empty()) {
    properties.reason_string = entry.result.reason_string;
  }
  if (entry.qos == 1) {
    write(mqtt::Puback{entry.packet_id, code, std::move(properties)});
  } else {
    if (!positive) {
      std::lock_guard lock(session_->mutex);
      session_->inbound_qos2_erase(entry.packet_id);  // an error PUBREC ends the exchange
    }
    write(mqtt::Pubrec{entry.packet_id, code, std::move(properties)});
  }
}

void Connection::on_pubrel(const mqtt::Pubrel& pubrel) {
  bool found = false;
  {
    std::lock_guard lock(session_->mutex);
    found = session_->inbound_qos2_erase(pubrel.packet_id) != 0;
  }
  write(mqtt::Pubcomp{
      pubrel.packet_id, found ? ReasonCode::Success : ReasonCode::PacketIdentifierNotFound, {}});
}

}  // namespace dynamq::broker
