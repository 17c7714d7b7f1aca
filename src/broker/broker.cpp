#include "broker/broker.hpp"

#include <boost/asio/dispatch.hpp>

#include "broker/broker_core.hpp"
#include "broker/connection.hpp"
#include "mqtt/topic.hpp"

namespace dynamq::broker {

Broker::Broker(BrokerSettings settings)
    : core_(std::make_shared<BrokerCore>(std::move(settings))) {}

Broker::~Broker() {
  core_->release_all();
}

std::shared_ptr<ConnectionHandler> Broker::accept(boost::asio::any_io_executor executor,
                                                  std::shared_ptr<ClientLink> link) {
  auto connection = std::make_shared<Connection>(core_, executor, std::move(link));
  // start() arms a timer: do it on the connection's own executor.
  boost::asio::dispatch(executor, [connection] { connection->start(); });
  return connection;
}

void Broker::shutdown() {
  core_->shutdown();
}

const BrokerSettings& Broker::settings() const {
  return core_->settings;
}

HookRegistry& Broker::hooks() {
  return core_->hooks;
}

BrokerStats Broker::stats() const {
  return core_->stats();
}

bool Broker::inject(std::string_view client_id, const Injection& injection) {
  const auto session = core_->find(client_id);
  if (!session || !injection.message) {
    return false;
  }
  const MessagePtr& message = injection.message;
  if (injection.retained && core_->retained.contains(message->topic)) {
    return true;  // the in-memory retained message of this topic was delivered already
  }
  Delivery delivery;
  delivery.message = message;
  delivery.qos = message->qos;
  delivery.retain = injection.retained;
  if (!injection.filter.empty()) {
    const std::string raw = injection.share_group.empty()
                                ? injection.filter
                                : "$share/" + injection.share_group + "/" + injection.filter;
    std::lock_guard lock(session->mutex);
    const SubscriptionRecord* record = session->find_subscription(raw);
    if (record == nullptr) {
      return false;
    }
    const auto& options = record->options;
    delivery.qos = std::min(delivery.qos, options.qos);
    if (!injection.retained) {
      delivery.retain = options.retain_as_published && message->retain;
    }
    if (options.subscription_id != 0) {
      delivery.subscription_ids.push_back(options.subscription_id);
    }
  }
  session->deliver(*core_, std::move(delivery));
  return true;
}

bool Broker::subscribe(std::string_view client_id, std::string_view filter,
                       const SubscriptionOptions& options) {
  const auto session = core_->find(client_id);
  if (!session) {
    return false;
  }
  const std::string raw(filter);
  const auto parsed = mqtt::parse_subscription_filter(raw);
  if (!parsed || (parsed->shared() && options.no_local)) {
    return false;
  }
  SubscriptionEvent event;
  if (core_->subscribe(session, raw, options, event) >= 0x80) {
    return false;
  }
  event.from_hook = true;
  std::shared_ptr<const ClientInfo> info;
  {
    std::lock_guard lock(session->mutex);
    info = session->info;
  }
  core_->call_subscribed_hooks(*info, event);
  return true;
}

MessageId Broker::next_message_id() {
  return core_->ids.next();
}

}  // namespace dynamq::broker
