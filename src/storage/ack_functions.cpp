// on_message_acked_for_queue and on_acked_delete (SPEC.md §3).
//
// mqtt_acked keeps the seed's `msgid` (S) and adds `acked_guid` (N, the id's 128-bit value
// in decimal, 35 digits: within DynamoDB's 38): base64 strings do not sort like ids, so the
// "never move backwards" condition compares acked_guid. One-to-one semantics: the acked
// message is consumed — deleted from mqtt_msg and removed from its topic's MsgId set, both
// through the writer, so it is ordered after the message's own store.
#include <spdlog/spdlog.h>

#include "mqtt/topic.hpp"
#include "storage/msgid_codec.hpp"
#include "storage/plugin_context.hpp"

namespace dynamq::storage {

using dynamo::AttributeValue;

void message_acked_for_queue(PluginContext& ctx, const BoundRule& rule,
                             const std::string& client_id, const broker::MessagePtr& message) {
  const std::string msgid = encode_msgid(message->id);
  {
    std::lock_guard lock(ctx.mutex);
    auto& position = ctx.acked[client_id + '\n' + message->topic];
    if (message->id > position) position = message->id;
  }
  dynamo::UpdateItemRequest update;
  update.table_name = ctx.config.tables.acked;
  update.key["topic"] = AttributeValue::s(message->topic);
  update.key["clientid"] = AttributeValue::s(client_id);
  update.update_expression = "SET msgid = :m, acked_guid = :g";
  update.condition_expression = "attribute_not_exists(acked_guid) OR acked_guid < :g";
  update.values[":m"] = AttributeValue::s(msgid);
  update.values[":g"] = AttributeValue::n(message->id.decimal());
  const std::size_t pool = rule.pool;
  ctx.spawn(
      [self = ctx.shared_from_this(), pool, update, client_id, msgid]() -> dynamo::awaitable<void> {
        auto r = co_await self->pools[pool].client.update_item(update);
        if (r.ok() || r.error().conditional_check_failed()) co_return;  // newer position kept
        self->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("storage: on_message_acked_for_queue: recording {} for '{}' failed: {}",
                      msgid, client_id, r.error().describe());
      });

  WriteOp consume;
  consume.kind = WriteOp::Kind::erase;
  consume.purpose = WritePurpose::consume;
  consume.table = ctx.config.tables.msg;
  consume.key = msgid;
  consume.item["msgid"] = AttributeValue::s(msgid);
  consume.topic = message->topic;
  consume.msgid = msgid;
  consume.then = std::make_unique<WriteOp>();
  consume.then->kind = WriteOp::Kind::remove_id;
  consume.then->table = ctx.config.tables.topic_msg_map;
  consume.then->topic = message->topic;
  consume.then->msgid = msgid;
  ctx.pools[pool].writer->enqueue(std::move(consume));
}

void acked_delete(PluginContext& ctx, const BoundRule& rule, const std::string& client_id,
                  const std::string& filter) {
  const std::size_t pool = rule.pool;
  ctx.spawn([self = ctx.shared_from_this(), pool, client_id, filter]() -> dynamo::awaitable<void> {
    const auto& client = self->pools[pool].client;
    std::vector<std::string> topics;
    if (!has_wildcard(filter)) {
      topics.push_back(filter);
    } else {
      // The client's rows on topics matching the filter.
      dynamo::ScanRequest scan;
      scan.table_name = self->config.tables.acked;
      scan.filter_expression = "clientid = :c";
      scan.values[":c"] = AttributeValue::s(client_id);
      auto r = co_await client.scan_all(scan);
      if (!r.ok()) {
        self->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("storage: on_acked_delete for '{}' failed: {}", client_id,
                      r.error().describe());
        co_return;
      }
      for (const auto& item : r->items) {
        const auto t = item.find("topic");
        if (t != item.end() && t->second.as_s() && mqtt::topic_matches(filter, *t->second.as_s())) {
          topics.push_back(*t->second.as_s());
        }
      }
    }
    for (const auto& topic : topics) {
      {
        std::lock_guard lock(self->mutex);
        self->acked.erase(client_id + '\n' + topic);
      }
      dynamo::DeleteItemRequest del;
      del.table_name = self->config.tables.acked;
      del.key["topic"] = AttributeValue::s(topic);
      del.key["clientid"] = AttributeValue::s(client_id);
      auto r = co_await client.delete_item(del);
      if (!r.ok()) {
        self->stats->hook_errors.fetch_add(1, std::memory_order_relaxed);
        spdlog::error("storage: on_acked_delete for '{}' on '{}' failed: {}", client_id, topic,
                      r.error().describe());
      }
    }
  });
}

}  // namespace dynamq::storage
