#include "storage/rule_set.hpp"

#include <gtest/gtest.h>

#include "config/kv_file.hpp"

namespace dynamq::storage {
namespace {

BackendConfig config_of(const std::string& text) {
  return parse_backend_config(config::parse_kv_text(text, "test.conf"));
}

TEST(RuleSet, DispatchesByHookPointTopicAndOrder) {
  const auto config = config_of(
      "backend.dynamo.region = us-west-2\n"
      "backend.dynamo.pool1.server = http://127.0.0.1:8000\n"
      "backend.dynamo.pool2.server = http://127.0.0.1:8001\n"
      "backend.dynamo.hook.message.publish.2 = {\"topic\": \"a/#\", \"action\": {\"function\": "
      "\"on_message_retain\"}, \"pool\": \"pool2\"}\n"
      "backend.dynamo.hook.message.publish.1 = {\"topic\": \"#\", \"action\": {\"function\": "
      "\"on_message_publish\"}, \"pool\": \"pool1\"}\n"
      "backend.dynamo.hook.session.subscribed.1 = {\"topic\": \"a/b\", \"action\": {\"function\": "
      "\"on_message_fetch_for_queue\"}, \"pool\": \"pool1\"}\n");
  const RuleSet rules(config);
  const auto on_a = rules.for_topic(HookPoint::message_publish, "a/x");
  ASSERT_EQ(on_a.size(), 2U);
  EXPECT_EQ(on_a[0]->function, Function::on_message_publish);
  EXPECT_EQ(on_a[1]->function, Function::on_message_retain);
  EXPECT_EQ(on_a[1]->pool, 1U);
  const auto on_b = rules.for_topic(HookPoint::message_publish, "b");
  ASSERT_EQ(on_b.size(), 1U);
  EXPECT_EQ(on_b[0]->function, Function::on_message_publish);
  EXPECT_EQ(rules.for_filter(HookPoint::session_subscribed, "a/+").size(), 1U);
  EXPECT_EQ(rules.for_filter(HookPoint::session_subscribed, "c/#").size(), 0U);
  EXPECT_TRUE(rules.uses(Function::on_message_retain));
  EXPECT_FALSE(rules.uses(Function::on_message_store));
}

}  // namespace
}  // namespace dynamq::storage
