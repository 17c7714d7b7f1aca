// Request bodies per operation (parsed back and compared as JSON, so member order does not
// matter) and response decoding.
#include "dynamo/wire.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace dynamq::dynamo {
namespace {

namespace bj = boost::json;

void expect_json(const std::string& actual, std::string_view expected) {
  bj::error_code ec;
  auto a = bj::parse(actual, ec);
  ASSERT_FALSE(ec) << "not JSON: " << actual;
  EXPECT_EQ(a, bj::parse(expected)) << "actual:   " << actual << "\nexpected: " << expected;
}

TEST(WireEncode, CreateTableProvisionedAndOnDemand) {
  CreateTableRequest r;
  r.table_name = "mqtt_sub";
  r.attribute_definitions = {{"clientid", "S"}, {"topic", "S"}};
  r.key_schema = {{"clientid", KeyType::Hash}, {"topic", KeyType::Range}};
  expect_json(wire::encode(r), R"({"TableName":"mqtt_sub",
    "AttributeDefinitions":[{"AttributeName":"clientid","AttributeType":"S"},
                            {"AttributeName":"topic","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"clientid","KeyType":"HASH"},
                 {"AttributeName":"topic","KeyType":"RANGE"}],
    "BillingMode":"PROVISIONED",
    "ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}})");
  r.billing_mode = BillingMode::PayPerRequest;
  r.global_secondary_indexes = {{"by_topic", {{"topic", KeyType::Hash}}, {"KEYS_ONLY", {}}, {}}};
  expect_json(wire::encode(r), R"({"TableName":"mqtt_sub",
    "AttributeDefinitions":[{"AttributeName":"clientid","AttributeType":"S"},
                            {"AttributeName":"topic","AttributeType":"S"}],
    "KeySchema":[{"AttributeName":"clientid","KeyType":"HASH"},
                 {"AttributeName":"topic","KeyType":"RANGE"}],
    "BillingMode":"PAY_PER_REQUEST",
    "GlobalSecondaryIndexes":[{"IndexName":"by_topic",
        "KeySchema":[{"AttributeName":"topic","KeyType":"HASH"}],
        "Projection":{"ProjectionType":"KEYS_ONLY"}}]})");
}

TEST(WireEncode, SmallControlPlaneRequests) {
  expect_json(wire::encode(DescribeTableRequest{"t"}), R"({"TableName":"t"})");
  expect_json(wire::encode(DeleteTableRequest{"t"}), R"({"TableName":"t"})");
  expect_json(wire::encode(ListTablesRequest{}), "{}");
  expect_json(wire::encode(ListTablesRequest{"a", 10}),
              R"({"ExclusiveStartTableName":"a","Limit":10})");
  expect_json(
      wire::encode(UpdateTimeToLiveRequest{"t", "expiry", true}),
      R"({"TableName":"t","TimeToLiveSpecification":{"AttributeName":"expiry","Enabled":true}})");
}

TEST(WireEncode, PutItemWithConditionAndReturnValues) {
  PutItemRequest r;
  r.table_name = "mqtt_retain";
  r.item = {
      {"topic", "a/b"}, {"payload", AttributeValue::b("\x01\x02")}, {"qos", AttributeValue::n(1)}};
  expect_json(wire::encode(r), R"({"TableName":"mqtt_retain","Item":{
      "payload":{"B":"AQI="},"qos":{"N":"1"},"topic":{"S":"a/b"}}})");
  r.condition_expression = "attribute_not_exists(#t) OR #a < :a";
  r.names = {{"#t", "topic"}, {"#a", "arrived"}};
  r.values = {{":a", AttributeValue::n(5)}};
  r.return_values = ReturnValues::AllOld;
  expect_json(wire::encode(r), R"({"TableName":"mqtt_retain","Item":{
      "payload":{"B":"AQI="},"qos":{"N":"1"},"topic":{"S":"a/b"}},
      "ConditionExpression":"attribute_not_exists(#t) OR #a < :a",
      "ExpressionAttributeNames":{"#a":"arrived","#t":"topic"},
      "ExpressionAttributeValues":{":a":{"N":"5"}},
      "ReturnValues":"ALL_OLD"})");
}

