#include "storage/write_op.hpp"

#include <gtest/gtest.h>

#include "storage/msgid_codec.hpp"

namespace dynamq::storage {
namespace {

WriteOp put(const std::string& table, const std::string& key) {
  WriteOp op;
  op.kind = WriteOp::Kind::put;
  op.table = table;
  op.key = key;
  op.item["k"] = dynamo::AttributeValue::s(key);
  return op;
}
WriteOp erase(const std::string& table, const std::string& key) {
  auto op = put(table, key);
  op.kind = WriteOp::Kind::erase;
  return op;
}
WriteOp set_op(WriteOp::Kind kind, const std::string& topic, const std::string& id) {
  WriteOp op;
  op.kind = kind;
  op.table = "mqtt_topic_msg_map";
  op.topic = topic;
  op.msgid = id;
  return op;
}

TEST(PlanItemWrites, CutsIntoBatchesOf25InQueueOrder) {
  std::vector<WriteOp> ops;
  for (int i = 0; i < 60; ++i) ops.push_back(put("mqtt_msg", "id" + std::to_string(i)));
  const auto plan = plan_item_writes(ops);
  ASSERT_EQ(plan.batches.size(), 3U);
  EXPECT_EQ(plan.batches[0].size(), 25U);
  EXPECT_EQ(plan.batches[1].size(), 25U);
  EXPECT_EQ(plan.batches[2].size(), 10U);
  EXPECT_EQ(plan.batches[0].front(), 0U);
  EXPECT_EQ(plan.batches[2].back(), 59U);
  EXPECT_TRUE(plan.superseded.empty());
  const auto request = make_batch_request(ops, plan.batches[0]);
  EXPECT_EQ(request.size(), 25U);
}

TEST(PlanItemWrites, LastWriteOfAnItemWins) {
  std::vector<WriteOp> ops;
  ops.push_back(put("mqtt_retain", "t"));
  ops.push_back(put("mqtt_msg", "t"));  // same key, other table: distinct
  ops.push_back(erase("mqtt_retain", "t"));
  ops.push_back(put("mqtt_retain", "t"));
  const auto plan = plan_item_writes(ops);
  ASSERT_EQ(plan.batches.size(), 1U);
  EXPECT_EQ(plan.batches[0], (std::vector<std::size_t>{1, 3}));
  EXPECT_EQ(plan.superseded, (std::vector<std::size_t>{0, 2}));
  const auto request = make_batch_request(ops, plan.batches[0]);
  EXPECT_EQ(request.request_items.at("mqtt_retain").size(), 1U);
  EXPECT_TRUE(
      std::holds_alternative<dynamo::PutRequest>(request.request_items.at("mqtt_retain")[0]));
}

TEST(PlanSetUpdates, CoalescesPerTopicAndCancelsAddThenRemove) {
  std::vector<WriteOp> ops;
  ops.push_back(set_op(WriteOp::Kind::add_id, "a", "1"));
  ops.push_back(set_op(WriteOp::Kind::add_id, "b", "2"));
  ops.push_back(set_op(WriteOp::Kind::add_id, "a", "3"));
  ops.push_back(set_op(WriteOp::Kind::remove_id, "a", "3"));
  ops.push_back(set_op(WriteOp::Kind::remove_id, "b", "9"));
  const auto updates = plan_set_updates(ops);
  ASSERT_EQ(updates.size(), 2U);
  EXPECT_EQ(updates[0].topic, "a");
  EXPECT_EQ(updates[0].add, (std::vector<std::string>{"1"}));
  EXPECT_TRUE(updates[0].remove.empty());
  EXPECT_EQ(updates[0].ops.size(), 3U);
  EXPECT_EQ(updates[1].add, (std::vector<std::string>{"2"}));
  EXPECT_EQ(updates[1].remove, (std::vector<std::string>{"9"}));
}

TEST(SetRequests, AddWithTtlAndDelete) {
  SetUpdateOptions options;
  options.ttl_attribute = "expires_at";
  options.expires_at = 1234;
  const auto add = make_add_request("mqtt_topic_msg_map", "t", {"x", "y"}, options);
  EXPECT_EQ(add.update_expression, "ADD #ids :ids SET #ttl = :exp");
  EXPECT_EQ(add.names.at("#ids"), "MsgId");
  EXPECT_EQ(add.values.at(":ids").as_ss()->size(), 2U);
  EXPECT_EQ(*add.values.at(":exp").as_n(), "1234");
  EXPECT_EQ(*add.key.at("topic").as_s(), "t");
  const auto remove = make_remove_request("mqtt_topic_msg_map", "t", {"x"});
  EXPECT_EQ(remove.update_expression, "DELETE #ids :ids");
}

TEST(OldestBeyond, TrimsByDecodedIdNotByText) {
  std::vector<std::string> ids;
  for (std::uint64_t t : {5ULL, 1ULL, 4ULL, 2ULL, 3ULL}) {
    ids.push_back(encode_msgid(broker::MessageId{1700000000000000ULL + t * 1000003ULL, t}));
  }
  const auto trimmed = oldest_beyond(ids, 3);
  ASSERT_EQ(trimmed.size(), 2U);
  EXPECT_EQ(trimmed[0], ids[1]);
  EXPECT_EQ(trimmed[1], ids[3]);
  EXPECT_TRUE(oldest_beyond(ids, 5).empty());
}

}  // namespace
}  // namespace dynamq::storage
