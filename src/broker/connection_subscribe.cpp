// SUBSCRIBE → SUBACK, UNSUBSCRIBE → UNSUBACK (spec 3.8–3.11).
#include "broker/connection.hpp"
#include "mqtt/topic.hpp"

namespace dynamq::broker {

using mqtt::ReasonCode;

void Connection::on_subscribe(const mqtt::Subscribe& subscribe) {
  std::uint32_t subscription_id = 0;
  if (!subscribe.properties.subscription_identifiers.empty()) {
    if (!core_->settings.subscription_identifiers_available) {
      protocol_error(ReasonCode::SubscriptionIdentifiersNotSupported,
                     "subscription identifiers are not supported");
      return;
    }
    subscription_id = subscribe.properties.subscription_identifiers.front();
  }
  for (const auto& entry : subscribe.entries) {
    const auto parsed = mqtt::parse_subscription_filter(entry.filter);
    if (parsed && parsed->shared() && entry.options.no_local) {
      protocol_error(ReasonCode::ProtocolError, "No Local on a shared subscription [MQTT-3.8.3-4]");
      return;
    }
  }
  mqtt::Suback suback;
  suback.packet_id = subscribe.packet_id;
  std::vector<SubscriptionEvent> events;
  for (const auto& entry : subscribe.entries) {
    SubscriptionOptions options;
    options.qos = static_cast<std::uint8_t>(entry.options.qos);
    options.no_local = entry.options.no_local;
    options.retain_as_published = entry.options.retain_as_published;
    options.retain_handling = static_cast<std::uint8_t>(entry.options.retain_handling);
    options.subscription_id = subscription_id;
    SubscriptionEvent event;
    std::uint8_t code = 0;
    if (!subscribe_authorized(entry.filter)) {
      code = static_cast<std::uint8_t>(ReasonCode::NotAuthorized);  // 3.1.1 encodes 0x80
    } else {
      code = core_->subscribe(session_, entry.filter, options, event);
    }
    suback.reason_codes.push_back(static_cast<ReasonCode>(code));
    if (code < 0x80) {
      events.push_back(std::move(event));
    }
  }
  // SUBACK is written now; retained messages were queued and go out after it.
  write(suback);
  for (const auto& event : events) {
    core_->call_subscribed_hooks(*info_, event);
  }
}

void Connection::on_unsubscribe(const mqtt::Unsubscribe& unsubscribe) {
  mqtt::Unsuback unsuback;
  unsuback.packet_id = unsubscribe.packet_id;
  std::vector<std::pair<std::string, std::string>> removed;
  for (const auto& raw : unsubscribe.filters) {
    std::string filter;
    std::string group;
    if (core_->unsubscribe(session_, raw, filter, group)) {
      unsuback.reason_codes.push_back(ReasonCode::Success);
      removed.emplace_back(std::move(filter), std::move(group));
    } else {
      unsuback.reason_codes.push_back(ReasonCode::NoSubscriptionExisted);
    }
  }
  write(unsuback);
  if (core_->hooks.any()) {
    const auto list = core_->hooks.snapshot();
    for (const auto& [filter, group] : removed) {
      for (const auto& h : *list) {
        h->on_session_unsubscribed(*info_, filter, group);
      }
    }
  }
}

}  // namespace dynamq::broker
