// Placeholder implementation so that net/ can build against the API; replaced by the
// real broker core in the following commits.
#include "broker/broker.hpp"

namespace dynamq::broker {

class BrokerCore {
 public:
  explicit BrokerCore(BrokerSettings s)
      : settings(std::move(s)),
        ids(settings.node_id != 0 ? settings.node_id : node_id_from_name(settings.node_name)) {}
  BrokerSettings settings;
  HookRegistry hooks;
  MessageIdGenerator ids;
};

namespace {
class ClosingHandler : public ConnectionHandler {
 public:
  explicit ClosingHandler(std::shared_ptr<ClientLink> link) : link_(std::move(link)) {}
  void on_bytes(std::span<const std::uint8_t>) override { link_->close(); }
  void on_transport_closed() override {}

 private:
  std::shared_ptr<ClientLink> link_;
};
}  // namespace

Broker::Broker(BrokerSettings settings)
    : core_(std::make_shared<BrokerCore>(std::move(settings))) {}
Broker::~Broker() = default;

std::shared_ptr<ConnectionHandler> Broker::accept(boost::asio::any_io_executor,
                                                  std::shared_ptr<ClientLink> link) {
  return std::make_shared<ClosingHandler>(std::move(link));
}
void Broker::shutdown() {}
const BrokerSettings& Broker::settings() const {
  return core_->settings;
}
HookRegistry& Broker::hooks() {
  return core_->hooks;
}
BrokerStats Broker::stats() const {
  return {};
}
bool Broker::inject(std::string_view, const Injection&) {
  return false;
}
bool Broker::subscribe(std::string_view, std::string_view, const SubscriptionOptions&) {
  return false;
}
MessageId Broker::next_message_id() {
  return core_->ids.next();
}

}  // namespace dynamq::broker
