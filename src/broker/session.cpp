#include "broker/session.hpp"

#include "broker/access_policy.hpp"
#include "broker/backpressure.hpp"
#include "broker/broker_core.hpp"
#include "broker/connection.hpp"

namespace dynamq::broker {

bool Session::deliver(BrokerCore& core, Delivery delivery) {
  std::shared_ptr<Connection> wake;
  bool congested = false;
  {
    std::lock_guard lock(mutex);
    if (terminated) {
      return false;
    }
    // Read access is checked per message: a wildcard subscription, a retained or a queued
    // message may carry a topic this client may not read.
    if (const auto& policy = core.settings.access_policy;
        policy && policy->restricts_read() &&
        !policy->authorize_read(*info, delivery.message->topic)) {
      bump(core.counters.denied_delivery);
      return false;
    }
    if (!attached && delivery.qos == 0) {
      // QoS 0 is not kept for an offline session (spec 4.1: optional; we do not).
      bump(core.counters.dropped_qos0_offline);
      return false;
    }
    if (queue.size() >= core.settings.max_queued_messages) {
      bump(delivery.qos == 0 ? core.counters.dropped_qos0_slow : core.counters.dropped_queue_full);
      return false;
    }
    // QoS 0 does not wait for a window: its queue empties at the next flush (the link's
    // max_pending_bytes bounds it), so only QoS 1/2 exert back-pressure.
    const bool acked = delivery.qos > 0;
    queue.push_back(std::move(delivery));
    congested = acked && backpressure::on_queued(*this, core.settings);
    if (attached && !flush_scheduled) {
      wake = attached_connection();
      flush_scheduled = wake != nullptr;
    }
  }
  if (wake) {
    wake->schedule_flush();
  }
  return congested;
}

std::shared_ptr<Connection> Session::attached_connection() const {
  return attached != nullptr ? attached->weak_from_this().lock() : nullptr;
}

const SubscriptionRecord* Session::find_subscription(const std::string& raw_filter) const {
  if (!subscriptions) {
    return nullptr;
  }
  const auto it = subscriptions->find(raw_filter);
  return it == subscriptions->end() ? nullptr : &it->second;
}

std::uint16_t Session::next_packet_id() {
  // Ids in flight are few (bounded by the inflight window), so a scan is cheap.
  while (true) {
    last_packet_id = static_cast<std::uint16_t>(last_packet_id + 1);
    if (last_packet_id == 0) {
      continue;
    }
    bool used = false;
    for (const auto& out : inflight) {
      if (out.packet_id == last_packet_id) {
        used = true;
        break;
      }
    }
    if (!used) {
      return last_packet_id;
    }
  }
}

}  // namespace dynamq::broker
