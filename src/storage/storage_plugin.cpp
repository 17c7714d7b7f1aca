// The hooks of the storage plugin: each event runs the rules of its hook point whose topic
// filter matches (SPEC.md §1, §3); message.publish writes go through the pool's writer.
#include "storage/storage_plugin.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <future>
#include <thread>

#include "storage/client_options.hpp"
#include "storage/message_codec.hpp"
#include "storage/msgid_codec.hpp"
#include "storage/plugin_context.hpp"
#include "storage/write_backend.hpp"

namespace dynamq::storage {
namespace {

using dynamo::AttributeValue;

bool is_system_topic(std::string_view topic) {
  return !topic.empty() && topic.front() == '$';
}

class Plugin final : public StoragePlugin {
 public:
  Plugin(broker::Broker& broker, BackendConfig config)
      : ctx_(std::make_shared<PluginContext>(broker, std::move(config))),
        work_(boost::asio::make_work_guard(ctx_->io)) {
    const auto& c = ctx_->config;
    for (const auto& pool : c.pools) {
      auto options = client_options(c, pool);
      if (!options.ok()) throw std::runtime_error(options.error().message);
      auto client = dynamo::Client::create(ctx_->io.get_executor(), std::move(options.value()));
      if (!client.ok()) {
        throw std::runtime_error(c.path + ": pool " + pool.name + ": " + client.error().describe());
      }
      WriterOptions w;
      w.msg_table = c.tables.msg;
      w.topic_msg_map_table = c.tables.topic_msg_map;
      w.max_pending = c.max_pending_writes;
      // ~48 bytes per id: 6000 ids stay far below the 400 KB item limit even with a
      // generation's adds on top.
      w.max_ids_per_topic = std::min<std::size_t>(c.max_ids_per_topic, 6000);
      if (c.msg_ttl) {
        w.ttl_attribute = c.ttl_attribute;
        w.ttl = *c.msg_ttl;
      }
      if (c.write_mode == WriteMode::sync) {
        w.linger = std::chrono::milliseconds(0);
        w.max_attempts = 2;  // each attempt already has the client's retries
      }
      auto writer = std::make_shared<Writer>(ctx_->io.get_executor(),
                                             std::make_shared<ClientWriteBackend>(client.value()),
                                             w, ctx_->stats);
      ctx_->pools.push_back(PoolContext{std::move(client.value()), std::move(writer)});
    }
    item_options_.ttl = c.msg_ttl;
    item_options_.ttl_attribute = c.ttl_attribute;
    thread_ = std::thread([ctx = ctx_] { ctx->io.run(); });
  }

  ~Plugin() override { stop(std::chrono::seconds(10)); }

  void stop(std::chrono::milliseconds timeout) override {
    if (stopped_.exchange(true)) return;
    // Flush every writer, then close the clients so in-flight reads end, then let the
    // thread finish what is left.
    std::vector<std::future<void>> drained;
    for (auto& pool : ctx_->pools) {
      auto done = std::make_shared<std::promise<void>>();
      drained.push_back(done->get_future());
      pool.writer->drain(timeout, [done] { done->set_value(); });
    }
    for (auto& f : drained) f.wait();
    for (auto& pool : ctx_->pools) pool.client.shutdown();
    work_.reset();
    auto guard = std::make_shared<boost::asio::steady_timer>(ctx_->io, std::chrono::seconds(5));
    guard->async_wait([ctx = ctx_.get()](const boost::system::error_code& ec) {
      if (!ec) ctx->io.stop();
    });
    boost::asio::post(ctx_->io, [guard] { guard->cancel(); });  // nothing left: no wait
    if (thread_.joinable()) thread_.join();
  }

  const StorageStats& stats() const override { return *ctx_->stats; }
  std::size_t pending_writes() const override {
    std::size_t n = 0;
    for (const auto& pool : ctx_->pools) n += pool.writer->pending();
    return n;
  }
  std::uint64_t dynamo_requests() const override {
    std::uint64_t n = 0;
    for (const auto& pool : ctx_->pools) n += pool.client.stats().requests;
    return n;
  }
  const BackendConfig& config() const override { return ctx_->config; }

