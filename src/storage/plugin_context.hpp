// Internal to the storage plugin: the state its functions share (clients and writers per
// pool, in-memory positions) and the functions themselves, one file per group:
//   client_state.cpp  on_client_connected, on_client_disconnected, on_subscribe_lookup
//   fetcher.cpp       on_message_fetch_for_queue, on_retain_lookup
//   ack_functions.cpp on_message_acked_for_queue, on_acked_delete
//   storage_plugin.cpp the hooks: dispatch by rule, message.publish writes
#pragma once

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "broker/broker.hpp"
#include "dynamo/client.hpp"
#include "storage/backend_config.hpp"
#include "storage/rule_set.hpp"
#include "storage/storage_stats.hpp"
#include "storage/writer.hpp"

namespace dynamq::storage {

struct PoolContext {
  dynamo::Client client;
  std::shared_ptr<Writer> writer;
};

struct PluginContext : std::enable_shared_from_this<PluginContext> {
  PluginContext(broker::Broker& b, BackendConfig c)
      : broker(b), config(std::move(c)), rules(config) {}

  broker::Broker& broker;
  BackendConfig config;
  RuleSet rules;
  boost::asio::io_context io{1};
  std::vector<PoolContext> pools;
  std::shared_ptr<StorageStats> stats = std::make_shared<StorageStats>();

  // Serializes the mqtt_client writes of one client id, so that a connection's
  // "disconnected" never lands before its own "connected" (see client_state.cpp).
  void run_in_client_order(const std::string& client_id,
                           std::function<dynamo::awaitable<void>()> task);

  // A connection: "client id\nremote endpoint" -> its epoch (µs, unique in this process).
  std::mutex mutex;
  std::unordered_map<std::string, std::uint64_t> connections;
  // "client id\ntopic" -> the highest id this client acknowledged on that topic here:
  // a lower bound for fetches while the mqtt_acked write is in flight.
  std::unordered_map<std::string, broker::MessageId> acked;
  // "group\nfilter" of shared subscriptions already fetched for (once per group).
  std::set<std::string> shared_fetched;
  std::unordered_map<std::string, std::deque<std::function<dynamo::awaitable<void>()>>>
      client_queues;
  std::atomic<std::uint64_t> last_epoch{0};

  std::uint64_t next_epoch();
  // Runs a coroutine on the plugin's thread; failures are logged, never thrown.
  void spawn(std::function<dynamo::awaitable<void>()> task);
};

// client_state.cpp
void client_connected(PluginContext& ctx, const BoundRule& rule, const broker::ClientInfo& client);
void client_disconnected(PluginContext& ctx, const BoundRule& rule,
                         const broker::ClientInfo& client);
void subscribe_lookup(PluginContext& ctx, const BoundRule& rule, const broker::ClientInfo& client);

// fetcher.cpp
void fetch_for_queue(PluginContext& ctx, const BoundRule& rule, const std::string& client_id,
                     const broker::SubscriptionEvent& subscription);
void retain_lookup(PluginContext& ctx, const BoundRule& rule, const std::string& client_id,
                   const broker::SubscriptionEvent& subscription);

// ack_functions.cpp
void message_acked_for_queue(PluginContext& ctx, const BoundRule& rule,
                             const std::string& client_id, const broker::MessagePtr& message);
void acked_delete(PluginContext& ctx, const BoundRule& rule, const std::string& client_id,
                  const std::string& filter);

// The literal part of a filter before its first wildcard level ("a/b/+/c" -> "a/b/"), for a
// begins_with() filter on Scans.
std::string literal_prefix(const std::string& filter);

}  // namespace dynamq::storage
