// The storage config: the seed's file verbatim, dynamq's own keys, and one exact
// "file:line: what" message per error class of SPEC.md §1.
#include "storage/backend_config.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace dynamq::storage {
namespace {

using config::ConfigError;
using config::parse_kv_text;

constexpr const char* kSecret = "TZt7XoRi+vtCJYQ9YsAinh19jR1rngm/hxZMWR2P";

BackendConfig parse(const std::string& text) {
  return parse_backend_config(parse_kv_text(text, "dynamo.conf"));
}

// The error line for `text`, or "" when it parses.
std::string error_of(const std::string& text) {
  try {
    (void)parse(text);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

const std::string kPool =
    "backend.dynamo.region = us-west-2\n"
    "backend.dynamo.pool1.server = http://localhost:8000\n";

TEST(BackendConfig, SeedFileParsesVerbatim) {
  const auto c = load_backend_config(DYNAMQ_SOURCE_DIR "/etc/plugins/dynamo.conf");
  EXPECT_EQ(c.region, "us-west-2");
  ASSERT_EQ(c.pools.size(), 1u);
  const auto& p = c.pools[0];
  EXPECT_EQ(p.name, "pool1");
  EXPECT_EQ(p.server, "http://localhost:8000");
  EXPECT_EQ(p.host, "localhost");
  EXPECT_EQ(p.port, 8000);
  EXPECT_FALSE(p.tls);
  EXPECT_EQ(p.pool_size, 8u);
  EXPECT_EQ(p.access_key_id, "AKIAU5IM2XOC7AQWG7HK");
  EXPECT_EQ(p.secret_access_key.reveal(), kSecret);

  ASSERT_EQ(c.rules.size(), 10u);
  // Sorted by hook point, then <n>.
  const auto subscribed = c.rules_for(HookPoint::session_subscribed);
  ASSERT_EQ(subscribed.size(), 2u);
  EXPECT_EQ(subscribed[0]->function, Function::on_message_fetch_for_queue);
  EXPECT_EQ(subscribed[1]->function, Function::on_retain_lookup);
  EXPECT_EQ(subscribed[0]->topic, std::optional<std::string>("#"));
  const auto publish = c.rules_for(HookPoint::message_publish);
  ASSERT_EQ(publish.size(), 3u);
  EXPECT_EQ(publish[0]->function, Function::on_message_publish);
  EXPECT_EQ(publish[1]->function, Function::on_message_retain);
  EXPECT_EQ(publish[2]->function, Function::on_retain_delete);
  const auto created = c.rules_for(HookPoint::session_created);
  ASSERT_EQ(created.size(), 1u);
  EXPECT_EQ(created[0]->function, Function::on_subscribe_lookup);
  EXPECT_FALSE(created[0]->topic.has_value());  // no "topic": every topic
  EXPECT_EQ(created[0]->pool, "pool1");
  EXPECT_EQ(created[0]->line, 18);  // line numbers of the file itself

  // Defaults of dynamq's own keys.
  EXPECT_EQ(c.write_mode, WriteMode::async);
  EXPECT_EQ(c.billing_mode, BillingMode::provisioned);
  EXPECT_EQ(c.read_capacity, 5u);
  EXPECT_EQ(c.tables.topic_msg_map, "mqtt_topic_msg_map");
  EXPECT_FALSE(c.msg_ttl.has_value());
}

TEST(BackendConfig, RulesRunInOrderOfTheirNumberNotTheirLine) {
  const auto c =
      parse(kPool +
            "backend.dynamo.hook.message.publish.10 = "
            "{\"action\": {\"function\": \"on_retain_delete\"}, \"pool\": \"pool1\"}\n"
            "backend.dynamo.hook.message.publish.2 = "
            "{\"action\": {\"function\": \"on_message_retain\"}, \"pool\": \"pool1\"}\n");
  const auto rules = c.rules_for(HookPoint::message_publish);
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0]->order, 2u);
  EXPECT_EQ(rules[0]->function, Function::on_message_retain);
  EXPECT_EQ(rules[1]->order, 10u);
}

TEST(BackendConfig, OwnKeys) {
  const auto c = parse(kPool +
                       "backend.dynamo.write_mode = sync\n"
                       "backend.dynamo.billing_mode = on_demand\n"
                       "backend.dynamo.read_capacity = 7\n"
                       "backend.dynamo.write_capacity = 9\n"
                       "backend.dynamo.table_prefix = prod_\n"
                       "backend.dynamo.table.mqtt_msg = messages\n"
                       "backend.dynamo.msg_ttl = 7d\n"
                       "backend.dynamo.ttl_attribute = ttl\n"
                       "backend.dynamo.max_ids_per_topic = 500\n"
                       "backend.dynamo.max_pending_writes = 2000\n"
                       "backend.dynamo.request_timeout = 3s\n"
                       "backend.dynamo.max_attempts = 4\n"
                       "backend.dynamo.max_backoff = 2s\n"
                       "backend.dynamo.pool1.pool_size = 16\n");
  EXPECT_EQ(c.write_mode, WriteMode::sync);
  EXPECT_EQ(c.billing_mode, BillingMode::on_demand);
  EXPECT_EQ(c.read_capacity, 7u);
  EXPECT_EQ(c.write_capacity, 9u);
  EXPECT_EQ(c.tables.client, "prod_mqtt_client");
  EXPECT_EQ(c.tables.acked, "prod_mqtt_acked");
  EXPECT_EQ(c.tables.msg, "messages");  // an explicit name wins over the prefix
  EXPECT_EQ(c.msg_ttl, std::chrono::seconds(7 * 86400));
  EXPECT_EQ(c.ttl_attribute, "ttl");
  EXPECT_EQ(c.max_ids_per_topic, 500u);
  EXPECT_EQ(c.max_pending_writes, 2000u);
  EXPECT_EQ(c.request_timeout, std::chrono::milliseconds(3000));
  EXPECT_EQ(c.max_attempts, 4u);
  EXPECT_EQ(c.max_backoff, std::chrono::milliseconds(2000));
  EXPECT_EQ(c.pools[0].pool_size, 16u);
  EXPECT_TRUE(c.pools[0].access_key_id.empty());  // no static keys: credential chain
}

TEST(BackendConfig, Endpoints) {
  auto c = parse("backend.dynamo.p.server = https://dynamodb.eu-west-1.amazonaws.com\n");
  EXPECT_TRUE(c.pools[0].tls);
  EXPECT_EQ(c.pools[0].port, 443);
  EXPECT_EQ(c.pools[0].host, "dynamodb.eu-west-1.amazonaws.com");
  c = parse("backend.dynamo.p.server = http://[::1]:8001/\n");
  EXPECT_EQ(c.pools[0].host, "::1");
  EXPECT_EQ(c.pools[0].port, 8001);
  c = parse("backend.dynamo.p.server = http://127.0.0.1\n");
  EXPECT_EQ(c.pools[0].port, 80);
}

TEST(BackendConfig, OfflineOpts) {
  const auto c = parse(kPool +
                       "backend.dynamo.hook.session.subscribed.1 = {\"topic\": \"a/+/c\", "
                       "\"action\": {\"function\": \"on_message_fetch_for_queue\"}, \"pool\": "
                       "\"pool1\", \"offline_opts\": {\"max_returned_count\": 500, "
                       "\"time_range\": \"2h\"}}\n"
                       "backend.dynamo.hook.session.subscribed.2 = {\"action\": {\"function\": "
                       "\"on_message_fetch_for_pubsub\"}, \"offline_opts\": {\"time_range\": "
                       "\"30m\"}}\n");
  ASSERT_EQ(c.rules.size(), 2u);
  EXPECT_EQ(c.rules[0].offline_opts.max_returned_count, 500u);
  EXPECT_EQ(c.rules[0].offline_opts.time_range, std::chrono::seconds(7200));
  EXPECT_EQ(c.rules[0].topic, std::optional<std::string>("a/+/c"));
  EXPECT_EQ(c.rules[1].offline_opts.time_range, std::chrono::seconds(1800));
  EXPECT_FALSE(c.rules[1].offline_opts.max_returned_count.has_value());
  EXPECT_EQ(c.rules[1].pool, "pool1");  // the only pool
}

TEST(BackendConfig, SubscribeLookupMayRunOnClientConnected) {
  const auto c = parse(kPool +
                       "backend.dynamo.hook.client.connected.2 = {\"action\": {\"function\": "
                       "\"on_subscribe_lookup\"}, \"pool\": \"pool1\"}\n");
  EXPECT_EQ(c.rules_for(HookPoint::client_connected).size(), 1u);
}

// One exact message per error class of SPEC.md §1.
struct ErrorCase {
  const char* name;
  std::string text;
  std::string expected;
};

class BackendConfigErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(BackendConfigErrors, ExactMessage) {
  EXPECT_EQ(error_of(GetParam().text), GetParam().expected);
}

const std::string kRule = "backend.dynamo.hook.message.publish.1 = ";

INSTANTIATE_TEST_SUITE_P(
    AllClasses, BackendConfigErrors,
    ::testing::Values(
        ErrorCase{"unknown_key_did_you_mean", kPool + "backend.dynamo.regoin = x\n",
                  "dynamo.conf:3: unknown key `backend.dynamo.regoin`; did you mean "
                  "`backend.dynamo.region`?"},
        ErrorCase{"unknown_pool_field", kPool + "backend.dynamo.pool1.sever = http://a\n",
                  "dynamo.conf:3: unknown key `backend.dynamo.pool1.sever`; did you mean "
                  "`backend.dynamo.pool1.server`?"},
        ErrorCase{"unknown_key_no_suggestion", kPool + "listener.tcp = 1883\n",
                  "dynamo.conf:3: unknown key `listener.tcp`"},
        ErrorCase{"unknown_hook_point", kPool + "backend.dynamo.hook.session.subscribe.1 = {}\n",
                  "dynamo.conf:3: unknown hook point `session.subscribe` in "
                  "`backend.dynamo.hook.session.subscribe.1`; did you mean `session.subscribed`?"},
        ErrorCase{"unknown_function",
                  kPool + kRule + "{\"action\": {\"function\": \"on_message_publsh\"}}\n",
                  "dynamo.conf:3: `backend.dynamo.hook.message.publish.1`: unknown function "
                  "`on_message_publsh`; did you mean `on_message_publish`?"},
        ErrorCase{"unknown_pool",
                  kPool + kRule +
                      "{\"action\": {\"function\": \"on_message_publish\"}, \"pool\": \"pool2\"}\n",
                  "dynamo.conf:3: unknown pool `pool2` (defined pools: pool1)"},
        ErrorCase{"function_on_wrong_hook",
                  kPool + kRule + "{\"action\": {\"function\": \"on_retain_lookup\"}}\n",
                  "dynamo.conf:3: `backend.dynamo.hook.message.publish.1`: function "
                  "`on_retain_lookup` cannot run on hook point `message.publish` (it runs on "
                  "session.subscribed)"},
        ErrorCase{"malformed_json",
                  kPool + kRule + "{\"action\": {\"function\": \"on_message_publish\"}\n",
                  "dynamo.conf:3: `backend.dynamo.hook.message.publish.1`: malformed JSON rule: "
                  "incomplete JSON in `{\"action\": {\"function\": \"on_message_publish\"}`"},
        ErrorCase{"json_not_object", kPool + kRule + "[1]\n",
                  "dynamo.conf:3: `backend.dynamo.hook.message.publish.1`: the rule must be a "
                  "JSON object, found `[1]`"},
        ErrorCase{"unknown_json_field",
                  kPool + kRule +
                      "{\"topik\": \"#\", \"action\": {\"function\": "
                      "\"on_message_publish\"}}\n",
                  "dynamo.conf:3: `backend.dynamo.hook.message.publish.1`: unknown field "
                  "`topik` in the rule; did you mean `topic`?"},
        ErrorCase{"bad_topic_filter",
                  kPool + kRule +
                      "{\"topic\": \"a/#/b\", \"action\": {\"function\": "
                      "\"on_message_publish\"}}\n",
                  "dynamo.conf:3: `backend.dynamo.hook.message.publish.1`: `topic` is not a "
                  "valid MQTT topic filter: \"a/#/b\""},
        ErrorCase{"offline_opts_on_non_fetch",
                  kPool + kRule +
                      "{\"action\": {\"function\": \"on_message_publish\"}, "
                      "\"offline_opts\": {\"time_range\": \"2h\"}}\n",
                  "dynamo.conf:3: `backend.dynamo.hook.message.publish.1`: `offline_opts` "
                  "applies only to on_message_fetch_for_queue and on_message_fetch_for_pubsub, "
                  "not to `on_message_publish`"},
        ErrorCase{"bad_time_range",
                  kPool + "backend.dynamo.hook.session.subscribed.1 = {\"action\": "
                          "{\"function\": \"on_message_fetch_for_queue\"}, \"offline_opts\": "
                          "{\"time_range\": \"2 hours\"}}\n",
                  "dynamo.conf:3: `backend.dynamo.hook.session.subscribed.1`: "
                  "`offline_opts.time_range` must be a duration like 30m, 2h or 1d, found "
                  "\"2 hours\""},
        ErrorCase{"bad_max_returned_count",
                  kPool + "backend.dynamo.hook.session.subscribed.1 = {\"action\": "
                          "{\"function\": \"on_message_fetch_for_queue\"}, \"offline_opts\": "
                          "{\"max_returned_count\": -3}}\n",
                  "dynamo.conf:3: `backend.dynamo.hook.session.subscribed.1`: "
                  "`offline_opts.max_returned_count` must be a whole number from 1 to "
                  "4294967295, found -3"},
        ErrorCase{"bad_url_scheme", "backend.dynamo.pool1.server = ftp://localhost:8000\n",
                  "dynamo.conf:1: `backend.dynamo.pool1.server` must start with http:// or "
                  "https://, found `ftp://localhost:8000`"},
        ErrorCase{"bad_url_syntax", "backend.dynamo.pool1.server = http://local host\n",
                  "dynamo.conf:1: `backend.dynamo.pool1.server` is not a valid URL: "
                  "`http://local host`"},
        ErrorCase{"bad_url_port", "backend.dynamo.pool1.server = http://localhost:99999\n",
                  "dynamo.conf:1: `backend.dynamo.pool1.server` has an invalid port: "
                  "`http://localhost:99999`"},
        ErrorCase{"bad_url_path", "backend.dynamo.pool1.server = http://localhost:8000/x?y\n",
                  "dynamo.conf:1: `backend.dynamo.pool1.server` must be scheme://host[:port] "
                  "without a path, query or fragment, found `http://localhost:8000/x?y`"},
        ErrorCase{"bad_number", kPool + "backend.dynamo.pool1.pool_size = eight\n",
                  "dynamo.conf:3: `backend.dynamo.pool1.pool_size` must be a whole number, "
                  "found `eight`"},
        ErrorCase{"number_out_of_range", kPool + "backend.dynamo.pool1.pool_size = 0\n",
                  "dynamo.conf:3: `backend.dynamo.pool1.pool_size` must be between 1 and 1024, "
                  "found 0"},
        ErrorCase{"bad_rule_number", kPool + "backend.dynamo.hook.message.publish.x = {}\n",
                  "dynamo.conf:3: rule number `x` in `backend.dynamo.hook.message.publish.x` "
                  "must be a whole number from 1 to 999999999"},
        ErrorCase{"missing_rule_number", kPool + "backend.dynamo.hook.message.publish = {}\n",
                  "dynamo.conf:3: `backend.dynamo.hook.message.publish` needs a rule number, "
                  "e.g. `backend.dynamo.hook.message.publish.1`"},
        ErrorCase{"duplicate_rule_number",
                  kPool + kRule + "{\"action\": {\"function\": \"on_message_publish\"}}\n" +
                      "backend.dynamo.hook.message.publish.01 = "
                      "{\"action\": {\"function\": \"on_message_retain\"}}\n",
                  "dynamo.conf:4: rule 1 of `message.publish` is already defined on line 3"},
        ErrorCase{"pool_without_server", kPool + "backend.dynamo.pool2.pool_size = 4\n",
                  "dynamo.conf:3: pool `pool2` has no `backend.dynamo.pool2.server`"},
        ErrorCase{"key_without_secret", kPool + "backend.dynamo.pool1.aws_access_key_id = AK\n",
                  "dynamo.conf:3: pool `pool1` sets `backend.dynamo.pool1.aws_access_key_id` "
                  "but not its pair; give both aws_access_key_id and aws_secret_access_key, or "
                  "neither"},
        ErrorCase{"bad_write_mode", kPool + "backend.dynamo.write_mode = fast\n",
                  "dynamo.conf:3: `backend.dynamo.write_mode` must be async or sync, found "
                  "`fast`"},
        ErrorCase{"bad_ttl", kPool + "backend.dynamo.msg_ttl = forever\n",
                  "dynamo.conf:3: `backend.dynamo.msg_ttl` must be a duration like 30s, 30m, 2h "
                  "or 1d, found `forever`"},
        ErrorCase{"unknown_table", kPool + "backend.dynamo.table.mqtt_msgs = x_msgs\n",
                  "dynamo.conf:3: unknown key `backend.dynamo.table.mqtt_msgs`; did you mean "
                  "`backend.dynamo.table.mqtt_msg`?"},
        ErrorCase{"rule_without_pool_among_two",
                  kPool + "backend.dynamo.pool2.server = http://localhost:8001\n" + kRule +
                      "{\"action\": {\"function\": \"on_message_publish\"}}\n",
                  "dynamo.conf:4: the rule names no `pool` and there are 2 pools; add \"pool\""}),
    [](const auto& info) { return std::string(info.param.name); });

// Secrets never reach an error message or a printed value.
TEST(BackendConfig, SecretsAreNeverPrinted) {
  const std::string creds = std::string("backend.dynamo.pool1.aws_access_key_id = AKIA\n") +
                            "backend.dynamo.pool1.aws_secret_access_key = " + kSecret + "\n";
  const std::vector<std::string> broken = {
      kPool + creds + "backend.dynamo.pool1.aws_secret_acess_key = " + kSecret + "x\n",
      kPool + "backend.dynamo.pool1.aws_secret_access_key = " + kSecret + "\n",
      kPool + creds + kRule + "{\"action\": {\"function\": \"nope\"}}\n",
      "backend.dynamo.pool1.server = http://user:" + std::string(kSecret) + "@localhost:8000\n",
  };
  for (const auto& text : broken) {
    const auto message = error_of(text);
    ASSERT_FALSE(message.empty()) << text;
    EXPECT_EQ(message.find(kSecret), std::string::npos) << message;
    EXPECT_EQ(message.find("TZt7"), std::string::npos) << message;
  }
  const auto c = parse(kPool + creds);
  std::ostringstream out;
  out << c.pools[0].secret_access_key;
  EXPECT_EQ(out.str(), "********");
  EXPECT_EQ(c.pools[0].secret_access_key.reveal(), kSecret);
}

TEST(BackendConfig, NamesRoundTrip) {
  for (const auto* name :
       {"client.connected", "client.disconnected", "session.created", "session.subscribed",
        "session.unsubscribed", "message.publish", "message.acked"}) {
    const auto hook = parse_hook_point(name);
    ASSERT_TRUE(hook) << name;
    EXPECT_EQ(to_string(*hook), name);
  }
  const auto f = parse_function("on_message_acked_for_queue");
  ASSERT_TRUE(f);
  EXPECT_EQ(to_string(*f), "on_message_acked_for_queue");
  EXPECT_TRUE(runs_on(*f, HookPoint::message_acked));
  EXPECT_FALSE(runs_on(*f, HookPoint::message_publish));
  EXPECT_FALSE(parse_function("on_nothing").has_value());
}

}  // namespace
}  // namespace dynamq::storage