  // ---- hooks ----
  void on_client_connected(const broker::ClientInfo& client) override {
    for (const auto& rule : ctx_->rules.all(HookPoint::client_connected)) {
      if (rule.function == Function::on_client_connected) client_connected(*ctx_, rule, client);
      if (rule.function == Function::on_subscribe_lookup) subscribe_lookup(*ctx_, rule, client);
    }
  }
  void on_session_created(const broker::ClientInfo& client) override {
    for (const auto& rule : ctx_->rules.all(HookPoint::session_created)) {
      if (rule.function == Function::on_subscribe_lookup) subscribe_lookup(*ctx_, rule, client);
    }
  }
  void on_client_disconnected(const broker::ClientInfo& client,
                              const broker::DisconnectInfo&) override {
    for (const auto& rule : ctx_->rules.all(HookPoint::client_disconnected)) {
      if (rule.function == Function::on_client_disconnected) {
        client_disconnected(*ctx_, rule, client);
      }
    }
  }
  void on_session_subscribed(const broker::ClientInfo& client,
                             const broker::SubscriptionEvent& s) override {
    if (is_system_topic(s.filter)) return;  // `$` topics are never stored
    for (const auto* rule : ctx_->rules.for_filter(HookPoint::session_subscribed, s.filter)) {
      if (rule->function == Function::on_message_fetch_for_queue && s.is_new) {
        // A repeated SUBSCRIBE of the same filter does not fetch again: the session has
        // those messages already.
        fetch_for_queue(*ctx_, *rule, client.client_id, s);
      } else if (rule->function == Function::on_retain_lookup && s.share_group.empty() &&
                 (s.options.retain_handling == 0 || (s.options.retain_handling == 1 && s.is_new))) {
        // MQTT 5 retain handling [MQTT-3.3.1-9..11]; none for shared subscriptions
        // [MQTT-4.8.2-6 note: retained messages are not sent to shared subscriptions].
        retain_lookup(*ctx_, *rule, client.client_id, s);
      }
    }
  }
  void on_session_unsubscribed(const broker::ClientInfo& client, const std::string& filter,
                               const std::string&) override {
    if (is_system_topic(filter)) return;
    for (const auto* rule : ctx_->rules.for_filter(HookPoint::session_unsubscribed, filter)) {
      if (rule->function == Function::on_acked_delete) {
        acked_delete(*ctx_, *rule, client.client_id, filter);
      }
    }
  }
  void on_message_acked(const broker::ClientInfo& subscriber, const broker::MessagePtr& message,
                        std::uint8_t) override {
    if (is_system_topic(message->topic)) return;
    for (const auto* rule : ctx_->rules.for_topic(HookPoint::message_acked, message->topic)) {
      if (rule->function == Function::on_message_acked_for_queue) {
        message_acked_for_queue(*ctx_, *rule, subscriber.client_id, message);
      }
    }
  }
  broker::PublishDecision on_message_publish(const broker::ClientInfo& publisher,
                                             const broker::MessagePtr& message) override;

 private:
  WriteOp store_op(const dynamo::Item& item, const broker::Message& m) const;

