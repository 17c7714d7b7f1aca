// on_client_connected, on_client_disconnected, on_subscribe_lookup (SPEC.md §3).
//
// mqtt_client rows carry, beyond the seed's attributes, `conn_epoch` (N): the µs time at
// which this node saw the connection (unique per process). A disconnect only marks the row
// offline when its epoch is still there (ConditionExpression), so a reconnect or takeover
// — on this node or another — is never overwritten by the old connection's disconnect. The
// writes of one client id are sent in hook order (run_in_client_order): a connection's
// disconnect cannot overtake its own connect.
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <chrono>

#include "storage/plugin_context.hpp"

namespace dynamq::storage {
namespace {

using dynamo::AttributeValue;

std::int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string connection_key(const broker::ClientInfo& client) {
  return client.client_id + '\n' + client.remote_endpoint;
}

}  // namespace

std::uint64_t PluginContext::next_epoch() {
  const auto now =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  std::uint64_t last = last_epoch.load();
  std::uint64_t next = 0;
  do {
    next = std::max(now, last + 1);
  } while (!last_epoch.compare_exchange_weak(last, next));
  return next;
}

void PluginContext::spawn(std::function<dynamo::awaitable<void>()> task) {
  boost::asio::co_spawn(io, std::move(task), [](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      spdlog::error("storage: internal error in a storage task: {}", ex.what());
    }
  });
}

void PluginContext::run_in_client_order(const std::string& client_id,
                                        std::function<dynamo::awaitable<void>()> task) {
  {
    std::lock_guard lock(mutex);
    auto& queue = client_queues[client_id];
    queue.push_back(std::move(task));
    if (queue.size() > 1) return;  // a runner is working on this client id
  }
  spawn([self = shared_from_this(), client_id]() -> dynamo::awaitable<void> {
    for (;;) {
      std::function<dynamo::awaitable<void>()> next;
      {
        std::lock_guard lock(self->mutex);
        next = self->client_queues[client_id].front();
      }
      co_await next();
      std::lock_guard lock(self->mutex);
      auto& queue = self->client_queues[client_id];
      queue.pop_front();
      if (queue.empty()) {
        self->client_queues.erase(client_id);
        co_return;
      }
    }
  });
}

void client_connected(PluginContext& ctx, const BoundRule& rule, const broker::ClientInfo& client) {
  const std::uint64_t epoch = ctx.next_epoch();
  {
    std::lock_guard lock(ctx.mutex);
    ctx.connections[connection_key(client)] = epoch;
  }
  dynamo::PutItemRequest put;
  put.table_name = ctx.config.tables.client;
  put.item["clientid"] = AttributeValue::s(client.client_id);
  put.item["connect_state"] = AttributeValue::n(1);
  put.item["node"] = AttributeValue::s(client.node);
  put.item["online_at"] = AttributeValue::n(static_cast<std::int64_t>(epoch / 1'000'000));
  put.item["offline_at"] = AttributeValue::n(0);
  put.item["conn_epoch"] = AttributeValue::n(epoch);
  auto self = ctx.shared_from_this();
  const std::size_t pool = rule.pool;
  ctx.run_in_client_order(client.client_id,
                          [self, pool, put, id = client.client_id]() -> dynamo::awaitable<void> {
                            auto r = co_await self->pools[pool].client.put_item(put);
                            if (!r.ok()) {
                              self->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
                              spdlog::error("storage: on_client_connected for '{}' failed: {}", id,
                                            r.error().describe());
                            }
                          });
}

void client_disconnected(PluginContext& ctx, const BoundRule& rule,
                         const broker::ClientInfo& client) {
  std::uint64_t epoch = 0;
  {
    std::lock_guard lock(ctx.mutex);
    const auto it = ctx.connections.find(connection_key(client));
    if (it != ctx.connections.end()) {
      epoch = it->second;
      ctx.connections.erase(it);
    }
  }
  if (epoch == 0) {
    // Connected before the plugin was loaded: its row (if any) is not ours to judge.
    spdlog::debug("storage: on_client_disconnected for '{}': connection not seen, skipped",
                  client.client_id);
    return;
  }
  dynamo::UpdateItemRequest update;
  update.table_name = ctx.config.tables.client;
  update.key["clientid"] = AttributeValue::s(client.client_id);
  update.update_expression = "SET connect_state = :off, offline_at = :now";
  update.condition_expression = "conn_epoch = :epoch";
  update.values[":off"] = AttributeValue::n(0);
  update.values[":now"] = AttributeValue::n(now_seconds());
  update.values[":epoch"] = AttributeValue::n(epoch);
  auto self = ctx.shared_from_this();
  const std::size_t pool = rule.pool;
  ctx.run_in_client_order(
      client.client_id, [self, pool, update, id = client.client_id]() -> dynamo::awaitable<void> {
        auto r = co_await self->pools[pool].client.update_item(update);
        if (r.ok()) co_return;
        if (r.error().conditional_check_failed()) {
          spdlog::debug("storage: '{}' has a newer connection; not marked offline", id);
          co_return;
        }
        self->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("storage: on_client_disconnected for '{}' failed: {}", id,
                      r.error().describe());
      });
}

void subscribe_lookup(PluginContext& ctx, const BoundRule& rule, const broker::ClientInfo& client) {
  dynamo::QueryRequest query;
  query.table_name = ctx.config.tables.sub;
  query.key_condition_expression = "clientid = :c";
  query.values[":c"] = AttributeValue::s(client.client_id);
  auto self = ctx.shared_from_this();
  const std::size_t pool = rule.pool;
  ctx.spawn([self, pool, query, id = client.client_id]() -> dynamo::awaitable<void> {
    auto r = co_await self->pools[pool].client.query_all(query);
    if (!r.ok()) {
      self->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("storage: on_subscribe_lookup for '{}' failed: {}", id, r.error().describe());
      co_return;
    }
    for (const auto& item : r->items) {
      const auto topic = item.find("topic");
      if (topic == item.end() || topic->second.as_s() == nullptr) continue;
      broker::SubscriptionOptions options;
      if (const auto q = item.find("qos"); q != item.end()) {
        options.qos = static_cast<std::uint8_t>(
            std::clamp<std::int64_t>(q->second.as_int().value_or(0), 0, 2));
      }
      if (!self->broker.subscribe(id, *topic->second.as_s(), options)) {
        spdlog::warn(
            "storage: on_subscribe_lookup: cannot subscribe '{}' to '{}' (no session or "
            "invalid filter)",
            id, *topic->second.as_s());
      } else {
        spdlog::debug("storage: '{}' subscribed to '{}' from mqtt_sub", id, *topic->second.as_s());
      }
    }
  });
}

}  // namespace dynamq::storage
