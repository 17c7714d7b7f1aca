// One queued write of the storage writer, and the pure planning of a generation of them:
// item writes deduplicated per key (last one wins) and cut into BatchWriteItem requests of
// at most 25, MsgId set changes coalesced into one UpdateItem per topic (adds and removes of
// the same id in one generation cancel out). No I/O here: unit-tested on its own.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dynamo/batch_ops.hpp"
#include "dynamo/item_ops.hpp"

namespace dynamq::storage {

// What an op is for: counters and log lines.
enum class WritePurpose { message, retain_put, retain_delete, consume, trim };

struct WriteOp {
  enum class Kind { put, erase, add_id, remove_id };
  Kind kind = Kind::put;
  WritePurpose purpose = WritePurpose::message;
  std::string table;  // put/erase: the item's table; add_id/remove_id: mqtt_topic_msg_map
  std::string key;    // put/erase: the key value that identifies the item (msgid or topic)
  dynamo::Item item;  // put: the item; erase: its key
  std::string topic;  // add_id/remove_id: the set's topic; else the message's topic (logs)
  std::string msgid;  // the message id (seed form) the op is about; "" for a retain delete
  // Follows this op once it succeeded (the id is added to the set once the message is in
  // mqtt_msg, so a fetch never finds an id without its message).
  std::unique_ptr<WriteOp> then;
  // Called once with the outcome of the whole chain; may be empty.
  std::function<void(bool ok)> done;
  int attempts = 0;
};

struct ItemPlan {
  // Indices into the generation's ops; each batch has <= 25 distinct (table, key).
  std::vector<std::vector<std::size_t>> batches;
  // put/erase ops overwritten by a later op on the same item in this generation.
  std::vector<std::size_t> superseded;
};
ItemPlan plan_item_writes(const std::vector<WriteOp>& ops,
                          std::size_t max_batch = dynamo::kMaxBatchWriteItems);
dynamo::BatchWriteItemRequest make_batch_request(const std::vector<WriteOp>& ops,
                                                 const std::vector<std::size_t>& batch);

struct SetUpdate {
  std::string table;
  std::string topic;
  std::vector<std::string> add;     // ids to ADD
  std::vector<std::string> remove;  // ids to DELETE
  std::vector<std::size_t> ops;     // the add_id/remove_id ops served (netted ones included)
};
std::vector<SetUpdate> plan_set_updates(const std::vector<WriteOp>& ops);

struct SetUpdateOptions {
  std::string ttl_attribute;  // empty: no TTL
  std::int64_t expires_at = 0;
  bool return_new = true;  // UPDATED_NEW, to learn the set size for trimming
};
// "ADD MsgId :ids [SET #ttl = :exp]" or "DELETE MsgId :ids".
dynamo::UpdateItemRequest make_add_request(const std::string& table, const std::string& topic,
                                           const std::vector<std::string>& ids,
                                           const SetUpdateOptions& options);
dynamo::UpdateItemRequest make_remove_request(const std::string& table, const std::string& topic,
                                              const std::vector<std::string>& ids);

// The oldest ids (by their decoded 128-bit value) to trim so that at most `keep` remain.
std::vector<std::string> oldest_beyond(const std::vector<std::string>& ids, std::size_t keep);

}  // namespace dynamq::storage
