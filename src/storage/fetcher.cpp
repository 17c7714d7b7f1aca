// on_message_fetch_for_queue and on_retain_lookup (SPEC.md §3).
//
// Wildcard subscriptions: DynamoDB cannot match MQTT wildcards, so mqtt_topic_msg_map (or
// mqtt_retain) is Scanned with `begins_with(topic, <literal prefix>)` as FilterExpression
// (less data on the wire when the filter starts with literal levels) and every topic is
// then matched with the MQTT rules in dynamq. Exact filters use GetItem. A Scan reads the
// whole table, which is the price of the seed's schema (no index on topic levels); it is
// paid once per wildcard subscribe, never on the publish path.
//
// Which messages: the ids of the matching topics' MsgId sets, newer than the client's
// acknowledged position on that topic (mqtt_acked, or this process's in-memory position
// when higher), newer than offline_opts.time_range; the oldest max_returned_count of them,
// delivered oldest first at min(message QoS, granted QoS) (Injection caps it).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "mqtt/topic.hpp"
#include "storage/message_codec.hpp"
#include "storage/msgid_codec.hpp"
#include "storage/plugin_context.hpp"

namespace dynamq::storage {
namespace {

using dynamo::AttributeValue;

struct TopicIds {
  std::string topic;
  std::vector<std::string> ids;
};

// The topics matching `filter` with their MsgId sets (mqtt_topic_msg_map).
dynamo::awaitable<dynamo::Result<std::vector<TopicIds>>> topics_of(PluginContext& ctx,
                                                                   std::size_t pool,
                                                                   const std::string& filter) {
  std::vector<TopicIds> out;
  const auto& client = ctx.pools[pool].client;
  if (!has_wildcard(filter)) {
    dynamo::GetItemRequest get;
    get.table_name = ctx.config.tables.topic_msg_map;
    get.key["topic"] = AttributeValue::s(filter);
    get.consistent_read = true;
    auto r = co_await client.get_item(get);
    if (!r.ok()) co_return r.error();
    if (r->item) {
      if (const auto it = r->item->find("MsgId"); it != r->item->end() && it->second.as_ss()) {
        out.push_back({filter, *it->second.as_ss()});
      }
    }
    co_return out;
  }
  dynamo::ScanRequest scan;
  scan.table_name = ctx.config.tables.topic_msg_map;
  scan.consistent_read = true;
  if (const auto prefix = literal_prefix(filter); !prefix.empty()) {
    scan.filter_expression = "begins_with(topic, :p)";
    scan.values[":p"] = AttributeValue::s(prefix);
  }
  auto r = co_await client.scan_all(scan);
  if (!r.ok()) co_return r.error();
  for (const auto& item : r->items) {
    const auto topic = item.find("topic");
    const auto ids = item.find("MsgId");
    if (topic == item.end() || !topic->second.as_s() || ids == item.end() || !ids->second.as_ss()) {
      continue;
    }
    if (mqtt::topic_matches(filter, *topic->second.as_s())) {
      out.push_back({*topic->second.as_s(), *ids->second.as_ss()});
    }
  }
  co_return out;
}

// The acknowledged position of a client on a topic: mqtt_acked, raised by what this
// process has seen acknowledged.
dynamo::awaitable<broker::MessageId> acked_position(PluginContext& ctx, std::size_t pool,
                                                    const std::string& client_id,
                                                    const std::string& topic) {
  broker::MessageId position;
  {
    std::lock_guard lock(ctx.mutex);
    if (const auto it = ctx.acked.find(client_id + '\n' + topic); it != ctx.acked.end()) {
      position = it->second;
    }
  }
  dynamo::GetItemRequest get;
  get.table_name = ctx.config.tables.acked;
  get.key["topic"] = AttributeValue::s(topic);
  get.key["clientid"] = AttributeValue::s(client_id);
  get.consistent_read = true;
  auto r = co_await ctx.pools[pool].client.get_item(get);
  if (r.ok() && r->item) {
    if (const auto it = r->item->find("msgid"); it != r->item->end() && it->second.as_s()) {
      if (const auto id = decode_msgid(*it->second.as_s()); id && *id > position) position = *id;
    }
  } else if (!r.ok()) {
    ctx.stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::warn("storage: reading mqtt_acked for '{}' on '{}' failed: {}", client_id, topic,
                 r.error().describe());
  }
  co_return position;
}

// Whether mqtt_retain holds message `id` as the retained message of `topic`.
dynamo::awaitable<bool> is_current_retained(PluginContext& ctx, std::size_t pool,
                                            const std::string& topic, broker::MessageId id) {
  dynamo::GetItemRequest get;
  get.table_name = ctx.config.tables.retain;
  get.key["topic"] = AttributeValue::s(topic);
  get.consistent_read = true;
  get.projection_expression = "msgid";
  auto r = co_await ctx.pools[pool].client.get_item(get);
  if (!r.ok() || !r->item) co_return false;
  const auto it = r->item->find("msgid");
  co_return it != r->item->end() && it->second.as_s() && decode_msgid(*it->second.as_s()) == id;
}

dynamo::awaitable<void> fetch_queue_task(std::shared_ptr<PluginContext> ctx, BoundRule rule,
                                         std::string client_id,
                                         broker::SubscriptionEvent subscription) {
  const auto topics = co_await topics_of(*ctx, rule.pool, subscription.filter);
  if (!topics.ok()) {
    ctx->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("storage: on_message_fetch_for_queue for '{}' on '{}' failed: {}", client_id,
                  subscription.filter, topics.error().describe());
    co_return;
  }
  std::uint64_t oldest_micros = 0;
  if (rule.offline_opts.time_range) {
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    const auto range =
        std::chrono::duration_cast<std::chrono::microseconds>(*rule.offline_opts.time_range)
            .count();
    oldest_micros = static_cast<std::uint64_t>(std::max<std::int64_t>(0, now - range));
  }
  std::vector<std::pair<broker::MessageId, std::string>> wanted;
  for (const auto& t : *topics) {
    if (!rule.topic || mqtt::topic_matches(*rule.topic, t.topic)) {
      const auto position = co_await acked_position(*ctx, rule.pool, client_id, t.topic);
      for (const auto& text : t.ids) {
        const auto id = decode_msgid(text);
        if (id && *id > position && id->micros() >= oldest_micros) wanted.emplace_back(*id, text);
      }
    }
  }
  std::sort(wanted.begin(), wanted.end());
  if (rule.offline_opts.max_returned_count &&
      wanted.size() > *rule.offline_opts.max_returned_count) {
    wanted.resize(*rule.offline_opts.max_returned_count);
  }
  if (wanted.empty()) co_return;
  dynamo::BatchGetItemRequest get;
  auto& keys = get.request_items[ctx->config.tables.msg];
  keys.consistent_read = true;
  for (const auto& [id, text] : wanted) {
    dynamo::Item key;
    key["msgid"] = AttributeValue::s(text);
    keys.keys.push_back(std::move(key));
  }
  auto r = co_await ctx->pools[rule.pool].client.batch_get_all(get);
  if (!r.ok()) {
    ctx->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("storage: on_message_fetch_for_queue for '{}': reading mqtt_msg failed: {}",
                  client_id, r.error().describe());
    co_return;
  }
  std::vector<broker::Message> messages;
  for (const auto& item : r->responses[ctx->config.tables.msg]) {
    std::string why;
    auto m = message_from_item(item, &why);
    if (!m) {
      spdlog::warn("storage: skipping a malformed mqtt_msg item: {}", why);
      continue;
    }
    messages.push_back(std::move(*m));
  }
  std::sort(messages.begin(), messages.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  const bool gets_retained = subscription.share_group.empty() &&
                             (subscription.options.retain_handling == 0 ||
                              (subscription.options.retain_handling == 1 && subscription.is_new));
  std::size_t delivered = 0;
  for (auto& m : messages) {
    if (m.retain && gets_retained && co_await is_current_retained(*ctx, rule.pool, m.topic, m.id)) {
      // The topic's retained message is this very message: the retained delivery of this
      // SUBSCRIBE carries it (from memory or on_retain_lookup); once is enough.
      continue;
    }
    m.retain = false;  // a queued message, not a retained one
    broker::Injection injection;
    injection.message = std::make_shared<const broker::Message>(std::move(m));
    injection.filter = subscription.filter;
    injection.share_group = subscription.share_group;
    if (ctx->broker.inject(client_id, injection)) ++delivered;
  }
  ctx->stats->fetched.fetch_add(delivered, std::memory_order_relaxed);
  spdlog::debug("storage: fetched {} stored message(s) for '{}' on '{}'", delivered, client_id,
                subscription.filter);
}

dynamo::awaitable<void> retain_task(std::shared_ptr<PluginContext> ctx, BoundRule rule,
                                    std::string client_id, broker::SubscriptionEvent subscription) {
  const auto& client = ctx->pools[rule.pool].client;
  std::vector<dynamo::Item> items;
  if (!has_wildcard(subscription.filter)) {
    dynamo::GetItemRequest get;
    get.table_name = ctx->config.tables.retain;
    get.key["topic"] = AttributeValue::s(subscription.filter);
    get.consistent_read = true;
    auto r = co_await client.get_item(get);
    if (!r.ok()) {
      ctx->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("storage: on_retain_lookup for '{}' failed: {}", client_id,
                    r.error().describe());
      co_return;
    }
    if (r->item) items.push_back(std::move(*r->item));
  } else {
    dynamo::ScanRequest scan;
    scan.table_name = ctx->config.tables.retain;
    scan.consistent_read = true;
    if (const auto prefix = literal_prefix(subscription.filter); !prefix.empty()) {
      scan.filter_expression = "begins_with(topic, :p)";
      scan.values[":p"] = AttributeValue::s(prefix);
    }
    auto r = co_await client.scan_all(scan);
    if (!r.ok()) {
      ctx->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("storage: on_retain_lookup for '{}' failed: {}", client_id,
                    r.error().describe());
      co_return;
    }
    items = std::move(r->items);
  }
  std::vector<broker::Message> messages;
  for (const auto& item : items) {
    auto m = message_from_item(item);
    if (!m || !mqtt::topic_matches(subscription.filter, m->topic)) continue;
    if (rule.topic && !mqtt::topic_matches(*rule.topic, m->topic)) continue;
    messages.push_back(std::move(*m));
  }
  std::sort(messages.begin(), messages.end(),
            [](const auto& a, const auto& b) { return a.topic < b.topic; });
  std::size_t delivered = 0;
  for (auto& m : messages) {
    m.retain = true;
    m.from_storage = true;
    broker::Injection injection;
    injection.message = std::make_shared<const broker::Message>(std::move(m));
    injection.filter = subscription.filter;
    injection.retained = true;  // skipped by the broker when it holds that topic in memory
    if (ctx->broker.inject(client_id, injection)) ++delivered;
  }
  ctx->stats->retained_fetched.fetch_add(delivered, std::memory_order_relaxed);
}

}  // namespace

std::string literal_prefix(const std::string& filter) {
  const auto wild = filter.find_first_of("+#");
  return wild == std::string::npos ? filter : filter.substr(0, wild);
}

void fetch_for_queue(PluginContext& ctx, const BoundRule& rule, const std::string& client_id,
                     const broker::SubscriptionEvent& subscription) {
  if (!subscription.share_group.empty()) {
    // A shared subscription is fetched for the group once, by its first member.
    std::lock_guard lock(ctx.mutex);
    if (!ctx.shared_fetched.insert(subscription.share_group + '\n' + subscription.filter).second) {
      return;
    }
  }
  ctx.spawn([self = ctx.shared_from_this(), rule, client_id, subscription] {
    return fetch_queue_task(self, rule, client_id, subscription);
  });
}

void retain_lookup(PluginContext& ctx, const BoundRule& rule, const std::string& client_id,
                   const broker::SubscriptionEvent& subscription) {
  ctx.spawn([self = ctx.shared_from_this(), rule, client_id, subscription] {
    return retain_task(self, rule, client_id, subscription);
  });
}

}  // namespace dynamq::storage