  std::shared_ptr<PluginContext> ctx_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  ItemOptions item_options_;
};

WriteOp Plugin::store_op(const dynamo::Item& item, const broker::Message& m) const {
  WriteOp op;
  op.kind = WriteOp::Kind::put;
  op.purpose = WritePurpose::message;
  op.table = ctx_->config.tables.msg;
  op.item = item;
  op.key = *item.at("msgid").as_s();
  op.msgid = op.key;
  op.topic = m.topic;
  op.then = std::make_unique<WriteOp>();
  op.then->kind = WriteOp::Kind::add_id;
  op.then->table = ctx_->config.tables.topic_msg_map;
  op.then->topic = m.topic;
  op.then->msgid = op.key;
  return op;
}

broker::PublishDecision Plugin::on_message_publish(const broker::ClientInfo& publisher,
                                                   const broker::MessagePtr& message) {
  const auto& m = *message;
  if (is_system_topic(m.topic)) return nullptr;
  const BoundRule* store = nullptr;  // on_message_publish and on_message_store: stored once
  const BoundRule* retain = nullptr;
  const BoundRule* unretain = nullptr;
  for (const auto* rule : ctx_->rules.for_topic(HookPoint::message_publish, m.topic)) {
    switch (rule->function) {
      case Function::on_message_publish:
        if (m.qos > 0 && store == nullptr) store = rule;
        break;
      case Function::on_message_store:
        if (store == nullptr) store = rule;
        break;
      case Function::on_message_retain:
        if (m.retain && !m.payload.empty() && retain == nullptr) retain = rule;
        break;
      case Function::on_retain_delete:
        if (m.retain && m.payload.empty() && unretain == nullptr) unretain = rule;
        break;
      default:
        break;
    }
  }
  if (store == nullptr && retain == nullptr && unretain == nullptr) return nullptr;

  dynamo::Item item;
  if (store != nullptr || retain != nullptr) {
    item = message_item(m, item_options_);
    if (const auto size = item_size(item); size > kMaxItemBytes) {
      ctx_->stats->refused_too_large.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn(
          "storage: message {} from '{}' on '{}' is {} bytes as an item, over DynamoDB's 400 KB: "
          "not stored",
          encode_msgid(m.id), publisher.client_id, m.topic, size);
      if (publisher.protocol_version == 5 && m.qos > 0) {
        auto refused = broker::PendingAck::create();
        refused->fail(0x97, "message too large to store (" + std::to_string(size) +
                                " bytes, DynamoDB items hold 400 KB)");
        return refused;
      }
      return nullptr;  // MQTT 3.1.1 / QoS 0: logged and counted, delivered but not stored
    }
  }

  const bool sync = ctx_->config.write_mode == WriteMode::sync && m.qos > 0;
  std::shared_ptr<broker::PendingAck> pending;
  std::shared_ptr<std::atomic<int>> remaining;
  if (sync) {
    pending = broker::PendingAck::create();
    remaining =
        std::make_shared<std::atomic<int>>((store ? 1 : 0) + (retain ? 1 : 0) + (unretain ? 1 : 0));
  }
  auto completion = [pending, remaining]() -> std::function<void(bool)> {
    if (!pending) return {};
    return [pending, remaining](bool ok) {
      if (!ok) {
        pending->fail(0x80, "the message could not be stored");
      } else if (remaining->fetch_sub(1) == 1) {
        pending->succeed();
      }
    };
  };
  std::vector<Writer*> used;
  if (store != nullptr) {
    auto op = store_op(item, m);
    op.done = completion();
    ctx_->pools[store->pool].writer->enqueue(std::move(op));
    used.push_back(ctx_->pools[store->pool].writer.get());
  }
  if (retain != nullptr) {
    WriteOp op;
    op.kind = WriteOp::Kind::put;
    op.purpose = WritePurpose::retain_put;
    op.table = ctx_->config.tables.retain;
    op.item = std::move(item);
    op.item["retain"] = AttributeValue::n(1);
    op.key = m.topic;
    op.topic = m.topic;
    op.msgid = encode_msgid(m.id);
    op.done = completion();
    ctx_->pools[retain->pool].writer->enqueue(std::move(op));
    used.push_back(ctx_->pools[retain->pool].writer.get());
  }
  if (unretain != nullptr) {
    WriteOp op;
    op.kind = WriteOp::Kind::erase;
    op.purpose = WritePurpose::retain_delete;
    op.table = ctx_->config.tables.retain;
    op.item["topic"] = AttributeValue::s(m.topic);
    op.key = m.topic;
    op.topic = m.topic;
    op.done = completion();
    ctx_->pools[unretain->pool].writer->enqueue(std::move(op));
    used.push_back(ctx_->pools[unretain->pool].writer.get());
  }
  if (pending) return pending;
  // Async: the ack does not wait for DynamoDB, unless the queue is full: then the
  // publisher waits for room (back-pressure, never a silent drop).
  for (auto* writer : used) {
    if (writer->full()) {
      ctx_->stats->backpressure_waits.fetch_add(1, std::memory_order_relaxed);
      auto hold = broker::PendingAck::create();
      writer->when_room([hold] { hold->succeed(); });
      return hold;
    }
  }
  return nullptr;
}

}  // namespace

StoragePlugin::~StoragePlugin() = default;

std::shared_ptr<StoragePlugin> StoragePlugin::create(broker::Broker& broker, BackendConfig config) {
  return std::make_shared<Plugin>(broker, std::move(config));
}

}  // namespace dynamq::storage