TEST(WireEncode, GetUpdateDeleteItem) {
  GetItemRequest g{"t", {{"k", "v"}}, true, "#a, b", {{"#a", "a"}}};
  expect_json(wire::encode(g), R"({"TableName":"t","Key":{"k":{"S":"v"}},"ConsistentRead":true,
      "ProjectionExpression":"#a, b","ExpressionAttributeNames":{"#a":"a"}})");
  UpdateItemRequest u;
  u.table_name = "mqtt_topic_msg_map";
  u.key = {{"topic", "x"}};
  u.update_expression = "ADD #m :ids";
  u.names = {{"#m", "MsgId"}};
  u.values = {{":ids", AttributeValue::ss({"id1"})}};
  u.return_values = ReturnValues::UpdatedNew;
  expect_json(wire::encode(u), R"({"TableName":"mqtt_topic_msg_map","Key":{"topic":{"S":"x"}},
      "UpdateExpression":"ADD #m :ids","ExpressionAttributeNames":{"#m":"MsgId"},
      "ExpressionAttributeValues":{":ids":{"SS":["id1"]}},"ReturnValues":"UPDATED_NEW"})");
  DeleteItemRequest d;
  d.table_name = "t";
  d.key = {{"k", AttributeValue::n(3)}};
  d.condition_expression = "attribute_exists(k)";
  expect_json(wire::encode(d), R"j({"TableName":"t","Key":{"k":{"N":"3"}},
      "ConditionExpression":"attribute_exists(k)"})j");
}

TEST(WireEncode, QueryAndScan) {
  QueryRequest q;
  q.table_name = "mqtt_sub";
  q.key_condition_expression = "clientid = :c";
  q.filter_expression = "qos > :z";
  q.projection_expression = "topic, qos";
  q.values = {{":c", "c1"}, {":z", AttributeValue::n(0)}};
  q.limit = 10;
  q.scan_index_forward = false;
  q.exclusive_start_key = Item{{"clientid", "c1"}, {"topic", "t9"}};
  expect_json(wire::encode(q), R"({"TableName":"mqtt_sub","KeyConditionExpression":"clientid = :c",
      "FilterExpression":"qos > :z","ProjectionExpression":"topic, qos",
      "ExpressionAttributeValues":{":c":{"S":"c1"},":z":{"N":"0"}},"Limit":10,
      "ScanIndexForward":false,
      "ExclusiveStartKey":{"clientid":{"S":"c1"},"topic":{"S":"t9"}}})");
  ScanRequest s;
  s.table_name = "t";
  s.select = Select::Count;
  s.segment = 1;
  s.total_segments = 4;
  expect_json(wire::encode(s),
              R"({"TableName":"t","Select":"COUNT","Segment":1,"TotalSegments":4})");
}

TEST(WireEncode, BatchWriteAndBatchGet) {
  BatchWriteItemRequest w;
  w.request_items["mqtt_msg"] = {PutRequest{{{"msgid", "m1"}}}, DeleteRequest{{{"msgid", "m0"}}}};
  w.request_items["mqtt_acked"] = {PutRequest{{{"topic", "t"}, {"clientid", "c"}}}};
  EXPECT_EQ(w.size(), 3u);
  expect_json(wire::encode(w), R"({"RequestItems":{
      "mqtt_acked":[{"PutRequest":{"Item":{"clientid":{"S":"c"},"topic":{"S":"t"}}}}],
      "mqtt_msg":[{"PutRequest":{"Item":{"msgid":{"S":"m1"}}}},
                  {"DeleteRequest":{"Key":{"msgid":{"S":"m0"}}}}]}})");
  BatchGetItemRequest g;
  g.request_items["mqtt_msg"] = {
      {{{"msgid", "m1"}}, {{"msgid", "m2"}}}, "#p", {{"#p", "payload"}}, true};
  EXPECT_EQ(g.size(), 2u);
  expect_json(wire::encode(g), R"({"RequestItems":{"mqtt_msg":{
      "Keys":[{"msgid":{"S":"m1"}},{"msgid":{"S":"m2"}}],"ProjectionExpression":"#p",
      "ExpressionAttributeNames":{"#p":"payload"},"ConsistentRead":true}}})");
}

