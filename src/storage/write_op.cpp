#include "storage/write_op.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "storage/msgid_codec.hpp"

namespace dynamq::storage {

using dynamo::AttributeValue;

ItemPlan plan_item_writes(const std::vector<WriteOp>& ops, std::size_t max_batch) {
  ItemPlan plan;
  // The last op per item wins: a retained message replaced twice, or a message stored and
  // consumed within one generation, is written once (BatchWriteItem also refuses
  // duplicate keys in one request).
  std::unordered_map<std::string, std::size_t> last;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    if (op.kind != WriteOp::Kind::put && op.kind != WriteOp::Kind::erase) continue;
    const std::string id = op.table + '\n' + op.key;
    if (auto [it, inserted] = last.try_emplace(id, i); !inserted) {
      plan.superseded.push_back(it->second);
      it->second = i;
    }
  }
  std::vector<std::size_t> winners;
  winners.reserve(last.size());
  for (const auto& [id, index] : last) winners.push_back(index);
  std::sort(winners.begin(), winners.end());  // keep the queue's order
  for (std::size_t i = 0; i < winners.size(); i += max_batch) {
    plan.batches.emplace_back(
        winners.begin() + static_cast<std::ptrdiff_t>(i),
        winners.begin() + static_cast<std::ptrdiff_t>(std::min(winners.size(), i + max_batch)));
  }
  std::sort(plan.superseded.begin(), plan.superseded.end());
  return plan;
}

dynamo::BatchWriteItemRequest make_batch_request(const std::vector<WriteOp>& ops,
                                                 const std::vector<std::size_t>& batch) {
  dynamo::BatchWriteItemRequest request;
  for (const auto index : batch) {
    const auto& op = ops[index];
    auto& writes = request.request_items[op.table];
    if (op.kind == WriteOp::Kind::put) {
      writes.emplace_back(dynamo::PutRequest{op.item});
    } else {
      writes.emplace_back(dynamo::DeleteRequest{op.item});
    }
  }
  return request;
}

std::vector<SetUpdate> plan_set_updates(const std::vector<WriteOp>& ops) {
  std::map<std::pair<std::string, std::string>, SetUpdate> by_topic;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> added;
  std::map<std::pair<std::string, std::string>, std::set<std::string>> removed;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto& op = ops[i];
    if (op.kind != WriteOp::Kind::add_id && op.kind != WriteOp::Kind::remove_id) continue;
    const auto key = std::make_pair(op.table, op.topic);
    auto& update = by_topic[key];
    update.table = op.table;
    update.topic = op.topic;
    update.ops.push_back(i);
    if (op.kind == WriteOp::Kind::add_id) {
      added[key].insert(op.msgid);
    } else {
      removed[key].insert(op.msgid);
    }
  }
  std::vector<SetUpdate> out;
  for (auto& [key, update] : by_topic) {
    const auto& adds = added[key];
    const auto& removes = removed[key];
    // An id added and removed in one generation (stored, then consumed or trimmed before
    // the set was written) needs neither write: removals always come after the add.
    for (const auto& id : adds) {
      if (!removes.contains(id)) update.add.push_back(id);
    }
    for (const auto& id : removes) {
      if (!adds.contains(id)) update.remove.push_back(id);
    }
    out.push_back(std::move(update));
  }
  return out;
}

dynamo::UpdateItemRequest make_add_request(const std::string& table, const std::string& topic,
                                           const std::vector<std::string>& ids,
                                           const SetUpdateOptions& options) {
  dynamo::UpdateItemRequest r;
  r.table_name = table;
  r.key["topic"] = AttributeValue::s(topic);
  r.update_expression = "ADD #ids :ids";
  r.names["#ids"] = "MsgId";
  r.values[":ids"] = AttributeValue::ss(ids);
  if (!options.ttl_attribute.empty()) {
    r.update_expression += " SET #ttl = :exp";
    r.names["#ttl"] = options.ttl_attribute;
    r.values[":exp"] = AttributeValue::n(options.expires_at);
  }
  if (options.return_new) r.return_values = dynamo::ReturnValues::UpdatedNew;
  return r;
}

dynamo::UpdateItemRequest make_remove_request(const std::string& table, const std::string& topic,
                                              const std::vector<std::string>& ids) {
  dynamo::UpdateItemRequest r;
  r.table_name = table;
  r.key["topic"] = AttributeValue::s(topic);
  r.update_expression = "DELETE #ids :ids";
  r.names["#ids"] = "MsgId";
  r.values[":ids"] = AttributeValue::ss(ids);
  return r;
}

std::vector<std::string> oldest_beyond(const std::vector<std::string>& ids, std::size_t keep) {
  if (ids.size() <= keep) return {};
  std::vector<std::pair<broker::MessageId, const std::string*>> decoded;
  decoded.reserve(ids.size());
  for (const auto& id : ids) {
    // An id that does not decode (written by something else) sorts first: trimmed first.
    decoded.emplace_back(decode_msgid(id).value_or(broker::MessageId{}), &id);
  }
  std::sort(decoded.begin(), decoded.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (std::size_t i = 0; i < ids.size() - keep; ++i) out.push_back(*decoded[i].second);
  return out;
}

}  // namespace dynamq::storage
