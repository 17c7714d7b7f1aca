// The storage configuration: the seed's etc/plugins/emqx_backend_dynamo.conf, accepted verbatim
// (dynamq ships it as etc/plugins/dynamo.conf), plus dynamq's own keys. SPEC.md §1.
//
// Seed keys:
//   backend.dynamo.region                        AWS region for SigV4 signing
//   backend.dynamo.<pool>.server                 http:// or https:// endpoint URL
//   backend.dynamo.<pool>.pool_size              keep-alive HTTP connections (1..1024, default 8)
//   backend.dynamo.<pool>.aws_access_key_id      static credentials (both or neither); when
//   backend.dynamo.<pool>.aws_secret_access_key    absent the standard AWS credential chain
//   backend.dynamo.hook.<hookpoint>.<n>          a JSON rule:
//       {"topic": FILTER, "action": {"function": NAME}, "pool": POOL,
//        "offline_opts": {"max_returned_count": N, "time_range": "2h"}}
//     topic is optional (absent = every topic); pool may be left out when only one pool
//     exists; offline_opts only for on_message_fetch_for_queue / on_message_fetch_for_pubsub.
//     Rules of one hook point run in the order of <n>.
//
// dynamq's own keys (all optional):
//   backend.dynamo.write_mode = async | sync      async (default): PUBACK does not wait for
//                                                 DynamoDB; sync: only once stored
//   backend.dynamo.billing_mode = provisioned | on_demand   for `dynamq tables create`
//   backend.dynamo.read_capacity = 5              ProvisionedThroughput of created tables
//   backend.dynamo.write_capacity = 5
//   backend.dynamo.table_prefix = PREFIX          prepended to every table name (default none)
//   backend.dynamo.table.<seed name> = NAME       rename one table, e.g.
//                                                 backend.dynamo.table.mqtt_msg = prod_msg
//                                                 (the prefix is not applied to it)
//   backend.dynamo.msg_ttl = 7d                   write a TTL attribute on mqtt_msg and
//                                                 mqtt_topic_msg_map items and enable
//                                                 DynamoDB TTL on them (0 or absent: off)
//   backend.dynamo.ttl_attribute = expires_at     name of that attribute
//   backend.dynamo.max_ids_per_topic = 1000       bound on MsgId set size per topic
//                                                 (keeps items under 400 KB)
//   backend.dynamo.max_pending_writes = 100000    queued writes while DynamoDB is unreachable;
//                                                 beyond it publishers get back-pressure
//   backend.dynamo.request_timeout = 10s          per HTTP request
//   backend.dynamo.max_attempts = 8               tries per request (1 = no retry)
//   backend.dynamo.max_backoff = 5s               cap of the exponential backoff
//
// Every error is one ConfigError line "file:line: what". Secrets are held in Secret, which
// never prints its value; no error message ever contains one.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "config/kv_file.hpp"

namespace dynamq::storage {

// A value that must never reach a log: streaming it prints a mask.
class Secret {
 public:
  Secret() = default;
  explicit Secret(std::string value) : value_(std::move(value)) {}
  // The value itself, for signing only.
  const std::string& reveal() const { return value_; }
  bool empty() const { return value_.empty(); }
  friend std::ostream& operator<<(std::ostream& out, const Secret&) { return out << "********"; }

 private:
  std::string value_;
};

enum class HookPoint {
  client_connected,
  client_disconnected,
  session_created,
  session_subscribed,
  session_unsubscribed,
  message_publish,
  message_acked,
};

enum class Function {
  on_client_connected,
  on_subscribe_lookup,
  on_client_disconnected,
  on_message_fetch_for_queue,
  on_retain_lookup,
  on_acked_delete,
  on_message_publish,
  on_message_store,
  on_message_retain,
  on_retain_delete,
  on_message_acked_for_queue,
  on_message_fetch_for_pubsub,
  on_message_acked_for_pubsub,
};

// "client.connected", "on_client_connected": the names used in the config file.
std::string_view to_string(HookPoint hook);
std::string_view to_string(Function function);
std::optional<HookPoint> parse_hook_point(std::string_view name);
std::optional<Function> parse_function(std::string_view name);
// Where a function can run (SPEC.md §3); e.g. on_subscribe_lookup: session.created and
// client.connected.
bool runs_on(Function function, HookPoint hook);
// Functions that read stored messages and so take offline_opts.
bool is_fetch_function(Function function);

struct PoolConfig {
  std::string name;
  std::string server;  // as written, validated
  bool tls = false;    // https
  std::string host;    // without brackets for IPv6 literals
  std::uint16_t port = 0;
  std::uint32_t pool_size = 8;
  // Both set, or both empty (then the AWS credential chain applies).
  std::string access_key_id;
  Secret secret_access_key;
  int line = 0;  // where the pool's first key is
};

struct OfflineOpts {
  std::optional<std::uint32_t> max_returned_count;
  std::optional<std::chrono::seconds> time_range;
};

struct HookRule {
  HookPoint hook = HookPoint::client_connected;
  std::uint32_t order = 0;           // the <n> of the key
  std::optional<std::string> topic;  // absent: every topic
  Function function = Function::on_client_connected;
  std::string pool;
  OfflineOpts offline_opts;
  int line = 0;
};

enum class WriteMode { async, sync };
enum class BillingMode { provisioned, on_demand };

// The six tables of SPEC.md §2, by their seed names unless renamed.
struct TableNames {
  std::string client = "mqtt_client";
  std::string sub = "mqtt_sub";
  std::string msg = "mqtt_msg";
  std::string topic_msg_map = "mqtt_topic_msg_map";
  std::string retain = "mqtt_retain";
  std::string acked = "mqtt_acked";
};

struct BackendConfig {
  std::string path;
  std::string region;             // empty: not configured (AWS_REGION / AWS_DEFAULT_REGION apply)
  std::vector<PoolConfig> pools;  // in order of first appearance
  std::vector<HookRule> rules;    // by hook point, then <n>

  WriteMode write_mode = WriteMode::async;
  BillingMode billing_mode = BillingMode::provisioned;
  std::uint32_t read_capacity = 5;
  std::uint32_t write_capacity = 5;
  TableNames tables;
  std::optional<std::chrono::seconds> msg_ttl;  // absent: no TTL
  std::string ttl_attribute = "expires_at";
  std::uint32_t max_ids_per_topic = 1000;
  std::uint64_t max_pending_writes = 100000;
  std::chrono::milliseconds request_timeout{10000};
  std::uint32_t max_attempts = 8;
  std::chrono::milliseconds max_backoff{5000};

  const PoolConfig* find_pool(std::string_view name) const;
  // The rules of one hook point, in order.
  std::vector<const HookRule*> rules_for(HookPoint hook) const;
};

// Interprets an already split file; throws config::ConfigError ("file:line: what").
BackendConfig parse_backend_config(const config::KvFile& file);
// Reads and interprets a file.
BackendConfig load_backend_config(const std::string& path);

}  // namespace dynamq::storage