TEST(WireDecode, QueryPageWithLastEvaluatedKey) {
  auto r = wire::decode_body<QueryResponse>(R"({"Count":2,"ScannedCount":3,
      "Items":[{"topic":{"S":"a"}},{"topic":{"S":"b"},"qos":{"N":"1"}}],
      "LastEvaluatedKey":{"topic":{"S":"b"}}})");
  ASSERT_TRUE(r.ok()) << r.error().describe();
  EXPECT_EQ(r->count, 2);
  EXPECT_EQ(r->scanned_count, 3);
  ASSERT_EQ(r->items.size(), 2u);
  EXPECT_EQ(*r->items[1].at("qos").as_n(), "1");
  ASSERT_TRUE(r->last_evaluated_key);
  EXPECT_EQ(*r->last_evaluated_key->at("topic").as_s(), "b");
  auto last = wire::decode_body<QueryResponse>(R"({"Count":0,"ScannedCount":0,"Items":[]})");
  ASSERT_TRUE(last.ok());
  EXPECT_FALSE(last->last_evaluated_key);
}

TEST(WireDecode, GetItemPresentAndAbsent) {
  auto found = wire::decode_body<GetItemResponse>(R"({"Item":{"k":{"BOOL":true}}})");
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->item);
  EXPECT_EQ(*found->item->at("k").as_bool(), true);
  auto missing = wire::decode_body<GetItemResponse>("{}");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->item);
}

TEST(WireDecode, BatchUnprocessed) {
  auto w = wire::decode_body<BatchWriteItemResponse>(R"({"UnprocessedItems":{"t":[
      {"PutRequest":{"Item":{"k":{"S":"1"}}}},{"DeleteRequest":{"Key":{"k":{"S":"2"}}}}]}})");
  ASSERT_TRUE(w.ok()) << w.error().describe();
  EXPECT_EQ(w->unprocessed_count(), 2u);
  EXPECT_TRUE(std::holds_alternative<DeleteRequest>(w->unprocessed_items.at("t")[1]));
  auto empty = wire::decode_body<BatchWriteItemResponse>(R"({"UnprocessedItems":{}})");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->unprocessed_count(), 0u);
  auto g = wire::decode_body<BatchGetItemResponse>(R"({"Responses":{"t":[{"k":{"S":"1"}}]},
      "UnprocessedKeys":{"t":{"Keys":[{"k":{"S":"2"}}],"ConsistentRead":true}}})");
  ASSERT_TRUE(g.ok()) << g.error().describe();
  EXPECT_EQ(g->responses.at("t").size(), 1u);
  EXPECT_EQ(g->unprocessed_count(), 1u);
  EXPECT_TRUE(g->unprocessed_keys.at("t").consistent_read);
}

TEST(WireDecode, TableDescriptionAndListTables) {
  auto d = wire::decode_body<DescribeTableResponse>(R"({"Table":{"TableName":"mqtt_sub",
      "TableStatus":"ACTIVE","ItemCount":3,
      "KeySchema":[{"AttributeName":"clientid","KeyType":"HASH"},{"AttributeName":"topic","KeyType":"RANGE"}],
      "AttributeDefinitions":[{"AttributeName":"clientid","AttributeType":"S"}],
      "ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":7},
      "BillingModeSummary":{"BillingMode":"PROVISIONED"}}})");
  ASSERT_TRUE(d.ok()) << d.error().describe();
  EXPECT_EQ(d->table.table_status, "ACTIVE");
  EXPECT_EQ(d->table.item_count, 3);
  ASSERT_EQ(d->table.key_schema.size(), 2u);
  EXPECT_EQ(d->table.key_schema[1].key_type, KeyType::Range);
  EXPECT_EQ(d->table.throughput->write_capacity_units, 7);
  EXPECT_EQ(d->table.billing_mode, BillingMode::Provisioned);
  auto c = wire::decode_body<CreateTableResponse>(
      R"({"TableDescription":{"TableName":"x","TableStatus":"CREATING"}})");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->table.table_status, "CREATING");
  auto l = wire::decode_body<ListTablesResponse>(
      R"({"TableNames":["a","b"],"LastEvaluatedTableName":"b"})");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->table_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(l->last_evaluated_table_name, "b");
}

TEST(WireDecode, MalformedBodiesAreBadResponse) {
  auto notjson = wire::decode_body<QueryResponse>("<html>");
  ASSERT_FALSE(notjson.ok());
  EXPECT_EQ(notjson.error().type, Error::kBadResponse);
  auto badtype = wire::decode_body<QueryResponse>(R"({"Items":[{"k":{"Z":"1"}}]})");
  ASSERT_FALSE(badtype.ok());
  EXPECT_NE(badtype.error().message.find("Items"), std::string::npos);
  EXPECT_FALSE(wire::decode_body<DescribeTableResponse>("{}").ok());
}

}  // namespace
}  // namespace dynamq::dynamo
