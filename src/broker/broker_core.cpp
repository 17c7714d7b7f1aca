#include "broker/broker_core.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>

#include "broker/connection.hpp"
#include "mqtt/topic.hpp"

namespace dynamq::broker {

BrokerCore::BrokerCore(BrokerSettings s)
    : settings(std::move(s)),
      ids(settings.node_id != 0 ? settings.node_id : node_id_from_name(settings.node_name)) {}

std::shared_ptr<Session> BrokerCore::find(std::string_view client_id) const {
  std::lock_guard lock(registry_mutex_);
  const auto it = sessions_.find(client_id);
  return it == sessions_.end() ? nullptr : *it;
}

BrokerCore::Attached BrokerCore::attach(const std::shared_ptr<Connection>& connection,
                                        const std::shared_ptr<const ClientInfo>& info,
                                        bool clean_start, std::uint32_t expiry_interval) {
  Attached result;
  {
    std::lock_guard lock(registry_mutex_);
    const auto it = sessions_.find(std::string_view(info->client_id));
    std::shared_ptr<Session> slot = it == sessions_.end() ? nullptr : *it;
    if (slot) {
      std::lock_guard session_lock(slot->mutex);
      result.previous = slot->attached_connection();
      slot->attached = nullptr;
      slot->set_online(false);
      // With access control, a session never changes owner: another user resuming this
      // client id would inherit messages queued under the previous user's read rights.
      const bool owner_changed = settings.access_policy && slot->info->username != info->username;
      if (clean_start || owner_changed) {
        result.discarded = slot;  // ended below, outside the registry lock
        sessions_.erase(it);
        slot = nullptr;
      } else {
        result.session_present = true;
      }
    }
    if (!slot) {
      slot = std::make_shared<Session>(info);
      sessions_.insert(slot);
    }
    result.session = slot;
    std::lock_guard session_lock(slot->mutex);
    slot->attached = connection.get();
    slot->flush_scheduled = false;
    slot->expiry_interval = expiry_interval;
    slot->info = info;
    ++slot->epoch;  // stale expiry / will timers now do nothing
    if (slot->cold) {
      slot->cold->delayed_will.reset();  // [MQTT-3.1.3-9]: reconnected in time, no will
    }
    slot->set_online(true);
  }
  if (result.discarded) {
    terminate(result.discarded);
  }
  return result;
}

void BrokerCore::replace_info(Session& session, const Connection* connection,
                              std::shared_ptr<const ClientInfo> info,
                              std::uint32_t expiry_interval) {
  // The registry mutex too: the registry reads the client id through `info`.
  std::lock_guard lock(registry_mutex_);
  std::lock_guard session_lock(session.mutex);
  if (session.attached == connection) {
    session.expiry_interval = expiry_interval;
    session.info = std::move(info);
  }
}

void BrokerCore::session_offline(const std::shared_ptr<Session>& session,
                                 const boost::asio::any_io_executor& executor,
                                 std::optional<DelayedWill> will, std::uint32_t will_delay) {
  std::uint32_t expiry = 0;
  std::uint32_t epoch = 0;
  {
    std::lock_guard lock(session->mutex);
    expiry = session->expiry_interval;
    epoch = session->epoch;
    session->cold_state().timer_executor = executor;
  }
  if (expiry == 0 || shutting_down.load()) {
    // A delayed will of a session that ends now is due now; during shutdown delayed wills
    // are dropped (the process ends before their delay).
    if (will && (expiry == 0 || will_delay == 0)) {
      publish_internal(will->message, will->client);
    }
    if (expiry == 0) {
      terminate(session);
    }
    return;
  }
  const std::weak_ptr<Session> weak = session;
  if (will) {
    if (will_delay == 0) {
      publish_internal(will->message, will->client);
    } else {
      // The will waits for its delay or the end of the session, whichever is first.
      auto timer = std::make_shared<boost::asio::steady_timer>(executor);
      timer->expires_after(std::chrono::seconds(std::min(will_delay, expiry)));
      {
        std::lock_guard lock(session->mutex);
        auto& offline = session->cold_state();
        offline.delayed_will = std::make_unique<DelayedWill>(std::move(*will));
        offline.will_timer = timer;
      }
      timer->async_wait([this, weak, epoch, timer](const boost::system::error_code& ec) {
        const auto s = weak.lock();
        if (ec || !s) {
          return;
        }
        std::unique_ptr<DelayedWill> due;
        {
          std::lock_guard lock(s->mutex);
          if (s->epoch == epoch && !s->attached && s->cold) {
            due = std::move(s->cold->delayed_will);
          }
        }
        if (due) {
          publish_internal(due->message, due->client);
        }
      });
    }
  }
  if (expiry == 0xFFFFFFFF) {
    return;  // never expires ([MQTT-3.1.2-23]'s maximum)
  }
  auto timer = std::make_shared<boost::asio::steady_timer>(executor);
  timer->expires_after(std::chrono::seconds(expiry));
  {
    std::lock_guard lock(session->mutex);
    session->cold_state().expiry_timer = timer;
  }
  timer->async_wait([this, weak, epoch, timer](const boost::system::error_code& ec) {
    const auto s = weak.lock();
    if (ec || !s) {
      return;
    }
    {
      std::lock_guard lock(s->mutex);
      if (s->epoch != epoch || s->attached) {
        return;
      }
    }
    terminate(s);
  });
}

void BrokerCore::terminate(const std::shared_ptr<Session>& session) {
  {
    std::lock_guard lock(registry_mutex_);
    const auto it = sessions_.find(session->client_id());
    if (it != sessions_.end() && *it == session) {
      sessions_.erase(it);
    }
  }
  std::unique_ptr<Session::Subscriptions> subscriptions;
  std::unique_ptr<DelayedWill> will;
  std::vector<Delivery> shared;
  std::shared_ptr<const ClientInfo> info;  // for the client id, read under the lock
  {
    std::lock_guard lock(session->mutex);
    if (session->terminated) {
      return;
    }
    session->terminated = true;
    info = session->info;
    subscriptions.swap(session->subscriptions);
    if (session->cold) {
      will = std::move(session->cold->delayed_will);
    }
    for (auto& d : session->queue) {
      if (d.share) {
        shared.push_back(std::move(d));
      }
    }
    for (auto& out : session->inflight) {
      if (out.delivery.share && out.state == Outgoing::State::awaiting_ack) {
        shared.push_back(std::move(out.delivery));
      }
    }
    session->queue.clear();
    session->inflight.clear();
    if (session->cold) {
      session->cold->inbound_qos2.clear();
      // Cancelling from another thread is not allowed; a stale timer finds `terminated`.
      session->cold->expiry_timer.reset();
      session->cold->will_timer.reset();
    }
  }
  if (subscriptions) {
    for (const auto& [raw, record] : *subscriptions) {
      tree.unsubscribe(record.filter, record.share_group, session.get());
    }
  }
  if (!shared.empty()) {
    redistribute(std::move(shared), session.get());
  }
  if (will) {
    publish_internal(will->message, will->client);
  }
  if (hooks.any()) {
    const auto list = hooks.snapshot();
    for (const auto& h : *list) {
      h->on_session_terminated(info->client_id);
    }
  }
}

void BrokerCore::route(const MessagePtr& message, const Session* publisher,
                       std::vector<std::shared_ptr<Session>>* congested) {
  if (message->retain && settings.retain_available) {
    retained.update(message);
  }
  thread_local std::vector<Target> targets;
  targets.clear();
  tree.match(message->topic, targets);
  if (targets.empty()) {
    bump(counters.dropped_no_subscribers);
    return;
  }
  // Overlapping ordinary subscriptions of one session become one delivery at the highest
  // granted QoS with every subscription identifier (MQTT 5 3.3.4; also how we treat 3.1.1).
  // Shared-subscription deliveries stay separate (spec 4.8.2).
  if (targets.size() > 1) {
    std::stable_sort(targets.begin(), targets.end(), [](const Target& a, const Target& b) {
      if ((a.share != nullptr) != (b.share != nullptr)) {
        return a.share == nullptr;
      }
      return a.session.get() < b.session.get();
    });
  }
  for (std::size_t i = 0; i < targets.size();) {
    const Target& first = targets[i];
    std::size_t j = i + 1;
    if (!first.share) {
      while (j < targets.size() && !targets[j].share &&
             targets[j].session.get() == first.session.get()) {
        ++j;
      }
    }
    Delivery delivery;
    bool any = false;
    std::uint8_t qos = 0;
    bool retain = false;
    for (std::size_t k = i; k < j; ++k) {
      const Target& t = targets[k];
      // [MQTT-3.8.3-3] No Local: not to the publisher's own session.
      if (t.options.no_local && t.session.get() == publisher) {
        continue;
      }
      any = true;
      qos = std::max(qos, t.options.qos);
      retain = retain || (t.options.retain_as_published && message->retain);
      if (t.options.subscription_id != 0) {
        delivery.subscription_ids.push_back(t.options.subscription_id);
      }
    }
    if (any) {
      delivery.message = message;
      delivery.qos = std::min(qos, message->qos);
      delivery.retain = retain;
      delivery.share = first.share;
      if (first.session->deliver(*this, std::move(delivery)) && congested != nullptr &&
          first.session.get() != publisher &&
          std::find(congested->begin(), congested->end(), first.session) == congested->end()) {
        congested->push_back(first.session);
      }
    }
    i = j;
  }
  targets.clear();  // drop the session references now, not at the next publish
}

void BrokerCore::publish_internal(const MessagePtr& message, const ClientInfo& client) {
  if (hooks.any()) {
    const auto list = hooks.snapshot();
    for (const auto& h : *list) {
      // Broker-made messages have no publisher waiting for an ack; a held ack is ignored.
      (void)h->on_message_publish(client, message);
    }
  }
  route(message, nullptr);
}

void BrokerCore::redistribute(std::vector<Delivery> deliveries, const Session* leaving) {
  for (auto& d : deliveries) {
    const Target t = tree.pick_shared(*d.share, leaving);
    if (t.session) {
      d.qos = std::min(d.message->qos, t.options.qos);
      d.subscription_ids.clear();
      if (t.options.subscription_id != 0) {
        d.subscription_ids.push_back(t.options.subscription_id);
      }
      t.session->deliver(*this, std::move(d));
    }
  }
}

std::uint8_t BrokerCore::subscribe(const std::shared_ptr<Session>& session,
                                   const std::string& raw_filter, SubscriptionOptions options,
                                   SubscriptionEvent& event) {
  const auto parsed = mqtt::parse_subscription_filter(raw_filter);
  if (!parsed) {
    return 0x8F;  // Topic Filter invalid
  }
  if (parsed->shared() && !settings.shared_subscription_available) {
    return 0x9E;
  }
  if (!settings.wildcard_subscription_available &&
      parsed->filter.find_first_of("+#") != std::string_view::npos) {
    return 0xA2;
  }
  options.qos = std::min(options.qos, settings.max_qos);
  SubscriptionRecord record{std::string(parsed->filter), std::string(parsed->share_group), options};
  bool is_new = true;
  {
    // Tree insert under the session lock, so a concurrent terminate() cannot miss it.
    std::lock_guard lock(session->mutex);
    if (session->terminated) {
      return 0x80;
    }
    if (!session->subscriptions) {
      session->subscriptions = std::make_unique<Session::Subscriptions>();
    }
    is_new = session->subscriptions->insert_or_assign(raw_filter, record).second;
    tree.subscribe(record.filter, record.share_group, session, options);
  }
  event.filter = record.filter;
  event.share_group = record.share_group;
  event.options = options;
  event.is_new = is_new;

  // Retained messages ([MQTT-3.3.1-9..11]); never for shared subscriptions ([MQTT-4.8.2-?]
  // spec 4.8.2: "retained messages are not sent to a shared subscription").
  const bool send_retained = !parsed->shared() && (options.retain_handling == 0 ||
                                                   (options.retain_handling == 1 && is_new));
  if (send_retained) {
    std::vector<MessagePtr> found;
    retained.match(record.filter, found);
    for (auto& message : found) {
      Delivery d;
      d.qos = std::min(message->qos, options.qos);
      d.retain = true;  // sent because of a subscription: retain flag set [MQTT-3.3.1-8]
      if (options.subscription_id != 0) {
        d.subscription_ids.push_back(options.subscription_id);
      }
      d.message = std::move(message);
      session->deliver(*this, std::move(d));
    }
  }
  return options.qos;
}

bool BrokerCore::unsubscribe(const std::shared_ptr<Session>& session, const std::string& raw_filter,
                             std::string& filter, std::string& share_group) {
  std::vector<Delivery> shared;
  {
    std::lock_guard lock(session->mutex);
    if (!session->subscriptions) {
      return false;
    }
    const auto it = session->subscriptions->find(raw_filter);
    if (it == session->subscriptions->end()) {
      return false;
    }
    filter = it->second.filter;
    share_group = it->second.share_group;
    session->subscriptions->erase(it);
    if (session->subscriptions->empty()) {
      session->subscriptions.reset();  // an idle session again
    }
    tree.unsubscribe(filter, share_group, session.get());
    if (!share_group.empty()) {
      // Queued messages of the group go to another member (in-flight ones stay: the
      // client has them already).
      for (auto q = session->queue.begin(); q != session->queue.end();) {
        if (q->share && q->share->group == share_group && q->share->filter == filter) {
          shared.push_back(std::move(*q));
          q = session->queue.erase(q);
        } else {
          ++q;
        }
      }
    }
  }
  if (!shared.empty()) {
    redistribute(std::move(shared), session.get());
  }
  return true;
}

void BrokerCore::call_subscribed_hooks(const ClientInfo& client, const SubscriptionEvent& event) {
  if (!hooks.any()) {
    return;
  }
  const auto list = hooks.snapshot();
  for (const auto& h : *list) {
    h->on_session_subscribed(client, event);
  }
}

void BrokerCore::shutdown() {
  if (shutting_down.exchange(true)) {
    return;
  }
  std::vector<std::shared_ptr<Session>> all;
  {
    std::lock_guard lock(registry_mutex_);
    all.assign(sessions_.begin(), sessions_.end());
  }
  for (const auto& session : all) {
    std::shared_ptr<Connection> connection;
    std::shared_ptr<boost::asio::steady_timer> expiry_timer;
    std::shared_ptr<boost::asio::steady_timer> will_timer;
    boost::asio::any_io_executor timer_executor;
    {
      std::lock_guard lock(session->mutex);
      connection = session->attached_connection();
      if (session->cold) {
        expiry_timer = std::move(session->cold->expiry_timer);
        will_timer = std::move(session->cold->will_timer);
        timer_executor = session->cold->timer_executor;
        session->cold->delayed_will.reset();
      }
    }
    if (connection) {
      boost::asio::post(connection->executor(), [connection] {
        connection->kick(mqtt::ReasonCode::ServerShuttingDown, false);
      });
    }
    if (timer_executor && (expiry_timer || will_timer)) {
      // Timers are cancelled on their own executor so the io_contexts can run out of work.
      boost::asio::post(timer_executor, [expiry_timer, will_timer] {
        if (expiry_timer) {
          expiry_timer->cancel();
        }
        if (will_timer) {
          will_timer->cancel();
        }
      });
    }
  }
}

void BrokerCore::release_all() {
  std::vector<std::shared_ptr<Session>> sessions;
  {
    std::lock_guard lock(registry_mutex_);
    sessions.assign(sessions_.begin(), sessions_.end());
    sessions_ = {};  // frees the table too
  }
  for (const auto& session : sessions) {
    std::lock_guard lock(session->mutex);
    session->attached = nullptr;
    session->terminated = true;
    session->queue.clear();
    session->inflight.clear();
    session->cold.reset();
  }
}

BrokerStats BrokerCore::stats() const {
  BrokerStats s;
  const auto load = [](const std::atomic<std::uint64_t>& a) {
    return a.load(std::memory_order_relaxed);
  };
  s.connections_current = load(counters.connections_current);
  s.connections_total = load(counters.connections_total);
  {
    std::lock_guard lock(registry_mutex_);
    s.sessions_current = sessions_.size();
  }
  s.messages_received = load(counters.messages_received);
  s.messages_delivered = load(counters.messages_delivered);
  s.retained_current = retained.size();
  s.dropped_queue_full = load(counters.dropped_queue_full);
  s.dropped_qos0_offline = load(counters.dropped_qos0_offline);
  s.dropped_qos0_slow = load(counters.dropped_qos0_slow);
  s.dropped_expired = load(counters.dropped_expired);
  s.dropped_too_large = load(counters.dropped_too_large);
  s.dropped_no_subscribers = load(counters.dropped_no_subscribers);
  s.protocol_errors = load(counters.protocol_errors);
  s.auth_failures = load(counters.auth_failures);
  s.denied_publish = load(counters.denied_publish);
  s.denied_subscribe = load(counters.denied_subscribe);
  s.denied_delivery = load(counters.denied_delivery);
  s.rate_limited = load(counters.rate_limited);
  s.publishers_paused = load(counters.publishers_paused);
  return s;
}

}  // namespace dynamq::broker
