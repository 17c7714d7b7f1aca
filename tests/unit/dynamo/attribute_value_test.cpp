// AttributeValue <-> DynamoDB JSON: every type, non-ASCII and binary, exact round trip.
#include "dynamo/attribute_value.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "dynamo/json_writer.hpp"

namespace dynamq::dynamo {
namespace {

namespace bj = boost::json;

AttributeValue round_trip(const AttributeValue& v) {
  std::string text = bj::serialize(to_json(v));
  std::string why;
  auto back = attribute_from_json(bj::parse(text), &why);
  EXPECT_TRUE(back.has_value()) << why << " in " << text;
  return back.value_or(AttributeValue::s("<failed>"));
}

std::string binary_all_bytes() {
  std::string b;
  for (int i = 0; i < 256; ++i) b += static_cast<char>(i);
  return b;
}

TEST(AttributeValue, EveryTypeRoundTrips) {
  Item nested{{"n", AttributeValue::n("1")}, {"s", "x"}};
  std::vector<AttributeValue> values = {
      AttributeValue::s("plain"),
      AttributeValue::s("传感器/温度 Grüße 🚀"),
      AttributeValue::s(std::string("nul\0inside\"quote\\back\nline\x01", 27)),
      AttributeValue::s(""),
      AttributeValue::n("12345678901234567890123456789012345678"),  // 38 digits: no double
      AttributeValue::n("-1.5E-130"),
      AttributeValue::b(binary_all_bytes()),
      AttributeValue::b(""),
      AttributeValue::ss({"a", "ü", "🚀"}),
      AttributeValue::ns({"1", "2.5", "-3"}),
      AttributeValue::bs({std::string("\x00\xff", 2), "abc"}),
      AttributeValue::boolean(true),
      AttributeValue::boolean(false),
      AttributeValue::null(),
      AttributeValue::m(nested),
      AttributeValue::m({}),
      AttributeValue::l({AttributeValue::s("x"), AttributeValue::n(7), AttributeValue::m(nested),
                         AttributeValue::l({AttributeValue::null()})}),
      AttributeValue::l({}),
  };
  for (const auto& v : values) {
    SCOPED_TRACE(bj::serialize(to_json(v)));
    EXPECT_EQ(round_trip(v), v);
  }
}

TEST(AttributeValue, WireFormatMatchesDynamoDb) {
  EXPECT_EQ(bj::serialize(to_json(AttributeValue::s("a"))), R"({"S":"a"})");
  EXPECT_EQ(bj::serialize(to_json(AttributeValue::n(42))), R"({"N":"42"})");
  EXPECT_EQ(bj::serialize(to_json(AttributeValue::b("foob"))), R"({"B":"Zm9vYg=="})");
  EXPECT_EQ(bj::serialize(to_json(AttributeValue::bs({"f", "fo"}))), R"({"BS":["Zg==","Zm8="]})");
  EXPECT_EQ(bj::serialize(to_json(AttributeValue::boolean(false))), R"({"BOOL":false})");
  EXPECT_EQ(bj::serialize(to_json(AttributeValue::null())), R"({"NULL":true})");
  EXPECT_EQ(bj::serialize(to_json(AttributeValue::l({AttributeValue::s("x")}))),
            R"({"L":[{"S":"x"}]})");
  EXPECT_EQ(bj::serialize(to_json(Item{{"k", AttributeValue::m({{"a", AttributeValue::n(1)}})}})),
            R"({"k":{"M":{"a":{"N":"1"}}}})");
}

TEST(AttributeValue, JsonWriterEscapesControlCharactersAndKeepsUtf8) {
  std::string out;
  json::write_string(out, std::string("a\"b\\c\n\x1f\x7f é", 11));
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\n\\u001f\x7f é\"");
  // What we write is what a JSON parser reads back.
  EXPECT_EQ(bj::parse(out).as_string(), std::string("a\"b\\c\n\x1f\x7f é", 11));
}

TEST(AttributeValue, DecodesWhatTheServiceSends) {
  auto v = attribute_from_json(bj::parse(R"({"M":{"topic":{"S":"\u4f20"},"qos":{"N":"1"}}})"));
  ASSERT_TRUE(v);
  const Item* m = v->as_m();
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(*m->at("topic").as_s(), "传");
  EXPECT_EQ(m->at("qos").as_int(), 1);
}

TEST(AttributeValue, RejectsMalformedInput) {
  std::string why;
  for (const char* bad :
       {R"({})", R"({"S":"a","N":"1"})", R"({"X":"a"})", R"({"S":1})", R"({"B":"not base64!"})",
        R"({"SS":"a"})", R"({"NS":[1]})", R"({"BOOL":"true"})", R"({"L":{}})",
        R"({"M":{"a":{"Q":1}}})", R"("S")"}) {
    SCOPED_TRACE(bad);
    why.clear();
    EXPECT_FALSE(attribute_from_json(bj::parse(bad), &why));
    EXPECT_FALSE(why.empty());
  }
  EXPECT_FALSE(item_from_json(bj::parse("[]"), &why));
}

TEST(AttributeValue, TypedAccessorsAreExclusive) {
  auto s = AttributeValue::s("1");
  auto n = AttributeValue::n("1");
  EXPECT_NE(s, n);  // S "1" is not N 1
  EXPECT_NE(s.as_s(), nullptr);
  EXPECT_EQ(s.as_n(), nullptr);
  EXPECT_EQ(n.as_s(), nullptr);
  EXPECT_EQ(n.type(), AttributeType::N);
  EXPECT_EQ(AttributeValue::n("1.5").as_int(), std::nullopt);
  EXPECT_EQ(*AttributeValue::n(std::uint64_t{18446744073709551615u}).as_n(),
            "18446744073709551615");
  EXPECT_TRUE(AttributeValue().is_null());
  EXPECT_EQ(to_string(AttributeType::NUL), "NULL");
}

}  // namespace
}  // namespace dynamq::dynamo
