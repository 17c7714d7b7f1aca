#include "storage/message_codec.hpp"

#include <gtest/gtest.h>

#include "storage/msgid_codec.hpp"

namespace dynamq::storage {
namespace {

broker::Message seed_message() {
  broker::Message m;
  m.id = *decode_msgid("Mjg4MTk1MDYwNTk0NjYwNzYzMTg4MDk3OTQ2MDU2Nzg1OTD");
  m.topic = "test";
  m.sender_client_id = "mqttjs_231b962d5c";
  m.qos = 1;
  m.payload = mqtt::Payload(std::string(R"({ "msg": "Hello, World!" })"));
  return m;
}

TEST(MessageCodec, WritesTheSeedAttributes) {
  const auto item = message_item(seed_message());
  ASSERT_EQ(item.size(), 7U);
  EXPECT_EQ(*item.at("msgid").as_s(), "Mjg4MTk1MDYwNTk0NjYwNzYzMTg4MDk3OTQ2MDU2Nzg1OTA");
  EXPECT_EQ(*item.at("topic").as_s(), "test");
  EXPECT_EQ(*item.at("sender").as_s(), "mqttjs_231b962d5c");
  EXPECT_EQ(*item.at("qos").as_n(), "1");
  EXPECT_EQ(*item.at("retain").as_n(), "0");
  EXPECT_EQ(*item.at("payload").as_s(), R"({ "msg": "Hello, World!" })");
  EXPECT_EQ(*item.at("arrived").as_n(), "1562308553");
}

TEST(MessageCodec, RoundTripsTextBinaryAndEmptyPayloads) {
  for (const std::string& payload :
       {std::string("h\xc3\xa9llo"), std::string("\xff\xfe\x00\x01", 4), std::string()}) {
    auto m = seed_message();
    m.payload = mqtt::Payload(payload);
    m.retain = true;
    const auto item = message_item(m);
    const auto& p = item.at("payload");
    if (payload.empty()) {
      EXPECT_TRUE(p.is_null());
    } else if (is_utf8(payload)) {
      EXPECT_NE(p.as_s(), nullptr);
    } else {
      ASSERT_NE(p.as_b(), nullptr);
    }
    const auto back = message_from_item(item);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->payload.view(), payload);
    EXPECT_EQ(back->id, m.id);
    EXPECT_TRUE(back->retain);
    EXPECT_EQ(back->qos, 1);
    EXPECT_EQ(back->topic, "test");
  }
}

TEST(MessageCodec, ReadsTheSeedItemWithItsOwnMsgid) {
  dynamo::Item item;
  item["msgid"] = dynamo::AttributeValue::s("Mjg4MTk1NzE3MTY4MjYxMjA5MDExMDg0NTk5ODgzMjAyNTH");
  item["topic"] = dynamo::AttributeValue::s("testtopic");
  item["qos"] = dynamo::AttributeValue::n(1);
  item["retain"] = dynamo::AttributeValue::n(1);
  item["payload"] = dynamo::AttributeValue::s("test");
  item["arrived"] = dynamo::AttributeValue::n(1562312113);
  const auto m = message_from_item(item);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(arrived_seconds(m->id), 1562312113);
  EXPECT_EQ(m->payload.view(), "test");
  EXPECT_TRUE(m->retain);
}

TEST(MessageCodec, ExplainsMalformedItems) {
  std::string why;
  dynamo::Item item = message_item(seed_message());
  item.erase("topic");
  EXPECT_FALSE(message_from_item(item, &why));
  EXPECT_NE(why.find("topic"), std::string::npos);
  item = message_item(seed_message());
  item["msgid"] = dynamo::AttributeValue::s("%%%");
  EXPECT_FALSE(message_from_item(item, &why));
  EXPECT_NE(why.find("msgid"), std::string::npos);
  item = message_item(seed_message());
  item["qos"] = dynamo::AttributeValue::n(7);
  EXPECT_FALSE(message_from_item(item, &why));
}

TEST(MessageCodec, TtlAttributeIsArrivedPlusTtl) {
  ItemOptions options;
  options.ttl = std::chrono::hours(1);
  options.ttl_attribute = "expires_at";
  const auto item = message_item(seed_message(), options);
  EXPECT_EQ(*item.at("expires_at").as_n(), std::to_string(1562308553 + 3600));
}

TEST(MessageCodec, ItemSizeGrowsWithThePayload) {
  auto m = seed_message();
  m.payload = mqtt::Payload(std::string(kMaxItemBytes, 'x'));
  EXPECT_GT(item_size(message_item(m)), kMaxItemBytes);
  m.payload = mqtt::Payload(std::string(1000, 'x'));
  const auto size = item_size(message_item(m));
  EXPECT_GT(size, 1000U);
  EXPECT_LT(size, 1200U);
}

TEST(Utf8, RejectsMalformedSequences) {
  EXPECT_TRUE(is_utf8("plain"));
  EXPECT_TRUE(is_utf8("\xe4\xb8\xad\xe6\x96\x87"));
  EXPECT_TRUE(is_utf8("\xf0\x9f\x98\x80"));
  EXPECT_FALSE(is_utf8("\xc3"));              // truncated
  EXPECT_FALSE(is_utf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(is_utf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(is_utf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(is_utf8("\xff"));
}

}  // namespace
}  // namespace dynamq::storage
